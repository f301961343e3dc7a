"""A local HoneyHive for tests: a server on its own thread and helpers to read it.

:class:`BackgroundServer` runs the local Events server on a thread with its
own event loop, so sync and async code can both talk to it, and reads back
what it stored: ``await server.events(project=...)``, ``server.trees(...)``
(parent/child trees) and ``server.shapes(...)`` (those trees as nested
``(name, children)`` tuples). :func:`trace_to` gives a tracer aimed at such
a server (:class:`ServerTracer`), which reads back what it sent. The pytest plugin in
:mod:`honeyhive_async.testing.plugin` turns it into fixtures; this package
does not import pytest. See ``docs/testing.md``.
"""

from ._background import CALL_TIMEOUT, BackgroundServer
from ._names import unique_project
from ._tracer import QUICK_RETRY, ServerTracer, no_wait, trace_to
from ._trees import EventTree, Shape, build_trees, sort_key, tree_shapes

__all__ = [
    "BackgroundServer",
    "CALL_TIMEOUT",
    "EventTree",
    "QUICK_RETRY",
    "ServerTracer",
    "Shape",
    "build_trees",
    "no_wait",
    "sort_key",
    "trace_to",
    "tree_shapes",
    "unique_project",
]
