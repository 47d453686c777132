import math

import pytest

from labeling import agreement
from labeling.agreement import ACCEPT, EXTRA, REVIEW


def test_cohen_kappa_matches_the_hand_computed_value():
    # 10 items; the raters agree on 7. a: 5×x 5×y; b: 4×x 6×y → p_o = 0.7, p_e = .5·.4 + .5·.6 = 0.5, κ = 0.4
    a = ["x"] * 5 + ["y"] * 5
    b = ["x", "x", "x", "y", "y", "y", "y", "y", "x", "y"]
    assert sum(p == q for p, q in zip(a, b, strict=True)) == 7
    assert agreement.cohen_kappa(a, b) == pytest.approx(0.4)


def test_cohen_kappa_perfect_and_chance():
    assert agreement.cohen_kappa(["a", "b", "a", "b"], ["a", "b", "a", "b"]) == pytest.approx(1.0)
    # p_o = 0.5, p_e = 0.5 → 0
    assert agreement.cohen_kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"]) == pytest.approx(0.0)


@pytest.mark.parametrize(("a", "b"), [
    (["x", "x", "x"], ["x", "x", "x"]),  # one label used by both: p_e = 1
    (["x"], ["y"]),  # too little overlap
    ([], []),
])
def test_degenerate_kappa_is_none_never_nan(a, b):
    assert agreement.cohen_kappa(a, b) is None


def test_pairwise_kappas_use_only_shared_items():
    items = {
        1: {"ann": "x", "art": "x"},
        2: {"ann": "y", "art": "y"},
        3: {"ann": "x", "cora": "y"},
        4: {"art": "x", "cora": "x"},
    }
    pairs = agreement.pairwise_kappas(items)
    assert pairs[("ann", "art")] == {"kappa": pytest.approx(1.0), "n": 2}
    assert pairs[("ann", "cora")]["kappa"] is None and pairs[("ann", "cora")]["n"] == 1
    assert pairs[("art", "cora")]["n"] == 1


def test_krippendorff_alpha_hand_computed():
    # Nominal α = 1 − D_o/D_e. Items: (a,a), (a,b), (b,b); values n_a = 3, n_b = 3, n = 6.
    # D_o = disagreeing pairable values / n = 2/6; D_e = 2·n_a·n_b / (n·(n−1)) = 18/30 → α = 1 − (1/3)/(3/5) = 4/9
    items = {1: {0: "a", 1: "a"}, 2: {0: "a", 1: "b"}, 3: {0: "b", 1: "b"}}
    assert agreement.krippendorff_alpha(items) == pytest.approx(4 / 9)


def test_krippendorff_alpha_with_three_raters_and_gaps():
    items = {1: {"p": "a", "q": "a", "r": "a"}, 2: {"p": "b", "q": "b"}, 3: {"q": "a", "r": "b"}, 4: {"p": "c"}}
    value = agreement.krippendorff_alpha(items)
    assert value is not None and -1 <= value < 1 and math.isfinite(value)
    assert agreement.krippendorff_alpha({1: {"p": "a", "q": "a"}, 2: {"p": "a", "q": "a"}}) is None


def test_batch_agreement_by_k():
    labels = {1: ["x", "x"], 2: ["y", "y"], 3: ["x", "y"], 4: ["y", "y"]}
    kappa, measure = agreement.batch_agreement(labels, annotators_per_item=2)
    assert measure == "cohen_kappa"
    assert kappa == pytest.approx(agreement.cohen_kappa(["x", "y", "x", "y"], ["x", "y", "y", "y"]))
    kappa3, measure3 = agreement.batch_agreement({1: ["x", "x", "x"], 2: ["y", "y", "x"]}, annotators_per_item=3)
    assert measure3 == "krippendorff_alpha" and kappa3 is not None


def test_majority():
    assert agreement.majority(["a", "a", "b"]) == "a"
    assert agreement.majority(["a", "b"]) is None
    assert agreement.majority(["a", "b", "c"]) is None
    assert agreement.majority([]) is None


@pytest.mark.parametrize(("kappa", "labels", "required", "expected"), [
    (0.5999, ["a", "a"], 2, agreement.Decision(REVIEW)),  # below 0.6 even unanimous items are reviewed
    (0.6, ["a", "a"], 2, agreement.Decision(ACCEPT, "a")),
    (0.6, ["a", "b"], 2, agreement.Decision(REVIEW)),
    (0.7999, ["a", "b"], 2, agreement.Decision(REVIEW)),
    (0.8, ["a", "a"], 2, agreement.Decision(ACCEPT, "a")),
    (0.8, ["a", "b"], 2, agreement.Decision(EXTRA)),  # one extra annotator
    (0.8, ["a", "b", "a"], 3, agreement.Decision(ACCEPT, "a")),  # the extra label makes a majority
    (0.8, ["a", "b", "c"], 3, agreement.Decision(REVIEW)),  # still none
    (None, ["a", "a"], 2, agreement.Decision(ACCEPT, "a")),  # not enough data: the middle band
    (None, ["a", "b"], 2, agreement.Decision(REVIEW)),
])
def test_policy_at_its_boundaries(kappa, labels, required, expected):
    assert agreement.item_decision(kappa=kappa, labels=labels, required=required, base_required=2) == expected


def test_policy_names():
    assert agreement.policy_name(0.59) == "review_all"
    assert agreement.policy_name(0.6) == "review_disagreements"
    assert agreement.policy_name(0.8) == "accept_unanimous"
    assert agreement.policy_name(None) == "undefined"


def test_a_kappa_of_exactly_point_eight_meets_the_boundary():
    a = ["delivery", "refund", "order", "invoice", "account", "payment"]
    b = ["delivery", "refund", "order", "invoice", "account", "refund"]
    assert agreement.cohen_kappa(a, b) == 0.8
    assert agreement.policy_name(agreement.cohen_kappa(a, b)) == "accept_unanimous"


@pytest.mark.parametrize(("reviewer", "annotator", "expected"), [
    (True, True, True), (True, False, False), (False, True, False), (False, False, False)])
def test_peer_kappa_is_over_adjudicated_items_only_for_a_reviewer_who_annotates(reviewer, annotator, expected):
    assert agreement.peer_kappa_adjudicated_only(reviewer=reviewer, annotator=annotator) is expected
