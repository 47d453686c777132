from datetime import timedelta

import pytest
from django.utils import timezone

from supportdesk.forms import MAX_TEXT
from supportdesk.models import Inquiry, TicketMessage
from tests.factories import InquiryFactory, TicketEventFactory, UserFactory

EMAIL = "ada@repeat.test"
XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>'
SECTION = "Earlier tickets from this customer"


def earlier(*, status: str, days_ago: float, email: str = EMAIL, text: str = "an earlier question") -> Inquiry:
    inquiry = InquiryFactory(email=email, status=status, text=text)
    at = timezone.now() - timedelta(days=days_ago)
    Inquiry.objects.filter(pk=inquiry.pk).update(
        created_at=at, updated_at=at, resolved_at=at if status == "resolved" else None)
    return inquiry


@pytest.fixture
def current(db):
    return InquiryFactory(email="Ada@Repeat.Test", status="escalated", category="delivery")


@pytest.fixture
def agent_client(client, bob_agent):
    client.force_login(bob_agent)
    return client


def section(html: str) -> str:
    return html.split(SECTION, 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize("path", ["/agent/tickets/{pk}/", "/agent/tickets/{pk}/body/"])
def test_the_ticket_page_lists_the_customers_earlier_tickets(agent_client, current, path):
    recent = earlier(status="resolved", days_ago=6, text="Where is my parcel?")
    old = earlier(status="answered_auto", days_ago=30, text="x" * 200)
    still_open = earlier(status="escalated", days_ago=45, text="Still waiting")
    earlier(status="escalated", days_ago=1, email="grace@repeat.test", text="someone else's ticket")
    r = agent_client.get(path.format(pk=current.pk))
    assert r.status_code == 200
    listed = section(r.content.decode())
    for t in (recent, old, still_open):
        assert f'href="/agent/tickets/{t.pk}/"' in listed
    assert f'href="/agent/tickets/{current.pk}/"' not in listed and "someone else" not in listed
    items = {t.pk: next(li for li in listed.split("<li")[1:] if f"/agent/tickets/{t.pk}/" in li)
             for t in (recent, old, still_open)}
    assert "Where is my parcel?" in items[recent.pk] and "Resolved" in items[recent.pk]
    assert "x" * 79 + "…" in items[old.pk] and "x" * 80 not in items[old.pk]
    assert "repeat contact" in items[recent.pk] and "repeat contact" in items[still_open.pk]
    assert "repeat contact" not in items[old.pk]
    # newest first
    assert listed.index(f"/agent/tickets/{recent.pk}/") < listed.index(f"/agent/tickets/{old.pk}/") \
        < listed.index(f"/agent/tickets/{still_open.pk}/")


def test_the_earlier_tickets_show_their_created_date(agent_client, current):
    t = earlier(status="resolved", days_ago=3)
    listed = section(agent_client.get(f"/agent/tickets/{current.pk}/").content.decode())
    assert timezone.localtime(Inquiry.objects.get(pk=t.pk).created_at).strftime("%Y-%m-%d") in listed


def test_earlier_ticket_text_is_escaped(agent_client, current):
    earlier(status="resolved", days_ago=1, text=XSS)
    listed = section(agent_client.get(f"/agent/tickets/{current.pk}/").content.decode())
    assert "<script>" not in listed and "<img" not in listed
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listed


def test_no_section_without_earlier_tickets(agent_client, current):
    earlier(status="resolved", days_ago=1, email="grace@repeat.test")
    assert SECTION not in agent_client.get(f"/agent/tickets/{current.pk}/").content.decode()


def test_no_section_for_a_ticket_without_email(agent_client, db):
    anonymous = InquiryFactory(email="", status="escalated")
    earlier(status="escalated", days_ago=1, email="")
    assert SECTION not in agent_client.get(f"/agent/tickets/{anonymous.pk}/").content.decode()


def test_only_agents_see_the_ticket_page(client, current, alice):
    earlier(status="resolved", days_ago=1, text="private history")
    anonymous = client.get(f"/agent/tickets/{current.pk}/")
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    client.force_login(alice)
    assert client.get(f"/agent/tickets/{current.pk}/").status_code == 403
    client.force_login(UserFactory(username="ann", roles=["annotator"]))
    r = client.get(f"/agent/tickets/{current.pk}/body/")
    assert r.status_code == 403 and b"private history" not in r.content


@pytest.mark.parametrize("path", ["/agent/", "/agent/queue/", "/agent/tickets/{pk}/", "/agent/tickets/{pk}/body/"])
def test_agent_pages_are_never_cached(agent_client, current, path):
    r = agent_client.get(path.format(pk=current.pk))
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"] and "private" in r["Cache-Control"]


def test_an_agent_action_answer_is_never_cached(agent_client, current):
    r = agent_client.post(f"/agent/tickets/{current.pk}/claim/")
    assert r.status_code == 302 and "no-store" in r["Cache-Control"]
    r = agent_client.post(f"/agent/tickets/{current.pk}/claim/")  # already mine: the 409 page
    assert r.status_code == 409 and "no-store" in r["Cache-Control"]


# The console: views, filters, search, pages, SLA ----------------------------------------------------

def open_ticket(*, due_in: float | None = 60, **kw) -> Inquiry:
    inquiry = InquiryFactory(status=kw.pop("status", "escalated"), **kw)
    if due_in is not None:
        Inquiry.objects.filter(pk=inquiry.pk).update(response_due_at=timezone.now() + timedelta(minutes=due_in))
    return inquiry


def test_the_console_shows_every_view_with_its_count(agent_client, bob_agent):
    open_ticket()
    open_ticket(status="assigned", assigned_to=bob_agent)
    InquiryFactory(status="resolved")
    html = agent_client.get("/agent/").content.decode()
    for label, count in [("All open", 2), ("Mine", 1), ("Unassigned", 1), ("Waiting on customer", 0),
                         ("Resolved", 1)]:
        assert f'{label} <span class="count">{count}</span>' in html
    assert 'aria-current="page"' in html


def test_a_filtered_view_lists_only_its_tickets_and_refreshes_itself(agent_client):
    refund = open_ticket(category="refund", text="Money back please")
    open_ticket(category="delivery", text="Where is my parcel")
    r = agent_client.get("/agent/?view=unassigned&category=refund")
    html = r.content.decode()
    assert r.status_code == 200 and "Money back please" in html and "Where is my parcel" not in html
    assert 'data-live-refresh="/agent/queue/?view=unassigned&amp;category=refund"' in html
    fragment = agent_client.get("/agent/queue/?view=unassigned&category=refund").content.decode()
    assert f'data-ticket="{refund.pk}"' in fragment and "Where is my parcel" not in fragment
    assert "<html" not in fragment


def test_search_from_the_console(agent_client):
    hit = open_ticket(text="The invoice is wrong", email="ada@invoice.test")
    open_ticket(text="Where is my parcel")
    html = agent_client.get("/agent/?q=ada@invoice.test").content.decode()
    assert f'data-ticket="{hit.pk}"' in html and "Where is my parcel" not in html
    assert 'value="ada@invoice.test"' in html  # the search box keeps the query
    assert "No ticket matches" in agent_client.get("/agent/?q=nothing-like-this").content.decode()


def test_a_breached_ticket_is_marked_in_words_and_by_class(agent_client):
    late = open_ticket(due_in=-65, text="Late one")
    soon = open_ticket(due_in=42.5, text="Soon one")
    html = agent_client.get("/agent/").content.decode()
    assert html.index(f'data-ticket="{late.pk}"') < html.index(f'data-ticket="{soon.pk}"')
    row = html.split(f'data-ticket="{late.pk}"')[0].rsplit("<tr", 1)[1]
    assert "sla-breached" in row
    assert "⚠ Overdue" in html and "overdue by 1 h 5 min" in html and "due in 42 min" in html
    assert "1 overdue" in html


def test_pages_of_fifty_with_a_next_link(agent_client):
    for _ in range(51):
        open_ticket()
    html = agent_client.get("/agent/").content.decode()
    assert html.count('class="queue-row') == 50
    next_href = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = agent_client.get(next_href).content.decode()
    assert second.count('class="queue-row') == 1 and 'rel="first"' in second
    assert "cursor=" in second.split("data-live-refresh=")[1].split(">")[0]  # a refresh keeps the page


@pytest.mark.parametrize("query", ["view=everything", "cursor=garbage", "reason=bored", "q=" + "x" * 300])
@pytest.mark.parametrize("path", ["/agent/", "/agent/queue/"])
def test_bad_console_parameters_are_a_400(agent_client, db, query, path):
    assert agent_client.get(f"{path}?{query}").status_code == 400


def test_the_ticket_page_still_works(agent_client, current):
    assert agent_client.get(f"/agent/tickets/{current.pk}/").status_code == 200


def test_the_ticket_page_says_when_the_first_reply_is_due(agent_client):
    late = open_ticket(due_in=-65, text="Late one")
    html = agent_client.get(f"/agent/tickets/{late.pk}/").content.decode()
    assert "First reply" in html and "overdue by 1 h 5 min" in html
    Inquiry.objects.filter(pk=late.pk).update(first_response_at=timezone.now())
    html = agent_client.get(f"/agent/tickets/{late.pk}/").content.decode()
    assert "overdue" not in html and "answered" in html


def test_a_reply_over_the_limit_is_a_400_that_keeps_the_text_and_sends_nothing(agent_client, bob_agent):
    ticket = InquiryFactory(status="assigned", assigned_to=bob_agent, text="Where is my parcel?")
    html = agent_client.get(f"/agent/tickets/{ticket.pk}/").content.decode()
    assert f'data-maxlength="{MAX_TEXT}"' in html and " maxlength=" not in html  # counted, never cut
    body = "Here is the full tracking history: " + "scan; " * 900 + "delivered."
    r = agent_client.post(f"/agent/tickets/{ticket.pk}/reply/", {"body": body})
    assert r.status_code == 400
    html = r.content.decode()
    assert f"This message is {len(body)} characters long" in html and body + "</textarea>" in html
    assert not TicketMessage.objects.filter(inquiry=ticket).exists()
    assert Inquiry.objects.get(pk=ticket.pk).first_response_at is None


def test_the_timeline_shows_a_mail_record_as_what_happened_not_as_a_status_change(agent_client, current):
    TicketEventFactory(inquiry=current, from_status="escalated", to_status="escalated",
                       reason="mailed the customer: received")
    html = agent_client.get(f"/agent/tickets/{current.pk}/").content.decode()
    assert "system · mailed the customer: received" in html and "escalated → escalated" not in html
