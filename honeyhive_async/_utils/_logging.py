"""``HONEYHIVE_LOG=debug|info``: the SDK's logging turned on from the environment.

As ``OPENAI_LOG`` does for openai-python: with the variable set, the
``honeyhive_async`` logger gets that level and a handler writing to stderr
(unless it has a handler already), so retries (INFO) or every attempt
(DEBUG) show without a line of code. Read once, when the package is imported.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["LEVELS", "VARIABLE", "configure"]

VARIABLE = "HONEYHIVE_LOG"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
FORMAT = "[%(asctime)s %(name)s %(levelname)s] %(message)s"


def configure(value: str) -> logging.Logger:
    """Set the SDK's logger up for *value* (``debug`` or ``info``, any case); warn on others."""
    logger = logging.getLogger("honeyhive_async")
    level = LEVELS.get(value.strip().lower())
    if level is None:
        known = " or ".join(LEVELS)
        print(f"honeyhive_async: {VARIABLE}={value!r} is ignored: use {known}", file=sys.stderr)
        return logger
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
    return logger
