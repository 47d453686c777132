"""Canary policy (SPEC §6.5): advance, hold or halt, from the two arms' figures. Pure; no Django."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_ONE_SIDED_95 = 1.645


@dataclass(frozen=True)
class ArmStats:
    """One arm's inquiries during the current stage: how many, how many escalated, feedback scores."""

    n: int
    escalated: int
    feedback_n: int = 0
    feedback_sum: float = 0.0

    @property
    def escalation_rate(self) -> float:
        return self.escalated / self.n if self.n else 0.0

    @property
    def feedback_mean(self) -> float:
        return self.feedback_sum / self.feedback_n if self.feedback_n else 0.0


@dataclass(frozen=True)
class CanaryDecision:
    action: str  # "advance", "complete" (promote the candidate), "hold" or "halt"
    fraction: float  # the canary's share of traffic after the decision
    reason: str


def escalation_worse(*, canary: ArmStats, active: ArmStats, tolerance: float) -> tuple[bool, float]:
    """Worse when the rate is higher by more than `tolerance` AND the gap is significant (one-sided
    two-proportion z-test at 95 %), so that fifty inquiries of noise do not halt a good candidate."""
    diff = canary.escalation_rate - active.escalation_rate
    if diff <= tolerance:
        return False, diff
    pooled = (canary.escalated + active.escalated) / (canary.n + active.n)
    se = math.sqrt(max(pooled * (1 - pooled), 1e-12) * (1 / canary.n + 1 / active.n))
    return (diff - tolerance) / se > Z_ONE_SIDED_95, diff


def canary_decide(
    *, stages: list[float], fraction: float, canary: ArmStats, active: ArmStats, stage_seconds: float,
    min_samples: int, min_stage_seconds: float, escalation_tolerance: float, feedback_tolerance: float,
    min_feedback: int = 10,
) -> CanaryDecision:
    """Halt as soon as the canary is worse; advance one stage once both arms have enough inquiries
    and the stage has lasted long enough; a step to the last stage (100 %) completes the rollout."""
    if canary.n >= min_samples and active.n >= min_samples:
        worse, diff = escalation_worse(canary=canary, active=active, tolerance=escalation_tolerance)
        if worse:
            return CanaryDecision("halt", 0.0, f"escalation rate {canary.escalation_rate:.1%} vs "
                                               f"{active.escalation_rate:.1%} for the active version (+{diff:.1%})")
    if canary.feedback_n >= min_feedback and active.feedback_n >= min_feedback:
        gap = active.feedback_mean - canary.feedback_mean
        if gap > feedback_tolerance:
            return CanaryDecision("halt", 0.0, f"feedback score {canary.feedback_mean:.2f} vs "
                                               f"{active.feedback_mean:.2f} for the active version")
    if canary.n < min_samples or active.n < min_samples:
        return CanaryDecision("hold", fraction, f"waiting for {min_samples} inquiries per arm "
                                                f"(canary {canary.n}, active {active.n})")
    if stage_seconds < min_stage_seconds:
        return CanaryDecision("hold", fraction, f"stage runs {stage_seconds:.0f} of {min_stage_seconds:.0f} s")
    later = [s for s in sorted(stages) if s > fraction + 1e-9]
    if not later or later[0] >= 1.0:
        return CanaryDecision("complete", 1.0, "every stage passed: promoting the candidate")
    return CanaryDecision("advance", later[0], f"no worse than the active version at {fraction:.0%}: "
                                               f"advancing to {later[0]:.0%}")
