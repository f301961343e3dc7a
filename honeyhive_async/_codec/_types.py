"""What the request and response models' field types mean to the codec.

Shared by the compiled encoders (:mod:`._converter`) and the cattrs
converters (:mod:`._cattrs`), which must agree on them and must not import
each other at import time (cattrs is loaded on first use only).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import models

__all__ = ["is_json_object"]


def is_json_object(tp: Any) -> bool:
    """Whether the field type *tp* is a free-form object, passed to the wire as given."""
    return bool(tp == models.JSONObject or tp == Mapping[str, Any])
