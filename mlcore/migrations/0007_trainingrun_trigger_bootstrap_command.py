from django.db import migrations, models


class Migration(migrations.Migration):
    """Runs trained in process by bootstrap and manage.py train."""

    dependencies = [
        ("mlcore", "0006_prediction_log"),
    ]

    operations = [
        migrations.AlterField(
            model_name="trainingrun",
            name="trigger",
            field=models.CharField(
                choices=[
                    ("manual", "Admin button"),
                    ("gold_labels", "New gold labels"),
                    ("drift", "Critical drift"),
                    ("accuracy", "Accuracy on agent corrections"),
                    ("schedule", "Schedule"),
                    ("bootstrap", "First run (bootstrap)"),
                    ("command", "Command line"),
                ],
                max_length=16,
            ),
        ),
    ]
