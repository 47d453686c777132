"""Category display names and guidelines: readable names, which description wins, the per-process cache,
the admin (admins only), and display names on the pages people read (the API keeps names)."""

from __future__ import annotations

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from core.process import after_fork_reset
from feedback.models import Cluster, ClusterRun, ExplicitFeedback
from mlcore import categories
from mlcore.categories import (
    category_display,
    category_display_taken,
    category_guide,
    category_guide_update,
    category_guides_clear,
    category_guides_starter_load,
    category_rows_ensure,
    readable,
)
from mlcore.models import Category, NewCategory
from mlcore.services import newcategory_create, trainingexample_record
from tests.factories import InquiryFactory, UserFactory


@pytest.mark.parametrize("name, shown", [
    ("card_arrival", "Card arrival"),
    ("refund", "Refund"),
    ("shipping_address", "Shipping address"),
    ("atm_support", "ATM support"),
    ("visa_or_mastercard", "Visa or Mastercard"),
    ("change_pin", "Change PIN"),
    ("paypal_refund", "PayPal refund"),
    ("top-up_failed", "Top up failed"),
    ("", ""),
])
def test_readable_makes_a_name_read_like_words(name, shown):
    assert readable(name) == shown


def test_a_category_without_a_row_is_shown_by_its_name_made_readable(db):
    assert category_display("cancellation_fee") == "Cancellation fee"
    assert category_display("") == ""
    assert category_guide("cancellation_fee").description == "" and category_guide("x_y").examples == ()


def test_guide_precedence_category_row_over_new_category_description(db):
    NewCategory.objects.create(name="card_arrival", description="Cards that never came.")
    NewCategory.objects.create(name="lost_card", description="A card lost or stolen.")
    Category.objects.create(name="card_arrival", display_name="Card not arrived",
                            description="The customer's new card has not arrived.", examples="where is my card\n\n  ")
    Category.objects.create(name="lost_card", display_name="", description="  ", examples="I lost my card")
    category_guides_clear()
    arrival, lost = category_guide("card_arrival"), category_guide("lost_card")
    assert (arrival.display_name, arrival.description, arrival.examples) == (
        "Card not arrived", "The customer's new card has not arrived.", ("where is my card",))
    # an empty row falls back: the readable name, the new category's description
    assert (lost.display_name, lost.description, lost.examples) == ("Lost card", "A card lost or stolen.",
                                                                    ("I lost my card",))
    NewCategory.objects.create(name="only_new", description="Only here.")
    category_guides_clear()
    assert category_guide("only_new").description == "Only here."
    assert category_display("only_new") == "Only new"


def test_two_queries_per_cache_period_and_the_update_clears_it(db, django_assert_num_queries, monkeypatch):
    Category.objects.create(name="refund", display_name="Money back")
    with django_assert_num_queries(2):
        assert category_display("refund") == "Money back"
    with django_assert_num_queries(0):
        for _ in range(100):
            category_display("refund")
            category_display("delivery")
    Category.objects.filter(name="refund").update(display_name="Refunds")  # as another process would
    assert category_display("refund") == "Money back"  # until the cache expires
    now = categories.time.monotonic()
    monkeypatch.setattr(categories.time, "monotonic", lambda: now + categories.CACHE_SECONDS + 1)
    assert category_display("refund") == "Refunds"
    monkeypatch.undo()
    category_guide_update(name="refund", display_name=" Returns and refunds ", description="Money back.",
                          examples="refund please\nwhere is my money")
    assert category_display("refund") == "Returns and refunds"  # at once in the saving process
    assert category_guide("refund").examples == ("refund please", "where is my money")


def test_a_forked_process_reads_its_own_copy(db):
    category_guide_update(name="refund", display_name="Money back")
    assert category_display("refund") == "Money back"
    Category.objects.filter(name="refund").update(display_name="Refunds")
    after_fork_reset()  # what a forked child runs
    assert category_display("refund") == "Refunds"


