"""The labeling queue socket through the real Redis channel layer."""

import pytest
from asgiref.sync import sync_to_async

from labeling.services import annotation_take
from tests.factories import LabelingItemFactory, UserFactory
from tests.supportdesk.test_consumers import connect

pytestmark = pytest.mark.django_db(transaction=True)


async def test_queue_socket_needs_an_annotator_or_reviewer():
    agent = await sync_to_async(UserFactory)(username="bob", roles=["agent"])
    _, connected, code = await connect("/ws/labeling/queue/", user=agent)
    assert not connected and code == 4403
    _, connected, code = await connect("/ws/labeling/queue/")
    assert not connected and code == 4403


async def test_queue_socket_hears_when_an_item_is_taken():
    annie = await sync_to_async(UserFactory)(username="annie", roles=["annotator"])
    rita = await sync_to_async(UserFactory)(username="rita", roles=["reviewer"])
    await sync_to_async(LabelingItemFactory)()
    comm, connected, _ = await connect("/ws/labeling/queue/", user=rita)
    assert connected
    await sync_to_async(annotation_take)(annotator=annie)
    message = await comm.receive_json_from(timeout=5)
    assert set(message) == {"changed"}  # a bare hint: no text, no label
    await comm.disconnect()
