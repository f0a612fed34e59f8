"""Curation: each action applied to a small ingested workspace, its undo, and later ingests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extract.lexicon import Lexicon
from extract.records import EntityType
from graph import api
from graph.build import curation
from graph.build.curation import Action, CurationError, Step, compose
from graph.build.ingest import ingest_paths
from graph.settings import Settings, curation_file, load_settings
from graph.store import open_store

DOCS = {
    "local.md": "# 本機推論\n\nOllama 可以在本機執行 Llama 3 模型。我們在 RTX 4090 上用 Ollama 跑推論。"
    "LangChain 可以整合 Ollama 作為後端。大型語言模型（LLM）需要大量記憶體。\n",
    "vectors.md": "# 向量資料庫\n\nChroma 與 Milvus 都是向量資料庫。LangChain 可以整合 Chroma。"
    "Milvus 支援 GPU 加速。LLM 的檢索常用 Milvus。\n",
    "models.md": "# 模型\n\nLlama 3 是 Meta 釋出的開源模型。GPT-4o 與 Llama 3 比較。Ollama 也支援 Qwen2.5。"
    "大型語言模型的微調需要 GPU。\n",
}

Snapshot = tuple[frozenset[tuple[object, ...]], frozenset[tuple[object, ...]], frozenset[tuple[object, ...]]]


def _settings(ws: Path) -> Settings:
    return load_settings(env={}, overrides={"workspace": ws})


def _write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(corpus folder, a workspace ingested from it), built once; tests work on copies."""
    root = tmp_path_factory.mktemp("curation")
    corpus = _write_corpus(root / "corpus")
    ws = root / "ws"
    ingest_paths([corpus], _settings(ws), progress=lambda *_: None)
    return corpus, ws


@pytest.fixture
def ws(base: tuple[Path, Path], tmp_path: Path) -> Path:
    copy = tmp_path / "ws"
    shutil.copytree(base[1], copy)
    return copy


def snapshot(ws: Path) -> Snapshot:
    """Entities, relations (with evidence) and mentions: what a curation and its undo must agree on."""
    with open_store(ws) as store:
        ents = frozenset(
            (e.id, e.name, str(e.type), e.aliases, e.mention_count, e.doc_ids) for e in store.entities()
        )
        rels = frozenset(
            (r.source, r.target, str(r.type), r.weight, tuple(ev.text for ev in r.evidence))
            for r in store.relations()
        )
        mentions = frozenset(
            (m.doc_id, m.start, m.end, m.surface, m.key)
            for d in store.documents()
            for m in _mentions(store, d.id)
        )
    return ents, rels, mentions


def _mentions(store: object, doc_id: str) -> list[object]:
    from extract.records import Mention

    rows = store.conn.execute(  # type: ignore[attr-defined]
        'SELECT doc_id, chunk_id, start, "end", surface, key, type, extractor, confidence FROM mentions'
        " WHERE doc_id=?",
        (doc_id,),
    )
    return [Mention(r[0], r[1], r[2], r[3], r[4], r[5], EntityType(r[6]), r[7], r[8]) for r in rows]


def by_name(ws: Path) -> dict[str, object]:
    with open_store(ws) as store:
        return {e.name: e for e in store.entities()}


def eid(ws: Path, name: str) -> str:
    return by_name(ws)[name].id  # type: ignore[attr-defined,no-any-return]


# -- each action and its undo --------------------------------------------------------------------


def test_ignore_removes_the_entity_and_undo_restores_it(ws: Path) -> None:
    before = snapshot(ws)
    gen = _generation(ws)
    chroma = eid(ws, "Chroma")
    out = curation.perform(_settings(ws), Action.IGNORE, chroma)
    names = by_name(ws)
    assert "Chroma" not in names and "Milvus" in names
    assert out.entity_id == "" and out.documents >= 1
    with open_store(ws) as store:
        ends = {x for r in store.relations() for x in (r.source, r.target)}
        surfaces = {m.surface for d in store.documents() for m in _mentions(store, d.id)}  # type: ignore[attr-defined]
    assert chroma not in ends and "Chroma" not in surfaces and "Milvus" in surfaces
    assert int(_generation(ws)) > int(gen)  # the app's cache and the search index see a new graph
    lex = Lexicon.load([curation_file(ws)], shipped=False)
    entry = lex.lookup("chroma")
    assert entry is not None and entry.ignore
    back = curation.undo(_settings(ws), out.step.id)
    assert snapshot(ws) == before
    assert back.entity_id == eid(ws, "Chroma")
    assert [s.undone for s in curation.history(_settings(ws))] == [True]


