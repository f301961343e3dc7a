"""Every Python example in README.md and docs/ runs against the local server.

Each fenced ``python`` block is a complete program; it runs in a fresh
interpreter with ``HONEYHIVE_API_KEY`` and ``HONEYHIVE_SERVER_URL`` aimed
at one server started for this module (and the ``openai`` and
``anthropic`` clients' settings at a fake of their APIs), and must exit 0.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tracing.llm._fake_api import FakeAPI

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def examples() -> list[tuple[str, str]]:
    """(id, source) of every python block in the docs."""
    found = []
    for path in DOCS:
        for number, match in enumerate(BLOCK.finditer(path.read_text(encoding="utf-8")), 1):
            found.append((f"{path.relative_to(ROOT)}#{number}", match.group(1)))
    return found


@pytest.fixture(scope="module")
def server_env() -> Iterator[dict[str, str]]:
    """A local server in its own process, and the environment that points at it."""
    key = "docs-example-key"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "honeyhive_async",
            "serve",
            "--port",
            "0",
            "--api-key",
            key,
            "--db",
            ":memory:",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        url = first.rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:"), first
        models = FakeAPI().start()  # the model clients of the examples talk to a fake of their API
        try:
            yield {
                **os.environ,
                "HONEYHIVE_API_KEY": key,
                "HONEYHIVE_SERVER_URL": url,
                "OPENAI_API_KEY": "sk-docs-example",
                "OPENAI_BASE_URL": f"{models.url}/v1",
                "ANTHROPIC_API_KEY": "sk-ant-docs-example",
                "ANTHROPIC_BASE_URL": models.url,
            }
        finally:
            models.stop()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


EXAMPLES = examples()


def test_docs_have_examples() -> None:
    """The docs are not silently empty of examples (the README alone has several)."""
    assert sum(name.startswith("README.md") for name, _ in EXAMPLES) >= 3
    assert len(EXAMPLES) >= 15


@pytest.mark.parametrize("source", [s for _, s in EXAMPLES], ids=[n for n, _ in EXAMPLES])
def test_example_runs(source: str, server_env: dict[str, str], tmp_path: Path) -> None:
    """The example exits 0 and prints no traceback."""
    script = tmp_path / "example.py"
    script.write_text(source, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-W", "error", str(script)],
        env=server_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert 0 == done.returncode, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
