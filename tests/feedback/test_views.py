import pytest
from django.test import Client

from feedback.models import ExplicitFeedback, ImplicitSignal
from tests.factories import InquiryFactory


@pytest.fixture
def answered(db):
    return InquiryFactory(status="answered_auto", answer="Track it under Account > Orders.", category="delivery")


def beacon(client, inquiry, **fields):
    data = {"view_id": "view-abcdef12", "seq": 1, "clicked": "on", "dwell": "45.3", "depth": "0.78", **fields}
    return client.post(f"/t/{inquiry.token}/signals/", data)


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


def test_feedback_form_shows_only_once_there_is_an_answer(client, db):
    waiting = InquiryFactory(status="escalated")
    assert b"How did we do?" not in client.get(f"/t/{waiting.token}/").content
    done = InquiryFactory(status="answered_auto", answer="Here you go.")
    assert b"How did we do?" in client.get(f"/t/{done.token}/").content
