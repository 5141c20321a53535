"""Where the business files live (随附单据 of applications and of 报关单): `STORAGES["default"]` from the
environment. The local directory by default; `EPORT_STORAGE=s3` puts them in an S3-compatible bucket that
every app node of a cluster shares, so no node needs another's disk (docs/operations.md, "Files").

The objects stay private: no ACL of their own (the bucket's, which is to be private), signed URLs only, and
no URL ever reaches a browser: every download streams through the app's permission-checked views.

Plain Python, no Django beyond its exception: settings.py uses it before Django is set up."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"
# What EPORT_STORAGE=s3 cannot start without (the region has a default, the endpoint is AWS's own when unset).
S3_REQUIRED = ("EPORT_S3_BUCKET", "EPORT_S3_ACCESS_KEY", "EPORT_S3_SECRET_KEY")
SPOOL_BYTES = 2 * 1024 * 1024


def default_storage_from_env(env: Mapping[str, str], media_root: Path) -> dict[str, Any]:
    """The `STORAGES["default"]` entry the environment asks for; ImproperlyConfigured names what is wrong
    (never a credential's value)."""
    kind = env.get("EPORT_STORAGE", "").strip().lower() or "local"
    if kind == "local":
        return {"BACKEND": LOCAL_BACKEND, "OPTIONS": {"location": media_root}}
    if kind != "s3":
        raise ImproperlyConfigured(f"EPORT_STORAGE must be 'local' or 's3', not {kind!r}")
    missing = [name for name in S3_REQUIRED if not env.get(name, "").strip()]
    if missing:
        raise ImproperlyConfigured(f"EPORT_STORAGE=s3 needs {', '.join(missing)} set in the environment")
    endpoint = env.get("EPORT_S3_ENDPOINT_URL", "").strip() or None
    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": env["EPORT_S3_BUCKET"].strip(),
            "endpoint_url": endpoint,
            "region_name": env.get("EPORT_S3_REGION", "").strip() or "us-east-1",
            "access_key": env["EPORT_S3_ACCESS_KEY"].strip(),
            "secret_key": env["EPORT_S3_SECRET_KEY"].strip(),
            "location": env.get("EPORT_S3_PREFIX", "").strip().strip("/"),
            # No ACL of the object's own: the bucket's, private. A URL, were one ever made, is signed and expires.
            "default_acl": None,
            "querystring_auth": True,
            # The names are random (upload_to); a clash gets another name rather than replacing a file.
            "file_overwrite": False,
            # MinIO, Ceph and the like answer at one host name: the bucket in the path, not in the host name.
            "addressing_style": "path" if endpoint else None,
            "signature_version": "s3v4",
            # A file read (a download streamed through the app) is held in memory up to this, then in a
            # temporary file: a node's memory stays bounded whatever the files' sizes.
            "max_memory_size": SPOOL_BYTES,
        },
    }
