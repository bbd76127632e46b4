"""One push at a time: an exclusive ``flock`` on ``$SFSYNC_HOME/writeback.lock``.

Every push takes it, whoever calls :func:`~pipelines.writeback.push.push`: the push step of a
sync job and ``sfsync push`` (which also holds the job lock, being a job of its own, see
:mod:`pipelines.jobs.push_job`), and a library caller that holds neither. The kernel drops the lock
with the process however it ends, so a push killed halfway never leaves it behind; holding it
also proves that every push still marked ``Running`` in the outbox is dead.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

LOCK_FILE = "writeback.lock"


class PushAlreadyRunning(RuntimeError):
    def __init__(self, holder: str) -> None:
        who = f" (process {holder})" if holder else ""
        super().__init__(f"another push is running{who}; wait for it to finish")


@contextlib.contextmanager
def push_lock(home: Path, *, wait_s: float = 1.0) -> Iterator[None]:
    """Hold the push lock for the ``with`` block, or raise :class:`PushAlreadyRunning`."""
    path = home / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PushAlreadyRunning(_holder(path)) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
