import json
import threading

import pytest
from django.db import connection
from django.test import Client

from core.ratelimit import token_bucket_take
from supportdesk.models import Inquiry

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
        results.append(post(Client(), {"text": "Parcel lost"}, HTTP_IDEMPOTENCY_KEY="race").status_code)
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count(201) == 1 and len(results) == 4
    assert Inquiry.objects.filter(idempotency_key="race").count() == 1


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
