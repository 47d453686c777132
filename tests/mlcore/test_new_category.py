"""New categories in the ML core: their names, the event, and training holding their labels back until
they have SUPPORTLOOP_NEW_CATEGORY_MIN_GOLD gold labels."""

import pytest
from django.core.exceptions import ValidationError

from mlcore.events import category_added
from mlcore.models import NewCategory
from mlcore.selectors import newcategories_held_back, newcategories_progress
from mlcore.services import newcategory_create, starter_load, trainingexample_record
from mlcore.snapshot import snapshot_build


@pytest.mark.parametrize("name", ["Card", "1card", "c", "card-arrival", "card arrival", "x" * 65, "ü_card"])
def test_malformed_names_are_refused(db, name):
    with pytest.raises(ValidationError, match="lower-case letters"):
        newcategory_create(name=name)
    assert not NewCategory.objects.exists()


def test_names_in_use_are_refused(db):
    trainingexample_record(text="where is my parcel", category="delivery", source="import")
    newcategory_create(name="card_arrival")
    for name, taken in (("delivery", set()), ("card_arrival", set()), ("vip", {"vip"})):
        with pytest.raises(ValidationError, match="already a category"):
            newcategory_create(name=name, taken=taken)
    assert list(NewCategory.objects.values_list("name", flat=True)) == ["card_arrival"]


def test_the_event_carries_the_texts_to_label(db):
    got = []

    def receiver(**kwargs):
        got.append((kwargs["name"], kwargs["inquiry_ids"]))

    category_added.connect(receiver, dispatch_uid="test-receiver")
    try:
        newcategory_create(name="card_arrival", description=" cards ", inquiry_ids=[3, 1])
    finally:
        category_added.disconnect(dispatch_uid="test-receiver")
    assert got == [("card_arrival", [3, 1])]
    assert NewCategory.objects.get().description == "cards"


def test_labels_wait_until_the_category_has_enough_gold_ones(db, settings):
    settings.SUPPORTLOOP_NEW_CATEGORY_MIN_GOLD = 3
    starter_load()
    newcategory_create(name="card_arrival")
    trainingexample_record(text="my card never came 0", category="card_arrival", source="agent")
    for i in range(2):
        trainingexample_record(text=f"my card never came {i + 1}", category="card_arrival", source="gold")
    assert newcategories_held_back() == {"card_arrival": 2}
    snap = snapshot_build()
    assert snap.stats["held_back"] == {"card_arrival": 2}
    assert not [r for r in snap.rows if r.get("category") == "card_arrival"]

    trainingexample_record(text="my card never came 3", category="card_arrival", source="gold")
    [progress] = newcategories_progress()
    assert (progress.gold, progress.needed, progress.trainable) == (3, 3, True)
    snap = snapshot_build()
    assert snap.stats["held_back"] == {}
    rows = [r for r in snap.rows if r.get("category") == "card_arrival"]
    assert len(rows) == 4 and {r["source"] for r in rows} == {"gold", "agent"}  # agents' labels join then too
