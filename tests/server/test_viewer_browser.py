"""The viewer in a real browser: Debian's Chromium driven by Playwright.

``playwright install`` cannot download browsers here; ``.ci/run`` installs
the ``chromium`` package instead, at :data:`CHROMIUM`.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from honeyhive_async.cli._import import event_of
from honeyhive_async.server import LocalServer

from ._support import Api, local_api, make_event
from ._viewer_data import CHAT, FAILED, LONG_TEXT, seed, seed_large

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "viewer.png"
UPDATE_SCREENSHOT = "HONEYHIVE_UPDATE_VIEWER_SCREENSHOT"
"""Set to 1 to write the screenshot to docs/viewer.png (else it goes to a temporary folder)."""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Chromium, headless."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def served() -> AsyncIterator[tuple[LocalServer, Api]]:
    """A server holding the two sessions of :func:`seed`."""
    async with local_api() as (server, api):
        await seed(api)
        yield server, api


async def signed_in(browser: Browser, server: LocalServer) -> Page:
    """A page opened through the link ``serve`` prints, showing the sessions."""
    context = await browser.new_context(
        viewport={"width": 1400, "height": 760}, accept_downloads=True
    )
    await context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{server.url}/#key={server.api_key}")
    await page.wait_for_selector("#session-rows tr[data-session]")
    assert [] == errors
    return page


async def rows(page: Page) -> list[str]:
    """The session ids listed."""
    return await page.eval_on_selector_all(
        "#session-rows tr[data-session]", "rows => rows.map(r => r.dataset.session)"
    )


async def test_the_link_signs_in_and_lists_sessions_newest_first(
    browser: Browser, served: tuple[LocalServer, Api]
) -> None:
    """The key moves from the fragment to sessionStorage; sessions show name, events, errors."""
    server, _ = served
    page = await signed_in(browser, server)

    stored = await page.evaluate("sessionStorage.getItem('honeyhive-viewer-key')")
    cells = await page.eval_on_selector_all(
        "#session-rows tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    assert (server.api_key, "") == (stored, await page.evaluate("location.hash"))
    assert [CHAT, FAILED] == await rows(page)
    assert ["support chat", "4", "", "321"] == [cells[0][0], cells[0][3], cells[0][4], cells[0][5]]
    assert ["nightly eval", "2", "1"] == [cells[1][0], cells[1][3], cells[1][4]]


async def test_filters_by_text_and_by_errors(
    browser: Browser, served: tuple[LocalServer, Api]
) -> None:
    """The text filter matches session and event names; "has errors" keeps failed sessions."""
    server, _ = served
    page = await signed_in(browser, server)

    await page.fill("#filter", "lookup")
    await expect(page.locator("#session-rows tr")).to_have_count(1)
    await expect(page.locator("#session-rows tr[data-session]")).to_have_attribute(
        "data-session", CHAT
    )
    by_text = await rows(page)
    await page.fill("#filter", "")
    await page.check("#errors")
    await page.wait_for_url("**errors=1**")
    await expect(page.locator("#session-rows tr")).to_have_count(1)
    await expect(page.locator("#session-rows tr[data-session]")).to_have_attribute(
        "data-session", FAILED
    )

    assert ([CHAT], [FAILED]) == (by_text, await rows(page))


async def test_a_session_opens_as_a_tree_and_an_event_shows_its_chat(
    browser: Browser, served: tuple[LocalServer, Api]
) -> None:
    """Tree rows by depth with type badges and bars; the model event renders as a chat."""
    server, _ = served
    page = await signed_in(browser, server)

    await page.click(f"tr[data-session='{CHAT}']")
    await page.wait_for_selector(".row[data-event='m1']")
    tree = await page.eval_on_selector_all(
        ".row",
        "rows => rows.map(r => [r.dataset.event, r.querySelector('.badge').textContent,"
        " r.querySelector('.label').style.paddingLeft, !!r.querySelector('.span')])",
    )
    await page.click(".row[data-event='m1']")
    await page.wait_for_selector("#detail .chat")
    roles = await page.eval_on_selector_all("#detail .msg .role", "n => n.map(x => x.textContent)")

    assert [
        [CHAT, "session", "6px", True],
        ["c1", "chain", "20px", True],
        ["t1", "tool", "34px", True],
        ["m1", "model", "34px", True],
    ] == tree
    assert ["system", "user", "assistant"] == roles
    assert page.url.endswith(f"?project=demo&session={CHAT}&event=m1")


async def test_captured_markup_is_shown_as_text_never_run(
    browser: Browser, served: tuple[LocalServer, Api]
) -> None:
    """A <script> and an onerror handler in a message are text on the page, and run nowhere."""
    server, _ = served
    page = await signed_in(browser, server)

    await page.goto(f"{server.url}/?project=demo&session={CHAT}&event=m1")
    await page.wait_for_selector("#detail .chat")
    text = await page.text_content("#detail .msg.user")

    assert text is not None
    assert "<script>window.__pwned = 1</script>" in text
    assert None is await page.evaluate("window.__pwned ?? null")
    assert 0 == await page.eval_on_selector_all("#detail script, #detail img", "n => n.length")


async def test_long_values_are_cut_with_show_more(
    browser: Browser, served: tuple[LocalServer, Api]
) -> None:
    """A long output shows its start and a "show more" that reveals the whole text."""
    server, _ = served
    page = await signed_in(browser, server)
    await page.goto(f"{server.url}/?project=demo&session={CHAT}&event=c1")
    await page.wait_for_selector("#detail .more")

    before = await page.text_content("[data-field=outputs] .str")
    await page.click("#detail .more")
    after = await page.text_content("[data-field=outputs] .str")

    assert before is not None
    assert after is not None
    assert len(before) < 700
    assert json.dumps(LONG_TEXT) == after


async def test_copy_as_json_and_download_jsonl(
    browser: Browser, served: tuple[LocalServer, Api], tmp_path: Path
) -> None:
    """Copy puts the event's JSON on the clipboard; download saves lines `events import` reads."""
    server, _ = served
    page = await signed_in(browser, server)
    await page.goto(f"{server.url}/?project=demo&session={CHAT}&event=t1")
    await page.wait_for_selector("#copy")

    await page.click("#copy")
    await expect(page.locator("#status")).to_have_text("Copied.")
    copied = json.loads(await page.evaluate("navigator.clipboard.readText()"))
    async with page.expect_download() as info:
        await page.click("#download")
    download = await info.value
    await download.save_as(tmp_path / "session.jsonl")
    lines = (tmp_path / "session.jsonl").read_text().splitlines()
    imported = [event_of(json.loads(line), n, None) for n, line in enumerate(lines, 1)]

    assert ("t1", {"order": 42}) == (copied["event_id"], copied["inputs"])
    assert [CHAT, "c1", "t1", "m1"] == [event["event_id"] for event in imported]


