import datetime as dt

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.access import role_required
from core.exports import csv_response
from core.roles import ADMIN
from feedback.charts import cluster_map_spec, dashboard_charts
from feedback.cluster_selectors import cluster_get, clusterrun_topics, newcategories_status
from feedback.cluster_services import TopicNotFound, UnknownSource, clusterrun_request, topic_category_create
from feedback.forms import TopicCategoryForm
from feedback.selectors import (
    DashboardFilter,
    categories_in_use,
    clusterrun_get,
    clusterrun_sources,
    clusterruns_recent,
    feedback_by_day,
    feedback_export_rows,
    nps_overall,
)
from mlcore.selectors import driftreport_latest

# The charts page policy (django-csp, on top of CONTENT_SECURITY_POLICY in settings): plotly.js sets style
# attributes from script, so styles also 'unsafe-inline'; scripts stay 'self'. No websockets here.
CHARTS_CSP = {"style-src": [SELF, UNSAFE_INLINE], "connect-src": [SELF]}


DEFAULT_DAYS = 90


class FilterForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    category = forms.ChoiceField(required=False)
    period = forms.ChoiceField(choices=[("week", "week"), ("day", "day")], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "all categories")] + [(c, c) for c in categories_in_use()]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end") or timezone.localdate()
        if start and start > end:
            which = "the end date" if data.get("end") else "today, the default end"
            self.add_error(None, f"The start date ({start.isoformat()}) is after {which} ({end.isoformat()}). "
                                 "Choose a start on or before the end.")
            for name in ("start", "end"):  # announced with the fields, not only in the message above them
                self.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": "filter-errors"})
        return data

    def to_filter(self) -> DashboardFilter:
        """The form's filter (the defaults if unbound or invalid): the last 90 days to today unless dates are given."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or timezone.localdate()
        # min(): an end in the first days of year 1 would otherwise overflow the date type (a 500).
        start = data.get("start") or end - min(dt.timedelta(days=DEFAULT_DAYS), end - dt.date.min)
        return DashboardFilter(start=start, end=end, category=data.get("category") or "",
                               period=data.get("period") or "week")


@require_GET
@role_required(ADMIN)
@csp_replace(CHARTS_CSP)
def dashboard_view(request):
    form = FilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "feedback/dashboard.html", {"form": form}, status=400)
    f = form.to_filter()
    by_day = feedback_by_day(f=f)
    return render(request, "feedback/dashboard.html", {
        "form": form, "filter": f, "nps": nps_overall(f=f, by_day=by_day), "drift": driftreport_latest(),
        "charts": dashboard_charts(f=f, by_day=by_day),
    })


@require_GET
@role_required(ADMIN)
def feedback_export_view(request):
    form = FilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(form.errors.as_text(), content_type="text/plain; charset=utf-8")
    f = form.to_filter()
    return csv_response(rows=feedback_export_rows(f=f), filename=f"feedback-{f.start:%Y%m%d}-{f.end:%Y%m%d}.csv")


def _clusters_page(request, *, run, form=None, form_topic=None, status=200):
    topics = clusterrun_topics(run=run) if run else []
    if run and run.source == run.Source.ESCALATIONS:
        for row in topics:  # one form per topic, with ids of its own; the one posted keeps what was typed
            pk = row.cluster.pk
            row.form = form if pk == form_topic else TopicCategoryForm(auto_id=f"t{pk}-%s")
    return render(request, "feedback/clusters.html", {
        "run": run, "runs": clusterruns_recent(), "sources": clusterrun_sources(), "topics": topics,
        "new_categories": newcategories_status(), "form_topic": form_topic,
        "form_errors": [m for errors in form.errors.values() for m in errors] if form is not None else [],
        "charts": {"cluster_map": cluster_map_spec(run=run, names={t.cluster.label: t.cluster.name for t in topics})}
        if run and run.points else {},
    }, status=status)


@require_GET
@role_required(ADMIN)
@csp_replace(CHARTS_CSP)
def clusters_view(request):
    return _clusters_page(request, run=clusterrun_get(run_id=request.GET.get("run")))


@require_GET
@role_required(ADMIN)
def clusters_runs_view(request):
    """The runs list alone: the topics page's live region refetches it on each hint."""
    return render(request, "feedback/_cluster_runs.html", {"runs": clusterruns_recent()})


@require_POST
@role_required(ADMIN)
def clusters_run_view(request):
    try:
        run = clusterrun_request(source=request.POST.get("source", ""))
    except UnknownSource:
        return HttpResponseBadRequest("unknown source")
    messages.success(request, f"Clustering run #{run.pk} queued.")
    return redirect(f"{reverse('dashboards:clusters')}?run={run.pk}")


@require_POST
@role_required(ADMIN)
@csp_replace(CHARTS_CSP)
def clusters_category_view(request, pk: int):
    """Turn a topic of escalated inquiries into a new category; bad input re-renders the page with a 400."""
    topic = cluster_get(cluster_id=pk)
    if topic is None:
        raise Http404("No such topic.")
    form = TopicCategoryForm(request.POST, auto_id=f"t{pk}-%s")
    if form.is_valid():
        try:
            category = topic_category_create(cluster_id=pk, actor=request.user, **form.cleaned_data)
        except TopicNotFound as exc:
            raise Http404("No such topic.") from exc
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Category {category.name} created: the topic's texts are waiting for the "
                                      "annotators, and the next training includes it once it has enough gold labels.")
            return redirect(f"{reverse('dashboards:clusters')}?run={topic.run_id}")
    return _clusters_page(request, run=topic.run, form=form, form_topic=topic.pk, status=400)
