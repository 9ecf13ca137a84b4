"""Faceted table requests against a 1M-row table vs the same GROUP BY in sqlite3.

The target (issue 7): a faceted request on a million-row table, through Datasette with
terbuka's plugins and settings, takes at most twice as long as the GROUP BY behind it
run directly in sqlite3. Prints median wall-clock times; asserts nothing.

    .venv/bin/python bench/facets.py [--rows 1000000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from terbuka.publish.site import SETTINGS

FACETS = {
    "procurement_method": ["open", "selective", "limited", "direct"],
    "status": ["active", "complete", "cancelled", "unsuccessful", "planned"],
    "main_procurement_category": ["goods", "works", "services"],
    "buyer_name": [f"Dinas {i:03d} Kota Contoh" for i in range(400)],
}


def build(path: Path, rows: int) -> None:
    """A tenders-like table, indexed on its facet columns as the publish stage does."""
    rng = random.Random(7)
    conn = sqlite3.connect(path)
    conn.execute("pragma journal_mode = off")
    conn.execute("pragma synchronous = off")
    conn.execute(
        "create table tenders (ocid text primary key, title text, procurement_method text, "
        "status text, main_procurement_category text, buyer_name text, value_amount real)"
    )
    buyers = FACETS["buyer_name"]
    weights = [1 / (i + 1) for i in range(len(buyers))]  # a few big buyers, a long tail
    chosen = rng.choices(buyers, weights, k=rows)
    conn.executemany(
        "insert into tenders values (?, ?, ?, ?, ?, ?, ?)",
        (
            (
                f"ocds-bench-{i:07d}",
                f"Pengadaan {i}",
                rng.choice(FACETS["procurement_method"]),
                rng.choice(FACETS["status"]),
                rng.choice(FACETS["main_procurement_category"]),
                chosen[i],
                rng.randrange(1, 5000) * 1e6,
            )
            for i in range(rows)
        ),
    )
    for column in FACETS:
        conn.execute(f"create index tenders_{column} on tenders({column})")
    conn.execute("analyze")
    conn.commit()
    conn.close()


def metadata() -> dict:
    """Enough of a terbuka site for every plugin to run on the bench database's pages."""
    return {
        "title": "bench",
        "databases": {
            "bench": {
                "license": "CC-BY-4.0",
                "license_url": "https://creativecommons.org/licenses/by/4.0/",
                "tables": {"tenders": {"facets": []}},
                "plugins": {
                    "terbuka": {
                        "dataset": "bench",
                        "titles": {"id": "Bench", "en": "Bench"},
                        "publisher": {"name": "bench"},
                        "update_frequency": "monthly",
                    }
                },
            }
        },
    }


def median_ms(function, repeat: int) -> float:
    function()  # warm the page cache and Datasette's own caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--port", type=int, default=8745)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="terbuka-bench-facets-"))
    start = time.perf_counter()
    build(folder / "bench.db", args.rows)
    print(f"built {args.rows:,} rows in {time.perf_counter() - start:.1f} s ({folder})")
    (folder / "metadata.json").write_text(json.dumps(metadata()))
    (folder / "settings.json").write_text(json.dumps(SETTINGS))
    terbuka = Path(sys.executable).with_name("terbuka")
    server = subprocess.Popen(
        [str(terbuka), "serve", str(folder), "--port", str(args.port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        conn = sqlite3.connect(folder / "bench.db")
        print(
            f"{'facet':28} {'sqlite3 ms':>11} {'json ms':>9} {'ratio':>6} {'html ms':>9} {'ratio':>6}"
        )
        worst = 0.0
        for column in FACETS:
            sql = f"select {column}, count(*) from tenders group by {column}"
            direct = median_ms(lambda sql=sql: conn.execute(sql).fetchall(), args.repeat)

            def get(path: str) -> None:
                with urllib.request.urlopen(base + path, timeout=60) as response:
                    body = response.read()
                    assert response.status == 200 and b'facets_timed_out": ["' not in body

            as_json = median_ms(
                lambda c=column: get(f"/bench/tenders.json?_facet={c}&_size=0"), args.repeat
            )
            as_html = median_ms(
                lambda c=column: get(f"/bench/tenders?_facet={c}&_size=0"), args.repeat
            )
            worst = max(worst, as_json / direct, as_html / direct)
            print(
                f"{column:28} {direct:11.1f} {as_json:9.1f} {as_json / direct:6.2f} "
                f"{as_html:9.1f} {as_html / direct:6.2f}"
            )
        print(f"worst ratio {worst:.2f} (target ≤ 2.0)")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
