import json
import re

import pytest
from django.urls import reverse

from labeling.answers import NEW_CATEGORY, NONE_OF_THESE
from labeling.models import Annotation, ItemComment, LabelingItem
from labeling.services import annotation_submit, annotation_take
from mlcore.categories import category_guide_update, category_guides_clear
from tests.factories import LabelingBatchFactory, LabelingItemFactory, UserFactory

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def item_section(html: str) -> str:
    section = re.search(r'<section class="card labeling".*?</section>', html, re.S).group(0)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", section)


def test_annotator_flow_take_label_next(client, annie):
    batch = LabelingBatchFactory()
    first = LabelingItemFactory(batch=batch, position=0, text="First inquiry")
    LabelingItemFactory(batch=batch, position=1, text="Second inquiry")
    client.force_login(annie)
    page = client.get(reverse("labeling:annotate"))
    assert page.status_code == 200 and b"Next item" in page.content
    assert client.post(reverse("labeling:take")).status_code == 302
    page = client.get(reverse("labeling:annotate"))
    assert b"First inquiry" in page.content
    assert b'data-shortcut="1"' in page.content and b'data-shortcut="s"' in page.content
    a = Annotation.objects.get(annotator=annie)
    r = client.post(reverse("labeling:label", args=[a.pk]), {"label": "delivery"})
    assert r.status_code == 302
    assert Annotation.objects.get(pk=a.pk).label == "delivery"
    page = client.get(reverse("labeling:annotate"))
    assert b"Second inquiry" in page.content  # moved straight on
    assert first.pk != Annotation.objects.filter(annotator=annie, label="").get().item_id
    r = client.post(reverse("labeling:undo"))
    assert r.status_code == 302
    assert b"First inquiry" in client.get(reverse("labeling:annotate")).content


def test_bad_label_and_stale_reservation_are_4xx(client, annie):
    LabelingItemFactory()
    client.force_login(annie)
    client.post(reverse("labeling:take"))
    a = Annotation.objects.get(annotator=annie)
    assert client.post(reverse("labeling:label", args=[a.pk]), {"label": "nope"}).status_code == 400
    assert client.post(reverse("labeling:label", args=[a.pk]), {}).status_code == 400
    assert client.post(reverse("labeling:label", args=[a.pk + 999]), {"label": "delivery"}).status_code == 409
    assert client.post(reverse("labeling:skip", args=[a.pk])).status_code == 302
    assert client.post(reverse("labeling:skip", args=[a.pk])).status_code == 409
    assert client.post(reverse("labeling:undo")).status_code == 409


def test_annotators_are_blind_to_each_other(client, annie, arthur):
    """The page an annotator sees for an item is the same whether or not someone else labeled it."""
    LabelingItemFactory(text="Where is my parcel?")
    a = annotation_take(annotator=annie)
    client.force_login(annie)
    before = item_section(client.get(reverse("labeling:annotate")).content.decode())
    b = annotation_take(annotator=arthur)
    assert b.item_id == a.item_id
    annotation_submit(annotation_id=b.pk, annotator=arthur, label="invoice")
    after_page = client.get(reverse("labeling:annotate")).content.decode()
    assert item_section(after_page) == before
    assert "arthur" not in after_page
    counts = client.get(reverse("labeling:counts")).content.decode()
    assert "arthur" not in counts and "invoice" not in counts


def test_reviewer_cannot_see_labels_before_adjudication(client, annie, rita):
    item = LabelingItemFactory()
    a = annotation_take(annotator=annie)
    annotation_submit(annotation_id=a.pk, annotator=annie, label="invoice")
    client.force_login(rita)
    assert client.get(reverse("labeling:review-item", args=[item.pk])).status_code == 404
    assert b"invoice" not in client.get(reverse("labeling:review")).content


def test_review_page_shows_everything_and_decides(client, annie, arthur, rita):
    item = LabelingItemFactory(text=XSS)
    for person, label in ((annie, "delivery"), (arthur, "refund")):
        a = annotation_take(annotator=person)
        annotation_submit(annotation_id=a.pk, annotator=person, label=label)
    item.refresh_from_db()
    assert item.status == "review"  # one item, one disagreement: not enough data, the middle band
    client.force_login(rita)
    page = client.get(reverse("labeling:review-item", args=[item.pk])).content.decode()
    assert "annie" in page and "arthur" in page and "Delivery 0.55" in page
    assert XSS not in page and "&lt;script&gt;" in page
    listing = client.get(reverse("labeling:review")).content.decode()
    assert XSS not in listing and f"#{item.pk}" in listing
    r = client.post(reverse("labeling:review-decide", args=[item.pk]), {"label": "refund", "note": "<b>n</b>"})
    assert r.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.gold_label) == ("gold", "refund")
    page = client.get(reverse("labeling:review-item", args=[item.pk])).content.decode()
    assert "&lt;b&gt;n&lt;/b&gt;" in page and "rita" in page
    assert client.post(reverse("labeling:review-decide", args=[item.pk]), {"label": ""}).status_code == 400
    assert client.post(reverse("labeling:review-decide", args=[item.pk]), {"label": "x"}).status_code == 400


