"""Reads for reviewers: per-peer κ and raw agreement (a reviewer who also annotates sees them over adjudicated
items only), the review list with each item's labels and why it is there, the batches with their agreement."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from labeling.answers import NEW_CATEGORY, NONE_OF_THESE
from labeling.models import Annotation, ItemComment, LabelingItem
from labeling.selectors import annotator_stats, batches_recent, peer_kappa_adjudicated_only, review_queue
from labeling.services import annotation_skip, annotation_submit, annotation_take, review_decide
from labeling.services.review import item_labels_complete
from mlcore.categories import category_guide_update
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
    return next([(p.peer, p.kappa, p.n) for p in s.peers] for s in stats if s.username == username)


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


def test_peer_agreement_beside_kappa(rita, shared_batch):
    stats = {s.username: s for s in annotator_stats()}
    (peer,) = stats["annie"].peers
    assert (peer.peer, peer.n, peer.agreement, peer.reason) == ("rex", 5, 0.8, "")


def answer(item, person, label: str, suggestion: str = "") -> None:
    now = item.created_at
    Annotation.objects.create(item=item, annotator=person, label=label, suggestion=suggestion, reserved_at=now,
                              expires_at=now, submitted_at=now)
    LabelingItem.objects.filter(pk=item.pk).update(slots_taken=item.annotations.filter(skipped=False).count())
    item_labels_complete(item_id=item.pk)


@pytest.fixture
def review_batch(annie, arthur, settings):
    """Items in review for each reason: disagreement, none of these, a new category, skipped twice."""
    settings.SUPPORTLOOP_LABELING_SKIPS_TO_REVIEW = 2
    batch = LabelingBatchFactory(annotators_per_item=2)
    plan = [("card_arrival", "refund"), (NONE_OF_THESE, NONE_OF_THESE), ("refund", NEW_CATEGORY),
            *((c, c) for c in ("card_arrival", "refund", "delivery", "order", "invoice", "account"))]  # κ ≈ 0.74
    items = [LabelingItemFactory(batch=batch, position=i, text=f"inquiry number {i}") for i in range(len(plan) + 1)]
    for item, (x, y) in zip(items, plan, strict=False):
        answer(item, annie, x)
        answer(item, arthur, y, "gift <cards>" if y == NEW_CATEGORY else "")
    for person in (annie, arthur):  # both skip the last item: it goes to review
        a = annotation_take(annotator=person)
        assert a.item == items[-1]
        annotation_skip(annotation_id=a.pk, annotator=person)
    ItemComment.objects.create(item=items[0], author=annie, text="the card or the refund?", flagged=True)
    ItemComment.objects.create(item=items[0], author=arthur, text="unclear")
    ItemComment.objects.create(item=items[1], author=arthur, text="a gift card")
    batch.refresh_from_db()
    return batch, items


def test_review_queue_shows_labels_reasons_and_comments(review_batch):
    batch, items = review_batch
    assert batch.policy == "review_disagreements"
    with CaptureQueriesContext(connection) as queries:
        rows = {row.item.pk: row for row in review_queue()}
        _ = [(r.item.batch.kappa, [lab.annotator for lab in r.labels]) for r in rows.values()]
    assert len(queries) <= 2
    assert set(rows) == {items[0].pk, items[1].pk, items[2].pk, items[-1].pk}
    disagreement = rows[items[0].pk]
    assert [(lab.annotator, lab.label, lab.special) for lab in disagreement.labels] == [
        ("annie", "card_arrival", False), ("arthur", "refund", False)]
    assert [code for code, _ in disagreement.reasons] == ["disagreement"]
    assert (disagreement.comments, disagreement.flagged) == (2, True)
    none = rows[items[1].pk]
    assert [code for code, _ in none.reasons] == ["none_of_these"]
    assert [lab.special for lab in none.labels] == [True, True] and (none.comments, none.flagged) == (1, False)
    new = rows[items[2].pk]
    assert [code for code, _ in new.reasons] == ["new_category", "disagreement"]
    assert new.labels[1].suggestion == "gift <cards>" and new.labels[0].suggestion == ""
    skipped = rows[items[-1].pk]
    assert skipped.labels == [] and [code for code, _ in skipped.reasons] == ["skipped"]


def test_review_list_page_shows_each_items_labels_with_display_names(client, rita, review_batch):
    category_guide_update(name="card_arrival", display_name="Card not arrived")
    client.force_login(rita)
    page = client.get(reverse("labeling:review")).content.decode()
    assert "annie:</span> Card not arrived" in page and "arthur:</span> Refund" in page
    assert NONE_OF_THESE in page and "gift &lt;cards&gt;" in page and "gift <cards>" not in page
    for words in ("disagreement", "none of these", "new category suggested", "skipped"):
        assert words in page
    assert "Flagged" in page and "2 comments" in page and "1 comment" in page


def test_review_list_is_for_reviewers_only(client, annie, review_batch):
    client.force_login(annie)
    assert client.get(reverse("labeling:review")).status_code == 403


def test_batches_recent_explain_their_agreement(annie, arthur):
    same = LabelingBatchFactory(annotators_per_item=2)
    one = LabelingBatchFactory(annotators_per_item=2)
    for i in range(3):
        LabelingItemFactory(batch=same, position=i, text=f"same {i}")
    LabelingItemFactory(batch=one, position=0, text="alone")
    for item in LabelingItem.objects.all():
        answer(item, annie, "refund")
        answer(item, arthur, "refund")
    with CaptureQueriesContext(connection) as queries:
        rows = {row["batch"].pk: row for row in batches_recent()}
    assert len(queries) == 2
    assert rows[same.pk]["reason"] == "every item got the same label, so kappa is undefined"
    assert rows[same.pk]["batch"].policy == "full_agreement" and "full agreement" in rows[same.pk]["policy_text"]
    assert rows[same.pk]["counts"] == {"gold": 3} and rows[same.pk]["measure"] == "Cohen's κ"
    assert rows[one.pk]["reason"] == "fewer than 2 shared items" and rows[one.pk]["batch"].policy == "undefined"
