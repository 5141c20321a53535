import pytest

from eport.throttles.hashing import CappedArgon2PasswordHasher


class QuickArgon2(CappedArgon2PasswordHasher):
    """The production hasher (capped, Argon2) with the cheapest parameters: the tests count hashes, not time."""

    time_cost, memory_cost, parallelism = 1, 8, 1


@pytest.fixture(autouse=True)
def _quick_hashes(settings):
    settings.PASSWORD_HASHERS = ["tests.throttles.conftest.QuickArgon2"]
