"""The topics page's socket through the real Redis channel layer: admins hear that a clustering run changed."""

import pytest
from asgiref.sync import sync_to_async

from feedback.cluster_services import clusterrun_execute
from feedback.models import ClusterRun
from tests.factories import UserFactory
from tests.supportdesk.test_consumers import connect

pytestmark = pytest.mark.django_db(transaction=True)


async def test_topics_socket_is_for_admins_only():
    agent = await sync_to_async(UserFactory)(username="bob", roles=["agent"])
    _, connected, code = await connect("/ws/admin/topics/", user=agent)
    assert not connected and code == 4403


async def test_topics_socket_hears_when_a_run_finishes():
    admin = await sync_to_async(UserFactory)(username="root", roles=["admin"])
    run = await sync_to_async(ClusterRun.objects.create)(source=ClusterRun.Source.ESCALATIONS)
    comm, connected, _ = await connect("/ws/admin/topics/", user=admin)
    assert connected
    run = await sync_to_async(clusterrun_execute)(run_id=run.pk)  # nothing escalated: done, with no topics
    assert run.status == ClusterRun.Status.DONE, run.error
    assert await comm.receive_json_from(timeout=5) == {"changed": run.pk}
    await comm.disconnect()
