from celery import shared_task


@shared_task(name="feedback.clusterrun_execute", acks_late=True)
def clusterrun_execute_task(run_id: int) -> int:
    from feedback.cluster_services import clusterrun_execute

    return clusterrun_execute(run_id=run_id).pk


@shared_task(name="feedback.clusterruns_nightly")
def clusterruns_nightly_task() -> list[int]:
    from feedback.cluster_services import clusterruns_nightly

    return [run.pk for run in clusterruns_nightly()]
