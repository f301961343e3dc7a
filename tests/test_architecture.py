"""The package's layout holds the shape ``docs/architecture.md`` draws.

Read from the source with ``ast`` (nothing is imported): the root stays
small, nothing imports itself back at import time, and no module outside
the batching folder reaches into a batcher.
"""

from __future__ import annotations

import ast
import importlib
import linecache
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest

import honeyhive_async
from honeyhive_async import _rules, models
from honeyhive_async._batching import EventBatcher, Intake
from honeyhive_async._codec import _converter
from honeyhive_async._pipeline import Operation
from honeyhive_async.server import _query, create_app, openapi_document

PACKAGE = Path(honeyhive_async.__file__).parent
ROOT_LIMIT = 15


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["honeyhive_async", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_time_nodes(tree: ast.Module) -> Iterator[ast.ImportFrom | ast.Import]:
    """The imports a module runs when it is imported: not in functions, not for type checkers."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            stack += node.body + node.orelse
        elif isinstance(node, (ast.Try, ast.With, ast.ClassDef)):
            stack += [child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)]


def import_edges(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that module *name* imports at import time."""
    is_package = path.name == "__init__.py"
    package = name.split(".") if is_package else name.split(".")[:-1]
    edges = set()
    for node in import_time_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            targets = [f"{module}.{alias.name}" for alias in node.names]
            targets = [t if t in known else module for t in targets]
        edges |= {t for t in targets if t in known and t != name}
    return edges


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_root_holds_at_most_fifteen_modules() -> None:
    """The root keeps what a user or maintainer meets first; each family has a folder."""
    root = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root) <= ROOT_LIMIT, root


def test_no_import_cycles_at_import_time() -> None:
    """No module imports, through any chain, a module that imports it back."""
    known = modules()
    graph = {name: import_edges(name, path, known) for name, path in known.items()}
    assert [] == cycles(graph)


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The check above can fail: a two-module loop is found."""
    assert [["a", "b"]] == cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}})


def _private_members(cls: type) -> set[str]:
    names = set(getattr(cls, "__slots__", ())) | set(vars(cls))
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


BATCHER_PRIVATE = _private_members(EventBatcher) | _private_members(Intake)


def batcher_reaches(path: Path) -> list[str]:
    """``x._member`` uses, in *path*, of a name private to the batcher (``self`` aside)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in BATCHER_PRIVATE
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
    return found


def test_nothing_outside_batching_touches_a_batchers_private_members() -> None:
    """Tracing, the blocking batcher and the CLI go through ``batcher.intake``."""
    outside = [p for p in PACKAGE.rglob("*.py") if "_batching" not in p.parts]
    assert [] == [use for path in outside for use in batcher_reaches(path)]


@pytest.mark.parametrize("member", ["_add_item", "_record", "_has_room", "_offer", "_core"])
def test_the_batchers_private_members_are_known_to_the_check(member: str) -> None:
    """The names the check looks for include those callers used to reach for."""
    assert member in BATCHER_PRIVATE


# -- one source for what the client and the server both know -------------------------------


def operations() -> list[Operation[Any, Any]]:
    """The ``OPERATION`` of every module in ``funcs``."""
    found = []
    for path in sorted((PACKAGE / "funcs").glob("events_*.py")):
        module = importlib.import_module(f"honeyhive_async.funcs.{path.stem}")
        operation = getattr(module, "OPERATION", None)
        if operation is not None:
            found.append(operation)
    return found


def test_every_operation_is_a_server_route_and_an_openapi_operation() -> None:
    """Each operation's method, path and id name a route of the local server and its document."""
    app = create_app(api_key="k")
    routes = {(r.method, r.resource.canonical) for r in app.router.routes() if r.resource}
    documented = {
        (method.upper(), path, op["operationId"])
        for path, methods in openapi_document()["paths"].items()
        for method, op in methods.items()
    }
    ours = {(op.method, f"/{op.path}", op.operation_id) for op in operations()}
    assert 6 == len(ours)
    assert set() == {(m, p) for m, p, _ in ours} - routes
    assert set() == ours - documented


def test_every_bound_of_the_rules_is_in_the_openapi_document() -> None:
    """The document's minimum and maximum of a field are the shared rules' bounds."""
    schemas = openapi_document()["components"]["schemas"]
    checked = 0
    for model, rules in _rules.FIELD_RULES.items():
        for field, rule in rules.items():
            if not isinstance(rule, _rules.Bounds) or model not in schemas:
                continue
            schema = schemas[model]["properties"][field]
            assert (rule.low, rule.high) == (schema["minimum"], schema["maximum"]), (model, field)
            checked += 1
    assert checked >= 5


def test_one_table_of_filter_operators() -> None:
    """The rules' operators are the model's, and the server compares each positive one."""
    assert set(get_args(models.FilterOperator)) == _rules.FILTER_OPERATORS
    assert set(models.FILTER_OPERATORS) == _rules.FILTER_OPERATORS
    positive = {op for ops in _rules.OPERATORS_BY_TYPE.values() for op in ops}
    assert positive == set(_query._COMPARISONS)


def test_generated_encoders_show_their_source_in_tracebacks() -> None:
    """The compiled per-model encoders are registered with ``linecache``."""
    encode = _converter.mapping_encoder(models.CreateEventRequest)
    filename = encode.__code__.co_filename
    first = linecache.getline(filename, encode.__code__.co_firstlineno)
    assert first.startswith("def encode(")
    assert "raise Refused" in "".join(linecache.getlines(filename))
