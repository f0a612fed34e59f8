"""scripts/neo4j.sh: install is cached, the graph survives a restart, stop ends exactly our process."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import SCRIPT, TINY_ENTITIES, free_port  # type: ignore[import-not-found]

from graph.neo4j.client import Neo4jUnavailable, connect
from graph.neo4j.sync import graph_counts, sync_workspace
from graph.settings import load_settings
from graph.store import open_store

pytestmark = pytest.mark.integration


def sh(cmd: str, ws: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), cmd, "-w", str(ws)], env=env, capture_output=True, text=True, timeout=300
    )


def test_restart_keeps_the_graph(tmp_path: Path, tiny_workspace: Path) -> None:
    port = free_port()
    password = "restart-" + os.urandom(4).hex()
    env = {
        **os.environ,
        "ZHKG_NEO4J_PASSWORD": password,
        "ZHKG_NEO4J_BOLT_PORT": str(port),
        "ZHKG_NEO4J_HEAP": "512m",
        "ZHKG_NEO4J_PAGECACHE": "128m",
    }
    ws = tmp_path / "server-ws"
    assert "already installed" in sh("install", ws, env).stdout  # the session server installed it
    assert sh("status", ws, env).returncode == 3
    settings = load_settings(
        env={},
        overrides={
            "workspace": tiny_workspace,
            "neo4j_uri": f"bolt://127.0.0.1:{port}",
            "neo4j_password": password,
            "neo4j_timeout_s": 5.0,
        },
    )
    try:
        started = sh("start", ws, env)
        assert started.returncode == 0, started.stderr
        pid = int((ws / "neo4j" / "zhkg-neo4j.pid").read_text())
        assert password not in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
        assert sh("status", ws, env).returncode == 0
        with open_store(tiny_workspace, readonly=True) as store:
            sync_workspace(store, settings, progress=False)
        with connect(settings) as d:
            before = graph_counts(d, settings)
        assert before["Entity"] == len(TINY_ENTITIES)
        assert sh("stop", ws, env).returncode == 0
        assert not Path(f"/proc/{pid}").exists() and not (ws / "neo4j" / "zhkg-neo4j.pid").exists()
        with pytest.raises(Neo4jUnavailable):
            connect(settings).__enter__()
        # a different password on restart does not replace the one set at the first start
        restarted = sh("start", ws, {**env, "ZHKG_NEO4J_PASSWORD": "another-password"})
        assert restarted.returncode == 0, restarted.stderr
        with connect(settings) as d:
            assert graph_counts(d, settings) == before
        with pytest.raises(Neo4jUnavailable, match="refused"):
            connect(settings.replace(neo4j_password="another-password")).__enter__()
    finally:
        sh("stop", ws, env)
    assert sh("status", ws, env).returncode == 3
