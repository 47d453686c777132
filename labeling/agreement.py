"""Inter-annotator agreement and the review policy of SPEC §5.4, as pure functions; no Django.

κ is None when it is undefined ("not enough data"): no overlap, or both raters used a single label
and the same one (p_e = 1), where scikit-learn returns NaN.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np

REVIEW_ALL_BELOW = 0.6
ACCEPT_UNANIMOUS_FROM = 0.8
MIN_OVERLAP = 2


def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    """Cohen's κ of two raters over the same items (scikit-learn); None when undefined."""
    from sklearn.metrics import cohen_kappa_score

    if len(a) != len(b):
        raise ValueError("both raters must label the same items")
    if len(a) < MIN_OVERLAP:
        return None
    with warnings.catch_warnings():  # undefined κ warns; it becomes None below
        warnings.simplefilter("ignore")
        value = float(cohen_kappa_score(a, b))
    # Rounded so that a κ of exactly 0.8 on paper (0.7999999999999999 in floats) meets the policy's boundary.
    return round(value, 10) if math.isfinite(value) else None


def pairwise_kappas(labels_by_item: dict[object, dict[object, str]]) -> dict[tuple, dict]:
    """{(rater1, rater2): {"kappa": κ | None, "n": overlap}} for every pair that shares an item."""
    shared: dict[tuple, tuple[list[str], list[str]]] = {}
    for by_rater in labels_by_item.values():
        for r1, r2 in itertools.combinations(sorted(by_rater, key=str), 2):
            a, b = shared.setdefault((r1, r2), ([], []))
            a.append(by_rater[r1])
            b.append(by_rater[r2])
    return {pair: {"kappa": cohen_kappa(a, b), "n": len(a)} for pair, (a, b) in shared.items()}


def peer_kappa_adjudicated_only(*, reviewer: bool, annotator: bool) -> bool:
    """Whether the per-peer κ shown to someone counts adjudicated items only.

    Someone who both reviews and annotates would otherwise watch their κ with a peer move as the peer
    labels an item they share, and learn the peer's answer before adjudicating it. Holders of one role
    keep κ over every label: an annotator never sees the statistics, a reviewer labels nothing."""
    return reviewer and annotator


def krippendorff_alpha(labels_by_item: dict[object, dict[object, str]]) -> float | None:
    """Krippendorff's α (nominal) over any number of raters, missing labels allowed; None when undefined."""
    import krippendorff

    raters = sorted({r for by_rater in labels_by_item.values() for r in by_rater}, key=str)
    values = sorted({v for by_rater in labels_by_item.values() for v in by_rater.values()})
    pairable = [i for i, by_rater in labels_by_item.items() if len(by_rater) >= 2]
    if len(pairable) < MIN_OVERLAP or len(values) < 2:
        return None
    code = {v: n for n, v in enumerate(values)}
    data = np.full((len(raters), len(pairable)), np.nan)
    for col, item in enumerate(pairable):
        for r, v in labels_by_item[item].items():
            data[raters.index(r), col] = code[v]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    return round(value, 10) if math.isfinite(value) else None


def batch_agreement(labels_in_order: dict[object, list[str]], *, annotators_per_item: int) -> tuple[float | None, str]:
    """The batch's overall figure: Cohen's κ between first and second label when k = 2, else Krippendorff's α.

    For k = 2 the raters are the label positions, so a batch shared among several annotators still has one κ."""
    if annotators_per_item <= 2:
        pairs = [labels[:2] for labels in labels_in_order.values() if len(labels) >= 2]
        return cohen_kappa([p[0] for p in pairs], [p[1] for p in pairs]), "cohen_kappa"
    by_item = {item: dict(enumerate(labels)) for item, labels in labels_in_order.items()}
    return krippendorff_alpha(by_item), "krippendorff_alpha"


def majority(labels: list[str]) -> str | None:
    """The label more than half the annotators gave, or None."""
    if not labels:
        return None
    label, count = Counter(labels).most_common(1)[0]
    return label if count * 2 > len(labels) else None


@dataclass(frozen=True)
class Decision:
    action: str  # "accept" | "review" | "extra"
    label: str = ""


ACCEPT, REVIEW, EXTRA = "accept", "review", "extra"


def policy_name(kappa: float | None) -> str:
    if kappa is None:
        return "undefined"
    if kappa < REVIEW_ALL_BELOW:
        return "review_all"
    if kappa < ACCEPT_UNANIMOUS_FROM:
        return "review_disagreements"
    return "accept_unanimous"


def item_decision(*, kappa: float | None, labels: list[str], required: int, base_required: int) -> Decision:
    """What happens to one item of a batch whose agreement is κ (SPEC §5.4).

    κ < 0.6: review. 0.6 ≤ κ < 0.8: unanimous accepted, disagreement reviewed. κ ≥ 0.8: unanimous accepted,
    a disagreement gets one extra annotator and is reviewed only if no majority results. An undefined κ (too
    few items, or one label throughout) is treated like the middle band: no evidence either way."""
    unanimous = len(set(labels)) == 1
    band = policy_name(kappa)
    if band == "review_all":
        return Decision(REVIEW)
    if unanimous:
        return Decision(ACCEPT, labels[0])
    if band == "accept_unanimous":
        if required <= base_required:
            return Decision(EXTRA)
        winner = majority(labels)
        return Decision(ACCEPT, winner) if winner else Decision(REVIEW)
    return Decision(REVIEW)
