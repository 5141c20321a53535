"""What the benchmark scripts share: the commit measured and Markdown tables that line up with CJK text."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def code_version() -> str:
    """The commit measured (and whether src/ differs from it), so numbers stay tied to the code."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted changes in src/" if dirty else "")


def width(s: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in s)


def table(head, lines) -> None:
    """Print a Markdown table, columns padded to the widest cell."""
    lines = [[("" if c is None else str(c)) for c in line] for line in lines]
    widths = [
        max(width(h), *(width(line[i]) for line in lines)) if lines else width(h) for i, h in enumerate(head)
    ]

    def fmt(cells):
        return "| " + " | ".join(c + " " * (w - width(c)) for c, w in zip(cells, widths, strict=True)) + " |"

    print(fmt(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in lines:
        print(fmt(line))


def migrate_with_refdata() -> None:
    """Bring the bench database up to date: migrate, and load the reference data when it has none."""
    from django.core.management import call_command

    from eport.refdata.loaders import load_all
    from eport.refdata.models import Unit

    call_command("migrate", interactive=False, verbosity=0)
    if not Unit.objects.exists():
        print("refdata:", load_all())