def test_a_new_category_gets_its_row_with_its_description(db):
    newcategory_create(name="card_arrival", description=" When the new card has not come. ",
                       display_name="Card not arrived")
    row = Category.objects.get(name="card_arrival")
    assert (row.display_name, row.description) == ("Card not arrived", "When the new card has not come.")
    assert category_display("card_arrival") == "Card not arrived"
    newcategory_create(name="lost_card")
    assert Category.objects.get(name="lost_card").display_name == ""
    assert category_display("lost_card") == "Lost card"


def test_rows_are_made_for_every_known_category_once(db):
    category_rows_ensure()  # rows for what an earlier test's session data (the starter set) left known
    before = set(Category.objects.values_list("name", flat=True))
    trainingexample_record(text="where is my parcel", category="delivery_x", source="import")
    NewCategory.objects.create(name="card_arrival_x", description="Cards that never came.")
    assert category_rows_ensure() == 2
    assert dict(Category.objects.exclude(name__in=before).values_list("name", "description")) == {
        "card_arrival_x": "Cards that never came.", "delivery_x": ""}
    assert category_rows_ensure() == 0


def test_starter_guides_fill_what_no_admin_wrote(db):
    category_guide_update(name="refund", display_name="Money back")
    added = category_guides_starter_load()
    starter = json.loads(categories.STARTER_GUIDES.read_text())
    assert added == len(starter) >= 11
    refund = category_guide("refund")
    assert refund.display_name == "Money back"  # the admin's, kept
    assert refund.description == starter["refund"]["description"] and len(refund.examples) == 3
    assert category_display("contact") == "Talk to a person"
    assert category_guides_starter_load() == 0
    assert all(g["description"] and g["display_name"] and g["examples"] for g in starter.values())


def test_a_display_name_in_use_is_found(db):
    category_guide_update(name="refund", display_name="Money back")
    assert category_display_taken(name="payment", display_name="money BACK") == "refund"
    assert category_display_taken(name="refund", display_name="Money back") is None
    assert category_display_taken(name="card_arrival", display_name="Fresh name") is None
    Category.objects.create(name="payment_sent")
    category_guides_clear()
    assert category_display_taken(name="other", display_name="Payment sent") == "payment_sent"


# --- the admin ---------------------------------------------------------------------------------------

@pytest.fixture
def ada(db):
    return UserFactory(username="ada", roles=["admin"], is_staff=True)


