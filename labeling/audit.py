"""The production audit's policy, pure: which automatic answers are drawn, and what a drawn one weighs.

An automatic answer is drawn when a hash of its inquiry's token falls below the share epsilon. The token
is random and fixed when the inquiry is stored, so the draw is known in advance to have probability
epsilon for every answer, whatever the model said or how sure it was: the audited answers are a simple
random sample of the automatic ones, and their accuracy estimates the automation's. The hash is salted:
the canary routes on the unsalted sha256 of the same token (mlcore.serving.canary_bucket), and an audit
drawing exactly the canary's tokens would measure one arm only.

A drawn answer that becomes gold stands for the 1/epsilon automatic answers it was drawn from (inverse
propensity weighting); the cap keeps one label from outweighing a class when epsilon is tiny."""

from __future__ import annotations

import hashlib

AUDIT_SALT = b"supportloop-audit\x00"


def audit_value(token: str) -> float:
    """A stable number in [0, 1) per token, independent of the canary's bucket of the same token."""
    return int.from_bytes(hashlib.sha256(AUDIT_SALT + token.encode()).digest()[:8], "big") / 2**64


def audit_drawn(*, token: str, share: float) -> bool:
    """Whether the automatic answer to the inquiry with this token is audited; probability `share`."""
    return share > 0 and audit_value(token) < share


def audit_weight(*, propensity: float | None, cap: float) -> float:
    """The training weight of an audited gold label: 1/propensity, at most `cap`, at least 1.

    An item that was not drawn (propensity None) weighs 1, as every other gold label."""
    if propensity is None or propensity <= 0:
        return 1.0
    return max(1.0, min(1.0 / propensity, cap))
