"""One run at a time per published folder and dataset: a lock file with a heartbeat.

``DIR/.locks/<dataset>.lock`` holds who runs (pid, host, run id, since); a thread touches
it every ``TERBUKA_LOCK_HEARTBEAT`` seconds (default 10), because national runs last
hours and a lock must not look abandoned while its run works. A lock is stale when its
process is gone (same host), or when its heartbeat stopped for ``TERBUKA_LOCK_STALE``
seconds (default 120; the only test possible for another host's lock on shared
storage). A stale lock is broken, and the run that broke it notes that in its record.

Checking and taking the lock happen under ``fcntl.flock`` of ``<dataset>.guard``, so two
runs that find the same stale lock cannot both take it over.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOCKS = ".locks"
HEARTBEAT_ENV = "TERBUKA_LOCK_HEARTBEAT"
STALE_ENV = "TERBUKA_LOCK_STALE"


class LockHeld(Exception):
    """Another live run holds the lock; the message names it in one line."""

    def __init__(self, path: Path, holder: dict[str, Any]):
        self.holder = holder
        super().__init__(
            f"{path.parent.parent}: {path.stem} is being published by another run "
            f"(pid {holder.get('pid')} on {holder.get('host')}, run {holder.get('run_id')}, "
            f"since {holder.get('since')}); wait for it, or use --wait"
        )


def _seconds(name: str, default: float) -> float:
    try:
        return max(0.05, float(os.environ.get(name, default)))
    except ValueError:
        return default


def _pid_alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, TypeError, OverflowError):
        return True  # someone else's process, or not a pid we can judge: assume alive
    return True


def stale_reason(holder: dict[str, Any], heartbeat: float, now: float | None = None) -> str | None:
    """Why a lock with this content and last heartbeat is abandoned, or None if it is not."""
    now = time.time() if now is None else now
    if holder.get("host") == socket.gethostname() and not _pid_alive(holder.get("pid")):
        return f"process {holder.get('pid')} is gone"
    silent = now - heartbeat
    if silent > _seconds(STALE_ENV, 120):
        return f"no heartbeat for {int(silent)} s"
    return None


def read(path: Path) -> tuple[dict[str, Any], float] | None:
    """A lock's content and last heartbeat (mtime), or None when there is no lock."""
    try:
        heartbeat = path.stat().st_mtime
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    try:
        holder = json.loads(text)
    except ValueError:
        holder = {}
    return (holder if isinstance(holder, dict) else {}), heartbeat


def live_runs(out_dir: Path) -> set[str]:
    """Run ids holding a live (not stale) lock in ``out_dir``."""
    found = set()
    folder = out_dir / LOCKS
    for path in folder.glob("*.lock") if folder.is_dir() else []:
        current = read(path)
        if current and current[0].get("run_id") and not stale_reason(*current):
            found.add(current[0]["run_id"])
    return found


class RunLock:
    """The lock of ``dataset`` in ``out_dir`` for run ``run_id``; a context manager."""

    def __init__(self, out_dir: Path, dataset: str, run_id: str, command: str = "run"):
        self.path = out_dir / LOCKS / f"{dataset.replace('/', '_')}.lock"
        self.run_id = run_id
        self.command = command
        self.broken: dict[str, Any] | None = None
        self.waited_for: dict[str, Any] | None = None  # the holder a --wait run queued behind
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_suffix(".guard"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _try(self) -> dict[str, Any] | None:
        """Take the lock if free or stale; otherwise return the live holder."""
        with self._guard():
            current = read(self.path)
            if current is not None:
                holder, heartbeat = current
                reason = stale_reason(holder, heartbeat)
                if reason is None:
                    return holder
                self.broken = {**holder, "reason": reason}
                self.path.unlink(missing_ok=True)
            me = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "run_id": self.run_id,
                "command": self.command,
                "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            tmp = self.path.with_name(f".{self.path.name}.{self.run_id}")
            tmp.write_text(json.dumps(me), encoding="utf-8")
            try:
                os.link(tmp, self.path)  # fails if another host took it meanwhile
            except FileExistsError:
                found = read(self.path)
                return found[0] if found else {}
            finally:
                tmp.unlink(missing_ok=True)
            return None

    def acquire(self, wait: bool = False, poll: float = 1.0) -> None:
        """Take the lock, waiting for it with ``wait``; raise ``LockHeld`` otherwise."""
        while True:
            holder = self._try()
            if holder is None:
                break
            if not wait:
                raise LockHeld(self.path, holder)
            if self.waited_for is None:
                self.waiting(holder)
            time.sleep(poll)
        self._thread = threading.Thread(target=self._beat, name="terbuka-lock", daemon=True)
        self._thread.start()

    def waiting(self, holder: dict[str, Any]) -> None:
        """Called once when ``acquire(wait=True)`` finds the lock held by ``holder``."""
        self.waited_for = {"run_id": holder.get("run_id"), "since": time.time()}

    def _beat(self) -> None:
        interval = _seconds(HEARTBEAT_ENV, 10)
        while not self._stop.wait(interval):
            if not self.held():
                self.lost = True
                return
            with contextlib.suppress(OSError):
                os.utime(self.path)

    def held(self) -> bool:
        """Whether the lock file still names this run (a stale-lock breaker may have taken it)."""
        current = read(self.path)
        return bool(current and current[0].get("run_id") == self.run_id)

    def release(self) -> None:
        """Stop the heartbeat and remove the lock if it is still ours."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._guard():
            if self.held():
                self.path.unlink(missing_ok=True)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
