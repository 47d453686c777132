"""What the ML core announces to the rest of the system. Product apps subscribe in their
AppConfig.ready(); mlcore never imports them. Every event is sent after its transaction commits."""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

# A version became the active one; kwargs: version (str).
model_promoted = Signal()
logger = logging.getLogger(__name__)


def model_promoted_send_on_commit(*, version: str) -> None:
    transaction.on_commit(lambda: _send(version=version))


def _send(*, version: str) -> None:
    # The promotion has committed: a failing subscriber is logged, never undoes or fails it.
    for receiver, result in model_promoted.send_robust(sender=None, version=version):
        if isinstance(result, Exception):
            logger.error("model_promoted subscriber %s failed: %s", getattr(receiver, "__qualname__", receiver), result)


# An admin added a category (mlcore.NewCategory); kwargs: name (str), inquiry_ids (list[int]: texts to label
# with it, e.g. the topic it came from). Unlike model_promoted it is sent inside the creating transaction:
# its subscriber (labeling queues the texts) commits or fails with the category, never leaving one half made.
category_added = Signal()
