"""A tiny hand-made workspace for the app's AppTest tests.

Built directly through the Store write API so the page tests do not depend on
extraction quality, and fast enough to build per test session.
"""

from __future__ import annotations

from pathlib import Path

from extract.normalize import match_key
from extract.records import (
    Chunk,
    Document,
    Entity,
    EntityType,
    Mention,
    RelationCandidate,
    RelationType,
    stable_id,
)
from graph.records import Community
from graph.store import open_store

ENTITIES = [
    ("Ollama", EntityType.TOOL, ("ollama",)),
    ("Llama 3", EntityType.MODEL, ("Llama3", "llama-3")),
    ("大語言模型", EntityType.CONCEPT, ("LLM",)),
    ("Meta", EntityType.ORG, ()),
    ("RTX 4090", EntityType.HARDWARE, ("4090",)),
    ("LangChain", EntityType.TOOL, ()),
    ("TMMLU+", EntityType.DATASET, ("TMMLU",)),
]
RELATIONS = [
    ("Ollama", "Llama 3", RelationType.USES, "Ollama 可以在本機執行 Llama 3 模型。"),
    ("Llama 3", "Meta", RelationType.DEVELOPED_BY, "Llama 3 是 Meta 釋出的開源模型。"),
    ("Llama 3", "大語言模型", RelationType.IS_A, "Llama 3 是一種大語言模型。"),
    ("Ollama", "RTX 4090", RelationType.RUNS_ON, "我們在 RTX 4090 上用 Ollama 跑推論。"),
    ("LangChain", "Ollama", RelationType.INTEGRATES, "LangChain 可以整合 Ollama 作為後端。"),
    ("Llama 3", "TMMLU+", RelationType.RELATED_TO, "Llama 3 在 TMMLU+ 評測集上的分數不錯。"),
]


def entity_id(name: str) -> str:
    return stable_id("e", name)


def build(workspace: Path) -> Path:
    """Write the mini workspace (two documents, seven entities, six relations, two communities)."""
    docs = []
    for n, sentences in enumerate((RELATIONS[:3], RELATIONS[3:]), 1):
        body = "".join(s for *_, s in sentences)
        doc = Document(
            id=f"d{n}",
            path=f"/corpus/post-{n}.md",
            group="/corpus",
            title=f"測試文章 {n}",
            body=body,
            raw_hash=f"h{n}",
            encoding="utf-8",
            size_bytes=len(body.encode()),
        )
        docs.append((doc, sentences))
    keys = {match_key(name): entity_id(name) for name, _, _ in ENTITIES}
    for name, _, aliases in ENTITIES:
        for a in aliases:
            keys[match_key(a)] = entity_id(name)
    types = {name: t for name, t, _ in ENTITIES}
    with open_store(workspace, create=True) as store, store.transaction():
        for doc, sentences in docs:
            store.put_document(doc, [], [])
            chunk = Chunk(id=f"c{doc.id}", doc_id=doc.id, index=0, text=doc.body, start=0, end=len(doc.body))
            mentions = []
            cands = []
            for src, dst, rtype, sentence in sentences:
                for name in (src, dst):
                    at = doc.body.find(name)
                    mentions.append(
                        Mention(
                            doc.id,
                            chunk.id,
                            at,
                            at + len(name),
                            name,
                            match_key(name),
                            types[name],
                            "lexicon",
                            1.0,
                        )
                    )
                cands.append(
                    RelationCandidate(
                        doc.id, chunk.id, match_key(src), match_key(dst), rtype, sentence, "pattern", 0.9
                    )
                )
            store.replace_extraction(doc.id, [chunk], mentions, cands)
        ents = [
            Entity(id=entity_id(name), name=name, type=t, aliases=aliases, extractors=("lexicon",))
            for name, t, aliases in ENTITIES
        ]
        store.replace_graph(ents, keys)
        store.replace_communities(
            [
                Community(
                    "top",
                    1,
                    "",
                    tuple(entity_id(n) for n, _, _ in ENTITIES),
                    "本地 LLM 生態",
                    "本地執行大語言模型的工具與硬體。",
                    {"findings": ["Ollama 是核心工具"]},
                    2.0,
                ),
                Community(
                    "c-llama",
                    0,
                    "top",
                    (entity_id("Llama 3"), entity_id("Meta"), entity_id("大語言模型")),
                    "Llama 模型家族",
                    "Meta 的 Llama 系列。",
                    {},
                    1.0,
                ),
            ]
        )
        store.set_meta("generation", "1")
    return workspace
