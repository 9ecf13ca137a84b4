"""How the run scales with worker processes, measured here and projected by Amdahl's law.

    python bench/scale.py [--processes 600] [--workers 1,2,4] [--executors local,dask,tcp] [--repeat 3]

Publishes the demo's procurement sources (``--processes`` contracting processes, a seed of
their own for every run) once per executor and worker count and splits each run's wall
time, from the stage timings in its run record (pipelines/timings.py), into the parallel part (transform, privacy and row
checks, which run per unit on the workers) and the serial part (extract, disclosure and
derived tables, the quality gate, the package, the swap). The parallel part of a Dask
run includes starting its cluster and each worker building its context (the Presidio and
spaCy models), once per run.

From the single-worker local run it takes the seconds per release of each part and
projects, by Amdahl's law, a run of 10 million releases on 8, 32 and 128 workers:
``T(N) = R · (serial + parallel / N)``, which can never drop below ``R · serial``.
``tcp`` is a long-lived cluster, as a deployment runs one (docs/scaling.md): a ``dask
scheduler`` and ``dask worker --nworkers N --nthreads 1`` started by the bench before any
run (with Dask's profiler off, as terbuka sets it for its own clusters), warmed by one
run that is not counted; its workers keep the models loaded between runs, so its
parallel part holds no start-up.
Before any run the bench loads the privacy models in its own process, as the first run
would: otherwise the first configuration measured (local, 1 worker) alone would pay that
load in its parallel part and flatter every ratio against it.
``--repeat N`` runs every configuration N times, one after the other in turn (so a slow
spell of a shared machine hits every configuration alike), and prints the medians.
The projection assumes the serial part grows linearly with the releases (it is SQLite
writes, a gate and a package over the whole tables) and that a worker machine is as fast
as this one. The machine is shared: figures vary from run to run; say so when quoting.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

PARALLEL = "transform+privacy+quality"
TARGET_RELEASES = 10_000_000
CLUSTERS = (8, 32, 128)


def measure(
    sources: list[str], executor: str, workers: int, base: Path, address: str | None = None
) -> dict:
    """One published run: its wall time, parallel and serial seconds, releases.

    ``address``: the scheduler of a long-lived cluster (``executor`` is then ``tcp``).
    """
    from terbuka.pipelines.runner import run_dataset

    out = Path(tempfile.mkdtemp(prefix=f"site-{executor}-{workers}-", dir=base))  # a new site
    started = time.perf_counter()
    record = run_dataset(
        "procurement", sources, out, show_progress=False, workers=workers,
        executor=address or executor,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if record["status"] != "published":
        raise SystemExit(f"{executor} × {workers}: {record['status']}: {record.get('error')}")
    timings = record["timings"]
    parallel = timings.get(PARALLEL, 0.0)
    return {
        "executor": executor,
        "workers": workers,
        "wall": wall,
        "parallel": parallel,
        "serial": sum(timings.values()) - parallel,
        "releases": record["tables"]["releases"]["rows"],
    }


@contextmanager
def long_lived_cluster(workers: int) -> Iterator[str]:
    """A ``dask scheduler`` and ``workers`` single-threaded workers on loopback; its address."""
    from distributed import Client

    dask = str(Path(sys.executable).parent / "dask")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    started = [
        subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                          "--no-dashboard"], **quiet),  # type: ignore[call-overload]
        subprocess.Popen([dask, "worker", address, "--nworkers", str(workers), "--nthreads",
                          "1", "--no-dashboard"], **quiet),  # type: ignore[call-overload]
    ]  # fmt: skip
    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=60)


def median_run(runs: list[dict]) -> dict:
    """One row of medians: wall, parallel and serial seconds, each its own median."""
    row = dict(runs[0])
    for key in ("wall", "parallel", "serial"):
        row[key] = statistics.median(r[key] for r in runs)
    row["runs"] = len(runs)
    return row


def project(base: dict) -> list[str]:
    """Amdahl's law from one single-worker run: the serial fraction and 10 M releases."""
    releases = base["releases"]
    serial, parallel = base["serial"] / releases, base["parallel"] / releases
    fraction = serial / (serial + parallel)
    lines = [
        f"serial fraction (1 worker, local): {fraction:.1%} "
        f"({base['serial']:.1f} s of {base['serial'] + base['parallel']:.1f} s)",
        f"per release: parallel {parallel * 1000:.2f} ms, serial {serial * 1000:.2f} ms",
    ]
    for workers in CLUSTERS:
        hours = TARGET_RELEASES * (serial + parallel / workers) / 3600
        lines.append(f"projected 10 M releases on {workers:>3} workers: {hours:6.2f} h")
    cap = TARGET_RELEASES * serial / 3600
    lines.append(
        f"the serial part alone caps it at {cap:.2f} h however many workers "
        f"(at most {1 / fraction:.1f}× faster than one worker)"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=600, help="demo contracting processes")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--executors", default="local,dask")
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration (medians)")
    args = parser.parse_args()
    from terbuka.pipelines.dask_executor import warm_worker
    from terbuka.pipelines.demo import generate_procurement

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        os.environ.setdefault("TERBUKA_STATE_DIR", str(base / "state"))
        seeds = iter(range(2024, 2124))

        def fresh_sources() -> list[str]:
            """Demo sources of their own for each run.

            A long-lived worker keeps its scanner's cache of texts between runs of one
            recipe, and the same texts again would flatter it.
            """
            seed = next(seeds)
            paths, _ = generate_procurement(base / f"src-{seed}", seed, args.processes)
            return [str(p) for p in paths]

        rows = []
        print(
            f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
            f"medians of {args.repeat} run(s) per row"
        )
        print(
            "executor  workers  releases   wall s  parallel s  serial s  "
            "speed-up (same executor, 1 worker)  vs one process (local, 1)"
        )
        configurations = [
            (executor, int(workers))
            for executor in args.executors.split(",")
            for workers in args.workers.split(",")
        ]
        runs: dict[tuple[str, int], list[dict]] = {c: [] for c in configurations}
        warm_worker()  # this process's models, loaded once before any run is timed
        clusters = ExitStack()
        addresses: dict[int, str] = {}
        for executor, workers in configurations:
            if executor == "tcp":  # started before any run, warmed by one uncounted run
                addresses[workers] = clusters.enter_context(long_lived_cluster(workers))
                measure(fresh_sources(), "tcp", workers, base, addresses[workers])

        def one(executor: str, workers: int) -> None:
            address = addresses.get(workers) if executor == "tcp" else None
            sources = fresh_sources()
            runs[executor, workers].append(measure(sources, executor, workers, base, address))

        for _ in range(args.repeat - 1):  # earlier rounds: every configuration in turn
            for executor, workers in configurations:
                one(executor, workers)
        for executor, workers in configurations:
            one(executor, workers)
            row = median_run(runs[executor, workers])
            rows.append(row)
            first = next(r for r in rows if r["executor"] == executor)
            # The goal compares the parallel stages with the single-process run.
            alone = next((r for r in rows if r["executor"] == "local" and r["workers"] == 1), None)  # fmt: skip
            versus = f"{alone['parallel'] / row['parallel']:>25.2f}×" if alone else ""
            print(
                f"{executor:<9} {workers:>7} {row['releases']:>9} {row['wall']:>8.1f} "
                f"{row['parallel']:>11.1f} {row['serial']:>9.1f} "
                f"{first['parallel'] / row['parallel']:>34.2f}× {versus}",
                flush=True,
            )
        clusters.close()
        single = [r for r in rows if r["workers"] == 1]
        print("\n".join(project(single[0] if single else rows[0])))
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":  # Dask's workers start by spawn and import this module again
    main()
