"""Named stage timers that the benchmarks read; free when nobody listens.

The code says where its stages are (``@timed("clean.parse")`` on a function, ``with
stage("store.replace_graph"):`` around a block), instead of a benchmark patching private
names it guesses. Nothing is recorded unless a process calls :func:`listen`; then each stage
accumulates *self* time (a nested stage's time is not its caller's), so the shares add up to
the measured wall time. Timers are per process: stages run in worker processes are seen by
the parent only as the wait it brackets.
"""

from __future__ import annotations

import functools
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class StageClock:
    """Self-time and call count per stage name."""

    def __init__(self) -> None:
        self.self_s: dict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self._stack: list[list[float]] = []

    def enter(self) -> list[float]:
        frame = [time.perf_counter(), 0.0]
        self._stack.append(frame)
        return frame

    def leave(self, name: str, frame: list[float]) -> None:
        self._stack.pop()
        elapsed = time.perf_counter() - frame[0]
        self.self_s[name] += elapsed - frame[1]
        self.calls[name] += 1
        if self._stack:
            self._stack[-1][1] += elapsed


_clock: StageClock | None = None


def listen() -> StageClock:
    """Start recording in this process (a fresh clock); returns it."""
    global _clock
    _clock = StageClock()
    return _clock


def stop() -> None:
    global _clock
    _clock = None


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time the enclosed block as ``name`` when a clock is listening."""
    clock = _clock
    if clock is None:
        yield
        return
    frame = clock.enter()
    try:
        yield
    finally:
        clock.leave(name, frame)


def timed(name: str) -> Callable[[F], F]:
    """Decorator form of :func:`stage` for a function called per document or per chunk."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            clock = _clock
            if clock is None:
                return fn(*args, **kwargs)
            frame = clock.enter()
            try:
                return fn(*args, **kwargs)
            finally:
                clock.leave(name, frame)

        return inner  # type: ignore[return-value]

    return wrap


def timed_steps(name: str, it: Iterator[Any]) -> Iterator[Any]:
    """Time each step of an iterator (with worker processes: the parent's wait for each result)."""
    while True:
        clock = _clock
        frame = clock.enter() if clock is not None else None
        try:
            item = next(it)
        except StopIteration:
            return
        finally:
            if clock is not None and frame is not None:
                clock.leave(name, frame)
        yield item
