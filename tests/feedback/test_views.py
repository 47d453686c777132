import uuid

import pytest
from django.db.models import Max
from django.test import Client

from feedback.models import ExplicitFeedback, ImplicitSignal
from tests.factories import InquiryFactory, TicketMessageFactory


@pytest.fixture
def answered(db):
    return InquiryFactory(status="answered_auto", answer="Track it under Account > Orders.", category="delivery")


def beacon(client, inquiry, *, address="127.0.0.1", **fields):
    data = {"view_id": "view-abcdef12", "seq": 1, "clicked": "on", "dwell": "45.3", "depth": "0.78", **fields}
    return client.post(f"/t/{inquiry.token}/signals/", data, REMOTE_ADDR=address)


def test_beacon_stores_the_spec_score_and_replays_count_once(client, answered):
    assert beacon(client, answered).status_code == 204
    assert beacon(client, answered).status_code == 204  # the same beacon replayed
    signal = ImplicitSignal.objects.get()
    assert signal.score == pytest.approx(0.914, abs=5e-4) and signal.last_seq == 1
    beacon(client, answered, seq=2, clicked="", dwell="90", depth="0.5")
    signal.refresh_from_db()
    assert (signal.clicked, signal.dwell_seconds, signal.scroll_depth) == (True, 90.0, 0.78)
    beacon(client, answered, seq=1, dwell="3000")  # late, older beacon
    signal.refresh_from_db()
    assert signal.dwell_seconds == 90.0 and ImplicitSignal.objects.count() == 1


def test_dwell_is_clipped_to_an_hour(client, answered):
    beacon(client, answered, dwell="99999")
    assert ImplicitSignal.objects.get().dwell_seconds == 3600


@pytest.mark.parametrize("fields", [{"dwell": "-1"}, {"depth": "1.5"}, {"depth": "-0.1"}, {"seq": "0"},
                                    {"view_id": "x"}, {"dwell": "abc"}])
def test_bad_beacons_are_400_and_store_nothing(client, answered, fields):
    r = beacon(client, answered, **fields)
    assert r.status_code == 400 and r.json()["errors"]
    assert not ImplicitSignal.objects.exists()


def test_beacon_for_an_unknown_ticket_is_404(client, db):
    assert client.post("/t/nope-nope-nope/signals/", {"view_id": "view-abcdef12"}).status_code == 404


def test_beacon_needs_the_csrf_token(answered):
    assert beacon(Client(enforce_csrf_checks=True), answered).status_code == 403


def test_explicit_feedback_is_scored_with_comment_sentiment(client, answered, active_model):
    r = client.post(f"/t/{answered.token}/feedback/", {"helpful": "yes", "rating": "5", "nps": "9",
                                                       "comment": "Great answer, thank you so much!"})
    assert r.status_code == 302
    fb = ExplicitFeedback.objects.get()
    assert fb.helpful is True and fb.rating == 5 and fb.nps == 9 and fb.model_version == "v1"
    assert fb.comment_sentiment > 0.3
    assert fb.score == pytest.approx(0.5 * 1 + 0.3 * fb.comment_sentiment + 0.2 * 0.9)
    page = client.get(f"/t/{answered.token}/").content.decode()
    assert "Thank you for your feedback" in page


@pytest.mark.parametrize("fields", [{"rating": "0"}, {"rating": "6"}, {"nps": "11"}, {"nps": "-1"},
                                    {"comment": "x" * 100_000}, {}, {"helpful": "maybe"}])
def test_bad_feedback_is_400_and_stores_nothing(client, answered, active_model, fields):
    r = client.post(f"/t/{answered.token}/feedback/", fields)
    assert r.status_code == 400
    assert r["Cache-Control"] == "private, no-store" and r["Referrer-Policy"] == "same-origin"
    assert not ExplicitFeedback.objects.exists()


def test_second_rating_for_the_same_ticket_is_refused(client, answered, active_model):
    client.post(f"/t/{answered.token}/feedback/", {"rating": "4"})
    r = client.post(f"/t/{answered.token}/feedback/", {"rating": "1"})
    assert r.status_code == 409
    assert r["Cache-Control"] == "private, no-store" and r["Referrer-Policy"] == "same-origin"
    assert ExplicitFeedback.objects.get().rating == 4


