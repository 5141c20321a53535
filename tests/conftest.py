import os

import pytest

os.environ.setdefault("EPORT_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data and the demo registry rows are loaded once into the test database."""
    from eport.refdata.loaders import load_all
    from eport.registry.importer import DEMO_CSV, import_csv

    with django_db_blocker.unblock():
        load_all()
        import_csv(DEMO_CSV)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Attachments of each test go to its own folder (Django resets the storage on this setting change)."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "files")}}}
