import pytest


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """Argon2 is the production hasher; these tests make accounts only to name actors."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
