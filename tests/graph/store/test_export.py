import csv
import io
import itertools
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from extract.normalize import match_key
from extract.records import Chunk, Document, Entity, EntityType, Mention, RelationCandidate, RelationType
from graph.cli.main import main
from graph.store import open_store
from graph.store.export import csv_tables, export_dict, to_graphml, write_atomic

ALL_TYPES = {t.value for t in EntityType}
# One entity of every type, all in one sentence so that each is linked to the next.
TYPED = [
    ("Breeze-7B", EntityType.MODEL),
    ("Ollama", EntityType.TOOL),
    ("LoRA", EntityType.CONCEPT),
    ("聯發科", EntityType.ORG),
    ("王小明", EntityType.PERSON),
    ("RTX 4090", EntityType.HARDWARE),
    ("TMMLU+", EntityType.DATASET),
]


@pytest.fixture
def typed_workspace(tmp_path: Path) -> Path:
    """A workspace holding one entity of every EntityType (DATASET included), written through the Store."""
    ws = tmp_path / "typed"
    body = "王小明在 RTX 4090 上用 Ollama 與 LoRA 微調聯發科的 Breeze-7B，再以 TMMLU+ 評測。"
    with open_store(ws, create=True) as store, store.transaction():
        doc = Document("d1", "d1.md", "g", "評測", body, "h1", "utf-8", len(body.encode()))
        store.put_document(doc, [], [])
        chunk = Chunk("d1c0", "d1", 0, body, 0, len(body))
        mentions = [
            Mention(
                "d1", "d1c0", body.index(n), body.index(n) + len(n), n, match_key(n), t, "lexicon", 1.0, n
            )
            for n, t in TYPED
        ]
        cands = [
            RelationCandidate(
                "d1", "d1c0", match_key(a), match_key(b), RelationType.RELATED_TO, body, "cooc", 0.5
            )
            for (a, _), (b, _) in itertools.pairwise(TYPED)
        ]
        store.replace_extraction("d1", [chunk], mentions, cands)
        entities = [Entity(f"e{i}", n, t, extractors=("lexicon",)) for i, (n, t) in enumerate(TYPED)]
        store.replace_graph(entities, {match_key(n): f"e{i}" for i, (n, _) in enumerate(TYPED)})
    return ws


def test_export_json_contract_on_corpus(corpus_workspace: Path, corpus_dir: Path) -> None:
    with open_store(corpus_workspace, readonly=True) as s:
        data = export_dict(s)
    on_disk = {str(p) for p in corpus_dir.rglob("*") if p.suffix in {".md", ".html", ".txt"}}
    assert {d["path"] for d in data["documents"]} == on_disk  # paths as given to ingest
    types = {e["type"] for e in data["entities"]}
    assert {"MODEL", "TOOL", "CONCEPT", "DATASET"} <= types <= ALL_TYPES  # TMMLU+, OntoNotes are data sets
    assert data["relations"] and all(r["evidence"] for r in data["relations"])
    assert data["communities"]
    json.dumps(data, ensure_ascii=False)  # serialisable


def test_graphml_is_valid_xml_with_all_nodes_and_edges(corpus_workspace: Path) -> None:
    with open_store(corpus_workspace, readonly=True) as s:
        data = export_dict(s)
        root = ET.fromstring(to_graphml(s))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(root.findall(".//g:node", ns)) == len(data["entities"])
    assert len(root.findall(".//g:edge", ns)) == len(data["relations"])


def test_csv_tables_round_trip(corpus_workspace: Path) -> None:
    with open_store(corpus_workspace, readonly=True) as s:
        tables = csv_tables(s)
        n_entities = len(s.entities())
    rows = list(csv.DictReader(io.StringIO(tables["entities.csv"])))
    assert len(rows) == n_entities and {"id", "name", "type", "aliases"} <= set(rows[0])


def test_write_atomic_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "graph.json"
    write_atomic(target, "first")
    write_atomic(target, "second")
    assert target.read_text(encoding="utf-8") == "second"
    assert [p.name for p in target.parent.iterdir()] == ["graph.json"]  # no temp files left


def test_every_entity_type_is_exported(typed_workspace: Path) -> None:
    with open_store(typed_workspace, readonly=True) as s:
        data = export_dict(s)
        root = ET.fromstring(to_graphml(s))
        tables = csv_tables(s)
    assert {e["type"] for e in data["entities"]} == ALL_TYPES
    assert {e["name"]: e["type"] for e in data["entities"]}["TMMLU+"] == "DATASET"
    assert any("e6" in (r["source"], r["target"]) for r in data["relations"])  # the data set is linked
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    graphml_types = {d.text for d in root.findall(".//g:node/g:data[@key='type']", ns)}
    assert graphml_types == ALL_TYPES
    rows = list(csv.DictReader(io.StringIO(tables["entities.csv"])))
    assert {r["type"] for r in rows} == ALL_TYPES
    assert {r["name"]: r["type"] for r in rows}["TMMLU+"] == "DATASET"


def test_stats_lists_entities_of_every_type(
    typed_workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", "-w", str(typed_workspace)]) == 0
    lines = [ln.split() for ln in capsys.readouterr().out.splitlines()]
    assert ["entities", str(len(TYPED))] in lines
    for t in ALL_TYPES:
        assert [t, "1"] in lines, t
    assert main(["stats", "-w", str(typed_workspace), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["entities_by_type"] == dict.fromkeys(sorted(ALL_TYPES), 1)
