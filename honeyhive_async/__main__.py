"""``python -m honeyhive_async``: the command-line interface."""

from honeyhive_async._cli import main

raise SystemExit(main())
