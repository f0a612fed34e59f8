"""``zhkg cypher`` argument handling and output, without a server."""

from __future__ import annotations

import pytest

from graph.cli.cypher import display_width, format_table, parse_params
from graph.cli.main import CommandError, main


def test_parse_params() -> None:
    assert parse_params(["k=2", "name=Llama 3", "x=[1,2]"], json_values=True) == {
        "k": 2,
        "name": "Llama 3",
        "x": [1, 2],
    }
    assert parse_params(["k=2", "e=a=b"], json_values=False) == {"k": "2", "e": "a=b"}
    for bad in (["novalue"], ["=1"], ["a b=1"], ["k=1", "k=2"]):
        with pytest.raises(CommandError):
            parse_params(bad, json_values=True)


def test_table_aligns_cjk() -> None:
    lines = format_table(["name", "n"], [["大型語言模型", 1], ["vLLM", None], ["x" * 100, 2.5]]).splitlines()
    # The second column starts at the same display column on every line.
    starts = [
        display_width(line[: line.rindex(tok)])
        for line, tok in zip(lines, ["n", "", "1", "", "2.5"], strict=True)
        if tok
    ]
    starts.append(display_width(lines[1].split("  ")[0]) + 2)
    assert len(set(starts)) == 1
    assert display_width("大型") == 4
    assert "…" in lines[4]  # long cells are clipped


def test_list_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cypher", "--list"]) == 0
    assert "entity_neighbourhood" in capsys.readouterr().out
    assert main(["cypher"]) == 1
    assert "either" in capsys.readouterr().err
    assert main(["cypher", "CREATE (n)", "--neo4j-uri", "bolt://127.0.0.1:1"]) == 1
    err = capsys.readouterr().err
    assert "refused" in err and len(err.strip().splitlines()) == 1
    assert main(["cypher", "--query", "no_such_query", "--neo4j-uri", "bolt://127.0.0.1:1"]) == 1
    assert "no named query" in capsys.readouterr().err
