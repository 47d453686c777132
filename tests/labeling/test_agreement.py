import math

import pytest

from labeling import agreement
from labeling.agreement import ACCEPT, EXTRA, REVIEW
from labeling.answers import NEW_CATEGORY, NONE_OF_THESE


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
    assert pairs[("ann", "art")] == {"kappa": pytest.approx(1.0), "n": 2, "agreement": 1.0, "reason": ""}
    assert pairs[("ann", "cora")]["kappa"] is None and pairs[("ann", "cora")]["n"] == 1
    assert pairs[("ann", "cora")]["agreement"] == 0.0
    assert pairs[("ann", "cora")]["reason"] == "fewer than 2 shared items"
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


def test_raw_agreement_is_the_share_of_matching_pairs_per_item_averaged():
    assert agreement.item_agreement(["a", "a"]) == 1.0
    assert agreement.item_agreement(["a", "b"]) == 0.0
    assert agreement.item_agreement(["a", "a", "b"]) == pytest.approx(1 / 3)  # 1 matching pair of 3
    assert agreement.item_agreement(["a"]) is None
    labels = {1: ["a", "a"], 2: ["a", "b"], 3: ["a", "a", "b"], 4: ["c"]}  # item 4 has nothing to compare
    assert agreement.raw_agreement(labels) == pytest.approx((1 + 0 + 1 / 3) / 3)
    assert agreement.raw_agreement({1: ["a"]}) is None
    assert agreement.shared_items(labels) == 3


def test_pairwise_agreement_beside_kappa():
    items = {i: {"ann": a, "art": b} for i, (a, b) in enumerate(zip("xxxxxyyyyy", "xxxyyyyyxy", strict=True))}
    pair = agreement.pairwise_kappas(items)[("ann", "art")]
    assert pair == {"kappa": pytest.approx(0.4), "n": 10, "agreement": pytest.approx(0.7), "reason": ""}


def test_kappa_undefined_because_every_label_is_the_same_says_so():
    items = {i: {"ann": "refund", "art": "refund"} for i in range(5)}
    pair = agreement.pairwise_kappas(items)[("ann", "art")]
    assert pair["kappa"] is None and pair["agreement"] == 1.0 and pair["n"] == 5
    assert pair["reason"] == "every item got the same label, so kappa is undefined"


def test_undefined_reasons():
    assert agreement.undefined_reason(shared=1, agreement=1.0) == "fewer than 2 shared items"
    assert agreement.undefined_reason(shared=0, agreement=None) == "fewer than 2 shared items"
    assert agreement.undefined_reason(shared=3, agreement=1.0) == "every item got the same label, so kappa is undefined"
    assert agreement.undefined_reason(shared=3, agreement=1.0, measure="krippendorff_alpha") == \
        "every item got the same label, so alpha is undefined"
    assert agreement.undefined_reason(shared=3, agreement=None) == "not enough data"  # judged before it was stored


def test_batch_summary_one_label_throughout_is_full_agreement():
    summary = agreement.batch_agreement_summary({1: ["x", "x"], 2: ["x", "x"], 3: ["x", "x"]}, annotators_per_item=2)
    assert summary == agreement.BatchAgreement(
        kappa=None, measure="cohen_kappa", agreement=1.0, shared=3,
        reason="every item got the same label, so kappa is undefined", policy="full_agreement")
    alpha = agreement.batch_agreement_summary({1: ["x"] * 3, 2: ["x"] * 3}, annotators_per_item=3)
    assert (alpha.kappa, alpha.policy, alpha.reason) == (
        None, "full_agreement", "every item got the same label, so alpha is undefined")


def test_batch_summary_without_data_stays_undefined():
    one = agreement.batch_agreement_summary({1: ["x", "x"]}, annotators_per_item=2)
    assert (one.kappa, one.agreement, one.policy, one.reason) == (None, 1.0, "undefined", "fewer than 2 shared items")
    none = agreement.batch_agreement_summary({}, annotators_per_item=2)
    assert (none.agreement, none.shared, none.policy) == (None, 0, "undefined")


def test_batch_summary_with_kappa():
    summary = agreement.batch_agreement_summary({1: ["x", "x"], 2: ["y", "y"], 3: ["x", "y"], 4: ["y", "y"]},
                                                annotators_per_item=2)
    assert summary.agreement == 0.75 and summary.reason == "" and summary.kappa == pytest.approx(0.5)
    assert summary.policy == "review_all"


