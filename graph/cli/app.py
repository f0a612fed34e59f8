"""``zhkg app``: start the Streamlit explorer on this workspace.

Binds 127.0.0.1 unless ``--host`` says otherwise, and refuses a non-loopback
host unless ``ZHKG_APP_PASSWORD`` is set, so a graph built from private notes
is never served to the network by accident.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

from graph.cli.main import CommandError
from graph.settings import Settings, is_loopback

HELP = "open the Streamlit explorer (graph, entities, communities, Q&A, Cypher, ingest)"

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        dest="set_app_host",
        metavar="HOST",
        default=None,
        help="address to bind (default 127.0.0.1)",
    )
    parser.add_argument(
        "--port", dest="set_app_port", metavar="PORT", type=int, default=None, help="port (default 8501)"
    )


def app_script() -> Path:
    """``app.py``: installed as a top-level module beside the ``ui`` package (the checkout's, editable).

    Found through ``ui`` rather than by the name ``app``, which other folders on ``sys.path`` may own.
    """
    import importlib.util

    spec = importlib.util.find_spec("ui")
    script = Path(spec.origin).parents[1] / "app.py" if spec and spec.origin else None
    if script is None or not script.is_file():
        raise CommandError("cannot find app.py; reinstall zhkg (pip install -e .)")
    return script


def command_line(settings: Settings) -> list[str]:
    """The ``streamlit run`` invocation for these settings."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_script()),
        "--server.address",
        settings.app_host,
        "--server.port",
        str(settings.app_port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.maxUploadSize",
        str(max(1, math.ceil(settings.upload_max_mb))),
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "minimal",
        "--",
        "--workspace",
        str(settings.workspace),
    ]


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not is_loopback(settings.app_host) and not settings.app_password:
        raise CommandError(
            f"refusing to serve on {settings.app_host} without a password: set ZHKG_APP_PASSWORD "
            "or keep the default --host 127.0.0.1"
        )
    if not 0 < settings.app_port < 65536:
        raise CommandError(f"--port {settings.app_port} is not a valid TCP port")
    cmd = command_line(settings)
    print(
        f"zhkg app: http://{settings.app_host}:{settings.app_port}  (workspace {settings.workspace})",
        file=sys.stderr,
    )
    env = dict(os.environ)
    env["ZHKG_WORKSPACE"] = str(settings.workspace)
    proc = subprocess.Popen(cmd, env=env)
    # `kill <pid of zhkg app>` must not orphan the server: pass SIGTERM on to it.
    signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return 130
