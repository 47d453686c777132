"""The held-out evaluation and the promotion rule (pure functions, no database)."""

import numpy as np
import pytest

from mlcore.evaluation import heldout_evaluate, promotion_decide

ACTIVE = {"n": 120, "accuracy": 0.85, "macro_f1": 0.80, "ece": 0.05,
          "per_category_accuracy": {"billing": 0.9, "shipping": 0.8}}


def scores(*, accuracy=0.85, macro_f1=0.80, n=120, **extra) -> dict:
    return {"n": n, "accuracy": accuracy, "macro_f1": macro_f1, "ece": 0.05, **extra}


def decide(candidate, active=ACTIVE, margin=0.01):
    return promotion_decide(candidate=candidate, active=active, margin=margin)


# promotion_decide


def test_the_first_version_is_promoted_without_a_comparison():
    assert decide(scores(), active=None) == ("promote", "no active version to compare with")
    assert decide({"n": 0}, active=None)[0] == "promote"  # even without a held-out set: nothing to lose


@pytest.mark.parametrize(("candidate", "active"), [
    ({"n": 0}, ACTIVE),  # no gold labels held out
    ({}, ACTIVE),
    (scores(), {"n": 0, "error": "bundle of v1 could not be loaded"}),  # the active one failed to run
    (scores(), {"n": 0}),
])
def test_without_figures_on_both_sides_an_admin_decides(candidate, active):
    verdict, reason = decide(candidate, active)
    assert verdict == "keep" and "an admin decides" in reason


def test_a_better_macro_f1_by_the_margin_at_equal_or_better_accuracy_is_promoted():
    verdict, reason = decide(scores(macro_f1=0.83))
    assert verdict == "promote" and reason == "macro-F1 0.830 beats the active 0.800 by at least 0.010"
    assert decide(scores(accuracy=0.90, macro_f1=0.85))[0] == "promote"


def test_a_gain_below_the_margin_is_kept_as_candidate():
    verdict, reason = decide(scores(accuracy=0.90, macro_f1=0.809))
    assert verdict == "keep" and reason == "macro-F1 0.809 does not beat the active 0.800 by the margin 0.010"
    assert decide(scores(macro_f1=0.809), margin=0.005)[0] == "promote"  # the margin is the caller's


def test_better_accuracy_alone_is_not_enough():
    assert decide(scores(accuracy=0.95, macro_f1=0.80))[0] == "keep"


def test_an_exact_tie_is_kept_unless_the_margin_is_zero():
    assert decide(scores())[0] == "keep"
    assert decide(scores(), margin=0.0)[0] == "promote"


def test_exactly_the_margin_in_round_figures_is_promoted():
    assert decide(scores(macro_f1=0.81))[0] == "promote"
    assert decide(scores(macro_f1=0.90), active=scores(macro_f1=0.80), margin=0.1)[0] == "promote"


def test_exactly_the_margin_is_promoted_whatever_the_figures():
    # 0.5026 + 0.01 > 0.5126 in floating point: a gain of exactly the margin was once kept.
    for active in (0.5026, 0.1, 0.7003, 0.8999):
        assert decide(scores(macro_f1=round(active + 0.01, 4)), active=scores(macro_f1=active), margin=0.01)[0] == \
            "promote"


@pytest.mark.parametrize(("accuracy", "macro_f1"), [
    (0.849, 0.95),  # a much better macro-F1 does not buy back lost accuracy
    (0.95, 0.799),  # nor the other way round
    (0.80, 0.70),
])
def test_less_accurate_on_either_figure_is_rejected(accuracy, macro_f1):
    verdict, reason = decide(scores(accuracy=accuracy, macro_f1=macro_f1), margin=0.0)
    assert verdict == "reject"
    assert reason == (f"less accurate than the active version on 120 held-out gold labels: "
                      f"accuracy {accuracy:.3f} vs 0.850, macro-F1 {macro_f1:.3f} vs 0.800")


def test_a_drop_on_one_category_does_not_change_the_verdict():
    """The rule compares the headline figures only; per-category accuracy is not looked at."""
    regressed = scores(accuracy=0.90, macro_f1=0.85, per_category_accuracy={"billing": 1.0, "shipping": 0.2})
    assert decide(regressed)[0] == "promote"


# heldout_evaluate


def test_an_empty_gold_set_has_only_a_count():
    assert heldout_evaluate(probabilities=np.zeros((0, 2)), labels=["billing", "shipping"], truth=[]) == {"n": 0}


def test_figures_of_a_mostly_right_model():
    labels = ["billing", "refund", "shipping"]
    probabilities = np.array([[0.8, 0.1, 0.1], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1]])
    truth = ["billing", "billing", "shipping", "shipping"]  # the last one predicted as refund
    m = heldout_evaluate(probabilities=probabilities, labels=labels, truth=truth)
    assert m["n"] == 4 and m["accuracy"] == 0.75
    assert m["per_category_accuracy"] == {"billing": 1.0, "shipping": 0.5}
    # Averaged over the true categories only: refund, predicted but never true, would pull it to 0.5556.
    assert m["macro_f1"] == pytest.approx((1.0 + 2 / 3) / 2, abs=1e-4)
    assert m["ece"] == pytest.approx(0.05)  # confidence 0.8 throughout, right 3 times in 4


def test_a_category_the_model_does_not_know_is_a_miss_and_stays_out_of_the_ece():
    labels = ["billing", "shipping"]
    probabilities = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    m = heldout_evaluate(probabilities=probabilities, labels=labels, truth=["billing", "shipping", "warranty"])
    assert m["accuracy"] == pytest.approx(0.6667)
    assert m["per_category_accuracy"] == {"billing": 1.0, "shipping": 1.0, "warranty": 0.0}
    assert m["ece"] == 0.0  # over the two rows it could have got right, both certain and right
    nothing_known = heldout_evaluate(probabilities=probabilities[:1], labels=labels, truth=["warranty"])
    assert nothing_known["accuracy"] == 0.0 and nothing_known["ece"] is None


def test_the_ece_is_measured_on_probabilities_that_sum_to_one():
    m = heldout_evaluate(probabilities=np.array([[0.4, 0.1], [0.1, 0.4]]), labels=["billing", "shipping"],
                         truth=["billing", "shipping"])
    assert m["ece"] == pytest.approx(0.2)  # confidence 0.8 once normalised, not 0.4


def test_the_figures_are_rounded_to_four_places():
    probabilities = np.array([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1]])
    m = heldout_evaluate(probabilities=probabilities, labels=["billing", "shipping"],
                         truth=["billing", "shipping", "shipping"])
    assert m["accuracy"] == 0.3333 and m["per_category_accuracy"] == {"billing": 1.0, "shipping": 0.0}