def test_policy_name_full_agreement_needs_enough_items():
    assert agreement.policy_name(None, agreement=1.0, shared=2) == "full_agreement"
    assert agreement.policy_name(None, agreement=1.0, shared=1) == "undefined"
    assert agreement.policy_name(None, agreement=0.5, shared=9) == "undefined"
    assert agreement.policy_name(0.9, agreement=1.0, shared=9) == "accept_unanimous"
    assert set(agreement.POLICY_TEXT) == {"review_all", "review_disagreements", "accept_unanimous", "full_agreement",
                                         "undefined"}
    assert not any("nan" in text.lower() for text in agreement.POLICY_TEXT.values())


def test_full_agreement_is_the_accept_band():
    decide = agreement.item_decision
    assert decide(kappa=None, labels=["a", "a"], required=2, base_required=2, policy="full_agreement") == \
        agreement.Decision(ACCEPT, "a")
    # A later extra label on an item of such a batch follows the accept band, not the middle one.
    assert decide(kappa=None, labels=["a", "b"], required=2, base_required=2, policy="full_agreement") == \
        agreement.Decision(EXTRA)
    assert decide(kappa=None, labels=["a", "b"], required=2, base_required=2, policy="undefined") == \
        agreement.Decision(REVIEW)


@pytest.mark.parametrize("labels", [
    [NONE_OF_THESE, NONE_OF_THESE],  # two "none of these" agree, and still need a reviewer
    [NEW_CATEGORY, NEW_CATEGORY],
    ["a", NONE_OF_THESE],
    ["a", "a", NEW_CATEGORY],
])
@pytest.mark.parametrize(("kappa", "policy"), [(0.95, None), (0.7, None), (None, "full_agreement"), (None, None)])
def test_special_answers_always_go_to_review(labels, kappa, policy):
    assert agreement.item_decision(kappa=kappa, labels=labels, required=len(labels), base_required=2,
                                   policy=policy) == agreement.Decision(REVIEW)


def test_special_answers_count_as_labels_for_agreement():
    assert agreement.item_agreement([NONE_OF_THESE, NONE_OF_THESE]) == 1.0
    assert agreement.item_agreement([NONE_OF_THESE, "a"]) == 0.0
    kappa = agreement.cohen_kappa(["a", "b", NONE_OF_THESE, "a"], ["a", "b", NONE_OF_THESE, "b"])
    assert kappa is not None and 0 < kappa < 1
    summary = agreement.batch_agreement_summary({1: [NONE_OF_THESE] * 2, 2: [NONE_OF_THESE] * 2},
                                                annotators_per_item=2)
    assert summary.policy == "full_agreement" and summary.agreement == 1.0


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"labels": ["a", "b"], "skips": 0, "required": 2, "policy": "review_disagreements"}, ["disagreement"]),
    ({"labels": ["a", "a"], "skips": 0, "required": 2, "policy": "review_all"}, ["low_agreement"]),
    ({"labels": ["a", "b"], "skips": 0, "required": 2, "policy": "review_all"}, ["low_agreement", "disagreement"]),
    ({"labels": [NONE_OF_THESE, NONE_OF_THESE], "skips": 0, "required": 2, "policy": "accept_unanimous"},
     ["none_of_these"]),
    ({"labels": ["a", NEW_CATEGORY], "skips": 0, "required": 2, "policy": "full_agreement"},
     ["new_category", "disagreement"]),
    ({"labels": ["a"], "skips": 2, "required": 2, "policy": ""}, ["skipped"]),
    ({"labels": [], "skips": 2, "required": 2, "policy": ""}, ["skipped"]),
    ({"labels": ["a", "a"], "skips": 1, "required": 2, "policy": "review_disagreements"}, []),
    ({"labels": ["a", "a"], "skips": 0, "required": 2, "policy": "review_disagreements", "flagged": True},
     ["flagged"]),
])
def test_review_reasons(kwargs, expected):
    codes = agreement.review_reasons(**kwargs)
    assert codes == expected
    assert all(code in agreement.REVIEW_REASONS for code in codes)
