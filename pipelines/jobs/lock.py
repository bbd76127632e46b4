"""One sync job at a time: an exclusive ``flock`` on ``$SFSYNC_HOME/sync.lock``.

The kernel releases a ``flock`` when the last descriptor of the open file goes away, whatever
the way the process ends (exit, exception, ``kill -9``, power loss), so a crashed job can never
leave the lock behind, and nothing has to guess whether a recorded pid is still alive or has been
reused. The file's content (holder pid, host, job id, since) is only there to say who holds it.

The lock belongs to the open file, not to the process, which is what lets a background start be
race-free: the starter takes the lock, records the job, and hands the descriptor to the job
process it spawns (``pass_fds``); there is no moment where the lock is free and a second start
could slip in::

    with JobLock.acquire(home) as lock:      # raises LockHeld while another job runs
        lock.describe(job_id=12)
        ...                                  # the job

``flock`` is POSIX (Linux, macOS). On a network file system shared by several hosts it is only
as good as the file system's lock support; keep ``SFSYNC_HOME`` on a local disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

LOCK_FILE = "sync.lock"
# A start waits this long for the lock before refusing: long enough to ride out a reader's
# momentary shared lock (see :func:`lock_is_free`), far shorter than any real job.
_ACQUIRE_WAIT_S = 1.0


@dataclass(frozen=True)
class LockHolder:
    """What the lock file says about the process holding it (best effort)."""

    pid: int | None
    host: str | None
    job_id: int | None
    since: str | None


class LockHeld(RuntimeError):
    """The job lock is held by another process."""

    def __init__(self, holder: LockHolder) -> None:
        self.holder = holder
        super().__init__(f"the sync job lock is held by process {holder.pid} on {holder.host}")


class JobLock:
    """The held job lock. Release it with :meth:`release` or by leaving the ``with`` block."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd

    @classmethod
    def acquire(cls, home: Path, *, wait_s: float = _ACQUIRE_WAIT_S) -> JobLock:
        """Take the lock, or raise :class:`LockHeld` if another process keeps it for ``wait_s``."""
        path = lock_path(home)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockHeld(read_holder(home)) from None
                time.sleep(0.05)
        lock = cls(path, fd)
        lock.describe()
        return lock

    @classmethod
    def adopt(cls, home: Path, fd: int) -> JobLock:
        """The lock held through ``fd``, a descriptor inherited from the process that took it.

        Raises :class:`LockHeld` if ``fd`` does not hold it (``flock`` on a descriptor whose open
        file already holds the lock succeeds at once; anything else means someone else has it).
        """
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(read_holder(home)) from None
        except OSError as exc:
            raise ValueError(f"--lock-fd {fd} is not an open lock file descriptor: {exc}") from exc
        return cls(lock_path(home), fd)

    def describe(self, job_id: int | None = None) -> None:
        """Write who holds the lock into the lock file (this process, now, ``job_id``)."""
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "job_id": job_id,
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        data = json.dumps(holder).encode()
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0)

    def hand_over(self) -> None:
        """Close this process's descriptor, leaving the lock to the process it was passed to."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def release(self) -> None:
        if self.fd < 0:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self.fd, 0)
        os.close(self.fd)  # closing the last descriptor releases the flock
        self.fd = -1

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def lock_path(home: Path) -> Path:
    return home / LOCK_FILE


@contextlib.contextmanager
def no_job_running(home: Path) -> Iterator[bool]:
    """Yield ``True`` if no process holds the job lock, and keep it that way inside the block.

    A shared lock is held for the duration of the block, so a job cannot start in between
    (a start waits up to a second for it); use it for short checks such as marking the rows of
    dead jobs Failed from a reader.
    """
    path = lock_path(home)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
        else:
            yield True
    finally:
        os.close(fd)


def read_holder(home: Path) -> LockHolder:
    try:
        data: Any = json.loads(lock_path(home).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    return LockHolder(
        pid=data.get("pid"),
        host=data.get("host"),
        job_id=data.get("job_id"),
        since=data.get("since"),
    )
