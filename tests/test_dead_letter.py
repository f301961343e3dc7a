"""Dead-letter files: JSON lines, created readable by their owner only."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from honeyhive_async import UndeliveredEvent
from honeyhive_async._batching._dead_letter import append_jsonl

RECORD = UndeliveredEvent(
    body=b'{"event_id":"a","inputs":{"secret":"s"}}',
    kind="event",
    event_id="a",
    reason="gave_up",
    message="HTTP 503",
)


def test_a_new_dead_letter_file_is_private(tmp_path: Path) -> None:
    """Created with mode 0600 whatever the umask allows beyond it, appended to after."""
    path = tmp_path / "dead.jsonl"
    old = os.umask(0o022)
    try:
        append_jsonl(str(path), [RECORD])
        append_jsonl(str(path), [RECORD])
    finally:
        os.umask(old)
    lines = [json.loads(line) for line in path.read_text().splitlines()]

    expected = (0o600, 2, {"event_id": "a", "inputs": {"secret": "s"}})
    assert expected == (stat.S_IMODE(path.stat().st_mode), len(lines), lines[0]["event"])
