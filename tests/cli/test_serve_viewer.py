"""``serve``'s banner (viewer link, SDK environment), its default database and ``--open``."""

from __future__ import annotations

import os
import signal
import stat
import webbrowser
from pathlib import Path

import aiohttp
import pytest

from honeyhive_async.cli import main
from honeyhive_async.cli._serve import default_db_path
from tests.server._support import cli_server


async def test_banner_prints_the_viewer_link_and_the_sdk_environment() -> None:
    """The link carries the key in its fragment; the export lines point the SDK at the server."""
    async with cli_server("--api-key", "k-123") as srv:
        banner = srv.banner

    expected = [
        f"Serving the HoneyHive Events API on {srv.url}",
        f"Viewer: {srv.url}/#key=k-123",
        "Point the SDK at it:",
        f"  export HH_API_URL={srv.url}",
        "  export HH_API_KEY=k-123",
    ]
    assert expected == banner[:5]
    assert 2 == sum("k-123" in line for line in banner)  # the link and the export line only


async def test_serve_keeps_events_in_the_user_data_directory_by_default(tmp_path: Path) -> None:
    """Without --db the events go to $XDG_DATA_HOME/honeyhive_async/events.db, mode 0600."""
    environ = {"XDG_DATA_HOME": str(tmp_path)}
    async with cli_server("--api-key", "k") as srv:
        database = next(line for line in srv.banner if line.startswith("Database: "))
        path = Path(database.removeprefix("Database: "))
        mode = stat.S_IMODE(os.stat(path).st_mode)
        async with aiohttp.ClientSession(srv.url) as session, session.get("/healthz") as answer:
            assert 200 == answer.status

    assert ("honeyhive_async", "events.db", 0o600) == (path.parent.name, path.name, mode)
    assert tmp_path / "honeyhive_async" / "events.db" == default_db_path(environ)


async def test_db_memory_keeps_the_old_behaviour() -> None:
    """--db :memory: stores nothing on disk."""
    async with cli_server("--db", ":memory:") as srv:
        database = next(line for line in srv.banner if line.startswith("Database: "))

    assert "Database: in memory (lost when the server stops)" == database


def test_open_opens_the_viewer_link(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """serve --open hands the signed-in link to the webbrowser module, once serving."""
    opened: list[str] = []

    def fake_open(url: str) -> bool:
        opened.append(url)
        os.kill(os.getpid(), signal.SIGINT)  # stops serve through its signal handler
        return True

    monkeypatch.setattr(webbrowser, "open", fake_open)

    status = main(["serve", "--port", "0", "--db", ":memory:", "--api-key", "k9", "--open"])

    out = capsys.readouterr().out
    assert (0, 1) == (status, len(opened))
    assert opened[0].endswith("/#key=k9")
    assert f"Viewer: {opened[0]}" in out


def test_the_printed_variables_are_read_by_this_sdk() -> None:
    """HH_API_URL and HH_API_KEY are among the variables this SDK's defaults read."""
    from honeyhive_async._defaults import API_KEY_VARS, SERVER_URL_VARS
    from honeyhive_async.cli._serve import SDK_KEY_VAR, SDK_URL_VAR

    assert ("HH_API_URL", "HH_API_KEY") == (SDK_URL_VAR, SDK_KEY_VAR)
    assert (SDK_URL_VAR in SERVER_URL_VARS, SDK_KEY_VAR in API_KEY_VARS) == (True, True)
