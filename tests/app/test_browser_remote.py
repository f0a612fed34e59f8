"""The explorer loads nothing remote because of what a document says (real headless Chromium).

A plain-text note carries a remote image, a link posing as a citation marker, an autolink and an
HTML image. The app on that workspace is opened page by page while every request the browser
makes is intercepted: a request to any host but the app's own fails the test (and is aborted).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.app.conftest import ARTIFACTS, start_app, stop_app
from tests.app.test_browser import visit, wait_idle

pytestmark = pytest.mark.integration

EVIL = "evil.invalid"
NOTE = (
    "Ollama 是在本機執行大型語言模型的工具。"
    f"![logo](http://{EVIL}/logo.png) 這張圖不該被載入。"
    f"詳見 [[2]](http://{EVIL}/cite) 的說明，或 <http://{EVIL}/auto> 與 https://{EVIL}/bare 。"
    f'<img src="http://{EVIL}/pixel.gif"> Ollama 也能搭配 Open WebUI 使用。\n'
    "Ollama 支援 Llama 3 與 Qwen2.5 等模型，下載後即可離線使用。\n"
)


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from graph.build.ingest import ingest_paths
    from graph.settings import load_settings

    root = tmp_path_factory.mktemp("hostile")
    notes = root / "notes"
    notes.mkdir()
    (notes / "ollama.txt").write_text(NOTE, encoding="utf-8")
    ws = root / "ws"
    report = ingest_paths([notes], load_settings(env={}, overrides={"workspace": ws}))
    assert report.ingested == 1
    ARTIFACTS.mkdir(exist_ok=True)
    proc, url = start_app(ws, {}, ARTIFACTS / "server-remote.log")
    try:
        yield url
    finally:
        stop_app(proc)


def test_no_request_leaves_the_app_host(browser: Any, hostile_app: str) -> None:
    own = urlsplit(hostile_app).netloc
    outside: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-TW")

    def guard(route: Any) -> None:
        host = urlsplit(route.request.url).netloc
        if host and host != own and not route.request.url.startswith(("data:", "blob:")):
            outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        visit(page, hostile_app + "/ask", "問答")
        chat = page.locator('[data-testid="stChatInputTextArea"]')
        chat.fill("Ollama 是什麼？")
        chat.press("Enter")
        page.get_by_text("引用來源").first.wait_for(timeout=60_000)
        wait_idle(page)
        for summary in page.locator('[data-testid="stExpander"] summary').all():
            summary.click()  # open every citation: its text is the document's
        page.wait_for_timeout(1500)
        body = page.locator("main").inner_text()
        assert "Ollama" in body
        links = page.locator(f'main a[href*="{EVIL}"]')
        shown = [links.nth(i).evaluate("a => a.outerHTML") for i in range(links.count())]
        assert shown == [], shown  # nothing clickable to that host
        assert page.locator(f'main img[src*="{EVIL}"]').count() == 0
        visit(page, hostile_app + "/entity", "實體")
        visit(page, hostile_app + "/documents", "文件")
        page.wait_for_timeout(1000)
        assert page.locator(f'main a[href*="{EVIL}"]').count() == 0
    finally:
        context.close()
    assert outside == [], outside
