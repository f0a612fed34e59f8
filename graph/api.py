"""The workflows the command line and the app both call, so the two behave the same.

An ingest or removal is more than the store update of :mod:`graph.build.ingest`: afterwards
the Neo4j projection is brought up to date (when configured; never failing the ingest) and
the search index is built and cached, so that neither the first question nor the app pays
for it. Asking, report refreshes, syncs and exports open the store the same way for both
front ends. The CLI parses and prints; the app renders; neither decides what happens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from extract.errors import ZhkgError
from graph.build.ingest import IngestReport, Progress, ingest_paths, remove_paths
from graph.records import Answer
from graph.settings import Settings
from graph.store import open_store

if TYPE_CHECKING:
    from graph.eval.extraction import CorpusScore, EvalReport
    from graph.neo4j.guard import QueryResult
    from graph.neo4j.queries import NamedQuery
    from graph.neo4j.sync import SyncReport

log = logging.getLogger(__name__)


class NothingToRemove(ZhkgError):
    """``remove`` was given paths that match no stored document."""


@dataclass(frozen=True, slots=True)
class IndexStatus:
    seconds: float
    on_disk: bool  # False: built in memory only, the cache file could not be written


def prepare_index(settings: Settings) -> IndexStatus:
    """Build the retrieval index and its on-disk cache now (minutes at 100k documents)."""
    from graph.query.index import cache_path, get_index

    t = time.perf_counter()
    with open_store(settings.workspace, readonly=True) as store:
        get_index(store)
        on_disk = cache_path(store).is_file()
    return IndexStatus(time.perf_counter() - t, on_disk)


def sync_after_change(settings: Settings) -> str:
    """Mirror the workspace into Neo4j when configured; a server that is down never fails the ingest."""
    if not settings.neo4j_configured:
        return ""
    from graph.neo4j.client import Neo4jUnavailable
    from graph.neo4j.sync import sync_workspace

    try:
        with open_store(settings.workspace, readonly=True) as store:
            result = sync_workspace(store, settings, progress=False)
        return f"synced to Neo4j ({result})"
    except Neo4jUnavailable as exc:
        return f"Neo4j sync skipped: {exc} (the workspace is up to date; run `zhkg sync neo4j` later)"


def _after(report: IngestReport, settings: Settings, index: bool) -> IngestReport:
    if report.ingested or report.removed:
        report.neo4j = sync_after_change(settings)
        if index:
            status = prepare_index(settings)
            report.index_s, report.index_on_disk = status.seconds, status.on_disk
    return report


def ingest(
    paths: Sequence[str | Path],
    settings: Settings,
    progress: Progress | None = None,
    *,
    wait_s: float = 0.0,
    index: bool = True,
    allowed_root: Path | None = None,
    rehash: bool = False,
) -> IngestReport:
    """Bring the workspace up to date with ``paths``, then Neo4j and the search index.

    ``allowed_root``: nothing outside it is read, symlinks included (the app passes its ingest root).
    ``rehash``: read every file again instead of trusting an unchanged ``stat``.
    """
    report = ingest_paths(paths, settings, progress, wait_s=wait_s, allowed_root=allowed_root, rehash=rehash)
    return _after(report, settings, index)


def remove(
    paths: Sequence[str | Path],
    settings: Settings,
    progress: Progress | None = None,
    *,
    wait_s: float = 0.0,
    index: bool = True,
) -> IngestReport:
    """Forget the documents under ``paths`` and whatever only they supported; then Neo4j and the index."""
    report = remove_paths(paths, settings, progress, wait_s=wait_s)
    if not report.removed:
        raise NothingToRemove("no document in the workspace matches " + ", ".join(map(str, paths)))
    return _after(report, settings, index)


def ask(
    settings: Settings,
    question: str,
    mode: str = "auto",
    *,
    use_llm: bool = True,
    top_k: int = 5,
    on_token: Callable[[str], None] | None = None,
) -> Answer:
    """Answer ``question`` from the workspace, with the configured LLM unless ``use_llm`` is False."""
    from graph.query.answer import ask as answer

    with open_store(settings.workspace, readonly=True) as store:
        return answer(store, settings, question, mode, on_token=on_token, top_k=top_k, use_llm=use_llm)


def refresh_reports(settings: Settings) -> tuple[int, int, str]:
    """Rewrite the community reports with the configured LLM: (written by the LLM, communities, model)."""
    from graph.build.communities import refresh
    from graph.llm.client import LLMClient, LLMError
    from graph.store.lock import WorkspaceLock

    llm = LLMClient.from_settings(settings)
    if llm is None:
        raise LLMError("refreshing reports needs an LLM: set ZHKG_LLM_BASE_URL and ZHKG_LLM_MODEL")
    with WorkspaceLock(settings.workspace), open_store(settings.workspace) as store, store.transaction():
        communities = refresh(store, settings, llm)
    written = sum(1 for c in communities if c.report.get("writer") == "llm")
    return written, len(communities), llm.model


def export(settings: Settings, fmt: str) -> dict[str, str]:
    """The workspace as ``{file name: text}``: one JSON or GraphML file, or one CSV file per table."""
    from graph.store.export import csv_tables, to_graphml, to_json

    with open_store(settings.workspace, readonly=True) as store:
        if fmt == "csv":
            return csv_tables(store)
        if fmt == "json":
            return {"graph.json": to_json(store)}
        return {"graph.graphml": to_graphml(store)}


def sync_neo4j(settings: Settings, *, progress: bool = True) -> SyncReport:
    """Bring Neo4j up to date with the workspace now (the explicit ``zhkg sync neo4j``)."""
    from graph.neo4j.sync import sync_workspace

    with open_store(settings.workspace, readonly=True) as store:
        return sync_workspace(store, settings, progress=progress)


def stats(settings: Settings) -> dict[str, Any]:
    """What the workspace holds: counts by table, type and level."""
    with open_store(settings.workspace, readonly=True) as store:
        return store.stats()


def evaluate(settings: Settings, gold_dir: Path, split: str) -> EvalReport:
    """Extraction in the workspace against gold annotations (:mod:`graph.eval.extraction`)."""
    from graph.eval.extraction import run_eval

    with open_store(settings.workspace, readonly=True) as store:
        return run_eval(store, gold_dir, split)


def evaluate_qa(settings: Settings, gold_dir: Path, split: str, *, details: bool = False) -> dict[str, Any]:
    """Answers in the workspace against gold questions (:mod:`graph.eval.qa`)."""
    from graph.eval.qa import qa_report

    with open_store(settings.workspace, readonly=True) as store:
        return qa_report(store, settings, gold_dir, split, details=details)


def evaluate_real(
    settings: Settings, gold_root: Path, corpora_dir: Path, splits: Sequence[str]
) -> list[CorpusScore]:
    """Each annotated real corpus (and the sample corpus, last) ingested with the current code into a
    fresh temporary workspace and scored, split by split."""
    import tempfile

    from graph.eval.extraction import GoldError, real_gold_dirs, score_corpus

    corpora = real_gold_dirs(gold_root, corpora_dir)
    sample_gold, sample_corpus = Path("examples/dev"), Path("examples/corpus")
    if (sample_gold / "entities.yaml").is_file() and sample_corpus.is_dir():
        corpora.append(("sample (ours)", sample_gold, sample_corpus))  # for comparison, last
    scores: list[CorpusScore] = []
    for name, gold_dir, corpus in corpora:
        with tempfile.TemporaryDirectory(prefix="zhkg-eval-") as tmp:
            ws = settings.replace(workspace=Path(tmp), neo4j_uri="")
            report = ingest_paths([corpus], ws, progress=lambda *_: None)
            if report.failed:
                raise GoldError(f"{name}: {len(report.failed)} files failed to ingest")
            with open_store(ws.workspace, readonly=True) as store:
                scores.extend(score_corpus(store, name, gold_dir, splits))
    return scores


def named_queries() -> dict[str, NamedQuery]:
    """The named Cypher queries shipped in ``queries/``, by name."""
    from graph.neo4j.queries import named_queries as load

    return load()


def cypher(settings: Settings, text: str, params: Mapping[str, Any] | None = None) -> QueryResult:
    """Ad-hoc Cypher through the read-only, bounded guard (:mod:`graph.neo4j.guard`)."""
    from graph.neo4j.guard import run_readonly

    return run_readonly(settings, text, dict(params or {}))


def run_query(settings: Settings, name: str, values: Mapping[str, Any]) -> QueryResult:
    """A named query with its parameters checked and bound (:mod:`graph.neo4j.queries`)."""
    from graph.neo4j.queries import run_named

    return run_named(settings, name, dict(values))
