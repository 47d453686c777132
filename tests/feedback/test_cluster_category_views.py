"""Making a category of a topic: the admin's form on the topics page, the service behind it, and who may."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from feedback.cluster_services import TopicNotFound, topic_category_create
from feedback.models import Cluster, ClusterRun
from labeling.models import LabelingBatch
from labeling.selectors import label_choices
from mlcore.models import NewCategory
from supportdesk.models import FAQEntry
from tests.factories import InquiryFactory, UserFactory

XSS = "<script>alert('t')</script>"


def _topic(*, source=ClusterRun.Source.ESCALATIONS, n=4) -> Cluster:
    run = ClusterRun.objects.create(source=source, status=ClusterRun.Status.DONE, n_items=n)
    members = [InquiryFactory(text=f"my new card has not arrived {i}", status="escalated",
                              escalation_reasons=["out_of_scope"]).pk for i in range(n)]
    return Cluster.objects.create(run=run, label=0, name="card · arrive · still", size=n,
                                  keywords=["card", "arrive", "still", "x" * 120], representatives=[XSS],
                                  member_ids=members, weekly=[0] * 7 + [n], growth=0.0,
                                  reasons={"out_of_scope": n})


def _post(client, topic, **data):
    return client.post(f"/dashboards/clusters/topics/{topic.pk}/category/",
                       {"name": "card_arrival", "description": "A card that did not come", **data})


def test_an_admin_makes_a_category_and_its_texts_wait_for_the_annotators(client, admin_user):
    topic = _topic()
    client.force_login(admin_user)
    r = _post(client, topic)
    assert r.status_code == 302 and r["Location"].endswith(f"?run={topic.run_id}")
    category = NewCategory.objects.get()
    assert category.name == "card_arrival" and category.created_by == admin_user
    batch = LabelingBatch.objects.get(trigger="new_category")
    assert sorted(batch.items.values_list("inquiry_id", flat=True)) == sorted(topic.member_ids)
    assert "card_arrival" in label_choices()
    assert not FAQEntry.objects.filter(category="card_arrival").exists()  # no answer given, no FAQ entry
    page = client.get(f"/dashboards/clusters/?run={topic.run_id}").content.decode()
    assert "card_arrival" in page and "0 of 20 gold labels" in page and "held back" in page
    assert XSS not in page and "&lt;script&gt;" in page
    # Once made, the topic offers no second form, and a second post is refused.
    assert "Make a category of this topic" not in page
    r = _post(client, topic, name="card_late")
    assert r.status_code == 400 and "already became the category" in r.content.decode()
    assert NewCategory.objects.count() == 1


def test_the_page_lists_growing_topics_first_with_names_trends_and_reasons(client, admin_user):
    topic = _topic()
    Cluster.objects.create(run=topic.run, label=1, name="big · steady", size=40, keywords=["big"],
                           weekly=[5] * 8, growth=0.0, reasons={"high_risk": 40})
    Cluster.objects.filter(pk=topic.pk).update(growth=0.9)
    client.force_login(admin_user)
    page = client.get(f"/dashboards/clusters/?run={topic.run_id}").content.decode()
    assert page.index("card · arrive · still") < page.index("big · steady")
    assert "growing" in page and "out_of_scope" in page and "high_risk" in page
    assert 'data-live-ws="/ws/admin/topics/"' in page and 'data-live-reload="li[data-final]"' in page
    assert f'id="t{topic.pk}-name"' in page  # each topic's form has ids of its own


def test_the_faq_answer_makes_an_faq_entry(admin_user):
    topic = _topic()
    topic_category_create(cluster_id=topic.pk, name="card_arrival", description="A card that did not come",
                          faq_answer="Cards arrive within 7 working days.", actor=admin_user)
    entry = FAQEntry.objects.get(category="card_arrival")
    assert entry.question == "A card that did not come" and entry.embedding


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "Card Arrival"}, "lower-case letters"),
    ({"name": "x"}, "lower-case letters"),
    ({"name": "refund"}, "already a category"),  # a starter category
    ({"name": "card_arrival", "description": ""}, "required"),
])
def test_bad_input_is_a_400_with_the_reason_and_nothing_made(client, admin_user, data, message):
    topic = _topic()
    client.force_login(admin_user)
    r = _post(client, topic, **data)
    assert r.status_code == 400 and message in r.content.decode()
    assert not NewCategory.objects.exists() and not LabelingBatch.objects.exists()


def test_a_name_an_faq_already_uses_is_taken(client, admin_user):
    FAQEntry.objects.create(category="card_arrival", question="q", answer="a")
    client.force_login(admin_user)
    r = _post(client, _topic())
    assert r.status_code == 400 and "already a category" in r.content.decode()


def test_a_topic_of_comments_cannot_become_a_category(client, admin_user):
    topic = _topic(source=ClusterRun.Source.COMMENTS)
    client.force_login(admin_user)
    assert _post(client, topic).status_code == 400
    assert "Make a category" not in client.get(f"/dashboards/clusters/?run={topic.run_id}").content.decode()
    with pytest.raises(ValidationError):
        topic_category_create(cluster_id=topic.pk, name="card_arrival")
    assert not NewCategory.objects.exists()


def test_unknown_topic_is_a_404(client, admin_user):
    client.force_login(admin_user)
    assert client.post("/dashboards/clusters/topics/999/category/", {"name": "card_arrival"}).status_code == 404
    with pytest.raises(TopicNotFound):
        topic_category_create(cluster_id=999, name="card_arrival")


def test_only_admins_with_a_csrf_token_may(client, db, bob_agent):
    topic = _topic()
    assert _post(client, topic).status_code == 302  # to the login page
    client.force_login(bob_agent)
    assert _post(client, topic).status_code == 403
    admin = UserFactory(username="root", roles=["admin"], is_staff=True, is_superuser=True)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin)
    assert _post(strict, topic).status_code == 403
    assert client.get(f"/dashboards/clusters/topics/{topic.pk}/category/").status_code in (403, 405)
    assert not NewCategory.objects.exists()


def test_the_runs_fragment_marks_finished_runs(client, admin_user):
    ClusterRun.objects.create(source="comments", status="queued")
    done = ClusterRun.objects.create(source="comments", status="done")
    client.force_login(admin_user)
    html = client.get("/dashboards/clusters/runs/").content.decode()
    assert f'id="cluster-run-{done.pk}" data-final' in html and html.count("data-final") == 1


def test_the_admin_names_the_category_people_read(client, admin_user):
    from mlcore.categories import category_display, category_guide_update

    topic = _topic()
    client.force_login(admin_user)
    assert _post(client, topic, display_name="Card never came").status_code == 302
    assert category_display("card_arrival") == "Card never came"
    other = _topic()
    category_guide_update(name="refund", display_name="Money back")
    r = _post(client, other, name="refunds", display_name="money BACK")
    assert r.status_code == 400 and "already shown as" in r.content.decode()
    assert not NewCategory.objects.filter(name="refunds").exists()
