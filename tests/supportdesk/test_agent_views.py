from datetime import timedelta

import pytest
from django.utils import timezone

from supportdesk.models import Inquiry
from tests.factories import InquiryFactory, UserFactory

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
