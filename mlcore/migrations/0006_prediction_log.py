import django.utils.timezone
from django.db import migrations, models


def shadow_ref_fill(apps, schema_editor):
    ShadowPrediction = apps.get_model("mlcore", "ShadowPrediction")
    for row in ShadowPrediction.objects.all().only("pk", "inquiry_id").iterator():
        ShadowPrediction.objects.filter(pk=row.pk).update(ref=str(row.inquiry_id))


class Migration(migrations.Migration):
    """mlcore keeps its own prediction log; ShadowPrediction refers to a request by ref, not by
    a foreign key to a product app's model. (supportdesk 0007 copies existing inquiries in.)"""

    dependencies = [
        ("mlcore", "0005_trainingexample_upset"),
    ]

    operations = [
        migrations.CreateModel(
            name="Prediction",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("ref", models.CharField(db_index=True, max_length=64)),
                ("model_version", models.CharField(max_length=32)),
                ("category", models.CharField(max_length=64)),
                ("confidence", models.FloatField()),
                ("sentiment", models.FloatField(blank=True, null=True)),
                ("escalated", models.BooleanField()),
                ("confirmed_category", models.CharField(blank=True, max_length=64)),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                ("feedback_score", models.FloatField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "indexes": [models.Index(fields=["model_version", "created_at"], name="prediction_version_time")],
            },
        ),
        migrations.AddField(
            model_name="shadowprediction",
            name="ref",
            field=models.CharField(db_index=True, default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(shadow_ref_fill, migrations.RunPython.noop),
        migrations.RemoveField(model_name="shadowprediction", name="inquiry"),
    ]
