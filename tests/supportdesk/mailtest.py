"""Fixtures of the mail tests: Celery tasks run in the test process (eager), and Ada's ticket."""

import pytest

from tests.factories import InquiryFactory

ADA = "ada@example.com"


@pytest.fixture
def celery_eager():
    """delay() runs the task here and now, retries included (their countdown is not waited for)."""
    from config.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def ada_ticket(bob_agent):
    """Ada's ticket, claimed by Bob the agent."""
    return InquiryFactory(name="Ada", email=ADA, status="assigned", assigned_to=bob_agent, category="delivery",
                          text='My parcel <b>never</b> came & the tracking says "delivered"')