def test_annotate_page_escapes_text(client, annie):
    LabelingItemFactory(text=XSS)
    client.force_login(annie)
    client.post(reverse("labeling:take"))
    page = client.get(reverse("labeling:annotate")).content.decode()
    assert XSS not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_stats_and_exports(client, annie, arthur, rita):
    item = LabelingItemFactory(text='=HYPERLINK("http://evil")')
    for person in (annie, arthur):
        a = annotation_take(annotator=person)
        annotation_submit(annotation_id=a.pk, annotator=person, label="delivery")
    assert LabelingItem.objects.get(pk=item.pk).status == "gold"
    client.force_login(rita)
    stats = client.get(reverse("labeling:stats")).content.decode()
    assert "annie" in stats and "not enough data" in stats and "nan" not in stats.lower()
    csv_text = b"".join(client.get(reverse("labeling:gold-csv")).streaming_content).decode()
    assert csv_text.splitlines()[0].startswith("item_id,text,label")
    assert "'=HYPERLINK" in csv_text and "delivery|delivery" in csv_text
    lines = b"".join(client.get(reverse("labeling:gold-jsonl")).streaming_content).decode().splitlines()
    row = json.loads(lines[0])
    assert row["label"] == "delivery" and row["text"] == '=HYPERLINK("http://evil")'


def test_stats_page_shows_a_reviewer_annotator_kappa_over_adjudicated_items_only(client, annie, rita):
    rex = UserFactory(username="rex", roles=["reviewer", "annotator"])
    batch = LabelingBatchFactory(annotators_per_item=2)
    for i in range(3):
        LabelingItemFactory(batch=batch, position=i, text=f"inquiry {i}")
    plan = {annie: ["delivery", "refund", "delivery"], rex: ["delivery", "refund", "refund"]}  # κ 0.4: all reviewed
    for person, labels in plan.items():
        for _ in labels:
            a = annotation_take(annotator=person)
            annotation_submit(annotation_id=a.pk, annotator=person, label=labels[a.item.position])
    assert set(batch.items.values_list("status", flat=True)) == {"review"}
    client.force_login(rita)
    assert "annie: 0.40 (3 shared)" in client.get(reverse("labeling:stats")).content.decode()
    client.force_login(rex)
    page = client.get(reverse("labeling:stats")).content.decode()
    assert "(3 shared)" not in page and "adjudicated items only" in page
    assert "No adjudicated items shared by two annotators yet." in page  # the pairs table is not left empty


