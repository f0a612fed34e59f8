"""Every stage the ingest benchmark reports is named by a timer in the code.

``bench/run.py`` fails a run when a stage it expects reported nothing; this test makes the same
check on a tiny ingest, so renaming or dropping a timer breaks CI rather than a benchmark night.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from extract import timing
from graph.build.ingest import ingest_paths
from graph.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_one_process_ingest_reports_every_expected_stage(tmp_path: Path) -> None:
    bench = _bench()
    docs = sorted((ROOT / "examples" / "corpus").rglob("*.md"))[:4]
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws", "workers": 1})
    clock = timing.listen()
    try:
        report = ingest_paths(docs, settings)
    finally:
        timing.stop()
    assert report.ingested == 4
    expected = [*bench.EXPECTED_ALWAYS, *bench.EXPECTED_WHEN_CHANGED, *bench.EXPECTED_IN_PROCESS]
    bench.check_stages(clock, expected)  # raises SystemExit naming any silent stage
    assert all(clock.self_s[name] >= 0.0 for name in expected)
    with pytest.raises(SystemExit, match=r"no\.such\.stage"):
        bench.check_stages(clock, ["no.such.stage"])


def test_timers_cost_nothing_when_nobody_listens() -> None:
    calls: list[int] = []

    @timing.timed("x.y")
    def f(n: int) -> int:
        calls.append(n)
        return n + 1

    assert f(1) == 2 and calls == [1]
    clock = timing.listen()
    with timing.stage("outer"):
        f(2)
    timing.stop()
    assert clock.calls == {"x.y": 1, "outer": 1}
    assert clock.self_s["outer"] >= 0.0 and f(3) == 4 and clock.calls["x.y"] == 1  # stopped: not counted
