"""Benchmark the procurement pipeline against a bare sqlite-utils insert of the same rows.

    python bench/procurement.py                    # 100k releases, then 1M (10x)
    python bench/procurement.py --releases 20000 --scales 1

For each scale: generate N synthetic releases (the demo generator, streamed), run
``terbuka run procurement`` on them in a subprocess, then — in the same run — time a bare
``sqlite_utils`` ``insert_all`` of the flattened rows the pipeline published (read back
from its database). Prints releases/s, the ratio bare-insert-time / pipeline-time (goal
>= 0.5), and the peak resident memory of the largest process; with two scales, the
memory ratio between them (goal <= 1.5).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlite_utils

from terbuka.pipelines.demo import Generator, iter_ocds_releases, write_release_package

TABLES = [
    "releases",
    "compiled_releases",
    "tenders",
    "parties",
    "awards",
    "award_suppliers",
    "contracts",
    "items",
]


def generate(path: Path, releases: int) -> None:
    generator = Generator(seed=42, track=False)
    stream = itertools.islice(iter_ocds_releases(generator, processes=releases), releases)
    write_release_package(path, stream)


def run_pipeline(
    source: Path, out: Path, state: Path, workers: int | None
) -> tuple[float, float, dict]:
    command = [str(Path(sys.executable).with_name("terbuka")), "run", "procurement", "--source", str(source),
               "--out", str(out), "--json", "--quiet", "--force"]  # fmt: skip
    if workers:
        command += ["--workers", str(workers)]
    env = {**os.environ, "TERBUKA_STATE_DIR": str(state)}
    started = time.perf_counter()
    process = subprocess.run(command, capture_output=True, env=env)
    elapsed = time.perf_counter() - started
    # The largest process among every waited-for descendant so far (runs grow with scale).
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    stdout, stderr = process.stdout, process.stderr
    record = json.loads(stdout)
    if process.returncode != 0:
        raise SystemExit(f"pipeline failed: {record.get('error')}\n{stderr.decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024, record


def bare_insert(published: Path, target: Path, tuned: bool) -> tuple[float, int]:
    """Insert the published rows into a fresh database; ``tuned``: the pipeline's pragmas."""
    source = sqlite_utils.Database(published)
    db = sqlite_utils.Database(target)
    if tuned:
        db.execute("pragma journal_mode = off")
        db.execute("pragma synchronous = off")
    rows = 0
    started = time.perf_counter()
    for table in TABLES:
        columns = [c.name for c in source[table].columns]
        cursor = source.execute(f"select * from [{table}]")
        db[table].insert_all(
            (dict(zip(columns, row, strict=True)) for row in cursor), batch_size=1000
        )
        rows += source[table].count
    elapsed = time.perf_counter() - started
    return elapsed, rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="terbuka-bench-"))
    os.environ.setdefault(
        "TERBUKA_OCDS_SCHEMA",
        str(
            Path(__file__).resolve().parents[1].parent
            / "shared/data/procurement/ocds-schema-1.1.5/release-schema.json"
        ),
    )
    peaks = {}
    schema = os.environ["TERBUKA_OCDS_SCHEMA"]
    if "://" not in schema and not Path(schema).exists():
        schema += " (missing: the run cannot validate; set TERBUKA_OCDS_SCHEMA)"
    print(f"cores: {os.cpu_count()}, workers: {args.workers or 'default'}, OCDS schema: {schema}")
    try:
        for scale in [int(s) for s in args.scales.split(",")]:
            count = args.releases * scale
            source = workdir / f"releases-{count}.json"
            started = time.perf_counter()
            generate(source, count)
            print(
                f"\n{count:,} releases generated in {time.perf_counter() - started:.1f} s ({source.stat().st_size / 1e6:.0f} MB)"
            )
            out = workdir / f"site-{count}"
            elapsed, peak_mb, record = run_pipeline(source, out, workdir / "state", args.workers)
            peaks[scale] = peak_mb
            read = record["inputs"][0]["records"]
            rows = sum(t["rows"] for t in record["tables"].values())
            plain, bare_rows = bare_insert(
                out / "procurement.db", workdir / f"bare-{count}.db", False
            )
            tuned, _ = bare_insert(out / "procurement.db", workdir / f"tuned-{count}.db", True)
            print(
                f"pipeline:    {elapsed:8.1f} s  {read / elapsed:9,.0f} releases/s  ({rows:,} rows)"
            )
            print(
                f"bare insert: {plain:8.1f} s  {bare_rows / plain:9,.0f} rows/s  (insert_all, batch 1000)"
            )
            print(
                f"bare insert: {tuned:8.1f} s  {bare_rows / tuned:9,.0f} rows/s  (same, journal+sync off)"
            )
            print(
                f"ratio bare/pipeline: {tuned / elapsed:.3f} against the tuned insert, "
                f"{plain / elapsed:.3f} against the default one  (goal >= 0.5)"
            )
            print(f"peak memory (largest process): {peak_mb:,.0f} MB")
            if not args.keep:
                source.unlink()
                shutil.rmtree(out, ignore_errors=True)
        if len(peaks) > 1:
            low, high = min(peaks), max(peaks)
            print(f"\nmemory {high}x / {low}x: {peaks[high] / peaks[low]:.2f}  (goal <= 1.5)")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}")


if __name__ == "__main__":
    main()
