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
    import tempfile
    import traceback

    from terbuka.pipelines.cli import cli

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:  # the child: never returns to the caller
            code: int = 1
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
                sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
                os.environ.update(env or {})
                sys.argv = ["terbuka", *args]
                cli.main(args=list(args), prog_name="terbuka")
                code = 0
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            except BaseException:  # noqa: BLE001 - reported as the console script would
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        status = _wait(pid, timeout)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(
            ["terbuka", *args],
            os.waitstatus_to_exitcode(status),
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
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
    """Start ``terbuka ARGS``; once it holds ``lock_file``, run ``terbuka SECOND`` at once.

    Returns both CompletedProcess-like results (first, second), the second finished
    while the first may still be running — then the first is waited for. The first is
    always the console script; with ``fork`` the second is a forked child of this
    process (:func:`forked_cli`), which reaches the lock at once.
    """
    first = subprocess.Popen(
        terbuka(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.time() + timeout
    while not lock_file.exists():
        if first.poll() is not None or time.time() > deadline:
            break
        time.sleep(0.05)
    if fork:
        other = forked_cli(second, timeout=timeout)
    else:
        other = subprocess.run(terbuka(*second), capture_output=True, text=True, timeout=timeout)
    out, err = first.communicate(timeout=timeout)
    return subprocess.CompletedProcess(first.args, first.returncode, out, err), other
