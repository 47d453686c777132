import datetime as dt

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django import forms
from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.access import role_required
from core.exports import csv_response
from core.roles import ADMIN
from feedback.charts import cluster_map_spec, dashboard_charts
from feedback.cluster_services import UnknownSource, clusterrun_request
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


class FilterForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    category = forms.ChoiceField(required=False)
    period = forms.ChoiceField(choices=[("week", "week"), ("day", "day")], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "all categories")] + [(c, c) for c in categories_in_use()]

    def to_filter(self) -> DashboardFilter:
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - dt.timedelta(days=90)
        return DashboardFilter(start=start, end=end, category=data.get("category") or "",
                               period=data.get("period") or "week")


@require_GET
@role_required(ADMIN)
@csp_replace(CHARTS_CSP)
def dashboard_view(request):
    form = FilterForm(request.GET or None)
    f = form.to_filter()
    by_day = feedback_by_day(f=f)
    return render(request, "feedback/dashboard.html", {
        "form": form, "filter": f, "nps": nps_overall(f=f, by_day=by_day), "drift": driftreport_latest(),
        "charts": dashboard_charts(f=f, by_day=by_day),
    })


@require_GET
@role_required(ADMIN)
def feedback_export_view(request):
    f = FilterForm(request.GET or None).to_filter()
    return csv_response(rows=feedback_export_rows(f=f), filename=f"feedback-{f.start:%Y%m%d}-{f.end:%Y%m%d}.csv")


@require_GET
@role_required(ADMIN)
@csp_replace(CHARTS_CSP)
def clusters_view(request):
    run = clusterrun_get(run_id=request.GET.get("run"))
    return render(request, "feedback/clusters.html", {
        "run": run, "runs": clusterruns_recent(), "sources": clusterrun_sources(),
        "clusters": list(run.clusters.all()) if run else [],
        "charts": {"cluster_map": cluster_map_spec(run=run)} if run and run.points else {},
    })


@require_POST
@role_required(ADMIN)
def clusters_run_view(request):
    try:
        run = clusterrun_request(source=request.POST.get("source", ""))
    except UnknownSource:
        return HttpResponseBadRequest("unknown source")
    messages.success(request, f"Clustering run #{run.pk} queued.")
    return redirect(f"{reverse('dashboards:clusters')}?run={run.pk}")
