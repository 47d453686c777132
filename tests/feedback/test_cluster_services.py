"""A clustering run end to end through a real Celery worker, and its page."""

import time

import pytest

from feedback.models import ClusterRun, ExplicitFeedback
from tests.factories import FEEDBACK_TOPICS as TOPICS
from tests.factories import InquiryFactory, UserFactory

XSS = "<script>alert('c')</script><img src=x onerror=alert(2)>"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_run_requested_by_an_admin_is_clustered_by_the_worker(client, celery_worker_process):
    for topic, texts in TOPICS.items():
        for i in range(15):
            inquiry = InquiryFactory(status="answered_auto", category=topic)
            comment = f"{texts[i % 4]} {XSS if i == 0 and topic == 'refund' else ''}".strip()
            ExplicitFeedback.objects.create(inquiry=inquiry, comment=comment, nps=i % 11,
                                            comment_sentiment=-0.5 if topic == "refund" else 0.2)
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    r = client.post("/dashboards/clusters/run/", {"source": "comments"})
    assert r.status_code == 302
    run = ClusterRun.objects.get()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in ("done", "failed"):
            break
        time.sleep(1)
    assert run.status == "done", run.error
    assert run.n_items == 45 and len(run.points) == 45
    clusters = list(run.clusters.all())
    assert clusters and sum(c.size for c in clusters) + run.n_noise == 45
    assert all(len(c.representatives) <= 3 and c.keywords for c in clusters)
    page = client.get(f"/dashboards/clusters/?run={run.pk}").content.decode()
    assert "<script>alert('c')</script>" not in page
    assert 'id="cluster_map" type="application/json"' in page


def test_unknown_source_is_a_400(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.post("/dashboards/clusters/run/", {"source": "nope"}).status_code == 400
    assert not ClusterRun.objects.exists()


def test_clusters_page_without_runs(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert b"No clustering run yet" in client.get("/dashboards/clusters/").content