@pytest.mark.django_db
def test_fill_button_queues_the_task(client, rita, django_capture_on_commit_callbacks):
    from unittest import mock

    from labeling.tasks import labeling_queue_fill_task

    client.force_login(rita)
    with mock.patch.object(labeling_queue_fill_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post(reverse("labeling:fill"))
    assert r.status_code == 302
    delay.assert_called_once_with(trigger="manual", requested_by_id=rita.pk)


def test_forms_need_csrf(annie):
    from django.test import Client

    LabelingItemFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(annie)
    assert client.post(reverse("labeling:take")).status_code == 403


def test_home_sends_annotators_and_reviewers_to_their_pages(client, annie, rita):
    client.force_login(annie)
    assert client.get(reverse("home"))["Location"] == reverse("labeling:annotate")
    client.force_login(rita)
    assert client.get(reverse("home"))["Location"] == reverse("labeling:review")


# The annotator's workspace: answers, guidelines, comments, history, suggestions.


@pytest.fixture
def guides(db):
    category_guides_clear()
    category_guide_update(name="delivery", display_name="Parcel delivery", description="Where a <b>parcel</b> is.",
                          examples="where is my parcel")
    yield
    category_guides_clear()


def _reserve(client, person, **item):
    LabelingItemFactory(**item)
    client.force_login(person)
    client.post(reverse("labeling:take"))
    return Annotation.objects.get(annotator=person, label="")


def test_annotate_page_shows_display_names_guidelines_and_the_other_answers(client, annie, guides):
    _reserve(client, annie)
    page = client.get(reverse("labeling:annotate")).content.decode()
    assert 'value="delivery"' in page and "Parcel delivery" in page
    assert "Where a &lt;b&gt;parcel&lt;/b&gt; is." in page and "where is my parcel" in page
    assert f'value="{NONE_OF_THESE}"' in page and 'data-shortcut="x"' in page
    assert f'value="{NEW_CATEGORY}"' in page and 'name="suggestion"' in page and 'maxlength="100"' in page
    assert reverse("labeling:history") in page and 'id="shortcuts-dialog"' in page
    assert "js/shortcuts.js" in page


def test_none_of_these_and_a_suggested_category(client, annie):
    a = _reserve(client, annie)
    assert client.post(reverse("labeling:label", args=[a.pk]), {"label": NONE_OF_THESE}).status_code == 302
    assert Annotation.objects.get(pk=a.pk).label == NONE_OF_THESE
    b = _reserve(client, annie)
    r = client.post(reverse("labeling:label", args=[b.pk]), {"label": NEW_CATEGORY, "suggestion": ""})
    assert r.status_code == 400 and "name the category" in r.content.decode()
    long = "<i>" + "y" * 120
    r = client.post(reverse("labeling:label", args=[b.pk]), {"label": NEW_CATEGORY, "suggestion": long})
    assert r.status_code == 400 and "&lt;i&gt;" + "y" * 120 in r.content.decode()  # the text kept, escaped
    assert Annotation.objects.get(pk=b.pk).label == ""
    r = client.post(reverse("labeling:label", args=[b.pk]), {"label": NEW_CATEGORY, "suggestion": "Card stolen"})
    assert r.status_code == 302
    assert Annotation.objects.filter(pk=b.pk, label=NEW_CATEGORY, suggestion="Card stolen").exists()


def test_a_comment_keeps_the_reservation_and_only_its_author_sees_it(client, annie, arthur):
    a = _reserve(client, annie, text="Where is it?")
    r = client.post(reverse("labeling:comment", args=[a.item_id]),
                    {"text": "two <b>zebras</b>", "back": "annotate"})
    assert r.status_code == 302 and r["Location"] == reverse("labeling:annotate")
    page = client.get(reverse("labeling:annotate")).content.decode()
    assert "Where is it?" in page and "two &lt;b&gt;zebras&lt;/b&gt;" in page
    assert Annotation.objects.get(pk=a.pk).label == ""  # still reserved
    b = annotation_take(annotator=arthur)
    assert b.item_id == a.item_id
    client.force_login(arthur)
    assert "zebras" not in client.get(reverse("labeling:annotate")).content.decode()


def test_comment_bad_input_is_400_keeping_the_text_and_others_items_404(client, annie, arthur):
    a = _reserve(client, annie)
    assert client.post(reverse("labeling:comment", args=[a.item_id]), {"text": " "}).status_code == 400
    r = client.post(reverse("labeling:comment", args=[a.item_id]), {"text": "z" * 2001 + "<b>"})
    assert r.status_code == 400 and "z" * 2001 + "&lt;b&gt;" in r.content.decode()
    r = client.post(reverse("labeling:comment", args=[a.item_id]), {"text": "", "back": "review"})
    assert r.status_code == 400 and "Inquiry to label" in r.content.decode()  # never the reviewer's page
    assert client.post(reverse("labeling:comment", args=[a.item_id]), {"flagged": "1"}).status_code == 302
    assert ItemComment.objects.get().flagged
    client.force_login(arthur)
    other = LabelingItemFactory()
    assert client.post(reverse("labeling:comment", args=[other.pk]), {"text": "hi"}).status_code == 404
    assert client.post(reverse("labeling:comment", args=[a.item_id]), {"text": "hi"}).status_code == 404


def test_reviewer_sees_every_comment_and_flag_and_adds_one(client, annie, arthur, rita):
    item = LabelingItemFactory()
    for person, label in ((annie, "delivery"), (arthur, NONE_OF_THESE)):
        a = annotation_take(annotator=person)
        annotation_submit(annotation_id=a.pk, annotator=person, label=label)
        ItemComment.objects.create(item=item, author=person, text=f"note by {person.username}",
                                   flagged=person == arthur)
    item.refresh_from_db()
    assert item.status == "review"
    client.force_login(rita)
    url = reverse("labeling:review-item", args=[item.pk])
    page = client.get(url).content.decode()
    assert "note by annie" in page and "note by arthur" in page and "Flagged" in page
    assert "None of these" in page and "Delivery" in page and "raw agreement" in page
    r = client.post(reverse("labeling:comment", args=[item.pk]), {"text": "agree with arthur", "back": "review"})
    assert r.status_code == 302 and r["Location"] == url
    assert "agree with arthur" in client.get(url).content.decode()
    r = client.post(reverse("labeling:comment", args=[item.pk]), {"text": "", "back": "review"})
    assert r.status_code == 400 and "write a comment" in r.content.decode()


def test_history_lists_and_changes_answers_409_once_adjudicated(client, annie, arthur):
    settled = LabelingItemFactory(batch=LabelingBatchFactory(), position=0, text="settled")
    open_item = LabelingItemFactory(batch=LabelingBatchFactory(), position=0, text="still open")
    mine = {}
    for _ in range(2):
        a = annotation_take(annotator=annie)
        mine[a.item_id] = annotation_submit(annotation_id=a.pk, annotator=annie, label="delivery")
    b = annotation_take(annotator=arthur)
    assert b.item_id == settled.pk
    annotation_submit(annotation_id=b.pk, annotator=arthur, label="delivery")  # unanimous: gold
    client.force_login(annie)
    page = client.get(reverse("labeling:history")).content.decode()
    assert "still open" in page and "settled" in page and "Adjudicated" in page
    assert page.count('class="history-change"') == 1
    change = reverse("labeling:change", args=[mine[open_item.pk].pk])
    r = client.post(change, {"label": NEW_CATEGORY, "suggestion": "Crypto <b>"})
    assert r.status_code == 302
    assert Annotation.objects.get(pk=mine[open_item.pk].pk).suggestion == "Crypto <b>"
    r = client.post(change, {"label": NEW_CATEGORY, "suggestion": ""})
    assert r.status_code == 400
    r = client.post(change, {"label": "nope", "suggestion": "kept <i>text</i>"})
    assert r.status_code == 400 and "kept &lt;i&gt;text&lt;/i&gt;" in r.content.decode()
    r = client.post(reverse("labeling:change", args=[mine[settled.pk].pk]), {"label": "refund"})
    assert r.status_code == 409 and "already adjudicated" in r.content.decode()
    assert Annotation.objects.get(pk=mine[settled.pk].pk).label == "delivery"
    theirs = Annotation.objects.get(annotator=arthur)
    assert client.post(reverse("labeling:change", args=[theirs.pk]), {"label": "refund"}).status_code == 404


def test_history_shows_nobody_elses_labels(client, annie, arthur):
    LabelingItemFactory(text="shared")
    for person, label in ((arthur, "refund"), (annie, "delivery")):
        a = annotation_take(annotator=person)
        annotation_submit(annotation_id=a.pk, annotator=person, label=label)
    client.force_login(annie)
    page = client.get(reverse("labeling:history")).content.decode()
    rows = re.search(r'<ul class="history">.*?</ul>', page, re.S).group(0)
    assert "arthur" not in page and 'selected>Refund' not in rows


def test_suggestions_page_for_reviewers_and_admins(client, annie, arthur, rita):
    item = LabelingItemFactory()
    for person, text in ((annie, "Card stolen"), (arthur, "card STOLEN")):
        a = annotation_take(annotator=person)
        annotation_submit(annotation_id=a.pk, annotator=person, label=NEW_CATEGORY, suggestion=text)
    LabelingItem.objects.filter(pk=item.pk).update(status="review")
    client.force_login(rita)
    page = client.get(reverse("labeling:suggestions")).content.decode()
    assert "Card stolen" in page and "card STOLEN" in page and reverse("labeling:review-item", args=[item.pk]) in page
    assert "/admin/" not in page.split("<main", 1)[1]  # a reviewer cannot add categories
    client.force_login(UserFactory(username="ada", is_staff=True, is_superuser=True))
    page = client.get(reverse("labeling:suggestions")).content.decode()
    assert "name=card_stolen" in page
    client.force_login(annie)
    assert client.get(reverse("labeling:suggestions")).status_code == 403


def test_workspace_forms_need_csrf(annie):
    from django.test import Client

    item = LabelingItemFactory()
    a = annotation_take(annotator=annie)
    client = Client(enforce_csrf_checks=True)
    client.force_login(annie)
    assert client.post(reverse("labeling:comment", args=[item.pk]), {"text": "x"}).status_code == 403
    assert client.post(reverse("labeling:change", args=[a.pk]), {"label": "refund"}).status_code == 403
    page = client.get(reverse("labeling:annotate")).content.decode()
    assert page.count("csrfmiddlewaretoken") >= 5
