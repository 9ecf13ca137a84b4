"""Benchmark the catalog side of a published procurement dataset.

    python bench/catalog.py                       # 20k releases
    python bench/catalog.py --releases 100000
    CKAN_URL=… CKAN_API_TOKEN=… python bench/catalog.py   # also: publish, then a no-op publish

Publishes N synthetic releases with ``terbuka run procurement``, then times, in-process:
the OCDS record package (records/s, MB/s), the embedded catalog's ``package_show`` cold
(hashes every file, generates the record package once) and warm, and ``package_search``.
With a CKAN given, also the first publish and a no-op re-publish (the idempotency check
costs one ``package_show`` plus hashing the files).
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from terbuka.catalogs import ocds
from terbuka.catalogs.embedded import EmbeddedCKAN
from terbuka.catalogs.published import load_published
from terbuka.pipelines.demo import Generator, iter_ocds_releases, write_release_package

SITE = "https://data.example.go.id"


def timed(label: str, function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    elapsed = time.perf_counter() - started
    print(f"{label:<40} {elapsed:8.3f} s")
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=20000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="terbuka-bench-catalog-"))
    try:
        source, out = work / "releases.json", work / "site"
        generator = Generator(seed=42, track=False)
        releases = itertools.islice(
            iter_ocds_releases(generator, processes=args.releases), args.releases
        )
        write_release_package(source, releases)
        command = [str(Path(sys.executable).with_name("terbuka")), "run", "procurement",
                   "--source", str(source), "--out", str(out), "--quiet"]  # fmt: skip
        env = {**os.environ, "TERBUKA_STATE_DIR": str(work / "state")}
        _, elapsed = timed(
            f"terbuka run ({args.releases} releases)", subprocess.run, command, env=env, check=True
        )
        published = load_published(out, "procurement")
        import sqlite3

        with sqlite3.connect(published.db_path) as connection:
            processes = connection.execute("select count(*) from compiled_releases").fetchone()[0]
        path = work / "records.json"
        _, elapsed = timed("OCDS record package", ocds.record_package_writer(published, SITE), path)
        size = path.stat().st_size / 1e6
        print(
            f"  {processes} records, {size:.1f} MB: {processes / elapsed:,.0f} records/s, {size / elapsed:.1f} MB/s"
        )
        catalog = EmbeddedCKAN(lambda: [published], SITE)
        timed("embedded package_show (cold: hashes)", catalog.action.package_show, id="procurement")
        timed("embedded package_show (warm)", catalog.action.package_show, id="procurement")
        timed("embedded package_search fq (warm)", catalog.action.package_search, fq="tags:OCDS")
        if os.environ.get("CKAN_URL") and os.environ.get("CKAN_API_TOKEN"):
            publish = [str(Path(sys.executable).with_name("terbuka")), "publish", str(out), "--ckan",
                       os.environ["CKAN_URL"], "--site-url", SITE, "--quiet",
                       "--name-prefix", f"bench{int(time.time())}-"]  # fmt: skip
            timed("publish to CKAN (first)", subprocess.run, publish, check=True)
            timed("publish to CKAN (no-op)", subprocess.run, publish, check=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
