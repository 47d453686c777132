from django.db import migrations


def feedback_scores_copy(apps, schema_editor):
    """Customers' explicit scores onto mlcore's prediction log (the canary compares them per arm)."""
    ExplicitFeedback = apps.get_model("feedback", "ExplicitFeedback")
    Prediction = apps.get_model("mlcore", "Prediction")
    for inquiry_id, score in ExplicitFeedback.objects.filter(score__isnull=False) \
            .values_list("inquiry_id", "score").iterator():
        Prediction.objects.filter(ref=str(inquiry_id)).update(feedback_score=score)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0003_clusters"),
        ("supportdesk", "0007_prediction_log_backfill"),
    ]

    operations = [migrations.RunPython(feedback_scores_copy, migrations.RunPython.noop)]
