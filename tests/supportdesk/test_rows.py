import datetime as dt

import numpy as np
import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from supportdesk.models import Inquiry, TicketEvent
from supportdesk.services.rows import row_insert, row_update, rows_insert
from tests.factories import FAQEntryFactory

pytestmark = pytest.mark.django_db

SKIP = {"id", "token", "created_at", "updated_at"}


def stored(pk: int) -> dict:
    return {k: v for k, v in Inquiry.objects.filter(pk=pk).values().get().items() if k not in SKIP}


def test_row_insert_stores_what_save_would_and_sets_the_key():
    mine = row_insert(obj=Inquiry(text="Où est mon colis ? 📦", name="Zoë", email="zoe@example.com"))
    theirs = Inquiry.objects.create(text="Où est mon colis ? 📦", name="Zoë", email="zoe@example.com")
    assert mine.pk and not mine._state.adding
    assert stored(mine.pk) == stored(theirs.pk)
    again = Inquiry.objects.get(pk=mine.pk)
    assert again.token == mine.token and again.created_at == mine.created_at  # auto_now_add applied, as save()
    assert timezone.now() - again.created_at < dt.timedelta(seconds=5)


def test_row_update_writes_every_kind_of_field_as_queryset_update_would():
    faq = FAQEntryFactory()
    a, b = Inquiry.objects.create(text="a"), Inquiry.objects.create(text="a")
    embedding = np.arange(4, dtype=np.float32).tobytes()
    values = {"status": Inquiry.Status.ANSWERED_AUTO, "category": "delivery", "confidence": 0.93,
              "probabilities": {"delivery": 0.93, "billing": 0.07}, "escalation_reasons": [],
              "embedding": embedding, "faq_entry": faq, "answer": "It ships today.", "latency_ms": 1.5}
    assert row_update(model=Inquiry, pk=a.pk, values=values) == 1
    Inquiry.objects.filter(pk=b.pk).update(**values)
    assert stored(a.pk) == stored(b.pk)
    assert bytes(Inquiry.objects.get(pk=a.pk).embedding) == embedding
    assert row_update(model=Inquiry, pk=10**9, values={"status": "escalated"}) == 0


def test_rows_insert_writes_all_rows_in_one_statement(django_assert_num_queries):
    inquiry = Inquiry.objects.create(text="x")
    at = timezone.now() - dt.timedelta(minutes=3)
    events = [TicketEvent(inquiry=inquiry, to_status="received", reason="submitted", created_at=at),
              TicketEvent(inquiry=inquiry, from_status="received", to_status="escalated", reason="low_confidence")]
    with django_assert_num_queries(1):
        rows_insert(objs=events)
    got = list(inquiry.events.values_list("from_status", "to_status", "reason", "created_at"))
    assert got[0] == ("", "received", "submitted", at)  # an explicit value is kept, not replaced by the default
    assert got[1][:3] == ("received", "escalated", "low_confidence")
    rows_insert(objs=[])


def test_constraint_violations_surface_as_django_errors_and_roll_back():
    first = Inquiry.objects.create(text="x", idempotency_key="k1")
    with pytest.raises(IntegrityError), transaction.atomic():
        row_insert(obj=Inquiry(text="y", idempotency_key="k1"))
    assert list(Inquiry.objects.filter(idempotency_key="k1").values_list("pk", flat=True)) == [first.pk]


def test_model_to_dict_round_trip_of_an_inserted_row_matches_the_instance():
    obj = row_insert(obj=Inquiry(text="hello", email="a@example.com"))
    assert model_to_dict(Inquiry.objects.get(pk=obj.pk)) == model_to_dict(obj)


def test_nothing_listens_for_the_save_signals_these_writes_skip():
    from django.db.models.signals import post_save, pre_save

    for model in (Inquiry, TicketEvent):  # a receiver added here would be bypassed on every inquiry
        assert not pre_save.has_listeners(model) and not post_save.has_listeners(model)
