"""Roles are Django groups (SPEC §1); one person may hold several."""

from __future__ import annotations

CUSTOMER = "customer"
AGENT = "agent"
ANNOTATOR = "annotator"
REVIEWER = "reviewer"
ADMIN = "admin"
ALL_ROLES = (CUSTOMER, AGENT, ANNOTATOR, REVIEWER, ADMIN)


def user_has_role(user, role: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=role).exists()
