"""An exclusive lock on a workspace, so two writers never interleave."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from extract.errors import ZhkgError


class WorkspaceBusy(ZhkgError, RuntimeError):
    """Another process holds the workspace's write lock."""


class WorkspaceLock:
    """``flock`` on ``<workspace>/write.lock``; released by the kernel if the holder dies."""

    def __init__(self, workspace: Path, wait_s: float = 0.0) -> None:
        self.path = workspace / "write.lock"
        self.wait_s = wait_s
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                    os.close(fd)
                    raise WorkspaceBusy(
                        f"workspace {self.path.parent} is being written by another zhkg process "
                        f"(pid {holder}); wait for it or pass --wait SECONDS"
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WorkspaceLock:
        self.acquire()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
