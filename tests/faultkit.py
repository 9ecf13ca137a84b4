"""Fault injection for publication: kill a real run at a named point, race two runs, and
judge what a reader then sees. Used by tests/test_publication_swap.py and meant for
bench/reliability.py too (plain functions, no pytest).

The kill points themselves are listed in ``terbuka.publish.swap.KILL_POINTS`` (publishing)
and ``WITHDRAW_KILL_POINTS`` (withdraw); ``TERBUKA_KILL_AT=<point>`` makes the process
SIGKILL itself there.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from terbuka.publish.swap import KILL_ENV, KILL_POINTS, WITHDRAW_KILL_POINTS

__all__ = [
    "KILL_POINTS",
    "WITHDRAW_KILL_POINTS",
    "forked_cli",
    "killed_run",
    "leftovers",
    "race",
    "terbuka",
    "whole_publication",
]


def terbuka(*args: str) -> list[str]:
    """The command line of the real ``terbuka`` console script."""
    return [str(Path(sys.executable).with_name("terbuka")), *args]


def killed_run(
    args: list[str], point: str, timeout: int = 600, fork: bool = False
) -> subprocess.CompletedProcess:
    """Run ``terbuka ARGS`` with ``TERBUKA_KILL_AT=point``; it must die by SIGKILL there.

    With ``fork`` the command runs in a forked child of this process (:func:`forked_cli`)
    rather than in a new interpreter: the same kill, without seconds of start-up.
    """
    if fork:
        return forked_cli(args, {KILL_ENV: point}, timeout)
    env = {**os.environ, KILL_ENV: point}
    return subprocess.run(terbuka(*args), capture_output=True, text=True, timeout=timeout, env=env)


def forked_cli(
    args: list[str], env: dict[str, str] | None = None, timeout: int = 600
) -> subprocess.CompletedProcess:
    """Run the ``terbuka`` command in a forked child of this process and wait for it.

    The child is a process of its own, so a kill point's SIGKILL ends it as it would end
    the console script (no clean-up, no ``finally``, no ``atexit``), and its exit code
    or signal is reported the same way (``-9`` for SIGKILL). What it saves is a new
    interpreter's imports and model load (seconds per run), which the child inherits
    when this process has already paid them. Output goes to files, so it survives a kill.
    """
    return Forked(args, env).wait(timeout)


class Forked:
    """``terbuka ARGS`` started in a forked child (``in_child()`` runs there first)."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None, in_child=None):
        import tempfile

        self.args = args
        self.status: int | None = None
        self.out, self.err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns to the caller
            self._run_in_child(env, in_child)

    def _run_in_child(self, env: dict[str, str] | None, in_child) -> None:
        import traceback

        from terbuka.pipelines.cli import cli

        code: int = 1
        try:
            os.dup2(self.out.fileno(), 1)
            os.dup2(self.err.fileno(), 2)
            sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            os.environ.update(env or {})
            if in_child is not None:
                in_child()
            sys.argv = ["terbuka", *self.args]
            cli.main(args=list(self.args), prog_name="terbuka")
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        except BaseException:  # noqa: BLE001 - reported as the console script would
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def running(self) -> bool:
        if self.status is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = status
        return self.status is None

    def wait(self, timeout: float) -> subprocess.CompletedProcess:
        """Its result, once it ends (killed and reported if it outlives ``timeout``)."""
        status = self.status if self.status is not None else _wait(self.pid, timeout)
        with self.out, self.err:
            self.out.seek(0)
            self.err.seek(0)
            return subprocess.CompletedProcess(
                ["terbuka", *self.args],
                os.waitstatus_to_exitcode(status),
                self.out.read().decode("utf-8", "replace"),
                self.err.read().decode("utf-8", "replace"),
            )