async def test_new_sessions_appear_without_a_reload(
    browser: Browser, served: tuple[LocalServer, Api]
) -> None:
    """A session stored while the page is open shows up in the list by itself."""
    server, api = served
    page = await signed_in(browser, server)
    await page.evaluate("window.__sameDocument = true")

    await api.create(project="demo", event_name="arrived later", session_id="s-late")
    await page.wait_for_selector("tr[data-session='s-late']", timeout=15_000)

    assert True is await page.evaluate("window.__sameDocument === true")


async def test_a_2000_event_session_opens_quickly(
    browser: Browser, served: tuple[LocalServer, Api]
) -> None:
    """2,000 events: the tree route carries no payload; the tree is drawn, the last row reachable.

    The time from the click to the first rows drawn is measured in the browser
    and printed (docs/viewer.md quotes it); the bound is generous on purpose.
    """
    server, api = served
    await seed_large(api, "big", 2000)
    page = await signed_in(browser, server)
    status, tree = await api.call("GET", "/viewer/api/sessions/big")

    await page.evaluate("window.__t0 = performance.now()")
    await page.click("tr[data-session='big']")
    await page.wait_for_selector("#tree[data-rows='2000'] .row")
    elapsed = await page.evaluate("performance.now() - window.__t0")
    print(f"2,000-event session drawn in {elapsed:.0f} ms")
    await page.eval_on_selector("#tree", "box => { box.scrollTop = box.scrollHeight; }")
    await page.wait_for_selector(".row[data-event='big-1999']")

    assert (200, 2000) == (status, len(tree["events"]))
    assert {"id", "parent", "type", "name", "start", "end", "duration", "error", "tokens"} == set(
        tree["events"][0]
    )
    assert elapsed < 10_000


async def test_screenshot_for_the_docs(
    browser: Browser, served: tuple[LocalServer, Api], tmp_path: Path
) -> None:
    """The picture in docs/viewer.md: a session's tree and a model event's chat."""
    server, _ = served
    path = DOCS_SCREENSHOT if os.environ.get(UPDATE_SCREENSHOT) == "1" else tmp_path / "v.png"
    page = await signed_in(browser, server)
    await page.set_viewport_size({"width": 1200, "height": 560})
    await page.goto(f"{server.url}/?project=demo&session={CHAT}&event=m1")
    await page.wait_for_selector("#detail .chat")

    await page.screenshot(path=str(path))

    assert path.stat().st_size < 150_000


async def test_a_wrong_key_asks_to_sign_in(
    browser: Browser, served: tuple[LocalServer, Api]
) -> None:
    """A refused key shows the sign-in form; the right key pasted there opens the list."""
    server, _ = served
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{server.url}/#key=wrong")
    await page.wait_for_selector("#signin:not([hidden])")

    await page.fill("#key", server.api_key)
    await page.click("#signin button")
    await page.wait_for_selector("#session-rows tr[data-session]")

    assert [CHAT, FAILED] == await rows(page)


async def test_events_of_other_projects_are_a_choice_away(
    browser: Browser, served: tuple[LocalServer, Api]
) -> None:
    """The project menu lists every project; choosing one lists its sessions."""
    server, api = served
    await api.post("/events", {"event": make_event(project="other", session_id="s-other")})
    page = await signed_in(browser, server)

    await page.select_option("#project", "other")
    await page.wait_for_selector("tr[data-session='s-other']")

    assert ["s-other"] == await rows(page)
