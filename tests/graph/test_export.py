import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from graph.export import csv_tables, export_dict, to_graphml, write_atomic
from graph.store import open_store


def test_export_json_contract_on_corpus(corpus_workspace: Path, corpus_dir: Path) -> None:
    with open_store(corpus_workspace, readonly=True) as s:
        data = export_dict(s)
    on_disk = {str(p) for p in corpus_dir.rglob("*") if p.suffix in {".md", ".html", ".txt"}}
    assert {d["path"] for d in data["documents"]} == on_disk  # paths as given to ingest
    types = {e["type"] for e in data["entities"]}
    assert {"MODEL", "TOOL", "CONCEPT"} <= types <= {"MODEL", "TOOL", "CONCEPT", "ORG", "PERSON", "HARDWARE"}
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
