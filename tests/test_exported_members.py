"""``__all__`` of every public module lists exactly its public names, sorted."""

from __future__ import annotations
import __future__

import importlib.util
import inspect
import types
import typing

import pytest

import honeyhive_async
import honeyhive_async.testing
from honeyhive_async import errors, funcs, models, params, tracing
from honeyhive_async.tracing import web

MODULES = [honeyhive_async, funcs, models, errors, params, honeyhive_async.testing, tracing, web]


def is_own(module: types.ModuleType, name: str, value: object) -> bool:
    """Whether *name* is the module's own public name rather than an import."""
    if name.startswith("_") or isinstance(value, (types.ModuleType, __future__._Feature)):
        return False
    if getattr(typing, name, None) is value:
        return False
    is_alias = isinstance(value, types.GenericAlias)  # a class to inspect on Python 3.10
    if (inspect.isclass(value) and not is_alias) or inspect.isfunction(value):
        return str(value.__module__).startswith("honeyhive_async")
    return True


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_all_matches_public_names(module: types.ModuleType) -> None:
    """The module's own public names are exactly ``__all__`` (plus subpackages), sorted."""
    # getattr, not vars(): the package loads its names on first use.
    values = {name: getattr(module, name) for name in dir(module)}
    own = {name for name, value in values.items() if is_own(module, name, value)}
    subpackages = {"errors", "funcs", "models", "params", "tracing", "__version__"}
    assert own == set(module.__all__) - subpackages
    assert sorted(module.__all__) == list(module.__all__)


def test_top_level_api() -> None:
    """The names other work builds on are importable from the package."""
    expected = {
        "BackoffStrategy",
        "Err",
        "HoneyHive",
        "HoneyHiveCore",
        "HoneyHiveSync",
        "Ok",
        "Result",
        "RetryConfig",
        "errors",
        "funcs",
        "models",
        "__version__",
    }
    assert expected <= set(honeyhive_async.__all__)


def test_lazy_names_are_all_exported() -> None:
    """Every name the package loads on demand, and every subpackage it has, is in ``__all__``."""
    subpackages = {
        name
        for name in honeyhive_async._SUBMODULES
        if importlib.util.find_spec(f"honeyhive_async.{name}") is not None
    }
    assert set(honeyhive_async._LAZY) | subpackages <= set(honeyhive_async.__all__)


def test_unknown_name_is_an_attribute_error() -> None:
    """A name the package does not have raises ``AttributeError``, as without lazy loading."""
    with pytest.raises(AttributeError, match="no attribute 'HoneyHiveClient'"):
        honeyhive_async.HoneyHiveClient  # noqa: B018
