from django.test import Client

from supportdesk.models import Inquiry

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>{{7*7}}'


def test_form_page_has_a_csrf_token_and_a_csp(client, db):
    r = client.get("/")
    assert r.status_code == 200
    assert b"csrfmiddlewaretoken" in r.content
    assert "script-src 'self'" in r["Content-Security-Policy"]
    assert b"<script>" not in r.content  # no inline script anywhere


def test_submitting_the_form_leads_to_the_ticket_page(client, active_model):
    r = client.post("/", {"text": "My package never arrived, order 12345", "name": "", "email": ""})
    assert r.status_code == 302
    inquiry = Inquiry.objects.get()
    assert r["Location"] == f"/t/{inquiry.token}/"
    page = client.get(r["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "delivery" in html
    if inquiry.status == "escalated":
        assert "A person will answer" in html
    else:
        assert inquiry.answer.split(".")[0] in html


def test_form_without_csrf_token_is_refused(db):
    strict = Client(enforce_csrf_checks=True)
    r = strict.post("/", {"text": "hello"})
    assert r.status_code == 403
    assert not Inquiry.objects.exists()


def test_invalid_form_is_a_400_with_the_message_and_stores_nothing(client, active_model):
    r = client.post("/", {"text": "", "email": "nope"})
    assert r.status_code == 400
    assert b"This field is required" in r.content and b"valid email" in r.content
    assert not Inquiry.objects.exists()


def test_unknown_ticket_is_404(client, db):
    assert client.get("/t/not-a-real-token/").status_code == 404


def test_user_text_is_escaped_on_the_ticket_page(client, active_model):
    client.post("/", {"text": XSS, "name": XSS})
    inquiry = Inquiry.objects.get()
    html = client.get(f"/t/{inquiry.token}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{7*7}}" in html and "49" not in html.split("You wrote")[1].split("</p>")[0]


def test_ticket_tokens_are_unguessable(active_model):
    tokens = {Inquiry.objects.create(text="t").token for _ in range(20)}
    assert len(tokens) == 20 and all(len(t) >= 32 for t in tokens)
