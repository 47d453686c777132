"""The canary policy at its boundaries (pure, no Django) and the stable traffic split."""

import pytest

from mlcore.canary import ArmStats, canary_decide, escalation_worse
from mlcore.serving import canary_bucket

STAGES = [0.01, 0.05, 0.25, 0.5, 1.0]


NORMAL_CANARY, NORMAL_ACTIVE = ArmStats(200, 20), ArmStats(2000, 200)


def decide(*, fraction=0.01, canary=NORMAL_CANARY, active=NORMAL_ACTIVE, stage_seconds=700.0, **kw):
    args = {"stages": STAGES, "fraction": fraction, "canary": canary, "active": active,
            "stage_seconds": stage_seconds, "min_samples": 50, "min_stage_seconds": 600,
            "escalation_tolerance": 0.02, "feedback_tolerance": 0.05, "min_feedback": 10, **kw}
    return canary_decide(**args)


@pytest.mark.parametrize(("fraction", "action", "after"), [
    (0.01, "advance", 0.05), (0.05, "advance", 0.25), (0.25, "advance", 0.5), (0.5, "complete", 1.0),
])
def test_a_canary_no_worse_than_the_active_version_climbs_every_stage(fraction, action, after):
    d = decide(fraction=fraction)
    assert (d.action, d.fraction) == (action, after)


def test_it_holds_until_both_arms_have_enough_inquiries_and_the_stage_lasted():
    assert decide(canary=ArmStats(49, 0)).action == "hold"
    assert decide(active=ArmStats(49, 0)).action == "hold"
    assert decide(canary=ArmStats(50, 5), active=ArmStats(50, 5)).action == "advance"
    held = decide(stage_seconds=599.0)
    assert held.action == "hold" and held.fraction == 0.01
    assert decide(stage_seconds=600.0).action == "advance"


def test_a_clearly_higher_escalation_rate_halts():
    d = decide(canary=ArmStats(400, 120), active=ArmStats(4000, 400))  # 30 % vs 10 %
    assert d.action == "halt" and d.fraction == 0.0 and "escalation rate 30.0%" in d.reason


def test_a_gap_within_the_tolerance_or_within_noise_does_not_halt():
    assert decide(canary=ArmStats(1000, 120), active=ArmStats(1000, 100)).action == "advance"  # +2.0 points
    worse, diff = escalation_worse(canary=ArmStats(50, 8), active=ArmStats(50, 5), tolerance=0.02)
    assert diff == pytest.approx(0.06) and not worse  # 3 inquiries of 50: noise
    assert escalation_worse(canary=ArmStats(5000, 800), active=ArmStats(5000, 500), tolerance=0.02)[0]


def test_it_halts_even_before_the_stage_ends_when_worse():
    assert decide(canary=ArmStats(400, 120), active=ArmStats(4000, 400), stage_seconds=5).action == "halt"


def test_worse_feedback_halts_and_equal_feedback_does_not():
    worse = decide(canary=ArmStats(200, 20, feedback_n=10, feedback_sum=5.0),
                   active=ArmStats(2000, 200, feedback_n=100, feedback_sum=60.0))  # 0.50 vs 0.60
    assert worse.action == "halt" and "feedback score 0.50" in worse.reason
    within = decide(canary=ArmStats(200, 20, feedback_n=10, feedback_sum=5.6),
                    active=ArmStats(2000, 200, feedback_n=100, feedback_sum=60.0))
    assert within.action == "advance"
    too_few = decide(canary=ArmStats(200, 20, feedback_n=9, feedback_sum=0.0),
                     active=ArmStats(2000, 200, feedback_n=100, feedback_sum=60.0))
    assert too_few.action == "advance"


def test_the_split_is_stable_per_key_and_close_to_the_fraction():
    keys = [f"token-{i}" for i in range(20000)]
    assert [canary_bucket(k) for k in keys[:50]] == [canary_bucket(k) for k in keys[:50]]
    for fraction in (0.01, 0.05, 0.25, 0.5):
        share = sum(canary_bucket(k) < fraction for k in keys) / len(keys)
        assert share == pytest.approx(fraction, abs=0.01 + fraction * 0.05)
    assert {k for k in keys if canary_bucket(k) < 0.05} <= {k for k in keys if canary_bucket(k) < 0.25}
