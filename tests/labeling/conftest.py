import pytest

from tests.factories import UserFactory


@pytest.fixture
def annie(db):
    """An annotator."""
    return UserFactory(username="annie", roles=["annotator"])


@pytest.fixture
def arthur(db):
    """Another annotator."""
    return UserFactory(username="arthur", roles=["annotator"])


@pytest.fixture
def cora(db):
    """A third annotator, for extra-annotator tasks."""
    return UserFactory(username="cora", roles=["annotator"])


@pytest.fixture
def rita(db):
    """A reviewer."""
    return UserFactory(username="rita", roles=["reviewer"])
