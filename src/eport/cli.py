"""The `eport` console script: every Django management command, with dashes or underscores
(`eport create-staff` = `eport create_staff`), plus serve / demo / create-staff / load-refdata."""

import os
import sys

from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eport.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(["eport", *argv[1:]])


if __name__ == "__main__":
    main()
