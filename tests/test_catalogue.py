"""The English catalogue keeps up with the source: every message the code and templates mark for translation
has its English entry, none fuzzy (issue 13: complete translations). Run against a copy, so the test leaves the
catalogue in the tree as it was."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def _entries(po: Path, flag: str) -> list[str]:
    out = subprocess.run(
        ["msgattrib", flag, "--no-wrap", str(po)], capture_output=True, text=True, check=True
    )
    return [line for line in out.stdout.splitlines() if line.startswith('msgid "') and line != 'msgid ""']


def test_every_message_has_its_english_entry(tmp_path):
    if not shutil.which("xgettext") or not shutil.which("msgattrib"):
        pytest.fail("GNU gettext (xgettext, msgattrib) is needed: apt-get install gettext")
    copy = tmp_path / "eport"
    shutil.copytree(SRC / "eport", copy, ignore=shutil.ignore_patterns("__pycache__", "static"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "eport.settings", "PYTHONPATH": str(SRC)}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    po = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
    assert _entries(po, "--untranslated") == [], "messages without an English entry (run makemessages -l en)"
    assert _entries(po, "--only-fuzzy") == [], "fuzzy English entries: translate them and drop the flag"
