"""The request TypedDicts agree with the request models they describe."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from honeyhive_async import params
from honeyhive_async._codec import _converter

FILLED = frozenset({"project", "source", "config", "inputs"})
"""Required by the models, optional in the dicts: the core's defaults fill them."""

MODELS = list(_converter.REQUEST_MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_each_request_model_has_its_typeddict(model: type[Any]) -> None:
    """Same keys; required where the model requires the field and no default fills it."""
    typed = getattr(params, f"{model.__name__}Dict")
    fields = attrs.fields(model)
    required = {f.name for f in fields if f.default is attrs.NOTHING} - FILLED
    expected = ({f.name for f in fields}, required)
    keys = typed.__required_keys__ | typed.__optional_keys__
    assert expected == (set(keys), set(typed.__required_keys__))


def test_every_typeddict_describes_a_model() -> None:
    """No TypedDict without its model."""
    names = {f"{m.__name__}Dict" for m in MODELS}
    assert names == set(params.__all__)
