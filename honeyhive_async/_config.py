"""Retry configuration: frozen, keyword-only, validated when built.

All times are seconds (floats). Derive variants with ``attrs.evolve``.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import attrs

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "NO_RETRY",
    "BackoffStrategy",
    "RetryConfig",
    "check_seconds",
]

DEFAULT_TIMEOUT = 30.0
"""Seconds one attempt may take, from connecting to the last byte of the answer."""


def check_seconds(name: str, value: object) -> float:
    """*value* as seconds; ``ValueError`` naming *name* unless it is a number >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"{name} must be a number of seconds >= 0, got {value!r}")
    return float(value)


def _positive(_: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not (isinstance(value, (int, float)) and value >= 0 and not math.isnan(value)):
        raise ValueError(f"{attribute.name} must be a number >= 0 (seconds), got {value!r}")


@attrs.frozen(kw_only=True)
class BackoffStrategy:
    """Exponential backoff with jitter, in seconds.

    The n-th retry waits ``min(max_interval, initial_interval * exponent**(n-1))``
    scaled by a random factor in [0.5, 1]. No retry starts once
    ``max_elapsed_time`` seconds have passed since the first attempt began,
    nor when its wait would end after that.
    """

    initial_interval: float = attrs.field(default=0.5, validator=_positive)
    max_interval: float = attrs.field(default=10.0, validator=_positive)
    exponent: float = attrs.field(default=2.0, validator=_positive)
    max_elapsed_time: float = attrs.field(default=60.0, validator=_positive)

    def __attrs_post_init__(self) -> None:
        if self.exponent < 1:
            raise ValueError(f"exponent must be >= 1, got {self.exponent!r}")
        if self.max_interval < self.initial_interval:
            raise ValueError(
                f"max_interval ({self.max_interval!r}) must be >= "
                f"initial_interval ({self.initial_interval!r})"
            )


@attrs.frozen(kw_only=True)
class RetryConfig:
    """When and how often an operation is tried again.

    ``strategy="backoff"`` (the default) retries the statuses and errors the
    operation marks as safe to retry (see the retries guide), at most
    ``max_attempts`` attempts in all, waiting per ``backoff``; a
    ``Retry-After`` header is honoured up to ``max_retry_after`` seconds.
    ``strategy="none"`` makes exactly one attempt.
    ``retry_connection_errors`` also retries failed or broken connections and
    timeouts.
    """

    strategy: Literal["backoff", "none"] = attrs.field(
        default="backoff", validator=attrs.validators.in_(("backoff", "none"))
    )
    backoff: BackoffStrategy = attrs.field(
        factory=BackoffStrategy, validator=attrs.validators.instance_of(BackoffStrategy)
    )
    retry_connection_errors: bool = True
    max_attempts: int = attrs.field(default=5)
    max_retry_after: float = attrs.field(default=60.0, validator=_positive)

    @max_attempts.validator
    def _check_attempts(self, attribute: attrs.Attribute[int], value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"max_attempts must be an integer >= 1, got {value!r}")

    @property
    def enabled(self) -> bool:
        """Whether a failed attempt may be followed by another."""
        return self.strategy == "backoff" and self.max_attempts > 1


DEFAULT_RETRY = RetryConfig()
"""The policy a core uses unless told otherwise."""

NO_RETRY = RetryConfig(strategy="none")
"""One attempt, never repeated."""
