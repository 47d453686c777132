"""mlcore announces promotions as an event; subscribers run after commit and cannot undo it."""

import logging
from unittest import mock

import pytest
from django.db import transaction

from labeling.receivers import on_model_promoted
from labeling.tasks import labeling_after_promotion_task
from mlcore.events import model_promoted, model_promoted_send_on_commit


@pytest.fixture
def received():
    got = []

    def receiver(*, version, **_):
        got.append(version)

    model_promoted.connect(receiver, dispatch_uid="test-receiver")
    yield got
    model_promoted.disconnect(dispatch_uid="test-receiver")


def test_sent_only_once_the_transaction_commits(db, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            model_promoted_send_on_commit(version="v7")
            assert received == []
    assert received == ["v7"]


def test_a_failing_subscriber_is_logged_and_the_others_still_run(db, received, caplog,
                                                               django_capture_on_commit_callbacks):
    def broken(**_):
        raise RuntimeError("redis is down")

    model_promoted.connect(broken, dispatch_uid="test-broken")
    try:
        with caplog.at_level(logging.ERROR, logger="mlcore.events"), django_capture_on_commit_callbacks(execute=True):
            model_promoted_send_on_commit(version="v8")
    finally:
        model_promoted.disconnect(dispatch_uid="test-broken")
    assert received == ["v8"] and "redis is down" in caplog.text


def test_labeling_subscribes_when_the_app_is_ready(settings):
    settings.SUPPORTLOOP_LABELING_FILL_ON_PROMOTION = True
    with mock.patch.object(labeling_after_promotion_task, "delay") as delay:
        responses = model_promoted.send(sender=None, version="v9")
    assert on_model_promoted in [receiver for receiver, _ in responses]
    delay.assert_called_once_with(version="v9")
    settings.SUPPORTLOOP_LABELING_FILL_ON_PROMOTION = False
    with mock.patch.object(labeling_after_promotion_task, "delay") as delay:
        model_promoted.send(sender=None, version="v10")
    delay.assert_not_called()
