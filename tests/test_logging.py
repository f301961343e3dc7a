"""``HONEYHIVE_LOG``: the SDK's logging turned on from the environment, in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = """
import logging
import honeyhive_async
log = logging.getLogger("honeyhive_async")
print(log.level, len(log.handlers))
log.info("an info line")
log.debug("a debug line")
"""


def run(value: str | None) -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HONEYHIVE_LOG"}
    if value is not None:
        env["HONEYHIVE_LOG"] = value
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip(), done.stderr


@pytest.mark.parametrize(
    ("value", "level", "shown", "hidden"),
    [
        ("info", "20 1", ["an info line"], ["a debug line"]),
        ("DEBUG", "10 1", ["an info line", "a debug line"], []),
        (None, "0 0", [], ["an info line"]),
        ("loud", "0 0", ["HONEYHIVE_LOG='loud' is ignored: use debug or info"], ["an info line"]),
    ],
    ids=["info", "debug", "unset", "unknown"],
)
def test_honeyhive_log_sets_the_level_and_a_handler(
    value: str | None, level: str, shown: list[str], hidden: list[str]
) -> None:
    """debug or info: the logger gets that level and a stderr handler; else nothing changes."""
    stdout, stderr = run(value)
    assert (level, [True] * len(shown), [False] * len(hidden)) == (
        stdout,
        [line in stderr for line in shown],
        [line in stderr for line in hidden],
    )
