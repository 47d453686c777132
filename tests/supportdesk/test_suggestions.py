"""Suggested replies: the FAQ answers nearest the inquiry's stored embedding, over every category."""

import numpy as np
import pytest

from mlcore import encoder
from supportdesk.models import FAQEntry, Inquiry
from supportdesk.selectors import faq_suggestions
from supportdesk.services import inquiry_submit
from tests.factories import InquiryFactory

PARCEL = "My parcel never arrived and the tracking page has not changed for a week."


def vector(entry: FAQEntry) -> np.ndarray:
    return np.frombuffer(bytes(entry.embedding), dtype=np.float32)


def expected(embedding: np.ndarray, n: int = 3) -> list[int]:
    key = encoder.encoder_weights_sha256()[:16]
    entries = [e for e in FAQEntry.objects.filter(is_active=True, embedding_key=key) if e.embedding]
    scores = [float(vector(e) @ embedding) for e in entries]
    return [entries[i].pk for i in np.argsort(-np.array(scores), kind="stable")[:n]]


def test_three_nearest_answers_of_a_real_inquiry(active_model):
    inquiry = inquiry_submit(text=PARCEL)
    found = faq_suggestions(inquiry=inquiry)
    assert len(found) == 3 and len({f.pk for f in found}) == 3
    assert [f.pk for f in found] == expected(np.frombuffer(bytes(inquiry.embedding), dtype=np.float32))
    assert found[0].category == "delivery"


def test_every_category_is_searched_not_only_the_predicted_one(active_model):
    other = FAQEntry.objects.exclude(category="delivery").filter(is_active=True).order_by("id").first()
    inquiry = InquiryFactory(status="escalated", category="delivery", embedding=bytes(other.embedding))
    assert faq_suggestions(inquiry=inquiry)[0] == other


def test_inactive_entries_and_those_of_another_encoder_are_left_out(active_model):
    first, second = FAQEntry.objects.filter(is_active=True).order_by("id")[:2]
    inquiry = InquiryFactory(status="escalated", embedding=bytes(first.embedding))
    FAQEntry.objects.filter(pk=first.pk).update(is_active=False)
    FAQEntry.objects.filter(pk=second.pk).update(embedding_key="another-encoder")
    found = {f.pk for f in faq_suggestions(inquiry=inquiry, limit=50)}
    assert first.pk not in found and second.pk not in found and found


def test_nothing_without_an_embedding_or_with_one_of_another_size(active_model):
    assert faq_suggestions(inquiry=InquiryFactory(status="escalated", embedding=None)) == []
    odd = np.ones(7, dtype=np.float32).tobytes()
    assert faq_suggestions(inquiry=InquiryFactory(status="escalated", embedding=odd)) == []


@pytest.fixture
def bob_client(client, bob_agent):
    client.force_login(bob_agent)
    return client


def test_the_ticket_page_shows_them_with_an_insert_button(bob_client, bob_agent, active_model):
    inquiry = inquiry_submit(text=PARCEL)
    Inquiry.objects.filter(pk=inquiry.pk).update(status="assigned", assigned_to=bob_agent)
    html = bob_client.get(f"/agent/tickets/{inquiry.pk}/").content.decode()
    section = html.split('id="suggested-replies"', 1)[1].split("</ul>", 1)[0]
    for entry in faq_suggestions(inquiry=inquiry):
        assert f'data-insert-from="faq-{entry.pk}"' in section and f'id="faq-{entry.pk}"' in section


def test_a_ticket_the_model_never_read_says_so(bob_client, bob_agent, db):
    ticket = InquiryFactory(status="assigned", assigned_to=bob_agent, embedding=None)
    html = bob_client.get(f"/agent/tickets/{ticket.pk}/").content.decode()
    assert 'id="suggested-replies"' not in html and "No suggestion" in html
