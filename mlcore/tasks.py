from celery import shared_task


@shared_task(name="mlcore.ping")
def ping() -> str:
    return "pong"


# acks_late + reject_on_worker_lost: a worker killed mid-run leaves the message to be redelivered;
# the run's heartbeat tells a redelivery whether the first delivery is still at work.
@shared_task(name="mlcore.tasks.modelversion_train_task", bind=True, acks_late=True, reject_on_worker_lost=True,
             max_retries=40)
def modelversion_train_task(self, run_id: int) -> str | None:
    from mlcore.pipeline import TrainingBusy, trainingrun_execute

    try:
        run = trainingrun_execute(run_id=run_id)
    except TrainingBusy as exc:
        raise self.retry(countdown=30, exc=exc) from exc
    return run.status if run else None


@shared_task(name="mlcore.trainingruns_recover")
def trainingruns_recover_task() -> list[int]:
    from mlcore.pipeline import trainingruns_recover

    return trainingruns_recover()


@shared_task(name="mlcore.retrain_check")
def retrain_check_task() -> int | None:
    from mlcore.triggers import retrain_check

    run = retrain_check()
    return run.pk if run else None


@shared_task(name="mlcore.driftreport_compute")
def driftreport_compute_task() -> str:
    from mlcore.drift_services import driftreport_compute

    return driftreport_compute().level


@shared_task(name="mlcore.rollout_evaluate")
def rollout_evaluate_task() -> str:
    from mlcore.rollout import rollout_evaluate

    decision = rollout_evaluate()
    return decision.action if decision else "none"
