"""``zhkg ask "QUESTION"``: answer from the workspace with numbered citations (or ``--json``)."""

from __future__ import annotations

import argparse
import json
import sys

from graph.answer import QuestionError, ask
from graph.cli import CommandError
from graph.llm import LLMClient, LLMError
from graph.search.router import MODES
from graph.settings import Settings
from graph.store import StoreError, open_store

HELP = "answer a question from the workspace (GraphRAG: local, global, hybrid or auto mode)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", help="the question, in Traditional or Simplified Chinese or English")
    parser.add_argument(
        "--mode", choices=MODES, default="auto", help="retrieval mode (default: auto, routed)"
    )
    parser.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    parser.add_argument("--top-k", type=int, default=5, help="number of cited chunks (default 5)")
    parser.add_argument(
        "--no-llm", action="store_true", help="answer extractively even when an LLM endpoint is configured"
    )
    parser.add_argument(
        "--refresh-reports",
        action="store_true",
        help="first rewrite community reports with the configured LLM (unchanged communities are cached)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.top_k < 1 or args.top_k > 50:
        raise CommandError("--top-k must be between 1 and 50")
    if args.refresh_reports:
        _refresh_reports(settings)
    try:
        store = open_store(settings.workspace, readonly=True)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    llm = None
    if settings.llm_configured and not args.no_llm:
        llm = LLMClient.from_settings(settings)
    stream = llm is not None and not args.json

    def on_token(piece: str) -> None:
        sys.stdout.write(piece)
        sys.stdout.flush()

    try:
        with store:
            answer = ask(
                store,
                settings,
                args.question,
                args.mode,
                on_token=on_token if stream else None,
                llm=llm,
                top_k=args.top_k,
                use_llm=llm is not None,
            )
    except QuestionError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return 0
    # Streamed text (LLM or its extractive fallback) is already on stdout.
    print() if stream else print(answer.answer)
    print(f"\n模式：{answer.mode}")
    if answer.citations:
        print("引用：")
        for i, c in enumerate(answer.citations, 1):
            text = " ".join(c.text.split())
            print(f"[{i}] {c.path}\n    {text[:300]}{'…' if len(text) > 300 else ''}")
    return 0


def _refresh_reports(settings: Settings) -> None:
    from graph.communities import refresh
    from graph.lock import WorkspaceBusy, WorkspaceLock

    llm = LLMClient.from_settings(settings)
    if llm is None:
        raise CommandError("--refresh-reports needs an LLM: set ZHKG_LLM_BASE_URL and ZHKG_LLM_MODEL")
    try:
        store = open_store(settings.workspace)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    try:
        with WorkspaceLock(settings.workspace), store, store.transaction():
            communities = refresh(store, settings, llm)
    except WorkspaceBusy as exc:
        raise CommandError(str(exc)) from None
    except LLMError as exc:
        raise CommandError(str(exc)) from None
    llm_written = sum(1 for c in communities if c.report.get("writer") == "llm")
    print(f"community reports: {llm_written}/{len(communities)} written by {llm.model}", file=sys.stderr)