def test_retype_and_undo(ws: Path) -> None:
    before = snapshot(ws)
    assert by_name(ws)["Milvus"].type is EntityType.TOOL  # type: ignore[attr-defined]
    out = curation.perform(_settings(ws), "retype", eid(ws, "Milvus"), "DATASET")
    assert by_name(ws)["Milvus"].type is EntityType.DATASET  # type: ignore[attr-defined]
    assert out.entity_id == eid(ws, "Milvus")
    assert out.step.previous == "TOOL" and out.step.value == "DATASET"
    curation.undo(_settings(ws), out.step.id)
    assert snapshot(ws) == before


def test_merge_and_undo(ws: Path) -> None:
    before = snapshot(ws)
    milvus = by_name(ws)["Milvus"]
    chroma = by_name(ws)["Chroma"]
    out = curation.perform(_settings(ws), "merge", chroma.id, milvus.id)  # type: ignore[attr-defined]
    names = by_name(ws)
    assert "Chroma" not in names
    merged = names["Milvus"]
    assert "Chroma" in merged.aliases  # type: ignore[attr-defined]
    assert merged.mention_count == milvus.mention_count + chroma.mention_count  # type: ignore[attr-defined]
    assert out.entity_id == merged.id  # type: ignore[attr-defined]
    # LangChain INTEGRATES Chroma became LangChain INTEGRATES Milvus
    with open_store(ws) as store:
        targets = {(r.source, r.target, str(r.type)) for r in store.relations()}
    assert (eid(ws, "LangChain"), merged.id, "INTEGRATES") in targets  # type: ignore[attr-defined]
    curation.undo(_settings(ws), out.step.id)
    assert snapshot(ws) == before


def test_split_alias_and_undo(ws: Path) -> None:
    before = snapshot(ws)
    llm = by_name(ws)["大型語言模型"]
    assert "LLM" in llm.aliases  # type: ignore[attr-defined]
    out = curation.perform(_settings(ws), "split", llm.id, "LLM")  # type: ignore[attr-defined]
    names = by_name(ws)
    assert "LLM" in names and "LLM" not in names["大型語言模型"].aliases  # type: ignore[attr-defined]
    assert names["LLM"].type is llm.type  # type: ignore[attr-defined]
    assert out.entity_id == names["大型語言模型"].id  # type: ignore[attr-defined]
    curation.undo(_settings(ws), out.step.id)
    assert snapshot(ws) == before


def test_split_refuses_a_mere_spelling(ws: Path) -> None:
    from extract.records import Entity

    with pytest.raises(CurationError, match="cannot be split"):
        curation.plan_split(Entity("e1", "Ollama", EntityType.TOOL, ("ollama",)), "OLLAMA", Lexicon([]))
    with pytest.raises(CurationError, match="not an alias"):
        curation.perform(_settings(ws), "split", eid(ws, "Ollama"), "Milvus")
    assert not curation_file(ws).exists()  # a refused action writes nothing


def test_rename_and_undo(ws: Path) -> None:
    before = snapshot(ws)
    out = curation.perform(_settings(ws), "rename", eid(ws, "Milvus"), "Milvus 向量庫")
    names = by_name(ws)
    assert "Milvus" not in names
    renamed = names["Milvus 向量庫"]
    assert "Milvus" in renamed.aliases and out.entity_id == renamed.id  # type: ignore[attr-defined]
    with pytest.raises(CurationError, match="already called"):
        curation.perform(_settings(ws), "rename", eid(ws, "Chroma"), "ollama")
    curation.undo(_settings(ws), out.step.id)
    assert snapshot(ws) == before


def test_undo_of_an_earlier_step_keeps_the_later_one(ws: Path) -> None:
    s = _settings(ws)
    first = curation.perform(s, "ignore", eid(ws, "Chroma"))
    curation.perform(s, "retype", eid(ws, "Milvus"), "DATASET")
    curation.undo(s, first.step.id)
    names = by_name(ws)
    assert "Chroma" in names and names["Milvus"].type is EntityType.DATASET  # type: ignore[attr-defined]
    with pytest.raises(CurationError, match="already undone"):
        curation.undo(s, first.step.id)


# -- later ingests, the file, the api ---------------------------------------------------------------


def test_later_ingests_honour_the_curation(ws: Path, base: tuple[Path, Path], tmp_path: Path) -> None:
    s = _settings(ws)
    curation.perform(s, "ignore", eid(ws, "Chroma"))
    curation.perform(s, "retype", eid(ws, "Milvus"), "DATASET")
    curation.perform(s, "merge", eid(ws, "RTX 4090"), eid(ws, "GPU"))
    curated = snapshot(ws)
    # a fresh ingest of the same files with the workspace's curation file gives the same graph
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copy(curation_file(ws), curation_file(fresh))
    ingest_paths([base[0]], _settings(fresh), progress=lambda *_: None)
    assert snapshot(fresh)[0] == curated[0] and snapshot(fresh)[1] == curated[1]
    # a changed file re-ingested into the curated workspace keeps the curation
    corpus = _write_corpus(tmp_path / "corpus2")
    (corpus / "more.md").write_text(
        "# 補充\n\nChroma 很輕量，Milvus 適合大規模，RTX 4090 很快。\n", encoding="utf-8"
    )
    ingest_paths([corpus], s, progress=lambda *_: None)
    names = by_name(ws)
    assert "Chroma" not in names and "RTX 4090" not in names
    assert names["Milvus"].type is EntityType.DATASET  # type: ignore[attr-defined]


