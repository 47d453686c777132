"""Inter-annotator agreement and the review policy of SPEC §5.4, as pure functions; no Django.

κ is None when it is undefined: too few shared items, or every label the same (p_e = 1), where
scikit-learn returns NaN. The two cases mean opposite things, so raw agreement (the share of label pairs
that match) is kept beside κ and undefined_reason says which case it is: a batch where everyone gave the
same label over enough items is in full agreement, not short of data.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np

from labeling.answers import NEW_CATEGORY, NONE_OF_THESE, answer_is_special

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


def item_agreement(labels: list[str]) -> float | None:
    """The share of the item's label pairs that match (two "none of these" match); None below two labels."""
    if len(labels) < 2:
        return None
    pairs = len(labels) * (len(labels) - 1) / 2
    return sum(c * (c - 1) / 2 for c in Counter(labels).values()) / pairs


def raw_agreement(labels_by_item: dict[object, list[str]]) -> float | None:
    """Raw agreement of a batch: item_agreement averaged over the items with at least two labels."""
    values = [v for v in map(item_agreement, labels_by_item.values()) if v is not None]
    return sum(values) / len(values) if values else None


def shared_items(labels_by_item: dict[object, list[str]]) -> int:
    return sum(1 for labels in labels_by_item.values() if len(labels) >= 2)


MEASURE_NAMES = {"cohen_kappa": "Cohen's κ", "krippendorff_alpha": "Krippendorff's α"}
_MEASURE_WORDS = {"cohen_kappa": "kappa", "krippendorff_alpha": "alpha"}


def undefined_reason(*, shared: int, agreement: float | None, measure: str = "cohen_kappa") -> str:
    """Why κ (or α) is undefined: too few shared items, or one label throughout (p_e = 1)."""
    word = _MEASURE_WORDS.get(measure, "kappa")
    if shared < MIN_OVERLAP:
        return f"fewer than {MIN_OVERLAP} shared items"
    if agreement == 1.0:
        return f"every item got the same label, so {word} is undefined"
    return "not enough data"


def pairwise_kappas(labels_by_item: dict[object, dict[object, str]]) -> dict[tuple, dict]:
    """{(rater1, rater2): {"kappa": κ | None, "n": overlap, "agreement": share matching, "reason": why κ is
    undefined or ""}} for every pair that shares an item."""
    shared: dict[tuple, tuple[list[str], list[str]]] = {}
    for by_rater in labels_by_item.values():
        for r1, r2 in itertools.combinations(sorted(by_rater, key=str), 2):
            a, b = shared.setdefault((r1, r2), ([], []))
            a.append(by_rater[r1])
            b.append(by_rater[r2])
    out = {}
    for pair, (a, b) in shared.items():
        kappa = cohen_kappa(a, b)
        matching = sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
        out[pair] = {"kappa": kappa, "n": len(a), "agreement": matching,
                     "reason": "" if kappa is not None else undefined_reason(shared=len(a), agreement=matching)}
    return out


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


@dataclass(frozen=True)
class BatchAgreement:
    kappa: float | None  # κ (k = 2) or α (k > 2); None when undefined
    measure: str  # "cohen_kappa" | "krippendorff_alpha"
    agreement: float | None  # raw agreement
    shared: int  # items with at least two labels
    reason: str  # why kappa is None, else ""
    policy: str  # policy_name of the above


def batch_agreement_summary(labels_in_order: dict[object, list[str]], *, annotators_per_item: int) -> BatchAgreement:
    """Everything the policy and the pages need about a batch's agreement."""
    kappa, measure = batch_agreement(labels_in_order, annotators_per_item=annotators_per_item)
    raw = raw_agreement(labels_in_order)
    shared = shared_items(labels_in_order)
    return BatchAgreement(
        kappa=kappa, measure=measure, agreement=raw, shared=shared,
        reason="" if kappa is not None else undefined_reason(shared=shared, agreement=raw, measure=measure),
        policy=policy_name(kappa, agreement=raw, shared=shared),
    )


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


FULL_AGREEMENT = "full_agreement"

# Page wording; "unanimous" is avoided because pages are checked for a stray "nan".
POLICY_TEXT = {
    "review_all": f"agreement too low (κ below {REVIEW_ALL_BELOW}): every item goes to review",
    "review_disagreements": "items where all agree are accepted, disagreements reviewed",
    "accept_unanimous": "items where all agree are accepted; a disagreement gets one more annotator, then the "
                        "majority or review",
    FULL_AGREEMENT: "everyone gave the same label on every item: κ is undefined, but this is full agreement, "
                    f"handled like κ ≥ {ACCEPT_UNANIMOUS_FROM}",
    "undefined": "too few shared items for κ: items where all agree are accepted, disagreements reviewed",
}


def policy_name(kappa: float | None, *, agreement: float | None = None, shared: int = 0) -> str:
    """The §5.4 band. An undefined κ with raw agreement 1.0 over enough items (p_e = 1: one label
    throughout) is full agreement, not a lack of evidence."""
    if kappa is None:
        if agreement == 1.0 and shared >= MIN_OVERLAP:
            return FULL_AGREEMENT
        return "undefined"
    if kappa < REVIEW_ALL_BELOW:
        return "review_all"
    if kappa < ACCEPT_UNANIMOUS_FROM:
        return "review_disagreements"
    return "accept_unanimous"


def item_decision(*, kappa: float | None, labels: list[str], required: int, base_required: int,
                  policy: str | None = None) -> Decision:
    """What happens to one item of a batch whose agreement is κ (SPEC §5.4); policy: the batch's band when
    already known (it tells full agreement from too few items, which κ alone cannot).

    A special answer ("none of these", a new category) always goes to review: no category to accept.
    κ < 0.6: review. 0.6 ≤ κ < 0.8: unanimous accepted, disagreement reviewed. κ ≥ 0.8, or full agreement:
    unanimous accepted, a disagreement gets one extra annotator and is reviewed only if no majority results.
    An undefined κ for lack of shared items is treated like the middle band: no evidence either way."""
    if any(answer_is_special(label) for label in labels):
        return Decision(REVIEW)
    unanimous = len(set(labels)) == 1
    band = policy or policy_name(kappa)
    if band == "review_all":
        return Decision(REVIEW)
    if unanimous:
        return Decision(ACCEPT, labels[0])
    if band in ("accept_unanimous", FULL_AGREEMENT):
        if required <= base_required:
            return Decision(EXTRA)
        winner = majority(labels)
        return Decision(ACCEPT, winner) if winner else Decision(REVIEW)
    return Decision(REVIEW)


REVIEW_REASONS = {
    "none_of_these": "none of these",
    "new_category": "new category suggested",
    "skipped": "skipped",
    "low_agreement": "low agreement batch",
    "disagreement": "disagreement",
    "flagged": "flagged",
}


def review_reasons(*, labels: list[str], skips: int, required: int, policy: str, flagged: bool = False) -> list[str]:
    """Why an item is in review, most telling first (codes of REVIEW_REASONS)."""
    reasons = []
    if NONE_OF_THESE in labels:
        reasons.append("none_of_these")
    if NEW_CATEGORY in labels:
        reasons.append("new_category")
    if skips and len(labels) < required:
        reasons.append("skipped")
    if policy == "review_all":
        reasons.append("low_agreement")
    if len(set(labels)) > 1:
        reasons.append("disagreement")
    if flagged and not reasons:
        reasons.append("flagged")
    return reasons
