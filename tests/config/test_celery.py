import pytest


@pytest.mark.slow
def test_ping_round_trips_through_a_real_worker(celery_worker_process):
    from mlcore.tasks import ping

    assert ping.apply_async(ignore_result=False).get(timeout=30) == "pong"
