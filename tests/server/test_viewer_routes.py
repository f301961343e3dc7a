"""The viewer's routes over HTTP: keys, Host and Origin, the CSP, sizes, caps, never a 500."""

from __future__ import annotations

import asyncio
import json
from importlib import resources
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_async.cli._import import event_of
from honeyhive_async.server import LocalServer
from honeyhive_async.server._browse import MAX_FIELD_CHARS
from honeyhive_async.server._viewer import ASSETS, CONTENT_SECURITY_POLICY

from ._support import Api, local_api, make_event
from ._viewer_data import CHAT, seed

DATA_ROUTES = [
    "/viewer/api/projects",
    "/viewer/api/sessions?project=demo",
    f"/viewer/api/sessions/{CHAT}",
    f"/viewer/api/sessions/{CHAT}/export",
    "/viewer/api/events/m1",
    "/viewer/api/revision",
]


async def get(server: LocalServer, path: str, **headers: str) -> tuple[int, Any, Any]:
    """GET *path* with only the given headers: status, headers, body (JSON when it is)."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url + path, headers=headers) as response,
    ):
        raw = await response.read()
        kind = response.content_type
        body = json.loads(raw) if kind == "application/json" else raw
        return response.status, response.headers, body


@pytest.mark.parametrize("path", DATA_ROUTES)
async def test_every_data_route_wants_the_key(server: LocalServer, path: str) -> None:
    """Without the key a data route is a 401, as the API's routes are."""
    status, _, body = await get(server, path)

    assert (401, "unauthorized") == (status, body["error"])


@pytest.mark.parametrize("path", DATA_ROUTES)
async def test_data_routes_answer_with_the_key(api: Api, server: LocalServer, path: str) -> None:
    """With the key each data route answers 200."""
    await seed(api)

    status, headers, _ = await get(server, path, Authorization=f"Bearer {server.api_key}")

    assert 200 == status
    assert CONTENT_SECURITY_POLICY == headers["Content-Security-Policy"]


async def test_the_page_needs_no_key_and_carries_a_strict_policy(server: LocalServer) -> None:
    """The page holds no data: open without a key, with CSP, nosniff and no referrer."""
    status, headers, body = await get(server, "/")

    assert 200 == status
    assert "text/html" == headers["Content-Type"].split(";")[0]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in headers["Content-Security-Policy"]
    assert ("nosniff", "no-referrer") == (
        headers["X-Content-Type-Options"],
        headers["Referrer-Policy"],
    )
    assert b"<script>" not in body  # no inline script: the CSP would refuse it anyway
    assert b"style=" not in body


@pytest.mark.parametrize(("name", "media"), list(ASSETS.items()))
async def test_assets_are_served_with_their_type(
    server: LocalServer, name: str, media: str
) -> None:
    """The script and the stylesheet come from the package, with their media types."""
    status, headers, body = await get(server, f"/viewer/static/{name}")

    assert (200, media) == (status, headers["Content-Type"].split(";")[0])
    assert (
        body
        == resources.files("honeyhive_async.server").joinpath("static").joinpath(name).read_bytes()
    )


def test_the_page_and_its_files_stay_under_150_kb() -> None:
    """No framework, no build: the page, script and stylesheet weigh 150 KB at most."""
    folder = resources.files("honeyhive_async.server").joinpath("static")
    sizes = {item.name: len(item.read_bytes()) for item in folder.iterdir() if item.is_file()}

    assert {"index.html", *ASSETS} == set(sizes)
    assert sum(sizes.values()) <= 150_000, sizes


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8787", "127.0.0.1.nip.io", "192.168.1.10", ""]
)
async def test_a_foreign_host_is_refused(server: LocalServer, host: str) -> None:
    """DNS rebinding: a Host that is not a loopback name or the bound host is a 403."""
    status, _, body = await get(
        server, "/viewer/api/projects", Host=host, Authorization=f"Bearer {server.api_key}"
    )

    assert (403, "forbidden") == (status, body["error"])


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.0.2", "[::1]"])
async def test_loopback_names_are_accepted(server: LocalServer, host: str) -> None:
    """Loopback names, with or without a port, reach the page."""
    port = server.url.rsplit(":", 1)[1]

    statuses = [(await get(server, "/", Host=name))[0] for name in (host, f"{host}:{port}")]

    assert [200, 200] == statuses


async def test_the_bound_host_is_accepted() -> None:
    """A server bound to a name answers the viewer for that name."""
    async with LocalServer(host="localhost") as server:
        status, _, _ = await get(server, "/", Host="localhost")
    async with LocalServer(host="127.0.0.1") as other:
        refused, _, _ = await get(other, "/", Host="my-box.lan")

    assert (200, 403) == (status, refused)


@pytest.mark.parametrize("origin", ["http://evil.example", "https://127.0.0.1", "null"])
async def test_a_foreign_origin_is_refused(server: LocalServer, origin: str) -> None:
    """A request from another origin (another site's script) is a 403."""
    status, _, _ = await get(
        server, "/viewer/api/projects", Origin=origin, Authorization=f"Bearer {server.api_key}"
    )

    assert 403 == status


