"""The production audit, as the ML core sees it: on the prediction log, which automatic answers were drawn
(Prediction.audit_propensity), what annotators found them to be (audit_category, audited_at), and each
version's audited accuracy with its 95% interval. Labeling draws and labels them (labeling.services.audit)
and reports both through mlcore.predictions; the model page, the operations dashboard and the retraining
triggers read the figures here.

The estimate weights each audit by 1/propensity (Horvitz-Thompson, normalised), so audits drawn at
different shares still estimate the accuracy over all automatic answers; with one share throughout it is
the plain share correct. The interval is Wilson's, on the effective number of audits (Kish)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from mlcore.models import ModelVersion, Prediction

Z95 = 1.959963984540054


def wilson_interval(*, successes: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """Wilson's score interval for a proportion; None for no trials. Keeps inside [0, 1] and is sensible
    at 0 or n successes, where the normal approximation collapses to a point."""
    if n <= 0:
        return None
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class AuditEstimate:
    n: int  # audited automatic answers
    correct: int
    accuracy: float | None  # None: not audited yet
    low: float | None
    high: float | None


def audit_estimate(*, correct: Sequence[bool], propensities: Sequence[float]) -> AuditEstimate:
    """The accuracy of automatic answers from their audits (pure). `propensities[i]`: the chance audit i had
    of being drawn."""
    n = len(correct)
    if n == 0:
        return AuditEstimate(n=0, correct=0, accuracy=None, low=None, high=None)
    weights = [1.0 / p if p and p > 0 else 1.0 for p in propensities]
    total = sum(weights)
    accuracy = sum(w for w, c in zip(weights, correct, strict=True) if c) / total
    n_eff = total * total / sum(w * w for w in weights)
    low, high = wilson_interval(successes=accuracy * n_eff, n=n_eff)
    return AuditEstimate(n=n, correct=sum(bool(c) for c in correct), accuracy=accuracy, low=low, high=high)


@dataclass(frozen=True)
class VersionAudit:
    version: str
    automatic: int  # automatic answers the version gave
    drawn: int  # of those, drawn for the audit
    estimate: AuditEstimate

    @property
    def pending(self) -> int:
        """Drawn, not labeled yet."""
        return self.drawn - self.estimate.n


@dataclass(frozen=True)
class AutomaticAnswer:
    ref: str
    model_version: str
    category: str


def _audited(rows) -> AuditEstimate:
    rows = list(rows)
    return audit_estimate(correct=[cat == gold for cat, gold, _ in rows], propensities=[p for _, _, p in rows])


def _audited_rows(**lookups):
    return (Prediction.objects.filter(escalated=False, audit_propensity__isnull=False, audited_at__isnull=False,
                                      **lookups).exclude(audit_category=""))


def audit_by_version(*, versions: Sequence[str] | None = None) -> list[VersionAudit]:
    """Per version (all, or those named, in that order): automatic answers, audits drawn, audited accuracy."""
    counts = Prediction.objects.filter(escalated=False)
    if versions is not None:
        counts = counts.filter(model_version__in=list(versions))
    counts = {r["model_version"]: r for r in counts.values("model_version").annotate(
        automatic=Count("id"), drawn=Count("id", filter=Q(audit_propensity__isnull=False)))}
    audited: dict[str, list] = {}
    rows = _audited_rows(**({"model_version__in": list(versions)} if versions is not None else {}))
    for version, cat, gold, p in rows.values_list("model_version", "category", "audit_category", "audit_propensity"):
        audited.setdefault(version, []).append((cat, gold, p))
    if versions is None:
        known = list(ModelVersion.objects.order_by("-created_at", "-id").values_list("version", flat=True))
        names = [v for v in known if v in counts] + sorted(set(counts) - set(known))
    else:
        names = list(versions)
    return [VersionAudit(version=v, automatic=counts.get(v, {}).get("automatic", 0),
                         drawn=counts.get(v, {}).get("drawn", 0), estimate=_audited(audited.get(v, [])))
            for v in names]


def audit_accuracy(*, version: str, since: datetime | None = None) -> AuditEstimate:
    """One version's audited accuracy, over audits labeled after `since` (all when None)."""
    lookups = {"model_version": version}
    if since is not None:
        lookups["audited_at__gt"] = since
    return _audited(_audited_rows(**lookups).values_list("category", "audit_category", "audit_propensity"))


def predictions_automatic(*, since: datetime) -> list[AutomaticAnswer]:
    """Automatic answers (not escalated by the rules) logged after `since` that the audit has not drawn."""
    rows = (Prediction.objects.filter(escalated=False, audit_propensity__isnull=True, created_at__gt=since)
            .order_by("created_at", "id").values_list("ref", "model_version", "category"))
    return [AutomaticAnswer(ref=r, model_version=v, category=c) for r, v, c in rows.iterator()]


def prediction_audit_last_drawn_at() -> datetime | None:
    """When the newest automatic answer the audit drew was logged: where the next draw picks up."""
    return (Prediction.objects.filter(audit_propensity__isnull=False).order_by("-created_at")
            .values_list("created_at", flat=True).first())