def test_export_follows_the_curation(ws: Path) -> None:
    s = _settings(ws)
    curation.perform(s, "ignore", eid(ws, "Chroma"))
    graph = api.export(s, "json")["graph.json"]
    assert '"Milvus"' in graph and '"Chroma"' not in graph


def test_api_curate_refreshes_the_index_and_lists_history(ws: Path) -> None:
    s = _settings(ws)
    out = api.curate(s, "rename", eid(ws, "Milvus"), "Milvus DB")
    assert out.index_s is not None and out.neo4j == ""  # Neo4j not configured: no sync attempted
    answer = api.ask(s, "Milvus DB 支援什麼？", use_llm=False)
    assert out.entity_id in answer.entities  # the search index links the new name
    steps = api.curation_history(s)
    assert [(st.action, st.entity, st.value) for st in steps] == [(Action.RENAME, "Milvus", "Milvus DB")]
    back = api.undo_curation(s, steps[0].id)
    assert back.entity_id == eid(ws, "Milvus")


# -- pure planning ---------------------------------------------------------------------------------


def test_compose_later_steps_win() -> None:
    steps = [
        Step(1, Action.MERGE, "A", "B", entries=({"name": "B", "type": "TOOL", "aliases": ["A", "a2"]},)),
        Step(2, Action.SPLIT, "B", "A", entries=({"name": "A", "type": "TOOL"},)),
        Step(3, Action.IGNORE, "a2", ignore=("a2",)),
        Step(4, Action.IGNORE, "Z", ignore=("Z",), undone=True),
    ]
    entries, ignored = compose(steps)
    assert entries == [{"name": "B", "type": "TOOL"}, {"name": "A", "type": "TOOL"}]
    assert ignored == ["a2"]
    # a later declaration takes a word back from the ignore list
    entries, ignored = compose(
        [*steps, Step(5, Action.RETYPE, "a2", entries=({"name": "a2", "type": "MODEL"},))]
    )
    assert ignored == [] and entries[-1] == {"name": "a2", "type": "MODEL"}


def test_override_layer_beats_a_shipped_alias_claim(tmp_path: Path) -> None:
    """A merge into a name declared before the merged one still claims it (the layer goes last)."""
    shipped = tmp_path / "base.yaml"
    shipped.write_text(
        "entries:\n  - {name: Beta, type: TOOL}\n  - {name: Alpha, type: TOOL}\n", encoding="utf-8"
    )
    layer = tmp_path / "curation.yaml"
    layer.write_text(
        "override: true\nentries:\n  - {name: Beta, type: TOOL, aliases: [Alpha]}\n", encoding="utf-8"
    )
    lex = Lexicon.load([shipped, layer], shipped=False)
    assert lex.lookup("alpha").name == "Beta"  # type: ignore[union-attr]
    plain = tmp_path / "plain.yaml"
    plain.write_text(layer.read_text(encoding="utf-8").replace("override: true\n", ""), encoding="utf-8")
    assert Lexicon.load([shipped, plain], shipped=False).lookup("alpha").name == "Alpha"  # type: ignore[union-attr]


def test_retype_offers_every_type_and_rejects_others() -> None:
    from extract.records import Entity

    ent = Entity("e1", "Foo", EntityType.TOOL)
    for t in EntityType:
        if t is not EntityType.TOOL:
            assert curation.plan_retype(ent, t.value, Lexicon([])).entries[0]["type"] == t.value
    with pytest.raises(CurationError, match="not one of"):
        curation.plan_retype(ent, "GADGET", Lexicon([]))
    with pytest.raises(CurationError, match="already"):
        curation.plan_retype(ent, "tool", Lexicon([]))


def _generation(ws: Path) -> str:
    with open_store(ws) as store:
        return store.meta("generation") or "0"


def test_cli_curate_history_and_undo(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from graph.cli.main import main

    before = snapshot(ws)
    assert main(["curate", "-w", str(ws), "merge", "chroma", "MILVUS"]) == 0  # any spelling names it
    assert "merge Chroma → Milvus" in capsys.readouterr().out
    assert "Chroma" not in by_name(ws)
    assert main(["curate", "-w", str(ws), "history"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("1\t") and "merge\tChroma → Milvus" in line
    assert main(["curate", "-w", str(ws), "undo", "1"]) == 0
    assert "undone" in capsys.readouterr().out
    assert snapshot(ws) == before
    assert main(["curate", "-w", str(ws), "ignore", "不存在的東西"]) == 1
    assert "no entity is called" in capsys.readouterr().err
