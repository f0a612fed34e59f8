"""The wheel works without the checkout: named queries, the app script and an ingest from an installed copy.

The wheel is built from this tree and installed (without dependencies) into a fresh virtualenv
whose only other path is the test environment's site-packages, read as a plain folder so its
editable-install hook stays off. Every command then runs from an empty folder, so the
checkout is not on ``sys.path``: a file the wheel forgot fails here, not on a user's machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    # What a fresh clone holds (tracked and new files, nothing ignored): no stale build/ output.
    tree = root / "tree"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        src = REPO / rel
        if src.is_file():
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, tree / rel)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(root),
            str(tree),
        ],
        check=True,
        cwd=root,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    (wheel,) = root.glob("zhkg-*.whl")
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, cwd=root)
    site = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "zhkg-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return env_dir


def _run(env_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "ZHKG_WORKSPACE"}}
    return subprocess.run(
        [str(env_dir / "bin" / "zhkg"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _python(env_dir: Path, code: str, cwd: Path) -> str:
    """Run ``code`` with the virtualenv's interpreter (from ``cwd``, so the checkout is not on the path)."""
    done = subprocess.run(
        [str(env_dir / "bin" / "python"), "-c", code], cwd=cwd, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.integration
def test_installed_wheel_lists_queries_and_ingests(installed: Path, tmp_path: Path) -> None:
    where = _python(installed, "import graph, queries; print(graph.__file__, queries.__file__)", tmp_path)
    assert str(REPO) not in where and str(installed) in where  # the installed copy, not the checkout

    listed = _run(installed, "cypher", "--list", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    names = {q["name"] for q in json.loads(listed.stdout)}
    assert names == {p.stem for p in (REPO / "queries").glob("*.cypher")}

    docs = sorted((REPO / "examples" / "corpus").rglob("*.md"))[:2]
    ws = tmp_path / "ws"
    ingest = _run(installed, "ingest", *map(str, docs), "-w", str(ws), "--json", cwd=tmp_path)
    assert ingest.returncode == 0, ingest.stderr
    assert json.loads(ingest.stdout)["ingested"] == 2
    stats = _run(installed, "stats", "-w", str(ws), cwd=tmp_path)
    assert stats.returncode == 0 and "documents" in stats.stdout, stats.stderr

    from graph.cli.app import app_script  # the same lookup, from the installed package

    found = _python(installed, "from graph.cli.app import app_script; print(app_script())", tmp_path).strip()
    assert found.startswith(str(installed)) and found.endswith("app.py") and app_script().name == "app.py"
