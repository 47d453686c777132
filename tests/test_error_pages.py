"""The app's own 404, 403 and 500 pages: styled like the rest, plain words, a way back (DEBUG is off in tests)."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path

from tests.factories import UserFactory


def boom(request):
    raise RuntimeError("the database caught fire")


urlpatterns = [path("boom/", boom)]  # for the 500 test only (pytest.mark.urls)


def assert_styled(html: str) -> None:
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html
    assert 'class="card error-page"' in html and "<script>" not in html and " style=" not in html


@pytest.mark.parametrize("url", ["/t/no-such-ticket-token/", "/no/such/page/", "/t/x/body/"])
def test_a_missing_page_or_ticket_is_the_styled_404_with_a_way_back(client, db, url):
    r = client.get(url)
    assert r.status_code == 404
    html = r.content.decode()
    assert_styled(html)
    assert "We can't find that page" in html and 'href="/">Submit a new inquiry</a>' in html
    assert "Traceback" not in html and "urlpatterns" not in html


def test_a_staff_page_for_someone_without_the_role_is_the_styled_403(client, db):
    client.force_login(UserFactory(username="ann", roles=["annotator"]))
    r = client.get("/agent/")
    assert r.status_code == 403
    html = r.content.decode()
    assert_styled(html)
    assert "This page isn't open to you" in html
    assert 'href="/home/">Go to your start page</a>' in html
    assert "Submit a new inquiry</a>" in html and "annotator role" not in html  # no internals either


def test_a_form_sent_without_its_csrf_token_gets_the_styled_403(db):
    r = Client(enforce_csrf_checks=True).post("/", {"text": "hello"})
    assert r.status_code == 403
    html = r.content.decode()
    assert_styled(html)
    assert "That form has expired" in html and "CSRF" not in html


@pytest.mark.urls(__name__)
def test_a_crash_is_the_styled_500_and_needs_no_database(db):
    client = Client(raise_request_exception=False)
    with CaptureQueriesContext(connection) as queries:
        r = client.get("/boom/")
    assert r.status_code == 500
    html = r.content.decode()
    assert_styled(html)
    assert "Something went wrong on our side" in html and 'href="/">Back to the start page</a>' in html
    assert "database caught fire" not in html
    assert len(queries) == 0


def test_the_500_page_renders_without_a_request_or_context():
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
