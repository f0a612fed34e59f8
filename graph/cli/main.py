"""``zhkg`` command line: parses flags, builds settings once, dispatches to a command module.

Each command lives in ``graph/cli/<name>.py`` and exposes ``HELP``,
``add_arguments(parser)`` and ``run(args, settings) -> int``. Results go to
stdout; progress and errors go to stderr as one plain line unless ``--verbose``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from extract.errors import ZhkgError
from graph.settings import load_settings

# Explicit list: a command exists because it is named here.
COMMANDS = ("ingest", "stats", "export", "remove", "curate", "eval", "sync", "cypher", "ask", "app")


class CommandError(ZhkgError, RuntimeError):
    """An expected failure a user can act on; printed as one line, exit code 1."""


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"graph.cli.{name}")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workspace", "-w", default=argparse.SUPPRESS, help="workspace directory (default ./.zhkg)"
    )
    parser.add_argument(
        "--verbose", "-v", action="store_true", default=argparse.SUPPRESS, help="debug logs, tracebacks"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhkg", description="Knowledge graphs from Traditional-Chinese technical writing."
    )
    _common(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            mod = _module(name)
        except ImportError as exc:  # e.g. an optional dependency is missing: say so when used
            p = sub.add_parser(name, help=f"(unavailable: {exc})")
            p.add_argument("rest", nargs=argparse.REMAINDER)
            p.set_defaults(unavailable=f"`zhkg {name}` is unavailable: {exc}")
            continue
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        _common(p)
        mod.add_arguments(p)
    return parser


def settings_from_args(args: argparse.Namespace) -> Any:
    """Flags whose ``dest`` is ``set_<field>`` override the matching setting."""
    overrides: dict[str, Any] = {"workspace": getattr(args, "workspace", None)}
    for key, value in vars(args).items():
        if key.startswith("set_"):
            overrides[key[4:]] = value
    return load_settings(overrides=overrides)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    verbose = bool(getattr(args, "verbose", False))
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        if getattr(args, "unavailable", None):
            raise CommandError(args.unavailable)
        settings = settings_from_args(args)
        return int(_module(args.command).run(args, settings))
    except KeyboardInterrupt:
        print("zhkg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `zhkg stats | head`: the reader has all it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush stays quiet too
        return 0
    except ZhkgError as exc:  # CommandError, SettingsError, StoreError, WorkspaceBusy, Neo4jUnavailable, …
        if verbose:
            raise
        print(f"zhkg: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # the one place a stray error becomes a readable line
        if verbose:
            raise
        name = type(exc).__name__
        print(f"zhkg {args.command}: {name}: {exc} (run with --verbose for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
