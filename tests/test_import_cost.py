"""What each public import pulls in, each in a fresh interpreter.

Importing the package must stay cheap (see ``docs/performance.md``): its
names load on first use, aiohttp comes with the operations, tenacity with
the first retry, cattrs with the first response or refused request. These
tests list the modules each import loads, so a regression shows by name.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

NO_DEPENDENCIES = {"aiohttp", "attr", "attrs", "cattrs", "tenacity", "yarl", "multidict"}
MODEL_CLIENTS = {"openai", "anthropic", "httpx", "pydantic"}
WEB_FRAMEWORKS = {"starlette", "fastapi", "flask", "werkzeug", "django", "aiohttp.web"}
NOT_FOR_A_CALL = {
    "tenacity",
    "cattrs",
    "honeyhive_async._batching._batcher",
    "honeyhive_async._codec._cattrs",
    "honeyhive_async._cli",
    "honeyhive_async.server",
}

CASES = [
    # (statement, modules it must import, modules it must not import)
    # Not even typing: the standard-library-only tracing subpackage builds on this.
    ("import honeyhive_async", set(), NO_DEPENDENCIES | {"typing"}),
    ("from honeyhive_async import Err, Ok, Result, errors", set(), NO_DEPENDENCIES),
    ("from honeyhive_async import funcs", {"aiohttp", "attrs"}, NOT_FOR_A_CALL),
    ("from honeyhive_async import HoneyHiveCore", {"aiohttp"}, NOT_FOR_A_CALL),
    ("from honeyhive_async import models", {"attrs"}, {"aiohttp", "cattrs", "tenacity"}),
    ("from honeyhive_async import RetryConfig", {"attrs"}, {"aiohttp", "cattrs", "tenacity"}),
    (
        "from honeyhive_async import EventBatcher",
        {"aiohttp", "honeyhive_async._batching._batcher"},
        {"tenacity", "cattrs", "honeyhive_async._cli", "honeyhive_async.server"},
    ),
    ("from honeyhive_async import HoneyHive", {"honeyhive_async._sdk"}, {"tenacity", "cattrs"}),
    # The blocking client starts no thread and imports no more than the async one until used.
    (
        "from honeyhive_async import HoneyHiveSync",
        {"honeyhive_async._sync._client"},
        {"tenacity", "cattrs", "honeyhive_async.server", "honeyhive_async.tracing"},
    ),
    ("from honeyhive_async import params", {"attrs"}, {"aiohttp", "cattrs", "tenacity"}),
    # Tracing is standard library only until the first event is delivered; the model
    # client wrappers read the clients by attribute, never importing openai or anthropic.
    (
        "from honeyhive_async import tracing\n@tracing.trace\ndef f(): pass",
        {"honeyhive_async.tracing"},
        NO_DEPENDENCIES
        | MODEL_CLIENTS
        | WEB_FRAMEWORKS
        | {"asyncio", "concurrent.futures.thread", "dataclasses", "inspect"}
        | {"honeyhive_async.tracing.web"},
    ),
    # The web middleware are duck-typed: importing them loads no framework (aiohttp's
    # exceptions are imported when a handler fails, and aiohttp is then loaded anyway).
    (
        "from honeyhive_async.tracing import web",
        {"honeyhive_async.tracing.web"},
        NO_DEPENDENCIES | WEB_FRAMEWORKS | {"asyncio"},
    ),
    (
        "from honeyhive_async import tracing\ntracing.wrap_openai(1)\ntracing.wrap_anthropic(1)",
        {"honeyhive_async.tracing._llm"},
        NO_DEPENDENCIES | MODEL_CLIENTS | {"asyncio"},
    ),
    (
        "from honeyhive_async import tracing\ntracing.configure(project='p', api_key='k')",
        {"honeyhive_async.tracing"},
        NO_DEPENDENCIES | {"asyncio"},
    ),
]


def imported_by(statement: str) -> set[str]:
    """The modules a fresh interpreter loads to run *statement*."""
    code = "\n".join(
        [
            "import sys",
            "before = set(sys.modules)",
            statement,
            "after = set(sys.modules)",
            "import json",
            "print(json.dumps(sorted(after - before)))",
        ]
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(run.stdout))


def loaded(names: set[str], modules: set[str]) -> set[str]:
    """Which of *names* (packages or modules) are among *modules*, submodules counted."""
    return {n for n in names if any(m == n or m.startswith(f"{n}.") for m in modules)}


@pytest.mark.parametrize(("statement", "needed", "absent"), CASES, ids=[c[0] for c in CASES])
def test_import_loads_only_what_it_needs(
    statement: str, needed: set[str], absent: set[str]
) -> None:
    """The import loads the modules it needs and none of those it must leave for later."""
    modules = imported_by(statement)

    assert (needed, set()) == (loaded(needed, modules), loaded(absent, modules))
