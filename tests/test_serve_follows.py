"""A running ``terbuka serve`` follows the publication: no restart, no 5xx, no stale page.

A real server over HTTP is polled from another thread while the publication is switched
20 times (the real ``swap_in``: build folder, fsync, rename of the live link), then
withdrawn with the real CLI, then published again.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port, invoke_cli

from terbuka.publish import swap

# slow: a real `terbuka serve` process follows 20 republishes while polled
pytestmark = pytest.mark.slow

PAGES = (
    "/",
    "/procurement",
    "/procurement/tenders.json?_size=5",
    "/procurement/marker.json?_shape=array",
    "/-/metadata.json",
    "/procurement.db",
)


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def republish(site: Path, source: Path, n: int) -> str:
    """A new publication made from ``source`` (a publication folder) with ``marker.n = n``."""
    run_id = f"2099{n:02d}01T000000Z-{n:06x}"
    build = swap.build_dir(site, run_id)
    shutil.copy2(source / "procurement.db", build / "procurement.db")
    shutil.copytree(source / "procurement", build / "procurement")
    with sqlite3.connect(build / "procurement.db") as conn:
        conn.execute("create table if not exists marker (n integer)")
        conn.execute("delete from marker")
        conn.execute("insert into marker values (?)", [n])
    fragment = build / "procurement" / "datasette.json"
    metadata = json.loads(fragment.read_text())
    metadata["title"] = f"Publication {n}"
    fragment.write_text(json.dumps(metadata))
    swap.swap_in(build, site, "procurement", run_id)
    return run_id


class Poller(threading.Thread):
    """Requests every page in turn until stopped; keeps every status code."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base, self.stop, self.statuses, self.errors = base, threading.Event(), [], []

    def run(self) -> None:
        while not self.stop.is_set():
            for page in PAGES:
                try:
                    status, body = fetch(self.base + page)
                except OSError as error:  # refused or reset: as bad as a 5xx
                    status, body = 599, repr(error).encode()
                self.statuses.append(status)
                if status >= 500:
                    self.errors.append((page, status, body[:300]))


def marker(base: str) -> int | None:
    status, body = fetch(base + "/procurement/marker.json?_shape=array")
    return json.loads(body)[0]["n"] if status == 200 else None


def wait_for(condition, seconds: float = 10.0) -> float:
    """Seconds until ``condition()`` held; fails after ``seconds``."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, "the server did not follow the switch"
        time.sleep(0.05)
    return time.monotonic() - start


def test_a_running_serve_follows_20_republishes_a_withdraw_and_a_new_publication(
    published_demo, tmp_path
):
    out, _ = published_demo
    site = tmp_path / "site"
    shutil.copytree(out, site, symlinks=True)  # the links stay links
    source = tmp_path / "source"
    shutil.copytree(swap.live_target(site, "procurement"), source)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("wb")
    command = [str(Path(sys.executable).with_name("terbuka")), "serve", str(site), "-p", str(port)]
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _up(base), 60)
        poller = Poller(base)
        poller.start()
        waits = []
        for n in range(1, 21):
            polled = len(poller.statuses)
            republish(site, source, n)
            waits.append(wait_for(lambda n=n: marker(base) == n))
            # the poller goes through every page at least once around each switch
            wait_for(lambda polled=polled: len(poller.statuses) >= polled + len(PAGES), 60)
            title = json.loads(fetch(base + "/-/metadata.json")[1])["databases"]["procurement"]
            assert title["title"] == f"Publication {n}"  # metadata switched with the data
        print(f"switch seen after {max(waits):.3f} s at most (mean {sum(waits) / 20:.3f} s)")

        # the command in this process: the server under test is the other process
        withdrawn = invoke_cli("withdraw", "procurement", "--out", str(site))
        assert withdrawn.returncode == 0, withdrawn.stderr
        for page in ("/procurement", "/procurement/marker.json", "/procurement.db"):
            assert fetch(base + page)[0] == 404, page  # at once: the very next request

        republish(site, source, 21)  # published again: served without a restart
        wait_for(lambda: marker(base) == 21)
        poller.stop.set()
        poller.join(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    assert poller.errors == []
    assert len(poller.statuses) > 60 and poller.statuses.count(200) > 30
    text = (tmp_path / "serve.log").read_text(errors="replace")
    # (Datasette prints a traceback for each 404 with rich installed: not an error here)
    assert "database is locked" not in text and '" 500' not in text


def _up(base: str) -> bool:
    try:
        return fetch(base + "/-/versions.json")[0] == 200
    except OSError:
        return False
