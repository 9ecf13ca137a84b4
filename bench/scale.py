"""How the run scales with worker processes, measured here and projected by Amdahl's law.

    python bench/scale.py [--processes 600] [--workers 1,2,4] [--executors local,dask,tcp] [--repeat 3]
                          [--smaller 1500]

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
Before any run the bench loads the privacy models and imports Great Expectations in its
own process, as the first run would: otherwise the first configuration measured (local,
1 worker) alone would pay the model load in its parallel part and the import in its
serial part (the gate), and flatter every ratio against it.
``--repeat N`` runs every configuration N times, one after the other in turn (so a slow
spell of a shared machine hits every configuration alike), and prints the medians.
The projection assumes the serial part grows linearly with the releases (it is SQLite
writes, a gate and a package over the whole tables) and that a worker machine is as fast
as this one. Part of it does not grow (the package check's bounded sample, set-ups):
``--smaller N`` also runs local × 1 on N processes and fits each part as a fixed cost plus
a cost per release, and projects with the fixed costs apart (``project_fitted``).
The machine is shared: figures vary from run to run; say so when quoting.
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


def fit(small: dict, large: dict) -> dict:
    """Fixed seconds and seconds per release of each part, from runs of two sizes.

    A run's serial part holds costs that do not grow with the releases (the package
    check's bounded sample, the gate's set-up, loading models and code): read as a cost
    per release, as ``project`` does, they inflate the projection of a larger run. Two
    sizes separate them: ``part = fixed + per_release · R``. A negative fixed cost (the
    machine's noise) is taken as zero, with the whole part per release.
    """
    fitted = {}
    for part in ("serial", "parallel"):
        slope = (large[part] - small[part]) / (large["releases"] - small["releases"])
        fixed = large[part] - slope * large["releases"]
        if fixed < 0 or slope < 0:
            fixed, slope = 0.0, large[part] / large["releases"]
        fitted[part] = (fixed, slope)
    return fitted


def project_fitted(small: dict, large: dict) -> list[str]:
    """Amdahl's law with the fixed costs apart: ``T(N) = F + R · (s + p / N)``."""
    fitted = fit(small, large)
    (serial_fixed, serial), (parallel_fixed, parallel) = fitted["serial"], fitted["parallel"]
    lines = [
        f"fitted from {small['releases']:,} and {large['releases']:,} releases (local, 1 worker): "
        f"serial {serial_fixed:.1f} s + {serial * 1000:.3f} ms/release, "
        f"parallel {parallel_fixed:.1f} s + {parallel * 1000:.3f} ms/release",
    ]
    for workers in CLUSTERS:
        seconds = serial_fixed + parallel_fixed + TARGET_RELEASES * (serial + parallel / workers)
        lines.append(f"projected 10 M releases on {workers:>3} workers: {seconds / 3600:6.2f} h")
    cap = (serial_fixed + TARGET_RELEASES * serial) / 3600
    lines.append(f"the serial part alone caps it at {cap:.2f} h however many workers")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=600, help="demo contracting processes")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--executors", default="local,dask")
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration (medians)")
    parser.add_argument(
        "--smaller", type=int, default=0,
        help="also run local × 1 on this many processes, to fit fixed and per-release costs",
    )  # fmt: skip
    args = parser.parse_args()
    from terbuka.pipelines.dask_executor import warm_worker
    from terbuka.pipelines.demo import generate_procurement
    from terbuka.pipelines.quality.gx import import_gx

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        os.environ.setdefault("TERBUKA_STATE_DIR", str(base / "state"))
        seeds = iter(range(2024, 2124))

        def fresh_sources(processes: int = args.processes) -> list[str]:
            """Demo sources of their own for each run.

            A long-lived worker keeps its scanner's cache of texts between runs of one
            recipe, and the same texts again would flatter it.
            """
            seed = next(seeds)
            paths, _ = generate_procurement(base / f"src-{seed}", seed, processes)
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
        import_gx()  # and Great Expectations: else the first run's gate pays its import
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
        local = next((r for r in rows if r["executor"] == "local" and r["workers"] == 1), None)
        if args.smaller and local:
            small = median_run(
                [measure(fresh_sources(args.smaller), "local", 1, base) for _ in range(args.repeat)]
            )
            print(
                f"local × 1 on {args.smaller} processes: {small['releases']} releases, "
                f"wall {small['wall']:.1f} s, parallel {small['parallel']:.1f} s, "
                f"serial {small['serial']:.1f} s"
            )
            print("\n".join(project_fitted(small, local)))
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":  # Dask's workers start by spawn and import this module again
    main()
