"""``tracing.__all__`` lists exactly the public names of the tracing package."""

from __future__ import annotations

from honeyhive_async import tracing
from tests.test_exported_members import is_own


def test_all_matches_public_names() -> None:
    """The package's own public names are exactly ``__all__``."""
    own = {name for name, value in vars(tracing).items() if is_own(tracing, name, value)}
    assert own == set(tracing.__all__)
