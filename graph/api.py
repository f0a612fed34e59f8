"""The workflows the command line and the app both call, so the two behave the same.

An ingest or removal is more than the store update of :mod:`graph.build.ingest`: afterwards
the Neo4j projection is brought up to date (when configured; never failing the ingest) and
the search index is built and cached, so that neither the first question nor the app pays
for it. Asking, report refreshes, syncs and exports open the store the same way for both
front ends. The CLI parses and prints; the app renders; neither decides what happens.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from extract.errors import ZhkgError
from graph.build.ingest import IngestReport, Progress, ingest_paths, remove_paths
from graph.records import Answer
from graph.settings import Settings
from graph.store import Store, open_store

if TYPE_CHECKING:
    from graph.build.curation import CurationOutcome
    from graph.build.curation import Step as CurationStep
    from graph.eval.extraction import CorpusScore, EvalReport
    from graph.neo4j.guard import QueryResult
    from graph.neo4j.queries import NamedQuery
    from graph.neo4j.sync import SyncReport

log = logging.getLogger(__name__)


SAMPLE_NAME = "sample (ours)"  # the sample corpus's row beside the real corpora in evaluations


class NothingToRemove(ZhkgError):
    """``remove`` was given paths that match no stored document."""


class BadIngestTarget(ZhkgError):
    """An ingest option that cannot work as given (an unknown engine, Neo4j not configured, a URL
    for the local engine)."""


@dataclass(frozen=True, slots=True)
class IndexStatus:
    seconds: float
    on_disk: bool  # False: built in memory only, the cache file could not be written
    how: str = ""  # "patched" (from the previous generation's file), "built" or "cached"


def prepare_index(settings: Settings, *, full: bool = False) -> IndexStatus:
    """Build the retrieval index and its on-disk cache now: patched from the previous one after a
    small change (seconds), built from the database after a big one or when ``full`` (minutes at
    100k documents)."""
    from graph.query.index import cache_path, get_index

    t = time.perf_counter()
    with open_store(settings.workspace, readonly=True) as store:
        idx = get_index(store, delta_share=settings.index_delta_share, full=full)
        on_disk = cache_path(store).is_file()
    return IndexStatus(time.perf_counter() - t, on_disk, idx.how)


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


def _after(
    report: IngestReport, settings: Settings, index: bool, reindex: bool = False, reclustered: bool = False
) -> IngestReport:
    if report.ingested or report.removed or reclustered:
        report.neo4j = sync_after_change(settings)
    if index and (report.ingested or report.removed or reindex):
        status = prepare_index(settings, full=reindex)
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
    engine: str = "local",
    master: str | None = None,
    partitions: int | None = None,
    to: str = "workspace",
    reindex: bool = False,
    recluster: bool = False,
) -> IngestReport:
    """Bring the workspace up to date with ``paths``, then Neo4j and the search index.

    ``allowed_root``: nothing outside it is read, symlinks included (the app passes its ingest root).
    ``rehash``: read every file again instead of trusting an unchanged ``stat``.
    ``engine``: ``local`` (forked processes here) or ``spark`` (the same per-document steps on
    Spark executors, ``master``/``partitions``; :mod:`graph.build.spark`); the workspace ends the
    same either way. ``to="neo4j"``: Neo4j must take the result, so a failed sync fails the ingest
    instead of being reported and left for later. ``reindex``: build the search index from the
    database even if only a little changed (otherwise it is patched from the previous one).
    ``recluster``: recompute the communities from scratch afterwards (an ingest only updates them).
    """
    from graph.build.spark import is_url

    if to not in ("workspace", "neo4j"):
        raise BadIngestTarget(f"unknown ingest target {to!r} (workspace or neo4j)")
    if to == "neo4j" and not settings.neo4j_configured:
        raise BadIngestTarget("--to neo4j needs a Neo4j server: set ZHKG_NEO4J_URI (and the password)")
    if engine == "spark":
        from graph.build.spark import SparkOptions, ingest_spark

        opts = SparkOptions(master=master, partitions=partitions)
        report = ingest_spark(
            paths, settings, opts, progress, wait_s=wait_s, allowed_root=allowed_root, rehash=rehash, to=to
        )
    elif engine == "local":
        urls = [str(p) for p in paths if is_url(p)]
        if urls:
            raise BadIngestTarget(f"{urls[0]}: URLs are read by the Spark engine; add --engine spark")
        report = ingest_paths(
            paths, settings, progress, wait_s=wait_s, allowed_root=allowed_root, rehash=rehash
        )
    else:
        raise BadIngestTarget(f"unknown engine {engine!r} (local or spark)")
    if recluster:
        recluster_communities(settings, wait_s=wait_s)
    if to == "neo4j":
        # The Spark engine wrote it from its executors already (graph.neo4j.executor_write); a
        # recluster after that is synced from here (only the communities differ).
        synced = (not recluster and report.neo4j) or (
            f"synced to Neo4j ({sync_neo4j(settings, progress=progress is None)})"
        )
        # synced: only the index is left
        report = _after(report, settings.replace(neo4j_uri=""), index, reindex)
        report.neo4j = synced
        return report
    return _after(report, settings, index, reindex, recluster)


def recluster_communities(settings: Settings, *, wait_s: float = 0.0) -> int:
    """Recompute the communities from scratch (``zhkg ingest --recluster``): every ingest only
    updates them from the previous partition. Returns how many there are; LLM reports of
    communities whose content did not change are kept (they are cached by content hash)."""
    from graph.build.communities import refresh
    from graph.store.lock import WorkspaceLock

    with (
        WorkspaceLock(settings.workspace, wait_s),
        open_store(settings.workspace) as store,
        store.transaction(),
    ):
        return len(refresh(store, settings, full=True))


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


def sync_neo4j(settings: Settings, *, progress: bool = True, full: bool = False) -> SyncReport:
    """Bring Neo4j up to date with the workspace now (the explicit ``zhkg sync neo4j``; ``--full``
    compares everything rather than what the change log lists since the last sync)."""
    from graph.neo4j.sync import sync_workspace

    with open_store(settings.workspace, readonly=True) as store:
        return sync_workspace(store, settings, progress=progress, full=full)


def stats(settings: Settings) -> dict[str, Any]:
    """What the workspace holds: counts by table, type and level."""
    with open_store(settings.workspace, readonly=True) as store:
        return store.stats()


def evaluate(settings: Settings, gold_dir: Path, split: str) -> EvalReport:
    """Extraction in the workspace against gold annotations (:mod:`graph.eval.extraction`)."""
    from graph.eval.extraction import run_eval

    with open_store(settings.workspace, readonly=True) as store:
        return run_eval(store, gold_dir, split)


def evaluate_qa(
    settings: Settings, gold_dir: Path, split: str, *, details: bool = False, llm: bool = False
) -> dict[str, Any]:
    """Answers in the workspace against gold questions (:mod:`graph.eval.qa`); ``llm``: also by the LLM."""
    from graph.eval.qa import qa_report

    with open_store(settings.workspace, readonly=True) as store:
        return qa_report(store, settings, gold_dir, split, details=details, llm=llm)


def evaluate_qa_real(
    settings: Settings,
    gold_root: Path,
    corpora_dir: Path,
    split: str,
    *,
    details: bool = False,
    llm: bool = False,
    sample: bool = True,
) -> dict[str, dict[str, Any]]:
    """QA on each real corpus with a ``qa.yaml`` (ingested with the current code into a fresh temporary
    workspace), all real corpora together, and the sample corpus last: {name: summary}."""

    from graph.eval.extraction import real_gold_dirs
    from graph.eval.qa import details_of, qa_outcomes, summarise

    corpora = real_gold_dirs(gold_root, corpora_dir, "qa.yaml")
    if sample:
        corpora += _sample_corpus("qa.yaml")
    out: dict[str, dict[str, Any]] = {}
    real: list[Any] = []
    for name, gold_dir, corpus in corpora:
        with _fresh_ingest(settings, name, corpus) as (store, ws):
            outcomes = qa_outcomes(store, ws, gold_dir, split, llm=llm)
        if name != SAMPLE_NAME:
            real.extend(outcomes)
        out[name] = summarise(outcomes, split)
        if details:
            out[name]["questions"] = details_of(outcomes)
    if real and sum(1 for name, _, _ in corpora if name != SAMPLE_NAME) > 1:
        out["all real corpora"] = summarise(real, split)
    return out


def evaluate_real(
    settings: Settings, gold_root: Path, corpora_dir: Path, splits: Sequence[str]
) -> list[CorpusScore]:
    """Each annotated real corpus (and the sample corpus, last) ingested with the current code into a
    fresh temporary workspace and scored, split by split."""

    from graph.eval.extraction import real_gold_dirs, score_corpus

    corpora = real_gold_dirs(gold_root, corpora_dir) + _sample_corpus("entities.yaml")
    scores: list[CorpusScore] = []
    for name, gold_dir, corpus in corpora:
        with _fresh_ingest(settings, name, corpus) as (store, _):
            scores.extend(score_corpus(store, name, gold_dir, splits))
    return scores


def _sample_corpus(marker: str) -> list[tuple[str, Path, Path]]:
    """The sample corpus and its gold, scored last beside the real corpora for comparison (when the
    checkout has them and its gold has a ``marker`` file)."""
    gold, corpus = Path("examples/dev"), Path("examples/corpus")
    return [(SAMPLE_NAME, gold, corpus)] if (gold / marker).is_file() and corpus.is_dir() else []


@contextlib.contextmanager
def _fresh_ingest(settings: Settings, name: str, corpus: Path) -> Iterator[tuple[Store, Settings]]:
    """``corpus`` ingested with the current code into a temporary workspace (no Neo4j), opened
    read-only; the workspace is deleted afterwards."""
    import tempfile

    from graph.eval.extraction import GoldError

    with tempfile.TemporaryDirectory(prefix="zhkg-eval-") as tmp:
        ws = settings.replace(workspace=Path(tmp), neo4j_uri="")
        report = ingest_paths([corpus], ws, progress=lambda *_: None)
        if report.failed:
            raise GoldError(f"{name}: {len(report.failed)} files failed to ingest")
        with open_store(ws.workspace, readonly=True) as store:
            yield store, ws


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


def curate(
    settings: Settings,
    action: str,
    entity_id: str,
    value: str = "",
    *,
    wait_s: float = 0.0,
    index: bool = True,
) -> CurationOutcome:
    """One curation action (:mod:`graph.build.curation`) applied at once, then Neo4j and the index,
    as after an ingest: ignore (不是實體), retype, merge (``value``: the entity merged into), split
    (``value``: the alias) or rename (``value``: the new name)."""
    from graph.build.curation import perform

    return _after_curation(perform(settings, action, entity_id, value, wait_s=wait_s), settings, index)


def undo_curation(
    settings: Settings, step_id: int, *, wait_s: float = 0.0, index: bool = True
) -> CurationOutcome:
    """Undo one step of the curation history and restore the workspace without it."""
    from graph.build.curation import undo

    return _after_curation(undo(settings, step_id, wait_s=wait_s), settings, index)


def curation_history(settings: Settings) -> list[CurationStep]:
    """The workspace's curation steps, oldest first (undone ones included, marked)."""
    from graph.build.curation import history

    return history(settings)


def _after_curation(outcome: CurationOutcome, settings: Settings, index: bool) -> CurationOutcome:
    import dataclasses

    neo4j = sync_after_change(settings)
    index_s = prepare_index(settings).seconds if index else None
    return dataclasses.replace(outcome, neo4j=neo4j, index_s=index_s)


def find_entity(settings: Settings, name: str) -> str | None:
    """The id of the entity ``name`` (any of its spellings) resolves to, if any."""
    from extract.normalize import match_key

    key = match_key(name)
    with open_store(settings.workspace, readonly=True) as store:
        found = store.entity_for_key(key)
        if found is None:  # a name no document spells as such (a renamed entity's new name)
            found = next(
                (e.id for e in store.entities() if key in {match_key(s) for s in (e.name, *e.aliases)}), None
            )
        return found
