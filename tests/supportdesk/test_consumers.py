"""Websocket hints through the real Redis channel layer."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from supportdesk.services import ticket_claim, ticket_follow_up
from tests.factories import InquiryFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(path: str, user=None):
    comm = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://127.0.0.1"),
                                                             (b"host", b"127.0.0.1")])
    if user is not None:
        comm.scope["user"] = user
    connected, code = await comm.connect(timeout=5)
    if not connected:
        # As a server does after a refusal: the consumer is told the socket is gone and ends. Left
        # running, it would sit in the channel layer's blocking read until the test's event loop is
        # torn down, and a cancellation landing mid-read can leave that teardown waiting for ever.
        await comm.disconnect()
    return comm, connected, code


async def test_customer_ticket_socket_gets_a_hint_when_an_agent_acts():
    inquiry = await sync_to_async(InquiryFactory)(status="escalated")
    agent = await sync_to_async(UserFactory)(username="bob", roles=["agent"])
    comm, connected, _ = await connect(f"/ws/tickets/{inquiry.token}/")
    assert connected
    await sync_to_async(ticket_claim)(inquiry_id=inquiry.pk, agent=agent)
    assert await comm.receive_json_from(timeout=5) == {"changed": inquiry.pk}
    await comm.disconnect()


async def test_unknown_ticket_token_is_refused():
    _, connected, code = await connect("/ws/tickets/not-a-token/")
    assert not connected and code == 4404


async def test_agent_queue_socket_needs_the_agent_role():
    customer = await sync_to_async(UserFactory)(username="alice", roles=["customer"])
    _, connected, code = await connect("/ws/agent/queue/")
    assert not connected and code == 4403
    _, connected, code = await connect("/ws/agent/queue/", user=customer)
    assert not connected and code == 4403


async def test_agent_queue_hears_about_new_escalations():
    agent = await sync_to_async(UserFactory)(username="bob", roles=["agent"])
    comm, connected, _ = await connect("/ws/agent/queue/", user=agent)
    assert connected
    answered = await sync_to_async(InquiryFactory)(status="answered_auto")
    await sync_to_async(ticket_follow_up)(inquiry=answered, body="Still broken")
    assert await comm.receive_json_from(timeout=5) == {"changed": answered.pk}
    await comm.disconnect()
