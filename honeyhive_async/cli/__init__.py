"""The command line: ``python -m honeyhive_async <command>`` (``honeyhive-async``).

One module per command: ``demo`` (``_demo``), ``events import``/``export``
(``_events``) and ``serve`` (``_serve``).
"""

from ._main import COMMANDS, build_parser, main

__all__ = ["COMMANDS", "build_parser", "main"]
