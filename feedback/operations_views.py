"""The operations dashboard (issue #15): a thin view over operations_selectors and operations_charts."""

from csp.decorators import csp_replace
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.access import role_required
from core.roles import ADMIN
from feedback.dashboard_views import CHARTS_CSP, FilterForm
from feedback.operations_charts import headline_figures, operations_charts
from feedback.operations_selectors import operations_audit, operations_report


@require_GET
@role_required(ADMIN)
@csp_replace(CHARTS_CSP)
def operations_view(request):
    form = FilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "feedback/operations.html", {"form": form}, status=400)
    report = operations_report(f=form.to_filter())
    return render(request, "feedback/operations.html", {
        "form": form, "filter": report.f, "report": report, "figures": headline_figures(report=report),
        "charts": operations_charts(report=report), "audit": operations_audit(),
    })
