"""Held-out evaluation and the promotion rule: pure functions over arrays, testable alone."""

from __future__ import annotations

import numpy as np

from mlcore.heads import expected_calibration_error


def heldout_evaluate(*, probabilities: np.ndarray, labels: list[str], truth: list[str]) -> dict:
    """Accuracy, macro-F1, ECE and per-category accuracy of a model on a labeled set.

    A true category the model does not know counts as a miss (it cannot predict it)."""
    from sklearn.metrics import f1_score

    if len(truth) == 0:
        return {"n": 0}
    pred = [labels[i] for i in probabilities.argmax(axis=1)]
    correct = np.array([p == t for p, t in zip(pred, truth, strict=True)])
    known = {label: i for i, label in enumerate(labels)}
    y = np.array([known.get(t, -1) for t in truth])
    p = probabilities / np.maximum(probabilities.sum(axis=1, keepdims=True), 1e-12)
    # ECE over the rows whose truth the model knows; the unknown ones are all misses anyway.
    ece = expected_calibration_error(probabilities=p[y >= 0], y=y[y >= 0]) if (y >= 0).any() else None
    per_category = {c: round(float(correct[[t == c for t in truth]].mean()), 4) for c in sorted(set(truth))}
    return {
        "n": len(truth),
        "accuracy": round(float(correct.mean()), 4),
        "macro_f1": round(float(f1_score(truth, pred, labels=sorted(set(truth)), average="macro", zero_division=0)), 4),
        "ece": None if ece is None else round(ece, 4),
        "per_category_accuracy": per_category,
    }


def promotion_decide(*, candidate: dict, active: dict | None, margin: float) -> tuple[str, str]:
    """("promote" | "keep" | "reject", reason) for a validated candidate against the active version,
    both measured on the same held-out gold set. Promote when macro-F1 beats the active one by at
    least `margin` without losing accuracy; reject when it is less accurate on either figure."""
    if active is None:
        return "promote", "no active version to compare with"
    if not candidate.get("n") or active.get("accuracy") is None:
        return "keep", "no held-out gold set to compare on; an admin decides"
    ca, cf = candidate["accuracy"], candidate["macro_f1"]
    aa, af = active["accuracy"], active["macro_f1"]
    if ca < aa or cf < af:
        return "reject", (f"less accurate than the active version on {candidate['n']} held-out gold labels: "
                          f"accuracy {ca:.3f} vs {aa:.3f}, macro-F1 {cf:.3f} vs {af:.3f}")
    if round(cf - af, 6) >= round(margin, 6):  # figures are rounded to 4 places: no float slack
        return "promote", f"macro-F1 {cf:.3f} beats the active {af:.3f} by at least {margin:.3f}"
    return "keep", f"macro-F1 {cf:.3f} does not beat the active {af:.3f} by the margin {margin:.3f}"
