"""Per-peer κ on the statistics page: a reviewer who also annotates sees it over adjudicated items only."""

import pytest

from labeling.selectors import annotator_stats, peer_kappa_adjudicated_only
from labeling.services import annotation_submit, annotation_take, review_decide
from tests.factories import LabelingBatchFactory, LabelingItemFactory, UserFactory

ANNIE = ["delivery", "refund", "order", "invoice", "account"]
REX = ["delivery", "refund", "order", "invoice", "order"]  # κ = 0.75: the last item goes to review


@pytest.fixture
def rex(db):
    """A reviewer who also annotates."""
    return UserFactory(username="rex", roles=["reviewer", "annotator"])


@pytest.fixture
def shared_batch(annie, rex):
    """Five items labeled by annie and rex: four unanimous (gold), the fifth in review, not adjudicated yet."""
    batch = LabelingBatchFactory(annotators_per_item=2)
    for i in range(len(ANNIE)):
        LabelingItemFactory(batch=batch, position=i, text=f"inquiry number {i}")
    for person, labels in ((annie, ANNIE), (rex, REX)):
        for _ in labels:
            a = annotation_take(annotator=person)
            annotation_submit(annotation_id=a.pk, annotator=person, label=labels[a.item.position])
    items = list(batch.items.order_by("position"))
    assert [i.status for i in items] == ["gold"] * 4 + ["review"]
    return items


def peers_of(viewer, username: str) -> list[tuple[str, float | None, int]]:
    stats = annotator_stats(adjudicated_only=peer_kappa_adjudicated_only(viewer=viewer))
    return next(s.peers for s in stats if s.username == username)


def test_reviewer_annotator_gets_no_kappa_over_an_unadjudicated_shared_item(rex, shared_batch):
    assert peers_of(rex, "rex") == [("annie", 1.0, 4)]  # the item in review is left out
    assert peers_of(rex, "annie") == [("rex", 1.0, 4)]


def test_after_adjudication_the_reviewer_annotator_gets_it(rex, rita, shared_batch):
    review_decide(item_id=shared_batch[4].pk, reviewer=rita, label="account")
    assert peers_of(rex, "rex") == [("annie", pytest.approx(0.75), 5)]


def test_holders_of_one_role_keep_kappa_over_every_label(rita, annie, shared_batch):
    assert peers_of(rita, "rex") == [("annie", pytest.approx(0.75), 5)]
    assert peer_kappa_adjudicated_only(viewer=rita) is False
    assert peer_kappa_adjudicated_only(viewer=annie) is False
