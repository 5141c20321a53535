import os

import pytest

os.environ.setdefault("EPORT_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test"))


@pytest.fixture(scope="session", autouse=True)
def _system_ca():
    """The system CA of the test data dir (created once; its keys are files, not database rows)."""
    from eport.pki.ca import ca_init

    ca_init()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data and the demo registry rows are loaded once into the test database."""
    from eport.refdata.loaders import load_all
    from eport.registry.importer import import_demo_lists

    with django_db_blocker.unblock():
        load_all()
        import_demo_lists()


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
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "files")}}}


@pytest.fixture(autouse=True)
def _refdata_after_flush(request):
    """Transactional tests (live_server, concurrency) end with a flush of every table; pytest-django
    runs them last, and each reloads the reference data it needs if a previous one flushed it."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        f in request.fixturenames for f in ("transactional_db", "live_server"))
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
