"""Files only their owner may read (0600): generated secrets, keys, demo card files.

Plain Python, no Django: settings.py uses it before Django is set up."""

import os
from pathlib import Path


def write_private(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Create the file with 0600 from the start (never readable by others, not even for a moment).
    Without `replace`, an existing file is an error: a key is never overwritten silently."""
    if replace and path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
