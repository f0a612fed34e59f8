"""End-to-end, in headless Chromium: an entity deep link, the entity page, and curation with undo.

Run with ``pytest -m integration tests/app/test_browser_curation.py`` (needs
``scripts/browser-deps.sh``). Screenshots of the entity page and of the curation history go to
``tests/app/artifacts/`` and, for the README, to ``docs/screenshots/entity.png`` and
``docs/screenshots/curation.png``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.conftest import ARTIFACTS, shot, wait_idle

pytestmark = pytest.mark.integration

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def page(browser: Any, app_server: dict[str, str]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-TW")
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(app_server["url"] + "/")  # warms the server-side cache, as a first user would
    pg.get_by_role("heading", name="圖譜", exact=True).wait_for()
    yield pg
    context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "timings-curation.json").write_text(json.dumps(TIMINGS, indent=2, ensure_ascii=False))


def entity_id(workspace: str, name: str) -> str | None:
    from graph.store import open_store

    with open_store(Path(workspace), readonly=True) as store:
        return next((e.id for e in store.entities() if e.name == name), None)


def open_entity(pg: Any, url: str, eid: str, name: str) -> float:
    start = time.perf_counter()
    pg.goto(f"{url}/entity?entity={eid}")
    pg.get_by_role("heading", name="實體", exact=True).wait_for()
    pg.get_by_role("heading", name=name, exact=True).wait_for()
    wait_idle(pg)
    return time.perf_counter() - start


def assert_no_traceback(pg: Any) -> None:
    assert "Traceback" not in pg.locator("body").inner_text()
    assert pg.locator('[data-testid="stException"]').count() == 0


def test_entity_deep_link_opens_its_page(page: Any, app_server: dict[str, str]) -> None:
    eid = entity_id(app_server["workspace"], "Ollama")
    assert eid
    TIMINGS["entity_s"] = open_entity(page, app_server["url"], eid, "Ollama")
    main = page.locator("main")
    text = main.inner_text()
    assert "證據句（依文件分組）" in text and "相鄰實體" in text
    # neighbours are chips under zh-TW relation names, no relation codes
    assert "RELATED_TO" not in text and "INTEGRATES" not in text
    # opening an evidence row shows its chunk in place with the sentence highlighted
    page.locator('[data-testid="stExpander"] summary').filter(has_text="：").first.click()
    mark = page.locator("main mark").first
    mark.wait_for()
    assert len(mark.inner_text()) > 5
    assert_no_traceback(page)
    shot(page, "entity", readme=True)


def test_not_an_entity_removes_it_and_undo_restores_it(page: Any, app_server: dict[str, str]) -> None:
    ws, url = app_server["workspace"], app_server["url"]
    eid = entity_id(ws, "Dify")
    assert eid, "the sample corpus names Dify"
    open_entity(page, url, eid, "Dify")
    page.locator('[data-testid="stExpander"] summary').filter(has_text="整理（修正此實體）").click()
    wait_idle(page)
    page.get_by_role("button", name="不是實體", exact=True).click()
    wait_idle(page)  # the click reruns the page; the confirmation comes with that run
    page.get_by_text("確定「Dify」不是實體").wait_for()
    shot(page, "curation", readme=True, full=False)  # the actions and the confirmation they ask for
    assert entity_id(ws, "Dify") == eid  # nothing changes before the confirmation
    start = time.perf_counter()
    page.get_by_role("button", name="確定", exact=True).click()
    page.get_by_text("已套用：不是實體：Dify").wait_for(timeout=120_000)
    wait_idle(page)
    TIMINGS["curate_ignore_s"] = time.perf_counter() - start
    assert entity_id(ws, "Dify") is None  # the node is gone from the workspace
    # … and from what the app shows: the search finds nothing
    box = page.get_by_label("搜尋實體（中英文、別名皆可）")
    box.fill("Dify")
    box.press("Enter")
    page.get_by_text("找不到符合「Dify」的實體").wait_for()
    history = page.locator("main").inner_text()
    assert "整理紀錄" in history and "不是實體：Dify" in history
    assert_no_traceback(page)
    shot(page, "curation-history", full=False, readme=False)
    start = time.perf_counter()
    page.get_by_role("button", name="復原", exact=True).first.click()
    page.get_by_text("已復原：不是實體：Dify").wait_for(timeout=120_000)
    wait_idle(page)
    TIMINGS["curate_undo_s"] = time.perf_counter() - start
    assert entity_id(ws, "Dify") == eid  # restored, with the same id
    page.get_by_role("heading", name="Dify", exact=True).wait_for()
    page.get_by_text("（已復原）").wait_for()  # the history keeps the step, marked undone
    assert_no_traceback(page)
