"""One session per web request: middleware for aiohttp.web, ASGI and WSGI apps.

Each request becomes one session, named by its method and route template
(``"GET /items/{item_id}"``, not the raw path), with inputs ``{method,
route, path_params, query}`` and outputs ``{status}``; an exception of the
handler, or a 5xx status, is its ``error``. The app's traced calls made
while it handles the request nest under that session. The middleware use
the tracer traced functions use (a ``Tracer`` bound in the app's loop, or
``tracing.configure()``), and never change a response: a failure to record
is logged, not raised.

- aiohttp.web: ``web.Application(middlewares=[web.aiohttp_middleware])``
- ASGI (Starlette, FastAPI): ``app.add_middleware(web.ASGIMiddleware)``
- WSGI (Flask): ``app.wsgi_app = web.WSGIMiddleware(app.wsgi_app)``
- Django: ``"honeyhive_async.tracing.web.DjangoMiddleware"`` first in ``MIDDLEWARE``

None of these imports its framework (aiohttp is imported when a request
fails), and ``from honeyhive_async import tracing`` does not import this
module. See ``docs/tracing.md``, "In web services".
"""

from ._aiohttp import AiohttpMiddleware, aiohttp_middleware
from ._asgi import ASGIApp, ASGIMiddleware
from ._django import DjangoMiddleware
from ._wsgi import WSGIApp, WSGIMiddleware

__all__ = [
    "ASGIApp",
    "ASGIMiddleware",
    "AiohttpMiddleware",
    "DjangoMiddleware",
    "WSGIApp",
    "WSGIMiddleware",
    "aiohttp_middleware",
]
