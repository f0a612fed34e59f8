"""Named query files and parameter binding, without a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.normalize import match_key
from extract.records import RelationType
from graph.neo4j.guard import check_static
from graph.neo4j.queries import (
    QueryFileError,
    QueryParamError,
    bind,
    default_dir,
    lucene_escape,
    named_queries,
    parse_query,
)

REQUIRED = {
    "entity_neighbourhood",
    "shortest_paths",
    "top_entities_by_degree",
    "top_entities_by_pagerank",
    "community_entities",
    "entity_evidence",
    "co_mentioned_entities",
    "entity_search",
}


def test_every_query_file_parses_and_passes_the_static_guard() -> None:
    queries = named_queries()
    assert set(queries) >= REQUIRED
    for q in queries.values():
        assert q.description and q.path.parent == default_dir()
        values = {
            p.name: ("x" if p.type in {"string", "entity", "fulltext"} else None)
            for p in q.params
            if p.required
        }
        text, _ = bind(q, values)
        assert "{{" not in text
        check_static(text)
        for p in q.params:
            if p.inline:
                continue
            assert f"${p.name}" in text, f"{q.name}: ${p.name} declared but unused"


def test_parameters_are_never_interpolated() -> None:
    q = named_queries()["entity_neighbourhood"]
    evil = "x' OR 1=1 }) DETACH DELETE n //"
    text, params = bind(q, {"entity": evil, "k": "2", "types": "MODEL,TOOL"})
    assert evil not in text and "DETACH" not in text
    assert params["entity"] == evil and params["entity_key"] == match_key(evil)
    assert params["types"] == ["MODEL", "TOOL"] and "{1,2}" in text


@pytest.mark.parametrize("k", ["0", "5", "2; MATCH (n) DETACH DELETE n", "1.5", "abc", True, "-1"])
def test_inline_bound_is_validated(k: object) -> None:
    q = named_queries()["entity_neighbourhood"]
    with pytest.raises(QueryParamError):
        bind(q, {"entity": "Ollama", "k": k})


def test_missing_unknown_and_bad_params() -> None:
    q = named_queries()["shortest_paths"]
    with pytest.raises(QueryParamError, match="target"):
        bind(q, {"source": "a"})
    with pytest.raises(QueryParamError, match="nope"):
        bind(q, {"source": "a", "target": "b", "nope": 1})
    with pytest.raises(QueryParamError):
        bind(q, {"source": "a", "target": "b", "limit": "many"})
    with pytest.raises(QueryParamError):
        bind(q, {"source": "  ", "target": "b"})


def test_defaults_and_types_are_applied() -> None:
    q = named_queries()["top_entities_by_degree"]
    _, params = bind(q, {})
    assert params == {"types": [], "limit": 20}
    _, params = bind(q, {"types": '["MODEL"]', "limit": 3})
    assert params == {"types": ["MODEL"], "limit": 3}


def test_lucene_escape_searches_literally() -> None:
    assert lucene_escape("C++") == r"C\+\+"
    assert lucene_escape("GPT-4 (mini)") == r"GPT\-4 \(mini\)"
    assert lucene_escape("a AND b") == "a and b"
    assert lucene_escape("語言模型") == "語言模型"


def test_shared_relationship_types_match_the_enum() -> None:
    """Queries walk relations as ``(:Entity)--(:Entity)``, so no type list can go stale."""
    for q in named_queries().values():
        for t in RelationType:
            assert f":{t.value}" not in q.text


@pytest.mark.parametrize(
    "header",
    [
        "// @param k int = 1 inline -- no range",
        "// @param k string (1..3) -- range on a string",
        "// @param k int = x -- default not JSON",
        "// @param k int = 9 (1..3) -- default out of range",
        "// @param k widget -- unknown type",
        "// @nonsense",
        "// desc\n// @param a string -- x\n// @param a string -- twice",
    ],
)
def test_bad_headers_are_reported(header: str) -> None:
    source = f"// A description.\n{header}\nRETURN 1"
    with pytest.raises(QueryFileError):
        parse_query("q", source)


def test_placeholder_must_be_declared_inline(tmp_path: Path) -> None:
    (tmp_path / "bad.cypher").write_text(
        "// Desc.\n// @param k int = 1 -- hops\nMATCH p=()-[*1..{{k}}]-() RETURN p"
    )
    with pytest.raises(QueryFileError, match="inline"):
        named_queries(tmp_path)
    (tmp_path / "bad.cypher").write_text("// Desc.\n// @param k int = 1 (1..3) inline -- hops\nRETURN 1")
    with pytest.raises(QueryFileError, match="never used"):
        named_queries(tmp_path)
