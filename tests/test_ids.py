"""Client-side event ids: one generator, one pool, never repeated (not across a fork either)."""

from __future__ import annotations

import ast
import os
import pathlib
import subprocess
import sys
import textwrap
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import honeyhive_async
from honeyhive_async import _utils, models, tracing
from honeyhive_async._utils import _ids
from tests.tracing.conftest import Recorder

PACKAGE = pathlib.Path(honeyhive_async.__file__).parent


def is_uuid4_text(text: str) -> bool:
    """Whether *text* is a UUID4 as ``str(uuid.uuid4())`` writes it."""
    return uuid.UUID(text).version == 4 and str(uuid.UUID(text)) == text


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(count=st.integers(0, 300))
def test_ids_are_distinct_uuid4_text(count: int) -> None:
    """Any number of ids, from the pool (few) or drawn at once (many): distinct UUID4 strings."""
    ids = [*_utils.new_event_ids(count), _utils.new_event_id()]

    assert (count + 1, True) == (len(set(ids)), all(map(is_uuid4_text, ids)))


@pytest.fixture
def sentinels(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pool, replaced by known ids (the next one taken is the last)."""
    pool = [str(uuid.UUID(int=n, version=4)) for n in range(1, 4)]
    monkeypatch.setattr(_ids, "_pool", list(pool))
    return pool


def test_models_and_batcher_stream_take_from_the_pool(sentinels: list[str]) -> None:
    """``models.new_event_id`` and the batchers' stream of ids draw from the one pool."""
    stream = _utils.event_id_stream()

    assert [sentinels[2], sentinels[1]] == [models.new_event_id(), next(stream)]


async def test_tracing_takes_from_the_pool(sentinels: list[str]) -> None:
    """A tracing session and its span get their ids from the same pool."""
    tracer = tracing.Tracer(Recorder(), project="tests", install=False)  # type: ignore[arg-type]
    with tracer.session("s") as session, tracing.span("step") as span:
        pass

    assert [sentinels[2], sentinels[1]] == [session.event_id, span.event_id]


def random_sources(path: pathlib.Path) -> list[str]:
    """The calls in *path* that could make random ids on their own."""
    names = {"urandom", "uuid4", "getrandbits", "randbytes"}
    return [
        ast.unparse(node)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in names
    ]


def test_one_generator_makes_the_random_ids() -> None:
    """Only ``_utils/_ids.py`` draws random ids (otel's and the importer's UUID5 are not random)."""
    found = {
        path.relative_to(PACKAGE).as_posix(): random_sources(path)
        for path in PACKAGE.rglob("*.py")
        if random_sources(path)
    }

    assert {"_utils/_ids.py": ["os.urandom"]} == found


FORK_SCRIPT = """
import os, sys
from honeyhive_async import models

models.new_event_id()  # the pool now holds ids the child must not reuse
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(write, " ".join(models.new_event_id() for _ in range(5)).encode())
    os._exit(0)
os.waitpid(pid, 0)
print(os.read(read, 4096).decode())
print(" ".join(models.new_event_id() for _ in range(5)))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_never_repeats_the_parents_ids() -> None:
    """After ``os.fork()`` the child empties the pool it inherited and draws its own."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(FORK_SCRIPT)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    child, parent = (line.split() for line in done.stdout.splitlines()[:2])

    assert (5, 5, set()) == (len(child), len(parent), set(child) & set(parent))
