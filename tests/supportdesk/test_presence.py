"""Agents' presence on a ticket page, through the real Redis channel layer."""

import pytest
from asgiref.sync import sync_to_async

from tests.factories import UserFactory
from tests.supportdesk.test_consumers import connect

pytestmark = pytest.mark.django_db(transaction=True)
PATH = "/ws/agent/tickets/7/presence/"


async def test_only_agents_may_join():
    alice = await sync_to_async(UserFactory)(username="alice", roles=["customer"])
    for user in (None, alice):
        _, connected, code = await connect(PATH, user=user)
        assert not connected and code == 4403


async def test_agents_see_each_other_view_type_and_leave():
    bob = await sync_to_async(UserFactory)(username="bob", roles=["agent"])
    carol = await sync_to_async(UserFactory)(username="carol", roles=["agent"])
    b, connected, _ = await connect(PATH, user=bob)
    assert connected and await b.receive_nothing(timeout=0.3)
    c, connected, _ = await connect(PATH, user=carol)
    assert connected
    seen_by_bob = (await b.receive_json_from(timeout=5))["presence"]
    assert seen_by_bob["who"] == "carol" and seen_by_bob["state"] == "viewing"
    assert (await c.receive_json_from(timeout=5))["presence"]["who"] == "bob"  # bob answered carol's hello
    await c.send_json_to({"typing": True, "who": "mallory"})  # the name is the session's, never the client's
    assert (await b.receive_json_from(timeout=5))["presence"] == {**seen_by_bob, "state": "typing"}
    await c.send_json_to(["not", "an", "object"])
    assert (await b.receive_json_from(timeout=5))["presence"]["state"] == "viewing"
    await c.disconnect()
    assert (await b.receive_json_from(timeout=5))["presence"] == {**seen_by_bob, "state": "left"}
    await b.disconnect()


async def test_another_tickets_agents_hear_nothing():
    bob = await sync_to_async(UserFactory)(username="bob", roles=["agent"])
    carol = await sync_to_async(UserFactory)(username="carol", roles=["agent"])
    b, _, _ = await connect(PATH, user=bob)
    c, _, _ = await connect("/ws/agent/tickets/8/presence/", user=carol)
    assert await b.receive_nothing(timeout=0.5) and await c.receive_nothing(timeout=0.1)
    await b.disconnect()
    await c.disconnect()
