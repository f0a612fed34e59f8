"""Fixtures for the app tests: a mini workspace for AppTest, a running server and a browser for e2e."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app import mini

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def mini_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mini.build(tmp_path_factory.mktemp("mini") / "ws")


@pytest.fixture(autouse=True)
def _loopback_option() -> Iterator[None]:
    """AppTest runs in this process: tell the auth gate the app is bound to loopback, as `zhkg app` does."""
    from streamlit import config

    old = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    yield
    config.set_option("server.address", old)


# -- end-to-end ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def app_workspace(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace ingested from examples/corpus (the shared fixture when the suite provides one)."""
    try:
        return Path(request.getfixturevalue("corpus_workspace"))
    except pytest.FixtureLookupError:
        from graph.build.ingest import ingest_paths
        from graph.settings import load_settings

        ws = tmp_path_factory.mktemp("corpus") / "ws"
        ingest_paths([REPO / "examples" / "corpus"], load_settings(env={}, overrides={"workspace": ws}))
        return ws


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"app did not answer at {url} within {timeout:.0f}s")


def start_app(
    workspace: Path, env_extra: dict[str, str], log_path: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """`zhkg app` on a free loopback port; returns the process and its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHKG_")}
    env.update(env_extra)
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graph.cli",
            "app",
            "-w",
            str(workspace),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/_stcore/health")
    except TimeoutError:
        proc.terminate()
        raise
    return proc, url


def stop_app(proc: subprocess.Popen[bytes]) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def start_neo4j(workspace: Path) -> tuple[dict[str, str], str]:
    """Start the project's local Neo4j for ``workspace`` on a free Bolt port.

    Returns (env to reach it, "") or ({}, why it could not start).
    """
    script = REPO / "scripts" / "neo4j.sh"
    if not script.is_file():
        return {}, "scripts/neo4j.sh does not exist"
    password = os.environ.get("ZHKG_NEO4J_PASSWORD") or "zhkg-test-password"
    port = str(free_port())
    env = {**os.environ, "ZHKG_NEO4J_PASSWORD": password, "ZHKG_NEO4J_BOLT_PORT": port}
    done = subprocess.run(
        ["bash", str(script), "start", "-w", str(workspace)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        return {}, f"scripts/neo4j.sh start failed: {(done.stderr or done.stdout).strip()[-800:]}"
    out = {
        "ZHKG_NEO4J_URI": f"bolt://127.0.0.1:{port}",
        "ZHKG_NEO4J_PASSWORD": password,
        "ZHKG_NEO4J_BOLT_PORT": port,
    }
    sync = subprocess.run(
        [sys.executable, "-m", "graph.cli", "sync", "neo4j", "-w", str(workspace)],
        cwd=REPO,
        env={**os.environ, **out},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if sync.returncode != 0:
        return out, f"zhkg sync failed: {(sync.stderr or sync.stdout).strip()[-800:]}"
    return out, ""


def stop_neo4j(workspace: Path, env: dict[str, str]) -> None:
    subprocess.run(
        ["bash", str(REPO / "scripts" / "neo4j.sh"), "stop", "-w", str(workspace)],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="session")
def app_server(app_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The app on a private copy of the corpus workspace (uploads must not touch the shared one),
    with Neo4j when it can be started."""
    ARTIFACTS.mkdir(exist_ok=True)
    ws = tmp_path_factory.mktemp("app") / "ws"
    shutil.copytree(app_workspace, ws, ignore=shutil.ignore_patterns("neo4j", "write.lock"))
    neo, why = start_neo4j(ws)
    try:
        proc, url = start_app(ws, neo, ARTIFACTS / "server.log")
        try:
            yield {"url": url, "workspace": str(ws), "neo4j": "" if why else "1", "neo4j_problem": why}
        finally:
            stop_app(proc)
    finally:
        if neo:
            stop_neo4j(ws, neo)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run scripts/browser-deps.sh")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def shot(pg: Any, name: str, readme: bool = False, full: bool = True) -> Path:
    """Screenshot the page: Streamlit scrolls inside its main section, so the viewport is grown to
    the content's height (bounded) for the picture; ``full=False`` keeps the first screen.
    The pointer moves off the page first, so no tooltip covers the picture."""
    pg.mouse.move(2, 2)
    pg.evaluate("() => document.querySelectorAll('.vis-tooltip').forEach(t => t.style.visibility = 'hidden')")
    if full:
        height = pg.evaluate(
            "() => { const m = document.querySelector('main');"
            " if (m) m.scrollTop = 0; return m ? m.scrollHeight : document.body.scrollHeight; }"
        )
        pg.set_viewport_size({"width": 1400, "height": int(min(max(1000, height), 2600))})
    pg.wait_for_timeout(1200)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path))
    pg.set_viewport_size({"width": 1400, "height": 1000})
    if readme:
        out = REPO / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, out / f"{name}.png")
    return path


def wait_idle(pg: Any) -> None:
    """Streamlit shows a 'running' status widget while the script runs."""
    pg.wait_for_timeout(300)
    pg.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
