"""Fault injection: make a seedable fraction of requests fail the ways networks do.

Failures are decided before the handler runs, so a failed request never
stores anything. ``GET /healthz`` and ``GET /openapi.json`` are exempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from collections.abc import Callable, Iterable
from typing import Any, Literal

import attrs
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

__all__ = [
    "EXEMPT_PATHS",
    "FAULT_KINDS",
    "FaultConfig",
    "FaultInjector",
    "FaultKind",
    "fault_middleware",
]

FaultKind = Literal["500", "503", "429", "drop", "stall"]
FAULT_KINDS: tuple[FaultKind, ...] = ("500", "503", "429", "drop", "stall")
"""``500``/``503``: that status; ``429``: with ``Retry-After``; ``drop``: the
connection is closed without an answer; ``stall``: no answer for
``stall_seconds``, then ``504``."""

EXEMPT_PATHS = frozenset({"/healthz", "/openapi.json"})

_log = logging.getLogger("honeyhive_async.server")


def _fraction(_: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{attribute.name} must be a number from 0 to 1, got {value!r}")


def _known_kinds(_: Any, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    unknown = [kind for kind in value if kind not in FAULT_KINDS]
    if not value or unknown or len(set(value)) != len(value):
        raise ValueError(
            f"{attribute.name} must be distinct fault kinds out of {', '.join(FAULT_KINDS)}, "
            f"got {', '.join(value) or 'none'}"
        )


def _weights(instance: FaultConfig, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if len(value) != len(instance.kinds) or not all(
        isinstance(w, (int, float)) and math.isfinite(w) and w > 0 for w in value
    ):
        raise ValueError(f"{attribute.name} must be one number > 0 per kind, got {value!r}")


def _non_negative_int(_: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{attribute.name} must be a whole number of seconds >= 0, got {value!r}")


def _positive_seconds(_: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and value > 0):
        raise ValueError(f"{attribute.name} must be a number of seconds > 0, got {value!r}")


def _kinds_tuple(value: Iterable[FaultKind]) -> tuple[FaultKind, ...]:
    return tuple(value)


def _optional_tuple(value: Iterable[float] | None) -> tuple[float, ...] | None:
    return None if value is None else tuple(value)


@attrs.frozen(kw_only=True)
class FaultConfig:
    """Which requests fail, and how.

    Each request (but ``/healthz`` and ``/openapi.json``) fails with
    probability ``rate``; a failing one picks a kind out of ``kinds``, in
    proportion to ``weights`` (equal when ``None``). A ``seed`` makes the
    sequence of decisions reproducible: the n-th request to arrive gets the
    n-th decision. ``retry_after_seconds`` is what ``429`` answers put in
    ``Retry-After``; ``stall`` answers ``504`` after ``stall_seconds``.
    """

    rate: float = attrs.field(default=0.0, validator=_fraction)
    kinds: tuple[FaultKind, ...] = attrs.field(
        default=FAULT_KINDS, converter=_kinds_tuple, validator=_known_kinds
    )
    weights: tuple[float, ...] | None = attrs.field(
        default=None, converter=_optional_tuple, validator=_weights
    )
    seed: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(int))
    )
    retry_after_seconds: int = attrs.field(default=1, validator=_non_negative_int)
    stall_seconds: float = attrs.field(default=5.0, validator=_positive_seconds)

    @classmethod
    def from_spec(cls, spec: str) -> FaultConfig:
        """Parse the CLI's compact form, e.g. ``rate=0.2,kinds=500+429:3+drop,seed=7``.

        Keys: ``rate``, ``kinds`` (``+``-separated, each optionally
        ``kind:weight``), ``seed``, ``retry_after`` and ``stall`` (seconds).
        Raises ``ValueError`` with a message that names the problem.
        """
        options: dict[str, Any] = {}
        try:
            for item in filter(None, (part.strip() for part in spec.split(","))):
                key, sep, value = (text.strip() for text in item.partition("="))
                if not sep or key not in _SPEC_KEYS:
                    keys = ", ".join(_SPEC_KEYS)
                    raise ValueError(f"expected key=value with a key out of {keys}, got {item!r}")
                options.update(_SPEC_KEYS[key](value))
            return cls(**options)
        except ValueError as exc:
            raise ValueError(f"invalid fault spec {spec!r}: {exc}") from None


def _spec_kinds(value: str) -> dict[str, Any]:
    kinds, weights = [], []
    for part in value.split("+"):
        kind, _, weight = part.strip().partition(":")
        kinds.append(kind)
        weights.append(float(weight) if weight else 1.0)
    return {"kinds": kinds, "weights": weights}


_SPEC_KEYS: dict[str, Callable[[str], dict[str, Any]]] = {
    "rate": lambda v: {"rate": float(v)},
    "kinds": _spec_kinds,
    "seed": lambda v: {"seed": int(v)},
    "retry_after": lambda v: {"retry_after_seconds": int(v)},
    "stall": lambda v: {"stall_seconds": float(v)},
}


class FaultInjector:
    """The running state of fault injection: the config and its random sequence."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self.configure(config)
        # Set when the server shuts down, so stalls end at once, not at their timeout.
        self.stopping = asyncio.Event()

    def configure(self, config: FaultConfig | None) -> None:
        """Switch to ``config`` (``None``: no faults), restarting its seeded sequence."""
        self.config = config
        self._rng = random.Random(None if config is None else config.seed)

    def next_fault(self) -> FaultKind | None:
        """Decide the fate of the next request: a fault kind, or ``None`` to serve it."""
        config = self.config
        if config is None or config.rate == 0 or self._rng.random() >= config.rate:
            return None
        return self._rng.choices(config.kinds, weights=config.weights)[0]


def _failure(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    body = {"success": False, "error": "injected_fault", "message": message}
    return web.json_response(body, status=status, headers=headers)


async def _answer(
    kind: FaultKind, config: FaultConfig, injector: FaultInjector, request: web.Request
) -> web.StreamResponse:
    if kind == "drop":
        # Closing the transport first makes aiohttp discard the response.
        request.protocol.force_close()
        return web.Response()
    if kind == "stall":
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(injector.stopping.wait(), config.stall_seconds)
        return _failure(504, f"injected fault: no answer for {config.stall_seconds:g} s")
    if kind == "429":
        headers = {"Retry-After": str(config.retry_after_seconds)}
        return _failure(429, "injected fault: rate limited", headers)
    return _failure(int(kind), f"injected fault: {kind}")


def fault_middleware(injector: FaultInjector) -> Middleware:
    """An aiohttp middleware that lets ``injector`` fail requests before their handler."""

    @web.middleware
    async def inject_faults(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in EXEMPT_PATHS:
            return await handler(request)
        kind = injector.next_fault()
        if kind is None or injector.config is None:
            return await handler(request)
        _log.info("injected fault %s on %s %s", kind, request.method, request.path)
        return await _answer(kind, injector.config, injector, request)

    return inject_faults
