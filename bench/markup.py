"""Markup left behind and titles that do not tell documents apart, per corpus folder.

Why: cleaning is judged by what a reader of a chunk or a citation sees. Two figures say the
most about it: documents whose title is the same as another document's of the same corpus
(a search hit or citation you cannot tell apart), and raw markup tokens (``**``, ``](``,
``[[``, ``</``) left in assembled bodies outside code blocks. Inline code keeps its text without
backticks in the body, so a token inside inline code (``model(**inputs)``, ``</s>``) still counts:
the figure is an upper bound on leaked markup.

Runs the same extract steps as an ingest (load, redact, parse, site titles and boilerplate per
folder, assemble) without a workspace::

    .venv/bin/python bench/markup.py examples/corpus /work/shared/corpora/*  [--show N]

``--show N`` also prints up to N shared titles and N token contexts per corpus (for looking into
a figure; they are the corpus's own text, so keep them out of the repository).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extract import pipeline
from extract.load import SkipFile, discover
from extract.records import Document

log = logging.getLogger("bench.markup")

TOKENS = ("**", "](", "[[", "</")
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CorpusFigures:
    folder: str
    documents: int
    skipped: int
    shared_titles: int  # documents whose title another document of the corpus also has
    tokens: dict[str, int]  # raw markup tokens outside code blocks, by token
    docs_with_tokens: int
    links: int  # document links recorded
    docs_with_links: int
    aliases: int
    seconds: float


def outside_code(doc: Document) -> str:
    """The body without its code blocks (``Document.code`` spans)."""
    parts: list[str] = []
    pos = 0
    for start, end in doc.code:
        parts.append(doc.body[pos:start])
        pos = end
    parts.append(doc.body[pos:])
    return "\n".join(parts)


def token_counts(doc: Document) -> dict[str, int]:
    text = outside_code(doc)
    return {t: text.count(t) for t in TOKENS}


def corpus_documents(folder: str, min_docs: int, min_share: float) -> tuple[list[Document], int]:
    """Every document under ``folder`` with its body, as an ingest would store it; and the skip count."""
    found, problems = discover([folder])
    parsed: list[pipeline.ParsedDocument] = []
    skipped = len(problems)
    for f in found:
        try:
            parsed.append(pipeline.read_document(f, MAX_BYTES))
        except SkipFile:
            skipped += 1
    parsed = pipeline.distinct_titles(parsed, min_docs, min_share)
    groups: dict[str, list[pipeline.ParsedDocument]] = defaultdict(list)
    for p in parsed:
        groups[p.doc.group].append(p)
    docs: list[Document] = []
    for members in groups.values():
        boiler = pipeline.folder_boilerplate(members, min_docs, min_share)
        docs.extend(pipeline.with_body(p, boiler)[0] for p in members)
    return docs, skipped


def figures(folder: str, docs: Sequence[Document], skipped: int, seconds: float) -> CorpusFigures:
    titles = Counter(d.title for d in docs)
    tokens: Counter[str] = Counter({t: 0 for t in TOKENS})
    with_tokens = 0
    for d in docs:
        c = token_counts(d)
        tokens.update(c)
        with_tokens += any(c.values())
    return CorpusFigures(
        folder=folder,
        documents=len(docs),
        skipped=skipped,
        shared_titles=sum(1 for d in docs if titles[d.title] > 1),
        tokens=dict(tokens),
        docs_with_tokens=with_tokens,
        links=sum(len(d.links) for d in docs),
        docs_with_links=sum(1 for d in docs if d.links),
        aliases=sum(len(d.aliases) for d in docs),
        seconds=seconds,
    )


def show(docs: Sequence[Document], limit: int) -> None:
    titles = Counter(d.title for d in docs)
    for title, n in titles.most_common():
        if n < 2 or limit <= 0:
            break
        print(f"    shared title ×{n}: {title[:80]!r}")
        limit -= 1
    shown = 0
    for d in docs:
        text = outside_code(d)
        for t in TOKENS:
            i = text.find(t)
            if i >= 0 and shown < limit:
                print(f"    {t!r} in {Path(d.path).name}: {text[max(0, i - 30) : i + 30]!r}")
                shown += 1


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--min-docs", type=int, default=3)
    ap.add_argument("--min-share", type=float, default=0.3)
    ap.add_argument("--show", type=int, default=0, help="print up to N shared titles and token contexts")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    header = f"{'corpus':<40} {'docs':>5} {'shared':>6} " + " ".join(f"{t:>5}" for t in TOKENS)
    print(header + f" {'w/tok':>5} {'links':>5} {'w/lnk':>5} {'alias':>5} {'s':>6}")
    for folder in args.folders:
        t0 = time.perf_counter()
        docs, skipped = corpus_documents(folder, args.min_docs, args.min_share)
        f = figures(folder, docs, skipped, time.perf_counter() - t0)
        name = folder if len(folder) <= 40 else "…" + folder[-39:]
        cells = " ".join(f"{f.tokens[t]:>5}" for t in TOKENS)
        print(
            f"{name:<40} {f.documents:>5} {f.shared_titles:>6} {cells} {f.docs_with_tokens:>5}"
            f" {f.links:>5} {f.docs_with_links:>5} {f.aliases:>5} {f.seconds:>6.2f}"
        )
        if args.show:
            show(docs, args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
