from celery import shared_task


@shared_task(name="labeling.queue_fill", acks_late=True)
def labeling_queue_fill_task(*, trigger: str = "manual", requested_by_id: int | None = None) -> int | None:
    from django.contrib.auth import get_user_model

    from labeling.services import labelingbatch_create

    user = get_user_model().objects.filter(pk=requested_by_id).first() if requested_by_id else None
    batch = labelingbatch_create(trigger=trigger, requested_by=user)
    return batch.pk if batch else None


@shared_task(name="labeling.after_promotion", acks_late=True)
def labeling_after_promotion_task(*, version: str) -> int | None:
    from labeling.services import labeling_after_promotion

    batch = labeling_after_promotion(version=version)
    return batch.pk if batch else None


@shared_task(name="labeling.queue_maintain")
def labeling_queue_maintain_task() -> dict:
    from labeling.services import labeling_queue_maintain

    return labeling_queue_maintain()


@shared_task(name="labeling.audit_sample")
def labeling_audit_sample_task() -> dict:
    from dataclasses import asdict

    from labeling.services.audit import audit_sample

    return asdict(audit_sample())
