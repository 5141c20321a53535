import pytest

from .helpers import Api


@pytest.fixture
def api(user):
    """That user's API client (bearer token)."""
    return Api(user)
