"""Project names that no other test uses, for sharing one server between tests."""

from __future__ import annotations

import secrets

__all__ = ["unique_project"]


def unique_project(prefix: str = "test") -> str:
    """``prefix`` and a random suffix, such as ``test_answer-5f0c2a9e``."""
    return f"{prefix}-{secrets.token_hex(4)}"
