"""Benchmark the procurement pipeline on real OCDS, side by side with what it is compared to.

    python bench/procurement.py                        # the shared real examples, then synthetic
    python bench/procurement.py --source export.jsonl  # any OCDS file terbuka reads
    python bench/procurement.py --copies 8             # the real releases 8 times (ocids suffixed)
    python bench/procurement.py --synthetic 0          # skip the synthetic figure
    python bench/procurement.py --csv-gzip             # the Data Package with gzipped CSVs

The real input, by default, is every release in ``shared/data/procurement/ocds-real-
examples-2018`` (release packages, and the embedded releases of record packages) written
as JSON Lines of release packages; ``--copies N`` repeats it with a suffix on every ``ocid`` and
release ``id``, so fixed costs (imports, model loading) weigh less. On that one file, in
one run, it measures and prints side by side:

- ``terbuka run procurement`` (every stage on): wall time, releases/s, the peak memory of
  its largest process, the per-stage breakdown from the run record's ``timings``;
- a bare ``sqlite_utils`` ``insert_all`` of the rows terbuka published (read back from its
  database): the ratio bare-insert-time / terbuka-time (goal >= 0.5);
- the OCDS community's review pipeline on the same file, ``ocdskit compile`` then
  ``flatten-tool flatten`` to CSV: the ratio community-time / terbuka-time (goal >= 2);
- the published folder's size against the gzipped input (goal <= 20).

Then the synthetic demo generator's releases (``--synthetic N``) as a second figure:
synthetic releases are smaller than real ones and flatter the pipeline.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlite_utils

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TERBUKA_SHARED", REPO.parent / "shared"))
EXAMPLES = SHARED / "data/procurement/ocds-real-examples-2018"
SCHEMA = SHARED / "data/procurement/ocds-schema-1.1.5/release-schema.json"
BIN = Path(sys.executable).parent


def real_releases(folder: Path) -> list[dict[str, Any]]:
    """Every release in the examples: in release packages and embedded in records."""
    found = []
    for path in sorted(folder.rglob("*.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
        except ValueError:
            continue  # three zero-byte files
        if isinstance(data, list):  # an array of bare releases
            found += [r for r in data if isinstance(r, dict) and "ocid" in r]
            continue
        if not isinstance(data, dict):
            continue
        if "ocid" in data:  # a bare release
            found.append(data)
            continue
        found += [r for r in data.get("releases") or [] if isinstance(r, dict)]
        for record in data.get("records") or []:
            if isinstance(record, dict):
                found += [
                    r for r in record.get("releases") or [] if isinstance(r, dict) and "ocid" in r
                ]
    return found


def write_jsonl(path: Path, releases: list[dict[str, Any]], copies: int) -> int:
    """JSON Lines of OCDS 1.1 release packages (100 releases each), read by both pipelines.

    Copy ``n`` > 0 suffixes ``-c{n}`` to every ocid and release id. Packages, not bare
    releases: ``ocdskit compile`` guesses a bare release's version from its fields and
    refuses a mix of 1.0 and 1.1 (these publishers' releases are 1.1 or upgradeable).
    """
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for n in range(copies):
            for start in range(0, len(releases), 100):
                chunk = [
                    {**r, "ocid": f"{r.get('ocid')}-c{n}", "id": f"{r.get('id')}-c{n}"} if n else r
                    for r in releases[start : start + 100]
                ]
                package = {"uri": f"https://example.org/bench/{n}/{start}", "version": "1.1",
                           "publishedDate": "2018-01-01T00:00:00Z", "releases": chunk}  # fmt: skip
                out.write(json.dumps(package, ensure_ascii=False) + "\n")
                count += len(chunk)
    return count


def timed(command: list[str], env: dict[str, str] | None = None, **kwargs: Any) -> dict:
    """Run ``command`` under ``/usr/bin/time``: wall and CPU seconds, peak RSS (MB).

    CPU seconds (user + system, children included) are printed beside wall time: on a
    machine shared with other work, wall time measures the neighbours too.
    """
    report = Path(tempfile.mktemp(prefix="terbuka-time-"))
    wrapped = ["/usr/bin/time", "-f", "%U %S %M", "-o", str(report), *command]
    started = time.perf_counter()
    kwargs.setdefault("stdout", subprocess.PIPE)
    process = subprocess.run(wrapped, stderr=subprocess.PIPE, env=env, **kwargs)
    elapsed = time.perf_counter() - started
    lines = report.read_text().split() if report.exists() else []
    report.unlink(missing_ok=True)
    try:
        cpu, peak = float(lines[-3]) + float(lines[-2]), int(lines[-1]) / 1024
    except (IndexError, ValueError):
        cpu, peak = float("nan"), float("nan")
    return {"seconds": elapsed, "cpu": cpu, "peak_mb": peak, "process": process}


def run_terbuka(source: Path, out: Path, state: Path, args: argparse.Namespace) -> dict:
    command = [str(BIN / "terbuka"), "run", "procurement", "--source", str(source),
               "--out", str(out), "--json", "--quiet", "--force"]  # fmt: skip
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.csv_gzip:
        command.append("--csv-gzip")
    env = {**os.environ, "TERBUKA_STATE_DIR": str(state), "TERBUKA_OCDS_SCHEMA": str(SCHEMA)}
    result = timed(command, env)
    process = result["process"]
    try:
        record = json.loads(process.stdout)
    except ValueError:
        raise SystemExit(f"terbuka printed no record:\n{process.stderr.decode()[-2000:]}") from None
    if process.returncode != 0:
        raise SystemExit(
            f"terbuka failed: {record.get('error')}\n{process.stderr.decode()[-2000:]}"
        )
    result["record"] = record
    return result


def published_tables(db_path: Path) -> list[str]:
    db = sqlite_utils.Database(db_path)
    return [t for t in db.table_names() if not t.startswith(("_", "sqlite_")) and "_fts" not in t]


def bare_insert(published: Path, target: Path, tuned: bool) -> tuple[float, int]:
    """Insert the published rows into a fresh database; ``tuned``: the pipeline's pragmas."""
    source = sqlite_utils.Database(published)
    db = sqlite_utils.Database(target)
    if tuned:
        db.execute("pragma journal_mode = off")
        db.execute("pragma synchronous = off")
    rows = 0
    started = time.perf_counter()
    for table in published_tables(published):
        columns = [c.name for c in source[table].columns]
        cursor = source.execute(f"select * from [{table}]")
        db[table].insert_all(
            (dict(zip(columns, row, strict=True)) for row in cursor), batch_size=1000
        )
        rows += source[table].count
    return time.perf_counter() - started, rows


def community(source: Path, work: Path) -> dict | None:
    """``ocdskit compile``, then ``flatten-tool flatten`` to CSV; ``None`` if not installed."""
    ocdskit, flatten = BIN / "ocdskit", BIN / "flatten-tool"
    if not (ocdskit.exists() and flatten.exists()):
        return None
    compiled = work / "compiled.jsonl"
    script = (f"{shlex.quote(str(ocdskit))} compile --schema {shlex.quote(str(SCHEMA))} "
              f"< {shlex.quote(str(source))} > {shlex.quote(str(compiled))}")  # fmt: skip
    compile_step = timed(["sh", "-c", script])
    if compile_step["process"].returncode != 0:
        raise SystemExit(f"ocdskit compile failed: {compile_step['process'].stderr[-1000:]}")
    started = time.perf_counter()
    package = work / "compiled.json"
    with package.open("w", encoding="utf-8") as out:  # flatten-tool reads one JSON document
        out.write('{"releases": [')
        for index, line in enumerate(compiled.open(encoding="utf-8")):
            out.write(("," if index else "") + line.strip())
        out.write("]}")
    wrap = time.perf_counter() - started
    flatten_step = timed([str(flatten), "flatten", str(package), "--root-list-path", "releases",
                          "--main-sheet-name", "releases", "-f", "csv", "--schema", str(SCHEMA),
                          "-o", str(work / "flat")])  # fmt: skip
    if flatten_step["process"].returncode != 0:
        raise SystemExit(f"flatten-tool failed: {flatten_step['process'].stderr[-1000:]}")
    return {
        "compile": compile_step["seconds"],
        "flatten": flatten_step["seconds"] + wrap,
        "seconds": compile_step["seconds"] + wrap + flatten_step["seconds"],
        "cpu": compile_step["cpu"] + wrap + flatten_step["cpu"],
        "peak_mb": max(compile_step["peak_mb"], flatten_step["peak_mb"]),
    }


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def table_sizes(db_path: Path, publication: Path) -> list[tuple[str, int, int]]:
    """Where the published size goes, largest first (issue 19: cut duplicated storage).

    ``(table, bytes in the database with its indexes and full-text index, bytes of its CSV)``.
    """
    import sqlite3

    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        owner = dict(db.execute("select name, tbl_name from sqlite_master"))
        sizes: dict[str, int] = {}
        for name, pages in db.execute("select name, sum(pgsize) from dbstat group by name"):
            table = owner.get(name, name).split("_fts")[0]
            sizes[table] = sizes.get(table, 0) + pages
    except sqlite3.OperationalError:  # an SQLite built without dbstat
        return []
    finally:
        db.close()
    data = publication / db_path.stem / "data"
    csv = (
        {f.name.split(".")[0]: f.stat().st_size for f in data.glob("*.csv*")}
        if data.is_dir()
        else {}
    )
    rows = [(t, b, csv.get(t, 0)) for t, b in sizes.items() if t in csv]
    return sorted(rows, key=lambda r: -(r[1] + r[2]))


def measure(label: str, source: Path, work: Path, args: argparse.Namespace, compare: bool) -> None:
    """One input: terbuka, the bare insert, the community pipeline; printed side by side."""
    gz = work / (source.name + ".gz")
    with source.open("rb") as raw, gzip.open(gz, "wb", compresslevel=6) as packed:
        shutil.copyfileobj(raw, packed)
    size, gz_size = source.stat().st_size, gz.stat().st_size
    out = work / "site"
    shutil.rmtree(out, ignore_errors=True)
    result = run_terbuka(source, out, work / "state", args)
    record = result["record"]
    read = sum(i.get("records", 0) for i in record["inputs"])
    rows = sum(t["rows"] for t in record["tables"].values())
    db_path = (out / "procurement.db").resolve()
    publication = db_path.parent
    published = folder_size(publication)
    plain, bare_rows = bare_insert(db_path, work / "bare.db", False)
    tuned, _ = bare_insert(db_path, work / "tuned.db", True)
    other = community(source, work) if compare else None
    seconds = result["seconds"]
    print(f"\n== {label}: {read:,} releases, {size / 1e6:.1f} MB ({gz_size / 1e6:.2f} MB gzipped)")
    print(f"terbuka run procurement: {seconds:8.1f} s wall, {result['cpu']:.1f} s CPU  "
          f"{read / seconds:8,.0f} releases/s  peak {result['peak_mb']:,.0f} MB  "
          f"({rows:,} rows published)")  # fmt: skip
    print(f"bare sqlite-utils insert: {plain:7.1f} s default, {tuned:.1f} s journal+sync off "
          f"({bare_rows:,} rows)")  # fmt: skip
    print(f"  ratio bare insert / terbuka: {plain / seconds:.3f} (default), "
          f"{tuned / seconds:.3f} (tuned), {plain / result['cpu']:.3f} (default, against "
          f"terbuka's CPU seconds)   goal >= 0.5")  # fmt: skip
    if other is not None:
        print(f"ocdskit compile + flatten-tool: {other['seconds']:6.1f} s wall, "
              f"{other['cpu']:.1f} s CPU  (compile "
              f"{other['compile']:.1f} s, flatten {other['flatten']:.1f} s, peak "
              f"{other['peak_mb']:,.0f} MB)")  # fmt: skip
        print(f"  ratio community / terbuka: {other['seconds'] / seconds:.2f} wall, "
              f"{other['cpu'] / result['cpu']:.2f} CPU   goal >= 2")  # fmt: skip
    elif compare:
        print("ocdskit / flatten-tool not installed: pip install '.[bench]' to compare")
    print(f"published folder: {published / 1e6:.1f} MB = {published / gz_size:.1f}x the gzipped "
          f"input ({published / size:.1f}x the raw input)   goal <= 20x gzipped")  # fmt: skip
    parts = sorted(publication.iterdir(), key=lambda p: -folder_size(p) if p.is_dir() else -p.stat().st_size)  # fmt: skip
    print("  " + ", ".join(
        f"{p.name} {(folder_size(p) if p.is_dir() else p.stat().st_size) / 1e6:.1f} MB"
        for p in parts[:4]))  # fmt: skip
    largest = table_sizes(db_path, publication)[:5]
    if largest:
        print("  largest tables (database with indexes + CSV): " + ", ".join(
            f"{t} {b / 1e6:.1f} + {c / 1e6:.1f} MB" for t, b, c in largest))  # fmt: skip
    timings = record.get("timings") or {}
    if timings:
        print("stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    print(f"package check: {record['quality'].get('package_check', '?')}")


def generate(path: Path, releases: int) -> None:
    from terbuka.pipelines.demo import Generator, iter_ocds_releases, write_release_package

    generator = Generator(seed=42, track=False)
    stream = itertools.islice(iter_ocds_releases(generator, processes=releases), releases)
    write_release_package(path, stream)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--source", type=Path, help="an OCDS file (default: the real examples)")
    parser.add_argument("--copies", type=int, default=1, help="repeat the real examples")
    parser.add_argument(
        "--synthetic", type=int, default=20_000, help="synthetic releases (0: skip)"
    )
    parser.add_argument("--no-community", action="store_true", help="skip ocdskit/flatten-tool")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--csv-gzip", action="store_true", help="terbuka run --csv-gzip")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="terbuka-bench-"))
    print(f"cores: {os.cpu_count()}, workers: {args.workers or 'default'}, "
          f"CSVs {'gzipped' if args.csv_gzip else 'plain'}, "
          f"load: {os.getloadavg()[0]:.1f}, OCDS schema: {SCHEMA}")  # fmt: skip
    try:
        if args.source:
            source, label = args.source, str(args.source)
        else:
            if not EXAMPLES.exists():
                raise SystemExit(f"{EXAMPLES} is missing: set TERBUKA_SHARED or give --source")
            source = work / "real.jsonl"
            count = write_jsonl(source, real_releases(EXAMPLES), args.copies)
            label = f"real OCDS examples x{args.copies} ({count:,} releases, 12 publishers)"
        (work / "real").mkdir()
        measure(label, source, work / "real", args, not args.no_community)
        if args.synthetic:
            synthetic = work / "synthetic.json"
            generate(synthetic, args.synthetic)
            (work / "synthetic-run").mkdir()
            measure(f"synthetic x{args.synthetic:,}", synthetic, work / "synthetic-run", args,
                    False)  # fmt: skip
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
