"""The inquiry path's writes through the ORM: the row first, then the outcome and both events in one transaction."""

import numpy as np
import pytest

from supportdesk.models import Inquiry, TicketEvent
from supportdesk.services import inquiry_submit


def test_the_outcome_is_stored_with_the_received_event_stamped_at_creation(active_model):
    inquiry = inquiry_submit(text="Où est mon colis ? 📦 order 12345", name="Zoë", email="zoe@example.com")
    stored = Inquiry.objects.get(pk=inquiry.pk)
    assert (stored.text, stored.name, stored.status) == ("Où est mon colis ? 📦 order 12345", "Zoë", inquiry.status)
    assert stored.status in ("answered_auto", "escalated") and stored.model_version == "v1"
    assert stored.category == inquiry.category and stored.confidence == pytest.approx(inquiry.confidence)
    assert stored.probabilities == inquiry.probabilities and stored.escalation_reasons == inquiry.escalation_reasons
    assert np.frombuffer(bytes(stored.embedding), dtype=np.float32).shape == (384,)
    assert stored.updated_at >= stored.created_at
    events = list(stored.events.values_list("from_status", "to_status", "reason", "created_at"))
    assert events[0] == ("", "received", "submitted", stored.created_at)  # an explicit time, kept by bulk_create
    assert events[1][:2] == ("received", stored.status)


def test_the_outcome_and_its_events_are_one_transaction(active_model, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(TicketEvent.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        inquiry_submit(text="My package never arrived")
    stored = Inquiry.objects.get()  # stored before classification, the outcome rolled back with its events
    assert stored.status == "received" and stored.model_version == "" and not stored.events.exists()
