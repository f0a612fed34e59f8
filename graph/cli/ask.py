"""``zhkg ask "QUESTION"``: answer from the workspace with numbered citations (or ``--json``)."""

from __future__ import annotations

import argparse
import json
import sys

from graph import api
from graph.cli.main import CommandError
from graph.query.router import MODES
from graph.settings import Settings

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
        written, total, model = api.refresh_reports(settings)
        print(f"community reports: {written}/{total} written by {model}", file=sys.stderr)
    stream = settings.llm_configured and not args.no_llm and not args.json

    def on_token(piece: str) -> None:
        sys.stdout.write(piece)
        sys.stdout.flush()

    answer = api.ask(
        settings,
        args.question,
        args.mode,
        use_llm=not args.no_llm,
        top_k=args.top_k,
        on_token=on_token if stream else None,
    )
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return 0
    # Streamed text (LLM or its extractive fallback) is already on stdout.
    print() if stream else print(answer.answer)
    from graph.query.answer import LABELS

    label = LABELS.get(answer.label, "")
    notice = f"（語言模型無法使用：{answer.notice}）" if answer.notice else ""
    print(f"\n模式：{answer.mode}{' ' + label if label else ''}{notice}")
    if answer.citations:
        print("引用：")
        for i, c in enumerate(answer.citations, 1):
            text = " ".join(c.text.split())
            print(f"[{i}] {c.where}\n    {text[:300]}{'…' if len(text) > 300 else ''}")
    return 0
