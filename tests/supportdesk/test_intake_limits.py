import json
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from core.ratelimit import token_bucket_take
from supportdesk.models import Inquiry, TicketMessage
from supportdesk.services import intake
from tests.factories import InquiryFactory

URL = "/api/inquiries/"


def post(client, body, **headers):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


def test_idempotent_replay_returns_the_same_ticket(client, active_model):
    first = post(client, {"text": "Where is my parcel?"}, HTTP_IDEMPOTENCY_KEY="k-123")
    again = post(client, {"text": "Where is my parcel?"}, HTTP_IDEMPOTENCY_KEY="k-123")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and Inquiry.objects.count() == 1


def test_reusing_a_key_for_other_text_is_a_409(client, active_model):
    post(client, {"text": "Where is my parcel?"}, HTTP_IDEMPOTENCY_KEY="k-1")
    r = post(client, {"text": "Something else"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert r.status_code == 409 and "Idempotency-Key" in r.json()
    assert Inquiry.objects.count() == 1


def test_overlong_key_is_a_400(client, active_model):
    r = post(client, {"text": "hi"}, HTTP_IDEMPOTENCY_KEY="k" * 129)
    assert r.status_code == 400 and "Idempotency-Key" in r.json()


@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_create_one_ticket(active_model):
    results = []
    barrier = threading.Barrier(4)

    def send():
        barrier.wait()
        r = post(Client(), {"text": "Parcel lost"}, HTTP_IDEMPOTENCY_KEY="race")
        results.append((r.status_code, r.json()))
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(code for code, _ in results).count(201) == 1 and len(results) == 4
    assert {body["id"] for _, body in results} == {Inquiry.objects.get(idempotency_key="race").pk}
    assert all(body["status"] != "received" for _, body in results)  # every answer is the outcome


def test_token_bucket_refills_at_its_rate(db):
    take = lambda: token_bucket_take(key="t-bucket", capacity=3, refill_per_second=0.001)  # noqa: E731
    assert [take().allowed for _ in range(4)] == [True, True, True, False]
    refused = take()
    assert refused.retry_after >= 999  # one token takes 1000 s at 0.001/s


def test_api_answers_429_with_retry_after_and_keeps_earlier_tickets(client, active_model, settings):
    settings.SUPPORTLOOP_RATE_CAPACITY = 2
    settings.SUPPORTLOOP_RATE_REFILL_PER_SECOND = 0.01
    codes = [post(client, {"text": f"question {i}"}, REMOTE_ADDR="10.9.9.1").status_code for i in range(3)]
    assert codes == [201, 201, 429]
    r = post(client, {"text": "again"}, REMOTE_ADDR="10.9.9.1")
    assert r.status_code == 429 and int(r["Retry-After"]) >= 1
    assert Inquiry.objects.count() == 2
    assert post(client, {"text": "other client"}, REMOTE_ADDR="10.9.9.2").status_code == 201


def test_form_answers_429_too(client, active_model, settings):
    settings.SUPPORTLOOP_RATE_CAPACITY = 1
    settings.SUPPORTLOOP_RATE_REFILL_PER_SECOND = 0.01
    assert client.post("/", {"text": "one"}, REMOTE_ADDR="10.9.9.3").status_code == 302
    r = client.post("/", {"text": "two"}, REMOTE_ADDR="10.9.9.3")
    assert r.status_code == 429 and r["Retry-After"] and b"nothing you sent before was lost" in r.content


# follow-ups share the bucket of what a person writes


def fresh_client() -> str:
    return f"test-{uuid.uuid4().hex}"  # an address of its own, also on a Redis kept between runs


@pytest.fixture
def small_bucket(settings):
    settings.SUPPORTLOOP_RATE_CAPACITY = 2
    settings.SUPPORTLOOP_RATE_REFILL_PER_SECOND = 0.01


def test_follow_ups_are_limited_and_the_refusal_keeps_the_typed_text(client, db, small_bucket):
    ticket = InquiryFactory(status="answered_auto", answer="Track it under Account > Orders.")
    me = fresh_client()
    url = f"/t/{ticket.token}/follow-up/"
    codes = [client.post(url, {"body": f"Still nothing, try {i}"}, REMOTE_ADDR=me).status_code for i in range(2)]
    refused = client.post(url, {"body": "Third time: where is my parcel?"}, REMOTE_ADDR=me)
    assert codes == [302, 302] and refused.status_code == 429 and int(refused["Retry-After"]) >= 100
    page = refused.content.decode()
    assert "Third time: where is my parcel?</textarea>" in page  # nothing typed is lost
    assert "You have sent a lot of messages in a short time. Please wait" in page
    assert refused["Cache-Control"] == "private, no-store"  # still the customer's private page
    assert TicketMessage.objects.filter(inquiry=ticket).count() == 2
    assert client.post(url, {"body": "Me too"}, REMOTE_ADDR=fresh_client()).status_code == 302  # per client


def test_inquiries_and_follow_ups_draw_on_one_bucket(client, active_model, small_bucket):
    me = fresh_client()
    ticket = post(client, {"text": "Where is my parcel?"}, REMOTE_ADDR=me).json()
    token = ticket["ticket_url"].rstrip("/").rsplit("/", 1)[-1]
    assert client.post(f"/t/{token}/follow-up/", {"body": "Any news?"}, REMOTE_ADDR=me).status_code == 302
    assert post(client, {"text": "Another question"}, REMOTE_ADDR=me).status_code == 429
    assert client.post(f"/t/{token}/follow-up/", {"body": "Hello?"}, REMOTE_ADDR=me).status_code == 429


# Idempotency-Key: whose key it is, and what a replay may see


def test_a_key_replayed_by_another_client_is_their_own_inquiry(client, active_model):
    first = post(client, {"text": "Where is my parcel?"}, HTTP_IDEMPOTENCY_KEY="k-shared", REMOTE_ADDR="10.1.1.1")
    other = post(client, {"text": "Where is my parcel?"}, HTTP_IDEMPOTENCY_KEY="k-shared", REMOTE_ADDR="10.1.1.2")
    assert first.status_code == 201 and other.status_code == 201
    assert other.json()["ticket_url"] != first.json()["ticket_url"]  # the first customer's address stays secret
    again = post(client, {"text": "Where is my parcel?"}, HTTP_IDEMPOTENCY_KEY="k-shared", REMOTE_ADDR="10.1.1.1")
    assert again.status_code == 200 and again.json()["ticket_url"] == first.json()["ticket_url"]
    assert Inquiry.objects.filter(idempotency_key="k-shared").count() == 2


def test_the_client_is_told_apart_behind_our_proxy(client, active_model, settings):
    settings.SUPPORTLOOP_TRUSTED_PROXY_COUNT = 1
    body = {"text": "Where is my parcel?"}
    first = post(client, body, HTTP_IDEMPOTENCY_KEY="k-p", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    other = post(client, body, HTTP_IDEMPOTENCY_KEY="k-p", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert (first.status_code, other.status_code) == (201, 201)


def test_the_stored_client_is_a_keyed_hash_not_the_address(client, active_model):
    post(client, {"text": "Where is my parcel?"}, HTTP_IDEMPOTENCY_KEY="k-h", REMOTE_ADDR="203.0.113.50")
    stored = Inquiry.objects.get(idempotency_key="k-h").idempotency_client
    assert len(stored) == 64 and "203.0.113" not in stored


@pytest.mark.parametrize("change", [{"email": "mallory@example.com"}, {"name": "Mallory"}])
def test_a_replay_must_repeat_the_whole_request(client, active_model, change):
    body = {"text": "Where is my parcel?", "name": "Alice", "email": "alice@example.com"}
    assert post(client, body, HTTP_IDEMPOTENCY_KEY="k-w").status_code == 201
    r = post(client, {**body, **change}, HTTP_IDEMPOTENCY_KEY="k-w")
    assert r.status_code == 409 and "Idempotency-Key" in r.json() and "ticket_url" not in r.json()


class SlowClassification:
    """inquiry_classify held until release(): a replay arrives while the first request is still classifying."""

    def __init__(self, monkeypatch):
        self.started, self.go = threading.Event(), threading.Event()
        real = intake.inquiry_classify

        def held(*, inquiry):
            self.started.set()
            assert self.go.wait(30)
            return real(inquiry=inquiry)

        monkeypatch.setattr(intake, "inquiry_classify", held)

    def release(self) -> None:
        self.go.set()


def send_in_thread(body, key, out: dict, name: str) -> threading.Thread:
    def send():
        try:
            out[name] = post(Client(), body, HTTP_IDEMPOTENCY_KEY=key)
        finally:
            connection.close()

    thread = threading.Thread(target=send)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_replay_during_classification_waits_for_the_outcome(active_model, monkeypatch, settings):
    settings.SUPPORTLOOP_IDEMPOTENCY_WAIT_SECONDS = 20
    slow, out, body = SlowClassification(monkeypatch), {}, {"text": "Where is my parcel?"}
    first = send_in_thread(body, "k-slow", out, "first")
    assert slow.started.wait(30)  # the ticket exists, still "received"
    replay = send_in_thread(body, "k-slow", out, "replay")
    replay.join(0.5)
    assert replay.is_alive()  # it waits rather than answer with the half-done ticket
    slow.release()
    first.join(30), replay.join(30)
    assert out["first"].status_code == 201 and out["replay"].status_code == 200
    assert out["replay"].json() == out["first"].json()
    assert out["replay"].json()["status"] != "received"


@pytest.mark.django_db(transaction=True)
def test_a_replay_gives_up_waiting_with_a_409_and_retry_after(active_model, monkeypatch, settings):
    settings.SUPPORTLOOP_IDEMPOTENCY_WAIT_SECONDS = 0.3
    slow, out, body = SlowClassification(monkeypatch), {}, {"text": "Where is my parcel?"}
    first = send_in_thread(body, "k-stuck", out, "first")
    try:
        assert slow.started.wait(30)
        r = post(Client(), body, HTTP_IDEMPOTENCY_KEY="k-stuck")
        assert r.status_code == 409 and r["Retry-After"] == "1"
        assert "still being processed" in r.json()["Idempotency-Key"][0] and "ticket_url" not in r.json()
    finally:
        slow.release()
        first.join(30)
    assert out["first"].status_code == 201
    assert post(Client(), body, HTTP_IDEMPOTENCY_KEY="k-stuck").json()["id"] == out["first"].json()["id"]