async def test_its_own_origin_is_accepted(server: LocalServer) -> None:
    """The page's own origin passes."""
    status, _, _ = await get(
        server, "/viewer/api/projects", Origin=server.url, Authorization=f"Bearer {server.api_key}"
    )

    assert 200 == status


async def test_the_api_routes_keep_their_hosts(server: LocalServer) -> None:
    """The Host check is the viewer's: SDKs behind any name still reach the API."""
    status, _, _ = await get(server, "/healthz", Host="host.docker.internal")

    assert 200 == status


async def test_the_tree_carries_no_payload_and_the_event_is_capped(
    api: Api, server: LocalServer
) -> None:
    """The tree route has ids, names, types and times only; a huge field is cut and says so."""
    huge = "x" * (MAX_FIELD_CHARS + 10)
    await api.create(event_id="big", session_id="s", inputs={"text": huge}, outputs={"ok": 1})

    _, tree = await api.call("GET", "/viewer/api/sessions/s")
    _, event = await api.call("GET", "/viewer/api/events/big")

    assert "xxx" not in json.dumps(tree)
    assert (["inputs"], MAX_FIELD_CHARS, {"ok": 1}) == (
        event["truncated"],
        len(event["inputs"]),
        event["outputs"],
    )


async def test_sessions_summarise_and_page(api: Api) -> None:
    """Newest first, with events, errors and tokens; paged by limit; filtered by errors."""
    await seed(api)
    await api.create(project="demo", session_id="s3", start_time=1, error="bad")

    _, first = await api.call("GET", "/viewer/api/sessions?project=demo&limit=1")
    _, second = await api.call("GET", "/viewer/api/sessions?project=demo&limit=1&page=2")
    _, failed = await api.call("GET", "/viewer/api/sessions?project=demo&errors=1")

    assert (3, CHAT, 4, 321) == (
        first["total"],
        first["sessions"][0]["session_id"],
        first["sessions"][0]["events"],
        first["sessions"][0]["tokens"],
    )
    assert 1 == len(second["sessions"])
    assert 2 == failed["total"]


async def test_export_is_what_events_import_reads(api: Api) -> None:
    """The JSONL download holds the session event first, each line an importable event."""
    await seed(api)

    status, _ = await api.call("GET", f"/viewer/api/sessions/{CHAT}")
    async with api.session.get(f"/viewer/api/sessions/{CHAT}/export") as response:
        text = await response.text()
        disposition = response.headers["Content-Disposition"]
    events = [event_of(json.loads(line), n, None) for n, line in enumerate(text.splitlines(), 1)]

    assert (200, "attachment") == (status, disposition.split(";")[0])
    assert [CHAT, "c1", "t1", "m1"] == [event["event_id"] for event in events]


async def test_writes_move_the_revision(api: Api) -> None:
    """Each write moves the revision the page polls; reads do not."""
    _, before = await api.call("GET", "/viewer/api/revision")
    await api.create()
    await api.export()
    _, after = await api.call("GET", "/viewer/api/revision")

    assert 1 == after["revision"] - before["revision"]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("", "project"),
        ("project=p&page=0", "page"),
        ("project=p&limit=201", "limit"),
        ("project=p&limit=x", "limit"),
        ("project=p&page=9999999999999", "page"),
        ("project=p&q=" + "a" * 201, "q"),
    ],
)
async def test_bad_list_parameters_are_400(api: Api, query: str, name: str) -> None:
    """Each bad parameter of the sessions list is a 400 naming it."""
    status, body = await api.call("GET", f"/viewer/api/sessions?{query}")

    assert 400 == status
    assert body["message"].startswith(f"{name}:")


async def test_unknown_session_and_event_are_404(api: Api) -> None:
    """A session or event that is not stored is a 404 with a JSON body."""
    statuses = [
        (await api.call("GET", path))[0]
        for path in (
            "/viewer/api/sessions/nope",
            "/viewer/api/sessions/nope/export",
            "/viewer/api/events/nope",
        )
    ]

    assert [404, 404, 404] == statuses


texts = st.text(max_size=30)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["sessions", "sessions/", "events/", "sessions-export"]),
            texts,
            st.dictionaries(st.sampled_from(["project", "q", "errors", "page", "limit"]), texts),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_generated_viewer_requests_never_fail_the_server(
    requests: list[tuple[str, str, dict[str, str]]],
) -> None:
    """Any path segment and query: 200, 400 or 404, never a 500."""

    async def run() -> None:
        async with local_api() as (_, api):
            await api.post("/events", {"event": make_event(project="p", session_id="s")})
            for kind, text, query in requests:
                part = quote(text, safe="")
                path = {
                    "sessions": "/viewer/api/sessions",
                    "sessions/": f"/viewer/api/sessions/{part}",
                    "events/": f"/viewer/api/events/{part}",
                    "sessions-export": f"/viewer/api/sessions/{part}/export",
                }[kind]
                async with api.session.get(path, params=query) as response:
                    assert response.status in (200, 400, 404), await response.text()

    asyncio.run(run())