def test_the_admin_lists_every_known_category_and_edits_its_guide(client, ada):
    trainingexample_record(text="where is my parcel", category="delivery", source="import")
    trainingexample_record(text="refund please", category="refund", source="import")
    client.force_login(ada)
    r = client.get("/admin/mlcore/category/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Delivery (from the name)" in html and "Refund (from the name)" in html
    row = Category.objects.get(name="refund")
    assert category_display("refund") == "Refund"  # cached before the edit
    r = client.post(f"/admin/mlcore/category/{row.pk}/change/", {
        "display_name": "Refunds", "description": "Money back for an order.",
        "examples": "refund please\nI want my money back"})
    assert r.status_code == 302, r.content[:3000]
    assert category_display("refund") == "Refunds"  # saved through category_guide_update: cache cleared
    guide = category_guide("refund")
    assert guide.description == "Money back for an order." and guide.examples == ("refund please",
                                                                                  "I want my money back")
    assert LogEntry.objects.filter(object_id=str(row.pk), user=ada).exists()
    html = client.get("/admin/mlcore/category/").content.decode()
    assert "Refunds" in html


def test_the_admin_refuses_a_display_name_another_category_has(client, ada):
    category_guide_update(name="refund", display_name="Money back")
    row = category_guide_update(name="payment")
    client.force_login(ada)
    r = client.post(f"/admin/mlcore/category/{row.pk}/change/", {"display_name": "money back",
                                                                  "description": "", "examples": ""})
    assert r.status_code == 200 and "already shown as" in r.content.decode()
    assert category_display("payment") == "Payment"


def test_the_admin_is_for_admins_only(client, db):
    row = category_guide_update(name="refund")
    staff_agent = UserFactory(username="bob", roles=["agent"], is_staff=True)
    client.force_login(staff_agent)
    assert client.get("/admin/mlcore/category/").status_code == 403
    assert client.get(f"/admin/mlcore/category/{row.pk}/change/").status_code == 403
    r = client.post(f"/admin/mlcore/category/{row.pk}/change/", {"display_name": "Hacked", "description": "",
                                                                  "examples": ""})
    assert r.status_code == 403 and category_display("refund") == "Refund"
    assert "/admin/mlcore/category/" not in client.get("/admin/").content.decode()
    customer = UserFactory(username="carl", roles=["customer"])
    client.force_login(customer)
    assert client.get("/admin/mlcore/category/").status_code == 302  # to the admin's login


def test_the_admin_adds_and_deletes_no_rows(client, ada):
    row = category_guide_update(name="refund")
    client.force_login(ada)
    assert client.get("/admin/mlcore/category/add/").status_code == 403
    assert client.post(f"/admin/mlcore/category/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Category.objects.filter(pk=row.pk).exists()


def test_an_admin_adds_a_new_category_with_its_display_name(client, ada):
    client.force_login(ada)
    form = client.get("/admin/mlcore/newcategory/add/?name=card_arrival&display_name=Card+arrival")
    assert form.status_code == 200 and 'value="card_arrival"' in form.content.decode()
    r = client.post("/admin/mlcore/newcategory/add/", {
        "name": "card_arrival", "display_name": "Cards that never came", "description": "A card ordered, not here."})
    assert r.status_code == 302, r.content[:3000]
    made = NewCategory.objects.get(name="card_arrival")
    assert made.origin == "added in the admin by ada" and made.created_by == ada
    assert category_display("card_arrival") == "Cards that never came"
    assert category_guide("card_arrival").description == "A card ordered, not here."
    assert client.get(f"/admin/mlcore/newcategory/{made.pk}/change/").status_code == 200  # read-only view
    r = client.post(f"/admin/mlcore/newcategory/{made.pk}/change/", {"name": "renamed", "description": ""})
    assert r.status_code == 403 and NewCategory.objects.get(pk=made.pk).name == "card_arrival"


@pytest.mark.parametrize("name, display_name, error", [
    ("Card Arrival", "", "lower-case letters"),
    ("refund", "", "already a category"),
    ("card_arrival", "money BACK", "already shown as"),
])
def test_the_new_category_form_says_what_is_wrong(client, ada, name, display_name, error):
    trainingexample_record(text="refund please", category="refund", source="import")
    category_guide_update(name="refund", display_name="Money back")
    client.force_login(ada)
    before = NewCategory.objects.count()
    r = client.post("/admin/mlcore/newcategory/add/", {"name": name, "display_name": display_name,
                                                       "description": ""})
    assert r.status_code == 200 and error in r.content.decode()
    assert NewCategory.objects.count() == before


def test_only_admins_add_new_categories(client, db):
    client.force_login(UserFactory(username="bob", roles=["agent", "annotator"], is_staff=True))
    assert client.get("/admin/mlcore/newcategory/add/").status_code == 403
    r = client.post("/admin/mlcore/newcategory/add/", {"name": "sneaky", "display_name": "", "description": ""})
    assert r.status_code == 403 and not NewCategory.objects.filter(name="sneaky").exists()


# --- the pages people read ---------------------------------------------------------------------------

@pytest.fixture
def named(db):
    category_guide_update(name="delivery", display_name="Parcels & delivery")
    category_guide_update(name="refund", display_name="Money back")


def test_the_console_shows_display_names_and_filters_by_name(client, bob_agent, named):
    InquiryFactory(status="escalated", category="delivery", text="where is my parcel")
    InquiryFactory(status="escalated", category="refund", confirmed_category="", text="refund please")
    client.force_login(bob_agent)
    html = client.get("/agent/").content.decode()
    assert '<td data-label="Category">Parcels &amp; delivery</td>' in html  # escaped
    assert '<option value="delivery">Parcels &amp; delivery</option>' in html
    html = client.get("/agent/?category=refund").content.decode()
    assert '<option value="refund" selected>Money back</option>' in html
    assert "refund please" in html and "where is my parcel" not in html
    fragment = client.get("/agent/queue/?category=refund").content.decode()
    assert '<td data-label="Category">Money back</td>' in fragment


def test_category_options_are_in_the_order_people_read_them(client, bob_agent, named):
    category_guide_update(name="account", display_name="Sign-in and account")
    client.force_login(bob_agent)
    html = client.get("/agent/").content.decode()
    select = html.split('id="queue-category"', 1)[1].split("</select>", 1)[0]
    shown = [o.split(">", 1)[1].split("<", 1)[0] for o in select.split("<option")[1:]]
    assert shown[0] == "Every category" and shown[1:] == sorted(shown[1:], key=str.casefold)
    assert shown.index("Money back") < shown.index("Parcels &amp; delivery") < shown.index("Sign-in and account")


def test_the_ticket_page_shows_display_names_and_posts_names(client, bob_agent, named):
    inquiry = InquiryFactory(status="assigned", assigned_to=bob_agent, category="delivery", confirmed_category="",
                             probabilities={"delivery": 0.7, "refund": 0.2})
    client.force_login(bob_agent)
    html = client.get(f"/agent/tickets/{inquiry.pk}/").content.decode()
    assert "<dd>Parcels &amp; delivery (" in html
    assert '<span class="tag">Money back 0.20</span>' in html
    assert '<option value="delivery" selected>Parcels &amp; delivery</option>' in html
    assert '<option value="refund">Money back</option>' in html
    r = client.post(f"/agent/tickets/{inquiry.pk}/category/", {"category": "refund"})
    assert r.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.confirmed_category == "refund"  # the name is stored
    assert '<dd class="confirmed">Money back</dd>' in client.get(f"/agent/tickets/{inquiry.pk}/body/").content.decode()
    r = client.post(f"/agent/tickets/{inquiry.pk}/category/", {"category": "Money back"})
    assert r.status_code == 400  # a display name is no category


def test_the_agent_api_keeps_names(client, bob_agent, named):
    inquiry = InquiryFactory(status="escalated", category="delivery")
    client.force_login(bob_agent)
    r = client.get(f"/api/agent/tickets/{inquiry.pk}/")
    assert r.status_code == 200 and r.json()["category"] == "delivery"


def test_the_feedback_dashboard_shows_display_names(client, admin_user, named):
    for i in range(4):
        inquiry = InquiryFactory(status="answered_auto", category=["delivery", "refund"][i % 2])
        ExplicitFeedback.objects.create(inquiry=inquiry, rating=4, nps=9, score=0.5)
    client.force_login(admin_user)
    today = timezone.localdate().isoformat()
    html = client.get("/dashboards/").content.decode()
    assert '<option value="refund">Money back</option>' in html
    assert '<option value="" selected>all categories</option>' in html
    mix = json.loads(json.loads(html.split('<script id="categories" type="application/json">', 1)[1]
                                .split("</script>", 1)[0]))
    assert sorted(t["name"] for t in mix["data"]) == ["Money back", "Parcels & delivery"]
    html = client.get(f"/dashboards/?category=refund&start={today}&end={today}").content.decode()
    assert '<option value="refund" selected>Money back</option>' in html
    csv = b"".join(client.get("/dashboards/feedback.csv").streaming_content).decode()
    assert ",refund," in csv and "Money back" not in csv  # exports keep names


def test_the_topics_page_names_categories_made_of_topics(client, admin_user, db):
    newcategory_create(name="card_arrival", display_name="Card not arrived")
    run = ClusterRun.objects.create(source="escalations", status="done", n_items=3, points=[])
    Cluster.objects.create(run=run, label=0, size=3, keywords=["card"], representatives=["my card"],
                           category="card_arrival")
    client.force_login(admin_user)
    html = client.get("/dashboards/clusters/").content.decode()
    assert "category <strong>Card not arrived</strong>" in html
    assert "<li><strong>Card not arrived</strong>:" in html
