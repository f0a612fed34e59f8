"""Shared fixtures. Tests never reach the network: model hubs are forced offline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "examples" / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def corpus_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace ingested once from examples/corpus; tests must treat it as read-only."""
    from graph.build.ingest import ingest_paths
    from graph.settings import load_settings

    ws = tmp_path_factory.mktemp("corpus-ws") / "ws"
    report = ingest_paths([CORPUS], load_settings(env={}, overrides={"workspace": ws}))
    assert not report.failed, report.failed
    return ws
