"""The fixed costs a test pays per call, the way the suite pays them.

    python bench/suite_costs.py              # 5 calls of each
    python bench/suite_costs.py --calls 10

Prints wall and CPU seconds (this process and its children) per call of:
- the ``terbuka`` console script in a subprocess (``run_cli``) vs click's ``CliRunner`` in
  this process (``invoke_cli``), for a command that fails at once (only the fixed cost);
- starting ``terbuka serve`` and answering one request over HTTP (``ServedSite``) vs one
  Datasette in this process answering it (``InProcessSite``), over a small published site.

The figures are per call; multiply by the calls a suite makes. CPU seconds barely change
with the machine's load; wall seconds do (other processes share the cores).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import InProcessSite, ServedSite, invoke_cli, run_cli  # noqa: E402


def cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(label: str, calls: int, action) -> None:
    action()  # warm: imports in this process are paid once per test session, not per call
    wall, spent = time.perf_counter(), cpu()
    for _ in range(calls):
        action()
    wall, spent = (time.perf_counter() - wall) / calls, (cpu() - spent) / calls
    print(f"{label:<46} {wall:7.2f} s wall {spent:7.2f} s CPU per call")


def small_site(folder: Path) -> Path:
    from terbuka.pipelines.demo import generate_procurement
    from terbuka.pipelines.runner import run_dataset

    paths, _ = generate_procurement(folder / "sources", seed=7, processes=20)
    out = folder / "site"
    record = run_dataset("procurement", [str(p) for p in paths], out, show_progress=False)
    assert record["status"] == "published", record.get("error")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=5)
    calls = parser.parse_args().calls
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TERBUKA_STATE_DIR"] = str(Path(tmp) / "state")
        missing = ["run", "procurement", "--source", str(Path(tmp) / "nope.csv")]
        missing += ["--out", str(Path(tmp) / "o"), "-q"]

        def subprocess_cli():
            assert run_cli(*missing).returncode == 2

        def in_process_cli():
            assert invoke_cli(*missing).returncode == 2

        measure("CLI: subprocess (run_cli)", calls, subprocess_cli)
        measure("CLI: CliRunner in-process (invoke_cli)", calls, in_process_cli)

        site = small_site(Path(tmp))
        path = "/procurement/tenders.json?_shape=array&_size=5"

        def served():
            import httpx

            server = ServedSite(site)
            try:
                assert httpx.get(server.url + path, timeout=60).status_code == 200
            finally:
                server.stop()

        def in_process():
            local = InProcessSite(site)
            try:
                assert local.get(path).status_code == 200
            finally:
                local.close()

        measure("site: start `terbuka serve` + 1 HTTP request", calls, served)
        measure("site: in-process Datasette + 1 request", calls, in_process)
        local = InProcessSite(site)
        measure("site: 1 more request, in-process", calls * 10, lambda: local.get(path))
        local.close()
        server = ServedSite(site)

        def over_http():
            import httpx

            httpx.get(server.url + path, timeout=60)

        measure("site: 1 more request, over HTTP (server CPU not counted)", calls * 10, over_http)
        server.stop()


if __name__ == "__main__":
    main()
