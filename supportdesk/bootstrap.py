"""First-run set-up: roles, demo accounts, starter data, FAQ and a trained model. Idempotent."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core import roles
from mlcore.models import ModelVersion, TrainingRun
from mlcore.pipeline import modelversion_train

DEMO_ACCOUNTS = (
    ("agent", [roles.AGENT]),
    ("annotator1", [roles.ANNOTATOR]),
    ("annotator2", [roles.ANNOTATOR]),
    ("reviewer", [roles.REVIEWER, roles.ANNOTATOR]),
    ("admin", [roles.ADMIN]),
)


def roles_ensure() -> list[str]:
    for name in roles.ALL_ROLES:
        Group.objects.get_or_create(name=name)
    return list(roles.ALL_ROLES)


def demo_accounts_ensure(*, credentials_file: Path) -> dict[str, str]:
    """Create the demo accounts once with random passwords, kept (0600) in credentials_file."""
    User = get_user_model()
    known = json.loads(credentials_file.read_text()) if credentials_file.exists() else {}
    for username, groups in DEMO_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            password = known.get(username) or secrets.token_urlsafe(12)
            user = User.objects.create_user(username=username, password=password,
                                            email=f"{username}@supportloop.invalid")
            known[username] = password
        if username == "admin" and not (user.is_staff and user.is_superuser):
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        user.groups.add(*Group.objects.filter(name__in=groups))
    credentials_file.parent.mkdir(parents=True, exist_ok=True)
    credentials_file.write_text(json.dumps(known, indent=2))
    credentials_file.chmod(0o600)
    return known


def modelversion_first_train() -> ModelVersion:
    """The first model, trained here through the training pipeline (a bootstrap run) and promoted.

    TrainingBusy when a run is already queued or running: the training worker runs that one."""
    return modelversion_train(note="bootstrap", trigger=TrainingRun.Trigger.BOOTSTRAP)
