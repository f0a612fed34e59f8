"""Fixtures for GraphRAG tests: a small hand-built workspace and a fake OpenAI server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rag_corpus import write_corpus

from graph.settings import Settings, load_settings
from graph.store import Store, open_store


@dataclass
class RagFixture:
    workspace: Path
    settings: Settings

    def open(self) -> Store:
        return open_store(self.workspace)


@pytest.fixture(scope="session")
def rag_workspace(tmp_path_factory: pytest.TempPathFactory) -> RagFixture:
    ws = tmp_path_factory.mktemp("rag-ws")
    settings = load_settings(env={}, overrides={"workspace": ws})
    store = open_store(ws, create=True)
    try:
        write_corpus(store)
    finally:
        store.close()
    return RagFixture(ws, settings)


@pytest.fixture
def rag_store(rag_workspace: RagFixture) -> Iterator[Store]:
    store = rag_workspace.open()
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def rag_settings(rag_workspace: RagFixture) -> Settings:
    return rag_workspace.settings


@pytest.fixture
def fake_openai() -> Iterator[tuple[object, str]]:
    from fake_openai import FakeOpenAI

    server = FakeOpenAI()
    url = server.start()
    try:
        yield server, url
    finally:
        server.stop()