def test_feedback_form_shows_for_an_automatic_answer_and_once_resolved(client, db):
    waiting = InquiryFactory(status="escalated")
    assert b'id="feedback-form"' not in client.get(f"/t/{waiting.token}/").content
    done = InquiryFactory(status="answered_auto", answer="Here you go.")
    assert b"Was this helpful?" in client.get(f"/t/{done.token}/").content
    on_it = InquiryFactory(status="assigned")
    TicketMessageFactory(inquiry=on_it, body="Looking into it.")
    assert b'id="feedback-form"' not in client.get(f"/t/{on_it.token}/").content  # not while a person is on it
    resolved = InquiryFactory(status="resolved")
    TicketMessageFactory(inquiry=resolved, body="Sorted.")
    assert b"Tell us how we did" in client.get(f"/t/{resolved.token}/body/").content  # in the live region


# refusals: feedback before any answer, and the rate limits


def fresh_client() -> str:
    return f"test-{uuid.uuid4().hex}"  # an address of its own, also on a Redis kept between runs


def test_feedback_on_a_ticket_nobody_answered_yet_is_a_409_and_stores_nothing(client, db, active_model):
    waiting = InquiryFactory(status="escalated")
    r = client.post(f"/t/{waiting.token}/feedback/", {"rating": "1", "comment": "nobody answered"})
    assert r.status_code == 409
    assert "no answer yet" in r.content.decode()
    assert r["Cache-Control"] == "private, no-store"
    assert not ExplicitFeedback.objects.exists()


def test_feedback_after_an_agents_reply_is_taken(client, db, active_model):
    replied = InquiryFactory(status="assigned")
    TicketMessageFactory(inquiry=replied, body="We sent a new one.")
    assert client.post(f"/t/{replied.token}/feedback/", {"rating": "5"}).status_code == 302
    assert ExplicitFeedback.objects.get().inquiry == replied


def test_feedback_is_limited_and_the_refusal_keeps_the_comment(client, db, active_model, settings):
    settings.SUPPORTLOOP_RATE_CAPACITY, settings.SUPPORTLOOP_RATE_REFILL_PER_SECOND = 1, 0.01
    me = fresh_client()
    first, second = (InquiryFactory(status="answered_auto", answer="Here you go.") for _ in range(2))
    assert client.post(f"/t/{first.token}/feedback/", {"rating": "5"}, REMOTE_ADDR=me).status_code == 302
    r = client.post(f"/t/{second.token}/feedback/", {"rating": "2", "comment": "Too slow, sorry"}, REMOTE_ADDR=me)
    assert r.status_code == 429 and int(r["Retry-After"]) >= 100
    page = r.content.decode()
    assert "Too slow, sorry</textarea>" in page and "Please wait" in page
    assert list(ExplicitFeedback.objects.values_list("inquiry", flat=True)) == [first.pk]


def test_beacons_are_limited_with_a_429_and_retry_after(client, answered, settings):
    settings.SUPPORTLOOP_RATE_SIGNAL_CAPACITY, settings.SUPPORTLOOP_RATE_SIGNAL_REFILL_PER_SECOND = 3, 0.01
    me = fresh_client()
    codes = [beacon(client, answered, view_id=f"view-{i:08d}", address=me).status_code for i in range(4)]
    assert codes == [204, 204, 204, 429]
    refused = beacon(client, answered, view_id="view-refused", address=me)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1 and refused.json()["detail"]
    assert ImplicitSignal.objects.count() == 3
    assert beacon(client, answered, view_id="view-other01", address=fresh_client()).status_code == 204


def test_views_beyond_the_cap_are_answered_but_never_counted(client, answered, settings):
    settings.SUPPORTLOOP_VIEWS_PER_TICKET_MAX = 3
    for i in range(3):
        beacon(client, answered, view_id=f"view-{i:08d}", clicked="", dwell="2", depth="0.1")
    low = ImplicitSignal.objects.filter(inquiry=answered).aggregate(best=Max("score"))["best"]
    r = beacon(client, answered, view_id="view-inflated", clicked="on", dwell="3600", depth="1")
    assert r.status_code == 204  # browsers ignore the answer to a beacon
    assert ImplicitSignal.objects.filter(inquiry=answered).count() == 3
    assert ImplicitSignal.objects.filter(inquiry=answered).aggregate(best=Max("score"))["best"] == low
    beacon(client, answered, view_id="view-00000001", seq=2, clicked="on", dwell="90", depth="0.9")
    assert ImplicitSignal.objects.get(view_id="view-00000001").clicked  # counted views still update
    assert beacon(client, InquiryFactory(status="answered_auto"), view_id="view-elsewhere").status_code == 204
    assert ImplicitSignal.objects.filter(view_id="view-elsewhere").exists()  # the cap is per ticket
