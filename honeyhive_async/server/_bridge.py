"""What the test helpers (:mod:`honeyhive_async.testing`) take from the server beyond its API.

Reading a server's events the way ``getEvents`` does, without HTTP:
compiling a query into SQL over the store.
"""

from ._query import EventQuery, compile_query

__all__ = ["EventQuery", "compile_query"]
