"""Files the SDK writes hold whole events: they are created readable by their owner only."""

from __future__ import annotations

import os

__all__ = ["PRIVATE_FILE_MODE", "open_private"]

PRIVATE_FILE_MODE = 0o600
"""The mode the SDK's files are created with: read and write for their owner only."""


def open_private(path: str, flags: int) -> int:
    """``os.open`` creating *path* with :data:`PRIVATE_FILE_MODE` (for ``open(opener=...)``)."""
    return os.open(path, flags, PRIVATE_FILE_MODE)
