"""``Ok`` and ``Err``: narrowing attributes, pattern matching, unwrap."""

from __future__ import annotations

import pytest

from honeyhive_async import Err, Ok, Result, errors


def outcome(ok: bool) -> Result[int]:
    return Ok(1) if ok else Err(errors.HoneyHiveError("boom"))


def test_ok_holds_the_value() -> None:
    """``Ok`` is ok, has its value and no error; ``unwrap`` returns the value."""
    res = Ok(3)
    assert (True, 3, None, 3) == (res.ok, res.value, res.error, res.unwrap())


def test_err_holds_the_error_and_unwrap_raises_it() -> None:
    """``Err`` is not ok, has no value; ``unwrap`` raises the very error."""
    error = errors.HoneyHiveError("boom")
    res = Err(error)
    assert (False, None, error) == (res.ok, res.value, res.error)
    with pytest.raises(errors.HoneyHiveError) as raised:
        res.unwrap()
    assert error is raised.value


@pytest.mark.parametrize(("ok", "expected"), [(True, "value 1"), (False, "error boom")])
def test_pattern_matching(ok: bool, expected: str) -> None:
    """``match`` destructures ``Ok(value)`` and ``Err(error)``."""
    match outcome(ok):
        case Ok(value):
            seen = f"value {value}"
        case Err(error):
            seen = f"error {error}"
    assert expected == seen


def test_equality_and_repr() -> None:
    """Equal values make equal ``Ok``s; an ``Err`` equals only itself-wrapping errors."""
    error = errors.HoneyHiveError("x")
    assert Ok(1) == Ok(1)
    assert Ok(1) != Ok(2)
    assert Err(error) == Err(error)
    assert Err(error) != Err(errors.HoneyHiveError("x"))
    assert Ok(1) != Err(error)
    assert {Ok(1), Ok(1)} == {Ok(1)}
    assert "Ok(1)" == repr(Ok(1))
    assert repr(Err(error)).startswith("Err(HoneyHiveError(")
