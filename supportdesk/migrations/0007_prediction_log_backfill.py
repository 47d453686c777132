from django.db import migrations

BATCH = 2000


def predictions_copy(apps, schema_editor):
    """Classified inquiries into mlcore's prediction log, so drift, the canary and the retraining
    triggers keep their history across the upgrade."""
    Inquiry = apps.get_model("supportdesk", "Inquiry")
    Prediction = apps.get_model("mlcore", "Prediction")
    rows = (Inquiry.objects.exclude(model_version="").exclude(category="").filter(confidence__isnull=False)
            .values_list("pk", "model_version", "category", "confidence", "sentiment", "escalation_reasons",
                         "confirmed_category", "updated_at", "created_at").order_by("pk"))
    batch = []
    for pk, version, category, confidence, sentiment, reasons, confirmed, updated, created in rows.iterator():
        batch.append(Prediction(ref=str(pk), model_version=version, category=category, confidence=confidence,
                                sentiment=sentiment, escalated=bool(reasons), confirmed_category=confirmed,
                                confirmed_at=updated if confirmed else None, created_at=created))
        if len(batch) >= BATCH:
            Prediction.objects.bulk_create(batch)
            batch = []
    Prediction.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("supportdesk", "0006_inquiry_upset_novelty"),
        ("mlcore", "0006_prediction_log"),
    ]

    operations = [migrations.RunPython(predictions_copy, migrations.RunPython.noop)]
