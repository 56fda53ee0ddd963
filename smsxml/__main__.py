"""``python -m smsxml``: the same as the ``smsxml`` command."""

from .cli import main

raise SystemExit(main())
