"""The bridge's public surface, and that nothing else imports OpenTelemetry."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import honeyhive_async.otel
from tests.test_exported_members import is_own


def test_all_matches_public_names() -> None:
    """honeyhive_async.otel's own public names are exactly its sorted ``__all__``."""
    module = honeyhive_async.otel
    own = {name for name, value in vars(module).items() if is_own(module, name, value)}
    assert own == set(module.__all__)
    assert sorted(module.__all__) == list(module.__all__)


@pytest.mark.parametrize(
    "statement",
    [
        "import honeyhive_async",
        "import honeyhive_async.tracing",
        "from honeyhive_async import EventBatcher, HoneyHiveCore, tracing, funcs, models",
        "import honeyhive_async.server",
    ],
)
def test_package_does_not_import_opentelemetry(statement: str) -> None:
    """In a fresh interpreter, only honeyhive_async.otel brings OpenTelemetry in."""
    code = textwrap.dedent(
        f"""
        import sys
        {statement}
        loaded = sorted(m for m in sys.modules if m.split(".")[0] == "opentelemetry")
        assert not loaded, loaded
        import honeyhive_async.otel
        assert "opentelemetry.sdk.trace" in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_runtime_dependencies_stay_four() -> None:
    """``pip install honeyhive-async`` pulls aiohttp, attrs, cattrs and tenacity only."""
    from importlib.metadata import requires

    runtime = [r for r in requires("honeyhive-async") or [] if "extra ==" not in r]
    names = sorted(r.split(">")[0].split("=")[0].split("<")[0].strip() for r in runtime)
    assert ["aiohttp", "attrs", "cattrs", "tenacity"] == names
