import os

import pytest

os.environ.setdefault("EPORT_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test"))


def pytest_configure(config):
    """Each test process its own cache: the two xdist workers (and the SQLite and PostgreSQL passes) share
    the data dir, whose file cache would hand one database's cached rows to another's test. The tests of a
    shared cache (Redis) say so themselves."""
    from django.conf import settings

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # A replica as a cluster names it (DATABASE_REPLICA_URL), here a second connection to the test database
    # (Django's test mirror). No router reads from it unless a test of the cluster installs one
    # (tests/test_dbrouter.py); only the tests that list it in `databases` may connect to it.
    settings.DATABASES["replica"] = {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}}


@pytest.fixture(autouse=True)
def _empty_cache():
    """A test starts with an empty cache: ids come back after a rollback, and a cached row of the last
    test must not answer for this one's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _system_ca():
    """The system CA of the test data dir (created once; its keys are files, not database rows)."""
    from eport.pki.ca import ca_init

    ca_init()


@pytest.fixture(scope="session", autouse=True)
def _flush_past_audit_triggers():
    """pytest-django ends every transactional test (live_server, concurrency) with a flush of all tables.
    On PostgreSQL that is TRUNCATE, which row triggers do not see; on SQLite it is DELETE FROM, which the
    audit's append-only triggers refuse. So, on SQLite only, the flush itself drops them and creates them
    again in its own transaction, around its DELETEs: every test body runs with the triggers in force, and
    nothing else about the database differs from production."""
    from django.db import connection

    from eport.audit import triggers

    if connection.vendor != "sqlite":
        yield
        return
    DatabaseOperations = type(connection.ops)
    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        sql = original(self, style, tables, **kwargs)
        if not set(triggers.TABLES) & set(tables):
            return sql
        return [*triggers.drop_sql("sqlite"), *sql, *triggers.create_sql("sqlite")]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data and the demo registry rows are loaded once into the test database."""
    from eport.refdata.loaders import load_all
    from eport.registry.importer import import_demo_lists

    with django_db_blocker.unblock():
        load_all()
        import_demo_lists()


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """Argon2 is the production hasher; the tests hash many passwords, so they use a quick one (the
    throttle tests put back a cheap Argon2: they count its hashes)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user():
    """A card-less enterprise user (verified: it acts for its enterprise)."""
    from tests import factories as f

    return f.cardless(name="深圳测试贸易有限公司")


@pytest.fixture
def r():
    """Reviewers of the units a Shenzhen 三证合一 entry is routed to, and some above them, by role."""
    from tests import factories as f

    return f.reviewers()


@pytest.fixture
def app(user):
    """That user's submitted 三证合一 entry (a module may mean another application by `app`)."""
    from tests import factories as f

    return f.submitted_entry(user)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (a test that switches to English must not leak it)."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Attachments of each test go to its own folder (Django resets the storage on this setting change)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }


@pytest.fixture(autouse=True)
def _audit_checkpoints(settings, tmp_path):
    """Each test's signed audit checkpoints go to its own folder (verify reads every file there); the daily
    one is off unless a test turns it on, so no test depends on the age of a reused test database."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    settings.AUDIT_CHECKPOINT_HOURS = 0


@pytest.fixture(autouse=True)
def _refdata_after_flush(request):
    """Transactional tests (live_server, concurrency) end with a flush of every table; pytest-django
    runs them last, and each reloads the reference data it needs if a previous one flushed it."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        f in request.fixturenames for f in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from eport.refdata.loaders import load_all
    from eport.refdata.models import Unit
    from eport.registry.importer import import_demo_lists

    if not Unit.objects.exists():
        load_all()
        import_demo_lists()
    from eport.cards.subsystems import subsystems_seed

    subsystems_seed()  # seeded by a data migration, so gone after a flush too


REDIS_TEST_URL = "redis://127.0.0.1:6379/15"  # the machine's Redis, a database of its own for the tests


@pytest.fixture
def redis_settings(settings):
    """EPORT_REDIS_URL as a cluster sets it: the cache, sessions and the throttles' counts in the machine's
    Redis (database 15), under a key prefix of this test alone, whose keys are deleted after it (never
    anything else: the Redis is shared)."""
    import uuid

    import redis

    r = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5)
    try:
        r.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379 (Debian package redis-server)")
    prefix = f"eport-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    settings.REDIS_URL = REDIS_TEST_URL
    settings.REDIS_PREFIX = prefix
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.SESSION_ENGINE = "eport.sessions"
    yield r
    for key in r.scan_iter(f"{prefix}:*"):
        r.delete(key)
    r.close()
