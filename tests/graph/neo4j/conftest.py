"""Fixtures for the Neo4j tests.

Integration tests talk to a real Neo4j 5.26: the one named by ``ZHKG_TEST_NEO4J_URI``
(password ``ZHKG_TEST_NEO4J_PASSWORD``), or else one this session starts with
``scripts/neo4j.sh start`` in a temporary workspace on a free port and stops at the
end. The tests own the ``neo4j`` database while they run: sync deletes zhkg-labelled
nodes that are not in the synced workspace, so never point them at a database you need.

Unit tests use ``tiny_workspace``: a few records written straight into a ``Store``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from extract.normalize import match_key
from extract.records import Chunk, Document, Entity, EntityType, Mention, RelationCandidate, RelationType
from graph.records import Community
from graph.settings import Settings, load_settings
from graph.store import open_store

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "neo4j.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (for the server-down tests)."""
    return free_port()


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """uri/user/password of a running server (started here unless ZHKG_TEST_NEO4J_URI is set)."""
    uri = os.environ.get("ZHKG_TEST_NEO4J_URI", "")
    if uri:
        yield {
            "uri": uri,
            "user": os.environ.get("ZHKG_TEST_NEO4J_USER", "neo4j"),
            "password": os.environ.get("ZHKG_TEST_NEO4J_PASSWORD", os.environ.get("ZHKG_NEO4J_PASSWORD", "")),
        }
        return
    ws = tmp_path_factory.mktemp("neo4j-server-ws")
    port = free_port()
    password = "zhkg-test-" + os.urandom(6).hex()
    env = {
        **os.environ,
        "ZHKG_NEO4J_PASSWORD": password,
        "ZHKG_NEO4J_BOLT_PORT": str(port),
        "ZHKG_NEO4J_HEAP": "1g",
        "ZHKG_NEO4J_PAGECACHE": "256m",
    }
    start = subprocess.run(
        [str(SCRIPT), "start", "-w", str(ws)], env=env, capture_output=True, text=True, timeout=600
    )
    if start.returncode != 0:
        pytest.fail(f"scripts/neo4j.sh start failed:\n{start.stdout}\n{start.stderr}")
    try:
        yield {"uri": f"bolt://127.0.0.1:{port}", "user": "neo4j", "password": password}
    finally:
        subprocess.run([str(SCRIPT), "stop", "-w", str(ws)], env=env, capture_output=True, timeout=120)


@pytest.fixture(scope="session")
def neo4j_settings(neo4j_server: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(
        env={},
        overrides={
            "workspace": tmp_path_factory.mktemp("unused-ws"),
            "neo4j_uri": neo4j_server["uri"],
            "neo4j_user": neo4j_server["user"],
            "neo4j_password": neo4j_server["password"],
            "neo4j_timeout_s": 30.0,
            "neo4j_batch_size": 500,  # several batches even on the sample corpus
        },
    )


@pytest.fixture
def ws_copy(corpus_workspace: Path, tmp_path: Path) -> Path:
    """A private copy of the corpus workspace that a test may change."""
    dst = tmp_path / "ws"
    shutil.copytree(corpus_workspace, dst)
    return dst


# -- a tiny hand-built workspace for unit tests ----------------------------------------------------

TINY_ENTITIES = [
    ("e_llama", "Llama 3", EntityType.MODEL, ("Llama3", "羊駝三")),
    ("e_ollama", "Ollama", EntityType.TOOL, ()),
    ("e_gguf", "GGUF", EntityType.CONCEPT, ()),
    ("e_meta", "Meta", EntityType.ORG, ()),
    ("e_gpu", "RTX 4090", EntityType.HARDWARE, ()),
    ("e_tmmlu", "TMMLU+", EntityType.DATASET, ()),
]
TINY_RELATIONS = [
    ("Ollama", "Llama 3", RelationType.USES),
    ("Ollama", "GGUF", RelationType.USES),
    ("Llama 3", "Meta", RelationType.DEVELOPED_BY),
    ("Llama 3", "RTX 4090", RelationType.RUNS_ON),
    ("Llama 3", "TMMLU+", RelationType.RELATED_TO),
]


@pytest.fixture
def tiny_workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "tiny"
    texts = {
        "d1": ["Ollama 可以在 RTX 4090 上執行 Llama 3。", "Ollama 使用 GGUF 格式。"],
        "d2": ["Llama 3 由 Meta 開發，Llama3 也叫羊駝三。", "Llama 3 在 TMMLU+ 評測集上的分數不錯。"],
    }
    with open_store(ws, create=True) as store, store.transaction():
        for doc_id, parts in texts.items():
            body = "\n".join(parts)
            doc = Document(
                doc_id, f"{doc_id}.md", "g", doc_id.upper(), body, "h" + doc_id, "utf-8", len(body)
            )
            store.put_document(doc, [], [])
            chunks, mentions, cands = [], [], []
            offset = 0
            for i, text in enumerate(parts):
                cid = f"{doc_id}c{i}"
                chunks.append(Chunk(cid, doc_id, i, text, offset, offset + len(text)))
                for _eid, name, etype, aliases in TINY_ENTITIES:
                    for surface in (name, *aliases):
                        pos = text.find(surface)
                        if pos >= 0:
                            mentions.append(
                                Mention(
                                    doc_id,
                                    cid,
                                    offset + pos,
                                    offset + pos + len(surface),
                                    surface,
                                    match_key(surface),
                                    etype,
                                    "lexicon",
                                    1.0,
                                    name,
                                )
                            )
                for src, tgt, rtype in TINY_RELATIONS:
                    if src in text and tgt in text:
                        cands.append(
                            RelationCandidate(
                                doc_id, cid, match_key(src), match_key(tgt), rtype, text, "pattern", 0.9
                            )
                        )
                offset += len(text) + 1
            store.replace_extraction(doc_id, chunks, mentions, cands)
        entities = [Entity(eid, name, etype, aliases) for eid, name, etype, aliases in TINY_ENTITIES]
        keys = {match_key(s): eid for eid, name, _t, aliases in TINY_ENTITIES for s in (name, *aliases)}
        store.replace_graph(entities, keys)
        store.replace_communities(
            [
                Community(
                    "c_top", 1, "", ("e_llama", "e_ollama", "e_gguf", "e_meta", "e_gpu", "e_tmmlu"), "all"
                ),
                Community("c_run", 0, "c_top", ("e_llama", "e_ollama", "e_gguf"), "running"),
                Community("c_org", 0, "c_top", ("e_meta", "e_gpu"), "org"),
            ]
        )
    return ws
