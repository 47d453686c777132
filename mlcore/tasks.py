from celery import shared_task


@shared_task(name="mlcore.ping")
def ping() -> str:
    return "pong"
