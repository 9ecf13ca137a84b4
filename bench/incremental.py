"""What an unchanged or incremental run costs, against a full one.

Serves a paginated OCDS release API on loopback (``links.next``, ``?since=``), declares it
as a dataset's source, and times, in one process:

1. a full run (pull every page, extract, transform, privacy, quality, publish);
2. an unchanged run (one conditional request; the fingerprint matches: nothing else runs);
3. an incremental run after 1 % new releases: only the new pages are fetched, and only
   the units (groups of whole contracting processes) whose releases changed are
   transformed; the rest are reused from the previous publication (``incremental.py``);
4. the same inputs rebuilt with ``--full`` from a copy of the same publication and state,
   for the ratio and for the check that both publications hold the same rows.

``--spread`` chooses where the new releases fall: ``appended`` (new ocids after every
published one, as a feed numbering its processes in sequence adds them) or ``scattered``
(copies of the oldest 1 %, each ocid next to its original: every unit gets some).

Usage: .venv/bin/python bench/incremental.py [--processes 1000] [--page-size 100]
       [--spread appended|scattered]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]


class Api:
    """Release packages of ``page_size`` releases, oldest first, with links.next and since."""

    def __init__(self, releases: list[dict], page_size: int):
        self.releases = releases
        self.page_size = page_size
        self.published = datetime.utcnow().isoformat() + "Z"
        self.requests = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                api.requests += 1
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                body = json.dumps(api.page(query)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/releases"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def page(self, query: dict) -> dict:
        since = query.get("since")
        chosen = [r for r in self.releases if not since or r["_utc"] >= since]
        number = int(query.get("page", "1"))
        start = (number - 1) * self.page_size
        package = {
            "uri": self.url,
            "version": "1.1",
            "publishedDate": self.published,  # fixed: a page fetched twice is the same file
            "releases": [
                {k: v for k, v in r.items() if k != "_utc"}
                for r in chosen[start : start + self.page_size]
            ],
            "links": {},
        }
        if start + self.page_size < len(chosen):
            extra = f"&since={since}" if since else ""
            package["links"]["next"] = f"{self.url}?page={number + 1}{extra}"
        return package


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=1000, help="contracting processes")
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--spread", choices=("appended", "scattered"), default="appended")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="terbuka-bench-incremental-"))
    os.environ["TERBUKA_STATE_DIR"] = str(work / "state")
    schema = (
        ROOT.parent
        / "shared"
        / "data"
        / "procurement"
        / "ocds-schema-1.1.5"
        / "release-schema.json"
    )
    if schema.exists():
        os.environ.setdefault("TERBUKA_OCDS_SCHEMA", str(schema))
    from terbuka.pipelines.demo import generate_procurement
    from terbuka.pipelines.parse import parse_datetime
    from terbuka.pipelines.runner import run_dataset

    paths, _ = generate_procurement(work / "generated", seed=3, processes=args.processes)
    releases = json.loads(paths[0].read_text("utf-8"))["releases"]
    for release in releases:
        release["_utc"] = parse_datetime(release["date"], "UTC")[0]
    releases.sort(key=lambda r: r["_utc"])
    api = Api(releases, args.page_size)

    folder = work / "bench"
    shutil.copytree(ROOT / "metadata" / "procurement", folder)
    data = yaml.safe_load((folder / "dataset.yml").read_text("utf-8"))
    data.update(
        name="bench",
        sources=[{"id": "api", "kind": "ocds-api", "url": api.url, "since_param": "since"}],
    )
    (folder / "dataset.yml").write_text(yaml.safe_dump(data, allow_unicode=True))
    out = work / "site"

    def timed(label: str, site: Path = out, **options) -> tuple[float, dict]:
        before = api.requests
        started = time.perf_counter()
        record = run_dataset(folder, [], site, show_progress=False, **options)
        elapsed = time.perf_counter() - started
        rows = record.get("tables", {}).get("releases", {}).get("rows")
        print(
            f"{label:<34} {elapsed:8.3f} s  status={record['status']:<10} "
            f"requests={api.requests - before:<4} "
            f"downloaded={record.get('pull', {}).get('downloaded_bytes', 0):>10,} B  releases={rows}"
        )
        if record["status"] not in ("published", "unchanged"):
            sys.exit(f"run failed: {record.get('error')}")
        return elapsed, record

    print(
        f"{len(releases)} releases, {-(-len(releases) // args.page_size)} pages of {args.page_size}"
    )
    full, _ = timed("full run (first pull)")
    unchanged, _ = timed("unchanged run")
    latest = datetime.fromisoformat(releases[-1]["_utc"])
    fresh = []
    for index, release in enumerate(releases[: max(1, len(releases) // 100)]):
        copy = json.loads(json.dumps(release))
        ocid = (
            f"ocds-zz-new-{index:06d}"
            if args.spread == "appended"
            else f"{copy['ocid']}-new{index}"
        )
        copy["id"] = copy["id"].replace(copy["ocid"], ocid) + f"-new{index}"
        copy["ocid"] = ocid
        copy["_utc"] = copy["date"] = (latest + timedelta(hours=index + 1)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        fresh.append(copy)
    api.releases = releases + fresh
    # --full starts from the same publication and state, so _changes and the pull match
    shutil.copytree(out, work / "site-full", symlinks=True)
    shutil.copytree(work / "state", work / "state-full", symlinks=True)
    incremental, record = timed(f"incremental run (+{len(fresh)} releases, {args.spread})")
    print(f"  reuse: {json.dumps(record.get('incremental'))}")
    print(f"  stages: {json.dumps(record.get('timings'))}")
    from terbuka.pipelines.incremental import store_path

    kept = store_path(work / "state", "bench").stat().st_size
    print(
        f"  units kept in the state folder: {kept:,} B (the database: {(out / 'bench.db').stat().st_size:,} B)"
    )
    snapshot = _tables(out / "bench.db")
    os.environ["TERBUKA_STATE_DIR"] = str(work / "state-full")
    rebuilt, record = timed("the same inputs with --full", work / "site-full", full=True)
    os.environ["TERBUKA_STATE_DIR"] = str(work / "state")
    print(f"  stages: {json.dumps(record.get('timings'))}")
    rebuilt_tables = _tables(work / "site-full" / "bench.db")
    differ = sorted(
        t for t in {*snapshot, *rebuilt_tables} if snapshot.get(t) != rebuilt_tables.get(t)
    )
    same = "identical" if not differ else f"DIFFERENT in {', '.join(differ)}"
    print(f"incremental and --full publications: {same} (rows of every table, run ids aside)")
    for table in differ:
        print(f"  {table}: {len(snapshot.get(table, []))} rows incremental, "
              f"{len(rebuilt_tables.get(table, []))} --full; first rows that differ:")  # fmt: skip
        pairs = zip(snapshot.get(table, []), rebuilt_tables.get(table, []), strict=False)
        for index, (a, b) in enumerate(pairs):
            if a != b:
                print(f"    row {index}: incremental {a}\n    row {index}: --full      {b}")
                break
    print(f"unchanged / full:   {100 * unchanged / full:6.2f} %  (target < 5 %)")
    print(f"incremental / full: {100 * incremental / full:6.2f} %  (first full run)")
    print(
        f"incremental / --full on the same inputs: {100 * incremental / rebuilt:6.2f} %  (target ≤ 5 %)"
    )
    # The same unchanged run as cron starts it: a fresh process, imports included.
    import subprocess

    command = [
        str(Path(sys.executable).with_name("terbuka")),
        "run",
        str(folder),
        "--out",
        str(out),
        "--quiet",
    ]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    print(
        f"unchanged run as a new process (terbuka run … --quiet): {elapsed:.3f} s, exit {result.returncode}"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import terbuka.pipelines.runner"], check=True)
    print(
        f"  of which importing the runner:                        {time.perf_counter() - started:.3f} s"
    )
    api.httpd.shutdown()
    shutil.rmtree(work, ignore_errors=True)


def _tables(path: Path) -> dict[str, list]:
    """Every table's rows in order, run ids aside.

    The history of runs holds run ids and timings in its records: it is left out.
    """
    import sqlite3

    db = sqlite3.connect(path)
    found = {}
    for (name,) in db.execute("select name from sqlite_master where type = 'table'"):
        if name == "_runs":
            continue
        cursor = db.execute(f"select * from [{name}]")
        volatile = [i for i, d in enumerate(cursor.description) if d[0].endswith("run_id")]
        found[name] = [[None if i in volatile else v for i, v in enumerate(r)] for r in cursor]
    db.close()
    return found


if __name__ == "__main__":
    main()
