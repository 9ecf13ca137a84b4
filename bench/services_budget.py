"""Time the budget and service-kpi pipelines end to end.

    python bench/services_budget.py                       # 20k and 100k complaints
    python bench/services_budget.py --complaints 5000 --shared ../shared/data

Runs ``terbuka run`` in a subprocess (so the figures include start-up, Presidio, quality,
packaging and the swap) on: generated complaint exports of each size (the demo generator:
Indonesian free text with personal data in a quarter of the complaints), and, when the
shared data is there, the 114 real DJPK exports and the NYC 311 sample. Prints records/s
and the peak memory of the run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from terbuka.pipelines.demo_services import generate_services


def run(dataset: str, sources: list[Path], out: Path, state: Path) -> tuple[dict, float, int]:
    command = [
        str(Path(sys.executable).with_name("terbuka")),
        "run",
        dataset,
        "--out",
        str(out),
        "--json",
        "--quiet",
        "--force",
    ]
    for source in sources:
        command += ["--source", str(source)]
    started = time.perf_counter()
    result = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "TERBUKA_STATE_DIR": str(state)}
    )
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return json.loads(result.stdout), elapsed, peak


def report(label: str, record: dict, elapsed: float, peak: int) -> None:
    read = sum(i["records"] for i in record.get("inputs", []))
    print(
        f"{label:<38} {record['status']:<10} {read:>8} records  {elapsed:7.1f} s  "
        f"{read / elapsed:8.0f} records/s  peak {peak} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--complaints", type=int, nargs="*", default=[20_000, 100_000])
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path(__file__).resolve().parents[1].parent / "shared" / "data",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        temp = Path(temp)
        state = temp / "state"
        if (args.shared / "budget").is_dir():
            record, elapsed, peak = run(
                "budget", [args.shared / "budget" / "apbd-jatim-djpk"], temp / "site", state
            )
            report("budget: 114 DJPK exports", record, elapsed, peak)
            nyc = args.shared / "service-kpi" / "nyc311_2018-2019_sample_41col.csv"
            record, elapsed, peak = run("service-kpi", [nyc], temp / "site", state)
            report("service-kpi: NYC 311 sample", record, elapsed, peak)
        for count in args.complaints:
            folder = temp / f"complaints-{count}"
            paths, _ = generate_services(folder, seed=1, complaints=count)
            record, elapsed, peak = run("service-kpi", paths, temp / "site", state)
            report(f"service-kpi: {count} generated complaints", record, elapsed, peak)


if __name__ == "__main__":
    main()
