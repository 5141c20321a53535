"""A cap on concurrent Argon2 work across every server process of the machine.

One password hash is ~0.2 s of a core and 100 MiB of memory (Django's Argon2 parameters). Without a
cap, sign-ins with made-up names from many addresses keep every worker hashing and the rest of the
portal waits behind them. Here each hash first takes one of ARGON2_SLOTS slots: a lock file under the
data dir held with flock(2), which the kernel frees when the holder ends, however it ends. While a
request is being served, a hash that finds no free slot is refused at once (503, before hashing), so a
flood costs a few microseconds per request; outside a request (a command, a test's own code) it waits.
"""

import fcntl
import os
import random
import time
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.utils.translation import gettext as _

from eport.errors import Unavailable
from eport.netaddr import serving_request
from eport.throttles.codes import Code


def default_slots(workers: int) -> int:
    """Leave at least one worker, and one core, free of hashing."""
    return max(1, min(workers, os.cpu_count() or 1) - 1)


def _slot_path(i: int):
    folder = settings.DATA_DIR / "argon2-slots"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / f"{i}.lock"


def _take(n: int) -> int | None:
    """A descriptor holding a free slot, or None. Each try opens its own descriptor: flock locks belong
    to the open file, so two threads of one process exclude each other too."""
    first = random.randrange(n)  # spread the tries over the slots
    for k in range(n):
        fd = os.open(_slot_path((first + k) % n), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return fd
    return None


@contextmanager
def argon2_slot(*, wait: bool | None = None):
    """Hold one slot for the body. wait=None: wait unless a request is being served."""
    n = settings.ARGON2_SLOTS
    if n <= 0:  # no cap
        yield
        return
    if wait is None:
        wait = not serving_request()
    fd = _take(n)
    while fd is None:
        if not wait:
            raise Unavailable(Code.SERVER_BUSY, _("系统繁忙，请稍后再试。"))
        time.sleep(0.01)
        fd = _take(n)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class CappedArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's Argon2 hasher (same algorithm name and parameters, so stored hashes stay valid), each
    hash inside a slot."""

    def encode(self, password, salt):
        with argon2_slot():
            return super().encode(password, salt)

    def verify(self, password, encoded):
        with argon2_slot():
            return super().verify(password, encoded)
