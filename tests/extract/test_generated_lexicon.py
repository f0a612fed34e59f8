"""The generated lexicon (extract/lexicon/_generated.yaml, from scripts/lexicon/generate.py).

It adds thousands of names read from maintained packages; these tests hold it to what the
curated lexicon promises: it loads, it is large and covers recent models and data sets, it
never claims a key the curated files claim (and would lose to them if it did), and none of
its keys is an everyday English word. The last test regenerates it from the installed
packages and compares.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from extract.lexicon import SHIPPED_DIR, LexEntry, Lexicon, parse_entries
from extract.normalize import match_key
from extract.records import EntityType

GENERATED = SHIPPED_DIR / "_generated.yaml"
GENERATOR = Path(__file__).resolve().parents[2] / "scripts" / "lexicon" / "generate.py"


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return Lexicon.load()


@pytest.fixture(scope="module")
def generated() -> list[LexEntry]:
    return parse_entries(yaml.safe_load(GENERATED.read_text(encoding="utf-8")), GENERATED.name)


@pytest.fixture(scope="module")
def curated() -> list[LexEntry]:
    out: list[LexEntry] = []
    for path in sorted(SHIPPED_DIR.glob("*.yaml")):
        if path != GENERATED:
            out.extend(parse_entries(yaml.safe_load(path.read_text(encoding="utf-8")), path.name))
    return out


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("zhkg_lexicon_generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


def _surface_keys(entries: list[LexEntry]) -> Iterator[tuple[str, LexEntry]]:
    for e in entries:
        for s in e.surfaces():
            yield match_key(s), e


def test_generated_file_loads_with_the_shipped_lexicon(lex: Lexicon, generated: list[LexEntry]) -> None:
    real = [e for e in lex.entries if not e.ignore]
    assert len(real) >= 2000
    assert len(generated) >= 1500
    assert sum(e.source == GENERATED.name for e in lex.entries) == len(generated)
    assert lex.conflicts == []  # no alias is claimed by two entries
    assert {e.type for e in generated} >= {EntityType.MODEL, EntityType.DATASET, EntityType.TOOL}


def test_header_records_sources_and_command() -> None:
    head = GENERATED.read_text(encoding="utf-8").split("\nentries:", 1)[0]
    assert "scripts/lexicon/generate.py" in head
    for pkg in ("transformers==", "litellm==", "lm-eval==", "trove-classifiers==", "wordfreq=="):
        assert pkg in head


@pytest.mark.parametrize(
    "name, etype",
    [
        # 2024-2026 API models (litellm), with provider/date suffixes stripped
        ("gpt-4.1", EntityType.MODEL),
        ("gpt-4.1-mini", EntityType.MODEL),
        ("o3-mini", EntityType.MODEL),
        ("gemini-2.5-pro", EntityType.MODEL),
        ("Claude 3.7 Sonnet", EntityType.MODEL),  # claude-3-7-sonnet, written as prose writes it
        ("grok-3", EntityType.MODEL),
        ("DeepSeek-V3.1", EntityType.MODEL),
        ("Llama-3.3-70B-Instruct", EntityType.MODEL),
        ("Qwen3-235B-A22B", EntityType.MODEL),
        ("gpt-oss-20b", EntityType.MODEL),
        # architectures and checkpoints (transformers)
        ("DistilBERT", EntityType.MODEL),
        ("Phi-4", EntityType.MODEL),
        ("Gemma 3n", EntityType.MODEL),
        ("bert-base-uncased", EntityType.MODEL),
        # benchmarks and data sets (lm-eval), curated or generated
        ("MMLU", EntityType.DATASET),
        ("HellaSwag", EntityType.DATASET),
        ("OpenBookQA", EntityType.DATASET),
        ("CommonsenseQA", EntityType.DATASET),
        ("allenai/openbookqa", EntityType.DATASET),
        # tools and companies
        ("LiteLLM", EntityType.TOOL),
        ("Diffusers", EntityType.TOOL),
        ("Amazon Bedrock", EntityType.TOOL),
        ("Together AI", EntityType.ORG),
        ("Groq", EntityType.ORG),
    ],
)
def test_recent_names_are_known(lex: Lexicon, name: str, etype: EntityType) -> None:
    e = lex.lookup(name)
    assert e is not None, name
    assert e.type is etype


def test_variants_point_at_known_families(lex: Lexicon, generated: list[LexEntry]) -> None:
    with_family = [e for e in generated if e.family]
    assert len(with_family) >= 500
    for e in with_family:
        fam = lex.lookup(e.family)
        assert fam is not None, (e.name, e.family)
        assert fam.type is EntityType.MODEL and fam.key != e.key
    assert lex.lookup("gpt-4.1-mini").family == "gpt-4.1"  # type: ignore[union-attr]


def test_generated_never_claims_a_curated_key(generated: list[LexEntry], curated: list[LexEntry]) -> None:
    curated_keys = {k for k, _ in _surface_keys(curated)}
    clashes = sorted({f"{k} ({e.name})" for k, e in _surface_keys(generated) if k in curated_keys})
    assert clashes == []


def test_curated_entries_win(lex: Lexicon, curated: list[LexEntry]) -> None:
    # The loader reads the files sorted and later files win; the generated file sorts first.
    assert sorted(SHIPPED_DIR.glob("*.yaml"))[0] == GENERATED
    won = [
        k for k, _ in _surface_keys(curated) if (e := lex.get(k)) is not None and e.source == GENERATED.name
    ]
    assert won == []


def test_curated_wins_even_for_a_duplicated_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "_generated.yaml").write_text(
        "type: MODEL\nentries:\n  - {name: Foo, aliases: [foo-gen]}\n  - {name: Bar}\n", encoding="utf-8"
    )
    (tmp_path / "tools.yaml").write_text("type: TOOL\nentries:\n  - {name: Foo}\n", encoding="utf-8")
    monkeypatch.setattr("extract.lexicon.SHIPPED_DIR", tmp_path)
    lex = Lexicon.load()
    foo = lex.lookup("foo")
    assert foo is not None and foo.type is EntityType.TOOL and foo.source == "tools.yaml"
    assert lex.lookup("foo-gen") is None  # the generated declaration was replaced whole
    assert lex.lookup("bar").source == "_generated.yaml"  # type: ignore[union-attr]


def test_no_generated_key_is_a_common_english_word(generated: list[LexEntry]) -> None:
    wordfreq = pytest.importorskip("wordfreq")
    common = sorted(
        {
            f"{k} ({e.name})"
            for k, e in _surface_keys(generated)
            if k.isalpha() and wordfreq.zipf_frequency(k, "en", wordlist="large") >= 3.0
        }
    )
    assert common == []
    keys = {k for k, _ in _surface_keys(generated)}
    for word in ("auto", "bark", "data", "mega", "reformer", "phi", "marian", "helium", "base", "chat"):
        assert word not in keys
    assert all(len(k) >= 3 for k in keys)


def test_filter_rules(generator: ModuleType) -> None:
    pytest.importorskip("wordfreq")
    reason = generator.common_reason
    bad = ["Auto", "Bark", "Data", "Reformer", "Phi", "deep-research", "Step 3", "v1.1", "o3", "2.5", "BEiT"]
    assert [w for w in bad if not reason(w)] == []
    good = ["DistilBERT", "OpenRouter", "gpt-4.1", "Qwen3-Coder", "Together AI", "Llama-3.3-70B-Instruct"]
    assert [w for w in good if reason(w)] == []
    assert generator.dotted_version("claude-3-5-sonnet") == "claude-3.5-sonnet"
    assert generator.dotted_version("qwen3-5-27b") == "qwen3.5-27b"
    assert generator.dotted_version("llama-3.1-8b") == "llama-3.1-8b"
    name = generator.litellm_model_name
    assert name("bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0", "bedrock") == "claude-3-5-sonnet"
    assert name("azure/eu/gpt-4o-mini-2024-07-18", "azure") == "gpt-4o-mini"
    fw = "fireworks_ai/accounts/fireworks/models/qwen2p5-coder-7b"
    assert name(fw, "fireworks_ai") == "qwen2.5-coder-7b"
    assert name("ft:gpt-4.1-mini-2025-04-14", "openai") == ""


def test_generator_reproduces_the_committed_file(generator: ModuleType) -> None:
    missing = generator.missing_packages()
    if missing:
        pytest.skip("generator sources not installed: " + ", ".join(missing))
    text = generator.generate()
    assert text == GENERATED.read_text(encoding="utf-8"), (
        "extract/lexicon/_generated.yaml is out of date (curated lexicon or package versions changed): "
        "run .venv/bin/python scripts/lexicon/generate.py and commit the result"
    )
