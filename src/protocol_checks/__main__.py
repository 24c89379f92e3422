"""Allow ``python -m protocol_checks``."""

from protocol_checks.cli import main

raise SystemExit(main())
