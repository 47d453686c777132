import math

import pytest

from feedback.scoring import explicit_score, implicit_score, nps_summary


def test_spec_example_implicit_score():
    assert implicit_score(clicked=True, dwell_seconds=45.3, scroll_depth=0.78) == pytest.approx(0.914, abs=5e-4)


def test_implicit_score_clips_dwell_and_depth():
    assert implicit_score(clicked=False, dwell_seconds=-5, scroll_depth=-1) == 0
    top = implicit_score(clicked=True, dwell_seconds=10**9, scroll_depth=7)
    assert top == pytest.approx(0.4 + 0.4 * (1 - math.exp(-0.05 * 3600)) + 0.2)


def test_explicit_score_full_and_renormalised():
    assert explicit_score(rating=5, comment_sentiment=1.0, nps=10) == pytest.approx(1.0)
    assert explicit_score(rating=1, comment_sentiment=-1.0, nps=0) == pytest.approx(-0.3)
    assert explicit_score(rating=3) == pytest.approx(0.5)  # r_norm alone
    assert explicit_score(rating=5, nps=0) == pytest.approx(0.5 / 0.7)
    assert explicit_score() is None


def test_nps_edge_cases():
    empty = nps_summary([])
    assert empty.nps is None and empty.answers == 0 and empty.too_few
    passives = nps_summary([7, 8, 7, 8])
    assert passives.nps == 0 and passives.passives == 4 and passives.ci_low == passives.ci_high == 0
    one = nps_summary([10])
    assert one.nps == 100 and one.answers == 1 and one.too_few


def test_nps_value_and_interval():
    answers = [10] * 50 + [8] * 30 + [3] * 20
    s = nps_summary(answers)
    assert s.nps == 30 and (s.promoters, s.passives, s.detractors) == (50, 30, 20) and not s.too_few
    half = 1.96 * math.sqrt((0.5 + 0.2 - 0.09) / 100) * 100
    assert s.ci_low == pytest.approx(30 - half, abs=0.01) and s.ci_high == pytest.approx(30 + half, abs=0.01)
    assert -100 <= s.ci_low <= s.nps <= s.ci_high <= 100
