"""The executor writer's bookkeeping, without a JVM or a server: waves of batches become Spark
jobs in order, dependent batches (relationships) only after the batches of their wave that they
hang on, tallies booked once per committed batch, and a failed partition fails the pass with one
line after booking what did commit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

import graph.neo4j.executor_write as ew
from graph.neo4j.client import Neo4jUnavailable
from graph.settings import load_settings


class FakeRDD:
    def __init__(self, sc: FakeContext, items: list[Any], slices: int) -> None:
        self.sc, self.items, self.slices = sc, items, slices

    def mapPartitions(self, fn: Callable[[Iterable[Any]], Iterable[Any]]) -> FakeRDD:
        parts = [self.items[i :: self.slices] for i in range(self.slices)]
        out = [r for part in parts for r in fn(iter(part))]
        return FakeRDD(self.sc, out, 1)

    def collect(self) -> list[Any]:
        return self.items


class FakeContext:
    defaultParallelism = 2

    def __init__(self) -> None:
        self.jobs: list[list[str]] = []  # per job: the first query of each batch

    def parallelize(self, items: list[Any], slices: int) -> FakeRDD:
        self.jobs.append([q[0] for _, q, _ in items])
        return FakeRDD(self, items, slices)


class FakeSpark:
    def __init__(self) -> None:
        self.sparkContext = FakeContext()


class Bar:
    def __init__(self) -> None:
        self.n = 0

    def update(self, n: int) -> None:
        self.n += n


def _committed(fail_on: str = "") -> Callable[..., list[tuple[int, str, Any, Any]]]:
    def write(settings: Any, items: Iterable[tuple[int, tuple[str, ...], list[Any]]]) -> list[Any]:
        out: list[Any] = []
        for index, queries, rows in items:
            if queries[0] == fail_on:
                out.append((index, "error", "ServiceUnavailable: connection lost", None))
                break
            stats = dict.fromkeys(ew.COUNTERS, 0) | {"nodes_created": len(rows)}
            out.append((index, "ok", stats, [{"t": queries[0], "n": len(rows)}]))
        return out

    return write


def _writer(monkeypatch: pytest.MonkeyPatch, fail_on: str = "") -> tuple[ew.SparkWriter, FakeContext]:
    monkeypatch.setattr(ew, "write_partition", _committed(fail_on))
    spark = FakeSpark()
    settings = load_settings(env={}, overrides={"neo4j_uri": "bolt://db:7687", "neo4j_password": "s3cret-pw"})
    return ew.SparkWriter(None, spark, settings, partitions=2, wave=3), spark.sparkContext  # type: ignore[arg-type]


def test_waves_run_in_order_nodes_before_relationships(monkeypatch: pytest.MonkeyPatch) -> None:
    writer, sc = _writer(monkeypatch)
    bar, booked = Bar(), []

    def tally(c: Any, records: list[Any], rows: list[Any]) -> None:
        booked.append((records[0]["t"], c.nodes_created, len(rows)))

    try:
        writer.write_batch(["rel-1"], [1, 2], tally, 2, bar, True)
        writer.write_batch(["node-1"], [1, 2, 3], tally, 3, bar, False)
        writer.write_batch(["node-2"], [1], tally, 1, bar, False)  # the wave is full
        writer.write_batch(["node-3"], [1], tally, 1, bar, False)
        assert writer.run(lambda session: "state written") == "state written"  # after all before it
        writer.drain()
    finally:
        writer.close()
    assert sc.jobs == [["node-1", "node-2"], ["rel-1"], ["node-3"]]
    assert sorted(booked) == [("node-1", 3, 3), ("node-2", 1, 1), ("node-3", 1, 1), ("rel-1", 2, 2)]
    assert bar.n == 7 and writer.jobs == 3


def test_a_failed_partition_fails_the_pass_in_one_line_after_booking_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    writer, _ = _writer(monkeypatch, fail_on="node-2")
    booked: list[str] = []

    def tally(c: Any, records: list[Any], rows: list[Any]) -> None:
        booked.append(records[0]["t"])

    try:
        writer.write_batch(["node-1"], [1], tally, 1, Bar(), False)
        writer.write_batch(["node-2"], [1], tally, 1, Bar(), False)
        with pytest.raises(Neo4jUnavailable) as err:
            writer.drain()
    finally:
        writer.close()
    assert booked == ["node-1"]
    text = str(err.value)
    assert "\n" not in text and "ServiceUnavailable" in text and "s3cret-pw" not in text
