from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.access import role_required
from core.roles import ADMIN
from mlcore import selectors
from mlcore.audit import audit_by_version
from mlcore.charts import drift_charts
from mlcore.pipeline import trainingrun_request
from mlcore.rollout import rollout_halt, rollout_start
from mlcore.services import PromotionError, modelversion_promote, modelversion_reject, modelversion_rollback


# plotly.js sets style attributes from script; scripts stay 'self', connect-src keeps the global ws: wss: (live runs)
@require_GET
@role_required(ADMIN)
@csp_replace({"style-src": [SELF, UNSAFE_INLINE]})
def models_view(request):
    report = selectors.driftreport_latest()
    versions = selectors.modelversions_recent()
    return render(request, "mlcore/models.html", {
        "versions": versions, "runs": selectors.trainingruns_recent(),
        "active": selectors.modelversion_active(), "drift": report, "rollout": selectors.rollout_running(),
        "charts": drift_charts(report=report, history=selectors.driftreports_recent()),
        "new_categories": selectors.newcategories_progress(),
        "audits": audit_by_version(versions=[v.version for v in versions]),
        "audit_share_percent": settings.SUPPORTLOOP_AUDIT_SHARE * 100,
        "audit_accuracy_min": settings.SUPPORTLOOP_AUDIT_ACCURACY_MIN,
        "audit_min_samples": settings.SUPPORTLOOP_AUDIT_MIN_SAMPLES,
    })


@require_GET
@role_required(ADMIN)
def runs_fragment_view(request):
    """The training-runs table alone: the model page's live region refetches it on each hint."""
    return render(request, "mlcore/_runs.html", {"runs": selectors.trainingruns_recent()})


@require_POST
@role_required(ADMIN)
def retrain_view(request):
    run, created = trainingrun_request(trigger="manual", reason="retrain now", actor=request.user)
    if created:
        messages.success(request, f"Training run #{run.pk} queued.")
    else:
        messages.info(request, f"Training run #{run.pk} is already {run.get_status_display().lower()}; one at a time.")
    return redirect(reverse("models:index"))


def _model_action(request, action, done) -> HttpResponse:
    """Run one registry action; a refusal is shown as a message on the model page, never a 500."""
    try:
        result = action()
    except PromotionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done(result))
    return redirect(reverse("models:index"))


@require_POST
@role_required(ADMIN)
def promote_view(request, version: str):
    return _model_action(request, lambda: modelversion_promote(version=version, actor=request.user),
                         lambda mv: f"{mv.version} is now active.")


@require_POST
@role_required(ADMIN)
def reject_view(request, version: str):
    reason = request.POST.get("reason", "")[:500]
    return _model_action(request, lambda: modelversion_reject(version=version, reason=reason, actor=request.user),
                         lambda mv: f"{mv.version} rejected.")


@require_POST
@role_required(ADMIN)
def rollback_view(request):
    return _model_action(request, lambda: modelversion_rollback(actor=request.user),
                         lambda mv: f"Rolled back: {mv.version} is active again.")


@require_POST
@role_required(ADMIN)
def rollout_start_view(request, version: str, mode: str):
    return _model_action(request, lambda: rollout_start(version=version, mode=mode, actor=request.user),
                         lambda r: f"{r.get_mode_display()} rollout of {version} started.")


@require_POST
@role_required(ADMIN)
def rollout_halt_view(request):
    return _model_action(request, lambda: rollout_halt(reason="halted on the model page", actor=request.user),
                         lambda r: f"Rollout of {r.candidate.version} halted.")


@require_GET
@role_required(ADMIN)
def run_view(request, pk: int):
    run = selectors.trainingrun_get(run_id=pk)
    if run is None:
        raise Http404("no such training run")
    return JsonResponse({"run": _run_json(run)})


def _run_json(run) -> dict:
    return {
        "id": run.pk, "status": run.status, "stage": run.stage, "epoch": run.epoch, "epochs": run.epochs,
        "loss": run.loss, "decision": run.decision, "error": run.error[:300],
        "version": run.model_version.version if run.model_version_id and run.model_version else None,
    }

