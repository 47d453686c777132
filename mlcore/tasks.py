from celery import shared_task


@shared_task(name="mlcore.ping")
def ping() -> str:
    return "pong"


@shared_task(name="mlcore.rollout_evaluate")
def rollout_evaluate_task() -> str:
    from mlcore.rollout import rollout_evaluate

    decision = rollout_evaluate()
    return decision.action if decision else "none"
