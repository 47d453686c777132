"""Saved replies: shared by the team, managed by agents and admins, offered on the ticket page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from supportdesk.models import SavedReply
from supportdesk.services import saved_reply_create, saved_reply_delete, saved_reply_update
from tests.factories import InquiryFactory, UserFactory

BODY = "Hello,\n\nThanks for writing. <b>Your parcel</b> is on its way & arrives Friday."


@pytest.fixture
def bob_client(client, bob_agent):
    client.force_login(bob_agent)
    return client


@pytest.fixture
def parcel_reply(bob_agent):
    return saved_reply_create(user=bob_agent, title="Parcel on its way", body=BODY)


def test_an_agent_creates_updates_and_deletes_a_saved_reply(bob_agent):
    reply = saved_reply_create(user=bob_agent, title="  Parcel  ", body=BODY + "\r\n")
    assert (reply.title, reply.body, reply.created_by) == ("Parcel", BODY, bob_agent)
    carol = UserFactory(username="carol", roles=["agent"])
    saved_reply_update(user=carol, saved_reply_id=reply.pk, title="Parcel late", body="Sorry!")
    reply.refresh_from_db()
    assert (reply.title, reply.body, reply.created_by) == ("Parcel late", "Sorry!", bob_agent)  # shared
    assert saved_reply_delete(user=carol, saved_reply_id=reply.pk) is True
    assert saved_reply_delete(user=carol, saved_reply_id=reply.pk) is False


def test_an_admin_without_the_agent_role_manages_them_too(db):
    grace = UserFactory(username="grace", roles=["admin"])
    assert saved_reply_create(user=grace, title="Refund", body="Refunds take 5 days.").pk


def test_other_roles_and_bad_input_are_refused(alice, bob_agent):
    with pytest.raises(PermissionDenied):
        saved_reply_create(user=alice, title="x", body="y")
    with pytest.raises(ValidationError) as exc:
        saved_reply_create(user=bob_agent, title=" ", body="")
    assert set(exc.value.message_dict) == {"title", "body"}
    with pytest.raises(ValidationError):
        saved_reply_create(user=bob_agent, title="x" * 121, body="y")
    with pytest.raises(SavedReply.DoesNotExist):
        saved_reply_update(user=bob_agent, saved_reply_id=999999, title="x", body="y")
    assert not SavedReply.objects.exists()


def test_the_page_lists_them_and_creates_one_with_csrf(bob_agent, parcel_reply):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(bob_agent)
    page = client.get("/agent/saved-replies/")
    html = page.content.decode()
    assert page.status_code == 200 and "Parcel on its way" in html and "&lt;b&gt;Your parcel&lt;/b&gt;" in html
    assert client.post("/agent/saved-replies/", {"title": "New", "body": "Text"}).status_code == 403  # no token
    token = page.cookies["csrftoken"].value
    r = client.post("/agent/saved-replies/", {"title": "New", "body": "Text", "csrfmiddlewaretoken": token})
    assert r.status_code == 302 and SavedReply.objects.filter(title="New", created_by=bob_agent).exists()


def test_the_page_shows_the_errors_of_a_bad_form(bob_client):
    r = bob_client.post("/agent/saved-replies/", {"title": "", "body": "x" * 5001})
    html = r.content.decode()
    assert r.status_code == 400 and "This field is required." in html and "the limit is 5000" in html


def test_the_edit_page_updates_and_the_delete_button_deletes(bob_client, parcel_reply):
    url = f"/agent/saved-replies/{parcel_reply.pk}/"
    assert "Parcel on its way" in bob_client.get(url).content.decode()
    assert bob_client.post(url, {"title": "Parcel", "body": "Edited"}).status_code == 302
    parcel_reply.refresh_from_db()
    assert parcel_reply.body == "Edited"
    assert bob_client.post(url, {"title": "", "body": ""}).status_code == 400
    assert bob_client.post(url + "delete/").status_code == 302
    assert not SavedReply.objects.exists()
    assert bob_client.get(url).status_code == 404
    assert bob_client.post(url + "delete/").status_code == 302  # already gone: said so, not an error
    assert bob_client.get(url + "delete/").status_code == 405


def test_customers_and_anonymous_visitors_cannot_reach_them(client, alice, parcel_reply):
    assert client.get("/agent/saved-replies/").status_code == 302
    client.force_login(alice)
    assert client.get("/agent/saved-replies/").status_code == 403
    assert client.post("/agent/saved-replies/", {"title": "x", "body": "y"}).status_code == 403
    assert client.post(f"/agent/saved-replies/{parcel_reply.pk}/delete/").status_code == 403
    assert SavedReply.objects.count() == 1


def test_the_ticket_page_offers_them_next_to_the_reply_box(bob_client, bob_agent, parcel_reply):
    ticket = InquiryFactory(status="assigned", assigned_to=bob_agent)
    html = bob_client.get(f"/agent/tickets/{ticket.pk}/").content.decode()
    picker = html.split('id="saved-replies"', 1)[1].split("</ul>", 1)[0]
    assert "Parcel on its way" in picker and f'data-insert-from="saved-{parcel_reply.pk}"' in picker
    assert f'id="saved-{parcel_reply.pk}">Hello,\n\nThanks for writing. &lt;b&gt;Your parcel' in picker


def test_the_admin_registers_them(admin_user, client, parcel_reply):
    client.force_login(admin_user)
    assert client.get("/admin/supportdesk/savedreply/").status_code == 200
    assert client.get(f"/admin/supportdesk/savedreply/{parcel_reply.pk}/change/").status_code == 200


@pytest.fixture
def bob_api(bob_agent):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=bob_agent).key}")
    return client


def test_the_api_lists_creates_updates_and_deletes(bob_api, parcel_reply):
    assert [r["title"] for r in bob_api.get("/api/agent/saved-replies/").json()] == ["Parcel on its way"]
    r = bob_api.post("/api/agent/saved-replies/", {"title": "Refund", "body": "Five days."}, format="json")
    assert r.status_code == 201 and r.json()["created_by"] == "bob"
    url = f"/api/agent/saved-replies/{r.json()['id']}/"
    assert bob_api.get(url).json()["body"] == "Five days."
    r = bob_api.put(url, {"title": "Refund", "body": "Three days."}, format="json")
    assert r.status_code == 200 and r.json()["body"] == "Three days."
    assert bob_api.delete(url).status_code == 204
    assert bob_api.delete(url).status_code == 404
    assert bob_api.get(url).status_code == 404
    assert bob_api.put(url, {"title": "x", "body": "y"}, format="json").status_code == 404


def test_the_api_refuses_bad_input_and_other_roles(bob_api, client, alice, parcel_reply):
    assert bob_api.post("/api/agent/saved-replies/", {"title": " ", "body": "x"}, format="json").status_code == 400
    assert bob_api.post("/api/agent/saved-replies/", {"title": "x" * 121, "body": "x"},
                        format="json").status_code == 400
    assert bob_api.post("/api/agent/saved-replies/", {"title": 1, "body": "x"}, format="json").status_code == 400
    client.force_login(alice)
    assert client.get("/api/agent/saved-replies/", HTTP_ACCEPT="application/json").status_code == 403
    assert SavedReply.objects.count() == 1
