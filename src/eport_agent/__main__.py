"""``python -m eport_agent``: the same as the ``eport-card-agent`` command."""

from .cli import main

raise SystemExit(main())
