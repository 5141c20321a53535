import pytest


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """Argon2 is the production hasher; the tests hash many passwords, so they use a quick one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
