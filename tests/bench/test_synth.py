"""The benchmark corpus generator is seeded, reproducible and produces what its docstring claims.

Benchmarks compare figures across runs and machines only if the corpus is the
same bytes every time; these tests pin that, plus the features the benchmarks
rely on (sites with shared boilerplate, three formats, lexicon names, relation
sentences, Simplified passages, lengths), on a small corpus so they stay fast.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _synth() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_synth", ROOT / "bench" / "synth.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses need the module registered
    spec.loader.exec_module(mod)
    return mod


synth = _synth()
N = 120  # three sites: boilerplate needs several documents per folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "c"
    synth.generate(N, 7, out)
    return out


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(corpus: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    synth.generate(N, 7, again, jobs=2)  # the worker count does not change the output
    assert _files(corpus) == _files(again)


def test_other_seed_other_corpus(corpus: Path, tmp_path: Path) -> None:
    other = synth.generate(N, 8, tmp_path / "other")
    assert other["sha256"] != json.loads((corpus / "manifest.json").read_text())["sha256"]


def test_smaller_corpus_is_a_prefix(corpus: Path, tmp_path: Path) -> None:
    small = tmp_path / "small"
    synth.generate(60, 7, small)
    big = _files(corpus)
    for rel, data in _files(small).items():
        if rel.startswith("site-"):
            assert big[rel] == data


def test_manifest_matches_files(corpus: Path) -> None:
    m = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    docs = [p for p in corpus.rglob("*") if p.suffix in (".md", ".html", ".txt")]
    assert m["docs"] == len(docs) == N
    assert m["sites"] == len({p.parent for p in docs}) == 3
    assert m["bytes"] == sum(p.stat().st_size for p in docs)
    assert set(m["formats"]) <= {"markdown", "html", "text"} and sum(m["formats"].values()) == N


def test_documents_have_claimed_features(corpus: Path) -> None:
    texts = [
        p.read_text(encoding="utf-8")
        for p in sorted(corpus.rglob("*"))
        if p.suffix in (".md", ".html", ".txt")
    ]
    lengths = sorted(len(t) for t in texts)
    assert lengths[len(lengths) // 2] > 2000 and lengths[0] > 1500 and lengths[-1] < 8000
    joined = "\n".join(texts)
    for needle in ("整合了", "是一種", "微調", "由", "開發", "ollama run", "關於作者", "©"):
        assert needle in joined, needle
    md = [t for t in texts if t.startswith("---\n標題:")]
    assert md, "Markdown documents carry front matter"
    # Boilerplate: every document of a site ends with the same footer.
    site0 = [p.read_text(encoding="utf-8") for p in sorted((corpus / "site-00000").iterdir())]
    footers = {next(ln for ln in reversed(t.splitlines()) if "©" in ln) for t in site0}
    assert len(footers) == 1
    # Lexicon names appear (canonical or alias) in most documents.
    vocab = synth.load_vocab(7)
    names = {n.name for ns in vocab.by_type.values() for n in ns}
    assert sum(any(n in t for n in names) for t in texts) == len(texts)


def test_questions_cover_three_modes(corpus: Path) -> None:
    q = json.loads((corpus / "questions.json").read_text(encoding="utf-8"))
    assert set(q) == {"local", "global", "hybrid"}
    assert all(len(v) == 30 and all(isinstance(s, str) and s for s in v) for v in q.values())


def test_simplified_passages_appear_in_a_larger_corpus() -> None:
    vocab = synth.load_vocab(7)
    texts = [synth.make_document(vocab, 7, i)[1] for i in range(200)]
    assert any("我们" in t or "这篇" in t or "一种" in t for t in texts)
