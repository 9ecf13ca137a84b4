"""Publication is one atomic step: kill points, the run lock, the sweep of dead runs.

Real runs of the real CLI in processes of their own, killed with SIGKILL at every kill
point of the swap (``TERBUKA_KILL_AT``); after each, what a reader sees must be the old
publication or the new one, whole. Most killed runs are forked from the test's process
(``faultkit.forked_cli``) and one is the console script; one race is between two console
scripts, the one where a run waits for the other between two forked runs. Helpers live in tests/faultkit.py for bench/reliability.py.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from faultkit import (
    KILL_POINTS,
    WITHDRAW_KILL_POINTS,
    killed_run,
    leftovers,
    race,
    was_killed,
    whole_publication,
)

from terbuka.pipelines.state import claim_staging, release_staging, sweep_staging
from terbuka.publish import lock, swap, versions

# slow: real CLI subprocesses killed (SIGKILL) at every kill point
pytestmark = pytest.mark.slow
# The kill point where a killed console script (a new interpreter) is under test; at the
# others the run is a forked child of this process: the same SIGKILL, without start-up.
CONSOLE_SCRIPT_POINT = "publish:switched"


@pytest.fixture(scope="module")
def small_sources(tmp_path_factory):
    """Five processes: where a run is killed, withdrawn or raced, its size is not under test."""
    from terbuka.pipelines.demo import generate_procurement

    paths, _ = generate_procurement(tmp_path_factory.mktemp("swap-small"), seed=5, processes=5)
    return [arg for p in paths for arg in ("--source", str(p))]


def state_dir() -> Path:
    return Path(os.environ["TERBUKA_STATE_DIR"])


def run_args(sources, out: Path, *extra: str) -> list[str]:
    return ["run", "procurement", *sources, "--out", str(out), "--force", "-q", "--json", *extra]


def publish(sources, out: Path) -> dict:
    """A run that is not killed: in this process (``invoke_cli``), since its process is not
    under test; the killed runs and the races stay true subprocesses."""
    from conftest import invoke_cli

    result = invoke_cli(*run_args(sources, out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def test_a_kill_at_any_point_of_the_swap_leaves_the_old_or_the_new_publication_whole(
    small_sources, tmp_path
):
    sources = small_sources
    out = tmp_path / "site"
    first = publish(sources, out)
    assert whole_publication(out, "procurement") == first["run_id"]
    seen = {first["run_id"]}
    for point in KILL_POINTS:
        # forked from this warmed process, but one console script killed as users run it
        result = killed_run(run_args(sources, out), point, fork=point != CONSOLE_SCRIPT_POINT)
        assert was_killed(result), (point, result.returncode, result.stderr[-500:])
        live = whole_publication(out, "procurement")
        # before the switch the old one is live; from the switch on, the new one
        switched = KILL_POINTS.index(point) >= KILL_POINTS.index("publish:switched")
        if switched:
            assert live not in seen, point
            seen.add(live)
        else:
            assert live in seen and live == max(seen), point
        assert leftovers(out, state_dir()), "a killed run leaves staging behind"
    # the next run sweeps what the last killed run left, and breaks its lock with a note
    record = publish(sources, out)
    assert record["swept"] and any("staging/" in s for s in record["swept"])
    assert "is gone" in record["lock_broken"]["reason"]
    assert whole_publication(out, "procurement") == record["run_id"]
    assert leftovers(out, state_dir()) == []
    # runs killed before the switch left no publication folder behind them
    kept = swap.publications(out, "procurement")
    assert kept[-1] == record["run_id"] and len(kept) <= versions.DEFAULT_KEEP + 1


@pytest.mark.parametrize("point", WITHDRAW_KILL_POINTS)
def test_a_killed_withdraw_leaves_a_whole_publication_or_none(small_sources, tmp_path, point):
    sources = small_sources
    out = tmp_path / "site"
    first = publish(sources, out)
    second = publish(sources, out)
    rollback = killed_run(["withdraw", "procurement", "--out", str(out), "--rollback"], point)
    if point == "withdraw:switched":
        assert was_killed(rollback)
        assert whole_publication(out, "procurement") == first["run_id"]
    else:  # a rollback never unlinks: it ran to the end
        assert rollback.returncode == 0, rollback.stderr
    gone = killed_run(["withdraw", "procurement", "--out", str(out)], point)
    assert was_killed(gone)
    assert whole_publication(out, "procurement") is None
    assert not (out / ".live" / "procurement").exists()
    # the withdrawn run is not left where a rollback could bring it back
    assert second["run_id"] not in swap.history(out, "procurement")


def test_two_runs_at_once_one_publishes_the_other_exits_3_or_waits(small_sources, tmp_path):
    # ``race`` stops the first run while it holds the lock: no size or timing needed
    sources = small_sources
    out = tmp_path / "site"
    lock_file = out / ".locks" / "procurement.lock"
    first, second = race(run_args(sources, out), lock_file, run_args(sources, out))
    assert first.returncode == 0, first.stderr
    assert second.returncode == 3, second.stderr
    holder = json.loads(first.stdout)["run_id"]
    error = json.loads(second.stdout)["error"]
    assert "pid" in error and holder in error and "\n" not in error
    assert whole_publication(out, "procurement") == holder

    first, second = race(
        run_args(sources, out), lock_file, run_args(sources, out, "--wait"), fork=True
    )
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    a, b = json.loads(first.stdout)["run_id"], json.loads(second.stdout)["run_id"]
    assert json.loads(second.stdout)["waited_for_lock"]["run_id"] == a  # it really waited
    assert "waited_for_lock" not in json.loads(first.stdout)
    assert whole_publication(out, "procurement") == b  # the waiting run went second
    with sqlite3.connect(out / "procurement.db") as conn:
        runs = [r[0] for r in conn.execute("select run_id from _runs order by rowid")]
    assert runs[-3:] == [holder, a, b]  # history intact: every publication, in order
    assert {a, b, holder} <= set(swap.publications(out, "procurement"))
    assert not lock_file.exists()


def test_withdraw_and_publish_take_the_lock(small_sources, tmp_path):
    from conftest import run_cli

    sources = small_sources
    out = tmp_path / "site"
    publish(sources, out)
    held = lock.RunLock(out, "procurement", "20250101T000000Z-abcdef")
    held.acquire()
    try:
        withdrawn = run_cli("withdraw", "procurement", "--out", str(out))
        assert withdrawn.returncode == 3
        assert f"pid {os.getpid()}" in withdrawn.stderr and "20250101T000000Z-abcdef" in (
            withdrawn.stderr
        )
        published = run_cli(
            "publish", str(out), "procurement", "--ckan", "http://127.0.0.1:9",
            "--site-url", "http://example.org", "--retries", "0",
            env={"CKAN_API_TOKEN": "not-used"},
        )  # fmt: skip
        assert published.returncode == 3, published.stderr
        assert "being published by another run" in published.stderr
    finally:
        held.release()
    assert whole_publication(out, "procurement") is not None


# -- the lock, in-process -------------------------------------------------------------


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def plant_lock(path: Path, **holder) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run_id": "20240101T000000Z-000000", "since": "x", **holder}))


@pytest.mark.parametrize(
    "holder, age, broken",
    [
        ({"host": socket.gethostname(), "pid": "dead"}, 0, "is gone"),
        ({"host": "elsewhere", "pid": 1}, 0, None),
        ({"host": "elsewhere", "pid": 1}, 3600, "no heartbeat"),
        ({"host": socket.gethostname(), "pid": os.getpid()}, 3600, "no heartbeat"),
        ({"host": socket.gethostname(), "pid": os.getpid()}, 0, None),
    ],
)
def test_a_stale_lock_is_broken_with_a_note_and_a_live_one_is_not(tmp_path, holder, age, broken):
    holder = {**holder, "pid": dead_pid() if holder["pid"] == "dead" else holder["pid"]}
    taken = lock.RunLock(tmp_path, "procurement", "20250101T000000Z-111111")
    plant_lock(taken.path, **holder)
    os.utime(taken.path, (time.time() - age, time.time() - age))
    if broken is None:
        with pytest.raises(lock.LockHeld) as error:
            taken.acquire()
        assert str(holder["pid"]) in str(error.value) and holder["host"] in str(error.value)
        return
    taken.acquire()
    try:
        assert broken in taken.broken["reason"] and taken.broken["pid"] == holder["pid"]
        assert taken.held()
    finally:
        taken.release()
    assert not taken.path.exists()


def test_the_heartbeat_keeps_a_long_run_lock_fresh_and_a_taken_over_lock_is_noticed(
    tmp_path, monkeypatch
):
    monkeypatch.setenv(lock.HEARTBEAT_ENV, "0.05")
    taken = lock.RunLock(tmp_path, "procurement", "20250101T000000Z-222222")
    taken.acquire()
    try:
        os.utime(taken.path, (time.time() - 3600, time.time() - 3600))
        deadline = time.time() + 30
        while time.time() - taken.path.stat().st_mtime > 60 and time.time() < deadline:
            time.sleep(0.02)
        assert time.time() - taken.path.stat().st_mtime < 60
        assert taken.run_id in lock.live_runs(tmp_path)
        plant_lock(taken.path, host="elsewhere", pid=1, run_id="20250101T000000Z-333333")
        while not taken.lost and time.time() < deadline:
            time.sleep(0.02)
        assert taken.lost and not taken.held()
    finally:
        taken.release()
    assert taken.path.exists()  # someone else's lock is never removed


# -- the sweep ------------------------------------------------------------------------


def test_the_sweep_removes_only_dead_runs_staging_and_builds(tmp_path):
    state, out = tmp_path / "state", tmp_path / "site"
    live_db, fd = claim_staging(state, "procurement-20250101T000000Z-444444")
    live_db.write_bytes(b"live")
    dead = state / "staging" / "procurement-20250101T000000Z-555555.db"
    dead.write_bytes(b"personal data")
    Path(f"{dead}-journal").write_bytes(b"journal")
    legacy = state / "staging" / "budget-20240101T000000Z-666666.db"  # no owner mark
    legacy.write_bytes(b"older terbuka")
    raw = state / "raw" / "kept-by-retention.json"
    raw.parent.mkdir()
    raw.write_text("{}")
    try:
        swept = sweep_staging(state)
        assert live_db.exists() and not dead.exists() and not legacy.exists()
        assert not Path(f"{dead}-journal").exists() and raw.exists()
        assert sorted(swept) == sorted(
            f"staging/{p.name}" for p in (dead, legacy, Path(f"{dead}-journal"))
        )
    finally:
        release_staging(live_db, fd)
    assert list((state / "staging").iterdir()) == []

    (out / ".build-20250101T000000Z-777777").mkdir(parents=True)
    (out / ".build-20250101T000000Z-888888").mkdir()
    swept = swap.sweep_builds(out, {"20250101T000000Z-888888"})
    assert swept == [".build-20250101T000000Z-777777"]
    assert (out / ".build-20250101T000000Z-888888").exists()


# -- the layout, in-process -----------------------------------------------------------


def fake_build(out: Path, run_id: str, value: str) -> Path:
    build = swap.build_dir(out, run_id)
    with sqlite3.connect(build / "demo.db") as conn:
        conn.execute("create table _runs (run_id text)")
        conn.execute("insert into _runs values (?)", [run_id])
        conn.execute("create table t (v text)")
        conn.execute("insert into t values (?)", [value])
    (build / "demo").mkdir()
    (build / "demo" / "run.json").write_text(json.dumps({"run_id": run_id}))
    return build


def test_publications_keep_history_and_a_rollback_goes_to_the_previous_one(tmp_path):
    from terbuka.publish.withdraw import withdraw

    out = tmp_path / "site"
    runs = [f"2025010{i}T000000Z-00000{i}" for i in range(1, 7)]
    for i, run_id in enumerate(runs):
        swap.swap_in(fake_build(out, run_id, f"v{i}"), out, "demo", run_id)
        assert swap.published_run_id(out, "demo") == run_id
        assert json.loads((out / "demo" / "run.json").read_text())["run_id"] == run_id
    assert swap.publications(out, "demo") == runs[-(swap.KEEP_HISTORY + 1) :]
    assert os.readlink(out / "demo.db") == ".live/demo/demo.db"  # the fixed links
    assert not list(out.glob(".build-*")) and "databases" not in json.loads(
        (out / "metadata.json").read_text()
    )
    result = withdraw(out, "demo", tmp_path / "private", rollback=True)
    assert result["restored_run_id"] == runs[-2] and swap.published_run_id(out, "demo") == runs[-2]
    with sqlite3.connect(out / "demo.db") as conn:
        assert conn.execute("select v from t").fetchone()[0] == "v4"
    assert (tmp_path / "private" / "demo" / runs[-1] / "demo.db").exists()


def test_an_old_layout_folder_is_moved_into_publications_unchanged(tmp_path):
    out = tmp_path / "site"
    build = fake_build(out, "20240101T000000Z-aaaaaa", "old")
    os.rename(build / "demo.db", out / "demo.db")
    os.rename(build / "demo", out / "demo")
    shutil.rmtree(build)
    (out / "metadata.json").write_text(json.dumps({"databases": {"demo": {}}}))
    swap.swap_in(fake_build(out, "20250101T000000Z-bbbbbb", "new"), out, "demo")
    assert (out / "demo.db").is_symlink() and (out / "demo").is_symlink()
    assert swap.history(out, "demo") == ["20240101T000000Z-aaaaaa"]
    assert "databases" not in json.loads((out / "metadata.json").read_text())
    with sqlite3.connect(out / ".publications/demo/20240101T000000Z-aaaaaa/demo.db") as conn:
        assert conn.execute("select v from t").fetchone()[0] == "old"
