"""Route templates in one form, and query strings as the sessions record them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from honeyhive_async.tracing.web._request import query_dict
from honeyhive_async.tracing.web._routes import query_pairs, template

TEMPLATES = [
    ("/items/{item_id}", "/items/{item_id}"),  # aiohttp's canonical, Starlette's path_format
    ("/items/{item_id:int}", "/items/{item_id}"),  # Starlette's path
    ("/items/<int:item_id>", "/items/{item_id}"),  # Flask
    ("/files/<path:name>/raw", "/files/{name}/raw"),
    ("/users/<name>", "/users/{name}"),
    ("items/<int:item_id>/", "/items/{item_id}/"),  # Django's route has no leading slash
    ("", "/"),
    (None, None),
    (42, None),
]


@pytest.mark.parametrize(("route", "expected"), TEMPLATES)
def test_templates_take_one_form(route: object, expected: str | None) -> None:
    """Each framework's way of writing a parameter becomes ``{name}``."""
    assert expected == template(route)


@given(st.text())
def test_any_text_is_a_template_starting_with_a_slash(route: str) -> None:
    """Whatever a router holds, the template is text starting with ``/``."""
    found = template(route)
    assert found is not None
    assert found.startswith("/")


def test_repeated_names_are_lists_and_blank_values_kept() -> None:
    """``a=1&a=2&b=&c`` records a list for ``a`` and empty strings for ``b`` and ``c``."""
    assert {"a": ["1", "2", "3"], "b": "", "c": ""} == query_dict(query_pairs(b"a=1&a=2&b=&c&a=3"))


@given(st.binary())
def test_any_query_string_is_read(query: bytes) -> None:
    """Any bytes are a query of text names and values (bad escapes and UTF-8 replaced)."""
    found = query_dict(query_pairs(query))
    assert all(isinstance(v, (str, list)) for v in found.values())
