import csv
import io
import json
import time

import pytest
from django.utils.html import strip_tags

from core.exports import spreadsheet_safe
from feedback.models import ExplicitFeedback, ImplicitSignal
from tests.core.test_csp import directives
from tests.factories import InquiryFactory


@pytest.fixture
def data(db):
    for i in range(40):
        inquiry = InquiryFactory(status="answered_auto" if i % 3 else "escalated",
                                 category=["delivery", "refund"][i % 2],
                                 escalation_reasons=[] if i % 3 else ["high_risk"])
        ExplicitFeedback.objects.create(inquiry=inquiry, rating=1 + i % 5, nps=i % 11, score=0.5,
                                        comment="=HYPERLINK(\"http://evil\")" if i == 0 else "fine")
        ImplicitSignal.objects.create(inquiry=inquiry, view_id=f"view-{i:08d}", score=(i % 10) / 10)


def test_dashboard_shows_nps_and_every_chart_as_data(client, admin_user, data):
    client.force_login(admin_user)
    r = client.get("/dashboards/?period=day")
    assert r.status_code == 200
    html = r.content.decode()
    assert "40 answers" in html and "Fewer than 30" not in html
    for name in ("nps_trend", "nps_breakdown", "ratings", "implicit", "escalations", "categories"):
        spec = json.loads(json.loads(html.split(f'id="{name}" type="application/json">')[1].split("</script>")[0]))
        assert spec["data"], name
    assert directives(r["Content-Security-Policy"])["script-src"] == ["'self'"]  # directive order varies
    assert "<script>" not in html


def test_filters_by_category(client, admin_user, data):
    client.force_login(admin_user)
    html = client.get("/dashboards/?category=refund").content.decode()
    assert "20 answers" in html and "Fewer than 30" in html


def test_csv_export_is_safe_against_formula_injection(client, admin_user, data):
    client.force_login(admin_user)
    r = client.get("/dashboards/feedback.csv")
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode())))
    assert rows[0][0] == "ticket" and len(rows) == 41
    assert any(row[-1] == "'=HYPERLINK(\"http://evil\")" for row in rows)
    assert spreadsheet_safe("-1+2") == "'-1+2" and spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("ok") == "ok" and spreadsheet_safe(None) == ""


def test_only_admins_reach_dashboards(client, bob_agent, data):
    assert client.get("/dashboards/").status_code == 302
    client.force_login(bob_agent)
    assert client.get("/dashboards/").status_code == 403
    assert client.get("/dashboards/feedback.csv").status_code == 403


@pytest.mark.slow
def test_dashboard_with_many_rows_stays_fast(client, admin_user, db):
    inquiries = [InquiryFactory.build(category="delivery") for _ in range(2000)]
    from supportdesk.models import Inquiry

    Inquiry.objects.bulk_create(inquiries)
    ids = list(Inquiry.objects.values_list("id", flat=True))
    ExplicitFeedback.objects.bulk_create([ExplicitFeedback(inquiry_id=i, rating=3, nps=i % 11) for i in ids])
    client.force_login(admin_user)
    start = time.perf_counter()
    assert client.get("/dashboards/").status_code == 200
    assert time.perf_counter() - start < 5  # bench/dashboards.py measures the 100,000-row target


def test_category_filter_lists_each_category_once(data):
    from feedback.selectors import categories_in_use

    assert categories_in_use() == ["delivery", "refund"]


def test_a_start_after_the_end_is_a_400_with_the_form_and_a_message(client, admin_user, data):
    client.force_login(admin_user)
    r = client.get("/dashboards/?start=2026-03-01&end=2026-02-01&category=refund")
    assert r.status_code == 400
    html = r.content.decode()
    assert "The start date (2026-03-01) is after the end date (2026-02-01)." in html
    assert 'value="2026-03-01"' in html and 'aria-invalid="true"' in html  # what was typed stays, marked
    assert 'class="charts"' not in html and "application/json" not in html  # no charts of a wrong range
    assert directives(r["Content-Security-Policy"])["script-src"] == ["'self'"]


def test_a_start_after_today_without_an_end_is_a_400_too(client, admin_user, data):
    client.force_login(admin_user)
    r = client.get("/dashboards/?start=2999-01-01")
    assert r.status_code == 400
    assert "is after today, the default end" in r.content.decode()


@pytest.mark.parametrize("query", ["start=yesterday", "end=2026-02-31", "period=month", "category=<b>x</b>"])
def test_a_malformed_filter_is_a_400_naming_the_field(client, admin_user, data, query):
    client.force_login(admin_user)
    r = client.get(f"/dashboards/?{query}")
    assert r.status_code == 400
    html = r.content.decode()
    assert 'id="filter-errors"' in html and "<b>x</b>" not in html
    assert client.get(f"/dashboards/feedback.csv?{query}").status_code == 400


def test_the_csv_export_refuses_a_reversed_range(client, admin_user, data):
    client.force_login(admin_user)
    r = client.get("/dashboards/feedback.csv?start=2026-03-01&end=2026-02-01")
    assert r.status_code == 400 and b"is after the end date" in r.content


def test_an_end_in_the_first_days_of_year_one_is_not_a_500(client, admin_user, data):
    client.force_login(admin_user)
    assert client.get("/dashboards/?end=0001-01-02").status_code == 200


def test_a_range_without_data_explains_itself_in_every_card(client, admin_user, data):
    client.force_login(admin_user)
    r = client.get("/dashboards/?start=2001-01-01&end=2001-02-01")
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count('class="chart-empty"') == 6 and "application/json" not in html
    assert "No NPS answers between 2001-01-01 and 2001-02-01." in strip_tags(html)
    assert "No inquiries between 2001-01-01 and 2001-02-01." in strip_tags(html)


def test_the_empty_sentence_names_the_category_escaped(client, admin_user, data):
    InquiryFactory(category="<b>odd</b>")
    client.force_login(admin_user)
    html = client.get("/dashboards/?start=2001-01-01&end=2001-02-01&category=<b>odd</b>").content.decode()
    assert "in the category “&lt;b&gt;odd&lt;/b&gt;”." in html and "<b>odd</b>" not in html


def test_the_page_links_its_csv_export_with_the_same_filter_and_the_other_dashboards(client, admin_user, data):
    client.force_login(admin_user)
    html = client.get("/dashboards/?category=refund&period=day").content.decode()
    assert 'href="/dashboards/feedback.csv?category=refund&amp;period=day">Export CSV</a>' in html
    assert 'href="/dashboards/operations/"' in html and 'href="/dashboards/clusters/"' in html