def _wait(pid: int, timeout: float) -> int:
    """The wait status of child ``pid``; killed and reported if it outlives ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise subprocess.TimeoutExpired(["terbuka"], timeout)
        time.sleep(0.02)


def was_killed(result: subprocess.CompletedProcess) -> bool:
    """Whether a process ended by SIGKILL (a kill point fired)."""
    return result.returncode == -signal.SIGKILL


def whole_publication(out: Path, dataset: str) -> str | None:
    """The run id of the publication readers see in ``out``, checked whole; None if none.

    Whole means: the database and the dataset folder both reachable, the database
    intact, and the database, run record, Datasette metadata and data package all of
    the same run. Raises AssertionError on anything else (a half-published state).
    """
    db, folder = out / f"{dataset}.db", out / dataset
    if not db.exists() and not folder.exists():
        return None
    assert db.is_file(), f"{db} missing while {folder} exists"
    assert folder.is_dir(), f"{folder} missing while {db} exists"
    run_id = json.loads((folder / "run.json").read_text("utf-8"))["run_id"]
    fragment = json.loads((folder / "datasette.json").read_text("utf-8"))
    assert fragment["plugins"]["terbuka"]["run_id"] == run_id, "metadata of another run"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        (last,) = conn.execute("select run_id from _runs order by rowid desc limit 1").fetchone()
    finally:
        conn.close()
    assert last == run_id, f"database of run {last}, files of run {run_id}"
    package = json.loads((folder / "datapackage.json").read_text("utf-8"))
    for resource in package["resources"]:
        assert (folder / resource["path"]).is_file(), f"{resource['path']} missing"
    return run_id


def leftovers(out: Path, state: Path) -> list[str]:
    """Staging databases and build folders that outlived their run."""
    found = [str(p) for p in (state / "staging").glob("*.db*")] if state.is_dir() else []
    return found + [str(p) for p in out.glob(".build-*")]


def race(
    args: list[str], lock_file: Path, second: list[str], timeout: int = 600, fork: bool = False
) -> tuple:
    """Start ``terbuka ARGS``; once it holds ``lock_file``, run ``terbuka SECOND`` against it.

    The first run is stopped (SIGSTOP) while it holds the lock, so the second meets the
    lock held by a live process however long either takes; it goes on (SIGCONT) once the
    second has exited, or, with ``fork``, once the second waits for the lock (``SECOND``
    has ``--wait``). Without ``fork`` both are console scripts; with it both are forked
    children of this process (:class:`Forked`), and the second says when it starts
    waiting. Returns both results (first, second), each once its process has ended.
    """
    if fork:
        first: Forked | subprocess.Popen = Forked(args)
        first_running = first.running
    else:
        first = subprocess.Popen(
            terbuka(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        first_running = lambda: first.poll() is None  # noqa: E731
    _until(lambda: lock_file.exists() or not first_running(), timeout)
    os.kill(first.pid, signal.SIGSTOP)
    waiting = None
    try:
        if fork:
            marker = lock_file.with_name(lock_file.name + ".second-waits")
            waiting = Forked(second, in_child=lambda: _announce_waiting(marker))
            _until(lambda: marker.exists() or not waiting.running(), timeout)
        else:
            other = subprocess.run(
                terbuka(*second), capture_output=True, text=True, timeout=timeout
            )
    finally:
        os.kill(first.pid, signal.SIGCONT)
    if waiting is not None:
        other = waiting.wait(timeout)
    if isinstance(first, Forked):
        return first.wait(timeout), other
    out, err = first.communicate(timeout=timeout)
    return subprocess.CompletedProcess(first.args, first.returncode, out, err), other


def _until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def _announce_waiting(marker: Path) -> None:
    """In a forked child: touch ``marker`` when the run lock starts waiting."""
    from terbuka.publish.lock import RunLock

    original = RunLock.waiting

    def waiting(lock: RunLock, holder: dict) -> None:
        original(lock, holder)
        marker.touch()

    RunLock.waiting = waiting  # type: ignore[method-assign]
