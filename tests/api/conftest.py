import pytest

from tests import factories as f

from .helpers import Api


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """Argon2 is the production hasher; the tests hash many passwords, so they use a quick one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user():
    """A card-less enterprise user."""
    return f.cardless()


@pytest.fixture
def api(user):
    """That user's API client (bearer token)."""
    return Api(user)
