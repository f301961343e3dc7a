"""The ``HoneyHive`` class: the same operations, returning values and raising errors."""

from __future__ import annotations

import inspect
import pydoc
from typing import Any

import pytest
from aioresponses import aioresponses

from honeyhive_async import HoneyHive, HoneyHiveCore, HoneyHiveSync, errors, funcs
from tests.conftest import API_KEY, INSTANT_RETRY, SERVER

EVENT = {
    "project": "p",
    "source": "dev",
    "event_name": "n",
    "event_type": "chain",
    "config": {},
    "inputs": {},
    "duration": 1,
}


async def test_methods_return_values(mocked: aioresponses) -> None:
    """A successful call returns the value itself."""
    mocked.post(SERVER + "/events", payload={"event_id": "e-1", "success": True})
    async with HoneyHive(bearer_auth=API_KEY, server_url=SERVER) as hh:
        created = await hh.events.create_event({"event": EVENT})
    assert "e-1" == created.event_id
    assert hh.core.closed


async def test_methods_raise_errors(mocked: aioresponses) -> None:
    """A failed call raises the error the standalone function would return."""
    mocked.put(SERVER + "/events", status=404, body='{"error": "no such event"}')
    async with HoneyHive(bearer_auth=API_KEY, server_url=SERVER, retry_config=INSTANT_RETRY) as hh:
        with pytest.raises(errors.APIError) as raised:
            await hh.events.update_event({"event_id": "missing", "duration": 1})
    assert 404 == raised.value.status_code


async def test_validation_errors_raise_before_sending(mocked: aioresponses) -> None:
    """Bad input raises ``RequestValidationError``; nothing is sent."""
    async with HoneyHive(bearer_auth=API_KEY, server_url=SERVER) as hh:
        with pytest.raises(errors.RequestValidationError, match=r"event\.event_type"):
            await hh.events.create_event({"event": {**EVENT, "event_type": "x"}})
    assert {} == dict(mocked.requests)


def test_every_function_has_a_method_with_its_options() -> None:
    """Each standalone operation has a facade method of the same name without the prefix."""
    for name in funcs.__all__:
        method = getattr(HoneyHive(bearer_auth="k").events, name.removeprefix("events_"), None)
        assert method is not None, name
        assert method.__doc__
        assert "raise" in method.__doc__.lower()


async def test_shares_a_given_core_and_never_closes_it() -> None:
    """``HoneyHive(core=...)`` wraps an existing core, which its owner closes."""
    core = HoneyHiveCore(bearer_auth="k", server_url=SERVER)
    async with HoneyHive(core=core) as hh:
        assert core is hh.core
        assert "HoneyHive(HoneyHiveCore(" in repr(hh)
    assert not core.closed
    await core.aclose()


@pytest.mark.parametrize("client", [HoneyHive, HoneyHiveSync])
def test_a_given_core_takes_no_other_options(client: Any) -> None:
    """Options passed beside ``core=`` would be ignored: a TypeError names them."""
    core = HoneyHiveCore(bearer_auth="k", server_url=SERVER)
    with pytest.raises(
        TypeError, match=r"core=\.\.\.\) takes no other options, got source, timeout"
    ):
        client(core=core, timeout=5, source="s")
    with pytest.raises(TypeError, match="core must be a HoneyHiveCore"):
        client(core="k")


@pytest.mark.parametrize("client", [HoneyHive, HoneyHiveSync])
@pytest.mark.parametrize("name", funcs.__all__)
def test_methods_show_the_functions_parameters(client: Any, name: str) -> None:
    """Each method's signature is its function's without the core; help() shows it."""
    func = getattr(funcs, name)
    method = getattr(client(bearer_auth="k").events, name.removeprefix("events_"))
    expected = list(inspect.signature(func, eval_str=True).parameters.values())[1:]

    shown = pydoc.render_doc(method, renderer=pydoc.plaintext)

    assert expected == list(inspect.signature(method, eval_str=True).parameters.values())
    assert ("request", True, True) == (
        next(iter(inspect.signature(method).parameters)),
        "timeout: " in shown and "server_url: " in shown,
        "P.args" not in shown and "*args" not in shown,
    )


@pytest.mark.parametrize("client", [HoneyHive, HoneyHiveSync])
@pytest.mark.parametrize("name", [n for n in funcs.__all__ if n != "events_iter_events"])
def test_docstrings_are_clean(client: Any, name: str) -> None:
    """No ``Ok(`` left over, balanced literals, and the error and return are named."""
    method = getattr(client(bearer_auth="k").events, name.removeprefix("events_"))
    doc = method.__doc__ or ""
    returns = inspect.signature(method).return_annotation
    assert (False, 0, True, True) == (
        "Ok(" in doc,
        doc.count("``") % 2,
        "Raises" in doc,
        returns is None or "``" + getattr(returns, "__name__", "list[Event]") in doc,
    )


def test_options_mirror_the_core() -> None:
    """The class takes the core's options."""
    core_options = set(inspect.signature(HoneyHiveCore).parameters)
    facade_options = set(inspect.signature(HoneyHive).parameters)
    assert {"bearer_auth", "server_url", "retry_config", "timeout", "session"} <= facade_options
    assert {"bearer_auth", "server_url", "retry_config", "timeout", "session"} <= core_options


async def test_batcher_shares_the_core() -> None:
    """``hh.events.batcher()`` makes an EventBatcher on the client's core."""
    hh = HoneyHive(bearer_auth="k", server_url=SERVER)
    batcher = hh.events.batcher(max_batch_events=7)
    assert (hh.core, 7) == (batcher.core, batcher.max_batch_events)
    await batcher.aclose()
    await hh.aclose()
