"""Disk cost per kept version, with and without sharing unchanged files (issue 17).

    python bench/version_sharing.py                 # 4 publications of 12 East Java budgets
    python bench/version_sharing.py --regions 38 --runs 4

Publishes the DJPK 2023 budget exports in ../shared/data (copied to a temporary folder,
never the repository) several times with small changes: one figure revised in one
region, a region added, another figure revised. Then prints, per kept version, its size
if every file were its own copy ("unshared": what each version cost before sharing) and
what it adds on disk now that byte-identical files are hard links to the previous
version's ("shared": each file counted once, in the oldest version holding it). Sizes
are allocated blocks (``st_blocks``), as ``du`` counts them.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TERBUKA_SHARED", ROOT.parent / "shared")) / "data"
DJPK = SHARED / "budget" / "apbd-jatim-djpk" / "2023"


def revise(path: Path, account: str) -> None:
    """Change one planned figure of ``account`` in a DJPK export (a small correction)."""
    text = path.read_text("utf-8")
    pattern = rf'^("\s*{re.escape(account)}",")([\d.,]+) M"'
    revised = re.sub(pattern, r'\g<1>1.234,56 M"', text, count=1, flags=re.M)
    if revised == text:
        sys.exit(f"{path}: no {account!r} line to revise")
    path.write_text(revised, "utf-8")


def sources(base: Path, regions: list[str], runs: int) -> list[Path]:
    """One source folder per publication, each a small change from the one before."""
    folders = []
    for number in range(runs):
        folder = base / f"src{number}" / "2023"
        folder.mkdir(parents=True)
        names = regions[:-1] if number < 2 else regions  # the last region added in run 3
        for name in names:
            shutil.copy(DJPK / f"{name}.csv", folder)
        if number >= 1:
            revise(folder / f"{names[0]}.csv", "Pendapatan Daerah")
        if number >= 3:
            revise(folder / f"{names[1]}.csv", "Belanja Daerah")
        folders.append(folder.parent)
    return folders


def usage(root: Path) -> list[tuple[str, int, int, int, int]]:
    """Per version: run id, files, linked files, unshared bytes, bytes added on disk."""
    seen: set[tuple[int, int]] = set()
    rows = []
    for version in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = linked = unshared = added = 0
        for path in version.rglob("*"):
            if path.is_symlink() or not path.is_file():
                continue
            stat = path.stat()
            size = stat.st_blocks * 512
            files += 1
            unshared += size
            if (stat.st_dev, stat.st_ino) in seen:
                linked += 1
            else:
                seen.add((stat.st_dev, stat.st_ino))
                added += size
        rows.append((version.name, files, linked, unshared, added))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=12)
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    from terbuka.pipelines.runner import run_dataset

    regions = sorted(p.stem for p in DJPK.glob("*.csv"))[: args.regions]
    with tempfile.TemporaryDirectory(prefix="version-sharing-") as tmp:
        base = Path(tmp)
        out = base / "site"
        for folder in sources(base, regions, args.runs):
            started = time.perf_counter()
            record = run_dataset("budget", [str(folder)], out, show_progress=False)
            took = time.perf_counter() - started
            if record["status"] != "published":
                sys.exit(f"run {folder}: {record['status']}: {record.get('error')}")
            print(f"published {record['run_id']} in {took:.1f} s", file=sys.stderr)
        rows = usage(out / ".publications" / "budget")
    mib = 1024 * 1024
    print(f"budget, {len(regions)} DJPK regions, {len(rows)} kept versions")
    print(f"{'version':32} {'files':>5} {'linked':>6} {'unshared MiB':>12} {'shared MiB':>10}")
    for run_id, files, linked, unshared, added in rows:
        print(f"{run_id:32} {files:5d} {linked:6d} {unshared / mib:12.2f} {added / mib:10.2f}")
    total_unshared = sum(r[3] for r in rows)
    total_shared = sum(r[4] for r in rows)
    later = rows[1:]
    print(f"total: unshared {total_unshared / mib:.2f} MiB, shared {total_shared / mib:.2f} MiB")
    if later:
        per = sum(r[4] for r in later) / len(later) / mib
        full = sum(r[3] for r in later) / len(later) / mib
        print(f"per later version: {full:.2f} MiB unshared, {per:.2f} MiB shared")


if __name__ == "__main__":
    main()
