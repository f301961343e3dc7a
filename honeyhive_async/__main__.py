"""``python -m honeyhive_async``: the command-line interface."""

from honeyhive_async.cli import main

raise SystemExit(main())
