"""Reliability: adversarial inputs, injected faults, leftovers and stale pages (issue 13).

    python bench/reliability.py            # every adversarial input, every kill point
    python bench/reliability.py --quick    # a few of each

Prints what was tried and what happened:

- bad inputs tried, clean one-line errors, published with the bad part quarantined or
  noted, internal errors (exit 4 or a traceback), hangs (no answer within ten times
  what an ordinary input takes, at least 120 s), and the peak memory of any run (the
  largest resident set of any process of the runs, from ``RUSAGE_CHILDREN``);
- faults injected (a real run SIGKILLed at every kill point of the swap and of
  withdraw) and survived (the old or the new publication whole afterwards);
- staging databases and build folders left after the next run, and stale pages served
  by a running ``terbuka serve`` after republishing and after a withdraw.

The corpus is generated (``tests/adversarial.py``), never committed; the fault helpers
are the tests' own (``tests/faultkit.py``).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import adversarial  # noqa: E402
import faultkit  # noqa: E402

from terbuka.pipelines.demo import generate_procurement  # noqa: E402


def timed_run(args: list[str], env: dict[str, str], timeout: float) -> dict:
    """Run ``terbuka ARGS``: exit code, last stderr line, seconds, peak RSS (MB), hung."""
    started = time.monotonic()
    process = subprocess.Popen(
        faultkit.terbuka(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    try:
        out, err = process.communicate(timeout=timeout)
        hung = False
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        hung = True
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "code": process.returncode,
        "stderr": err.strip().splitlines()[-1:] if err.strip() else [],
        "traceback": "Traceback" in err,
        "seconds": time.monotonic() - started,
        "peak_mb": peak,
        "hung": hung,
    }


def ordinary_seconds(work: Path, state: Path) -> float:
    """How long an ordinary small procurement input takes here (the yardstick for hangs)."""
    paths, _ = generate_procurement(work / "ordinary", seed=5, processes=20)
    sources = [a for p in paths for a in ("--source", str(p))]
    env = {"TERBUKA_STATE_DIR": str(state)}
    result = timed_run(["run", "procurement", *sources, "--out", str(work / "o"), "-q"], env, 900)
    return result["seconds"]


def bad_inputs(work: Path, state: Path, limit: float, quick: bool) -> dict:
    """Every adversarial case through a real ``terbuka run``."""
    counts = {"tried": 0, "clean": 0, "published": 0, "internal": 0, "hangs": 0, "wrong": 0}
    peak = 0.0
    cases = list(adversarial.cases())
    for case in cases[:6] if quick else cases:
        folder = work / f"case-{counts['tried']}"
        folder.mkdir()
        source = case.write(folder)
        env = {"TERBUKA_STATE_DIR": str(state), **case.env}
        args = ["run", "procurement", "--source", str(source), "--out", str(folder / "site"), "-q"]
        result = timed_run(args, env, limit)
        counts["tried"] += 1
        peak = max(peak, result["peak_mb"])
        if result["hung"]:
            counts["hangs"] += 1
            outcome = "HANG"
        elif result["code"] == 4 or result["traceback"]:
            counts["internal"] += 1
            outcome = "INTERNAL"
        elif result["code"] == 0:
            counts["published"] += 1
            outcome = "published"
        elif len(result["stderr"]) == 1:
            counts["clean"] += 1
            outcome = f"exit {result['code']}"
        else:
            counts["wrong"] += 1
            outcome = f"exit {result['code']} without a line"
        expected_ok = (case.expected == "error") == (outcome.startswith("exit"))
        if not expected_ok:
            counts["wrong"] += 1
        print(f"  {case.name:<55} {outcome:<12} {result['seconds']:6.1f} s")
    counts["peak_mb"] = round(peak)
    return counts


def faults(work: Path, state: Path, quick: bool) -> dict:
    """A real run killed at every kill point: is the old or the new publication whole?"""
    paths, _ = generate_procurement(work / "fault-sources", seed=9, processes=20)
    sources = [a for p in paths for a in ("--source", str(p))]
    out = work / "fault-site"
    env_state = {"TERBUKA_STATE_DIR": str(state)}
    os.environ.update(env_state)
    first = timed_run(["run", "procurement", *sources, "--out", str(out), "-q"], env_state, 900)
    assert first["code"] == 0, first
    injected = survived = 0
    points = list(faultkit.KILL_POINTS)
    for point in points[:2] if quick else points:
        before = faultkit.whole_publication(out, "procurement")
        result = faultkit.killed_run(
            ["run", "procurement", *sources, "--out", str(out), "--force", "-q"], point
        )
        injected += 1
        try:
            after = faultkit.whole_publication(out, "procurement")
            ok = faultkit.was_killed(result) and after is not None
            survived += ok
            state_word = "old" if after == before else "new"
        except AssertionError as error:
            state_word = f"HALF-PUBLISHED: {error}"
        print(f"  killed at {point:<30} {state_word}")
    again = timed_run(
        ["run", "procurement", *sources, "--out", str(out), "--force", "-q"], env_state, 900
    )
    left = faultkit.leftovers(out, state) if again["code"] == 0 else ["(the next run failed)"]
    return {"injected": injected, "survived": survived, "left": len(left), "site": out}


def stale_pages(site: Path, sources: list[str], state: Path) -> dict:
    """A running ``terbuka serve``: pages after a republish and after a withdraw."""
    port = faultkit_free_port()
    server = subprocess.Popen(
        faultkit.terbuka("serve", str(site), "--port", str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url)
        stale = checked = 0
        for _ in range(3):
            env = {"TERBUKA_STATE_DIR": str(state)}
            timed_run(
                ["run", "procurement", *sources, "--out", str(site), "--force", "-q"], env, 900
            )
            run_id = faultkit.whole_publication(site, "procurement")
            time.sleep(2)
            status, body = _get(
                f"{url}/procurement/_runs.json?_shape=array&_sort_desc=rowid&_size=1"
            )
            checked += 1
            stale += status != 200 or run_id not in body
        subprocess.run(
            faultkit.terbuka("withdraw", "procurement", "--out", str(site)),
            capture_output=True,
            timeout=600,
            env={**os.environ, "TERBUKA_STATE_DIR": str(state)},
        )
        status, _ = _get(f"{url}/procurement.json")
        checked += 1
        stale += status != 404
        return {"checked": checked, "stale": stale}
    finally:
        server.terminate()
        server.wait(timeout=30)


def faultkit_free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def _wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few inputs and kill points")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="terbuka-reliability-"))
    state = work / "state"
    try:
        ordinary = ordinary_seconds(work, state)
        limit = max(120.0, 10 * ordinary)
        print(f"ordinary input: {ordinary:.1f} s; a hang is no answer within {limit:.0f} s")
        print("bad inputs:")
        bad = bad_inputs(work, state, limit, args.quick)
        print("faults:")
        fault = faults(work, state, args.quick)
        sources = [
            a for p in sorted((work / "fault-sources").iterdir()) for a in ("--source", str(p))
        ]
        pages = stale_pages(fault["site"], sources, state)
        print()
        print(
            f"bad inputs tried {bad['tried']}: clean errors {bad['clean']}, published with "
            f"the bad part quarantined or noted {bad['published']}, internal errors "
            f"{bad['internal']}, hangs {bad['hangs']}, unexpected outcomes {bad['wrong']}, "
            f"peak memory {bad['peak_mb']} MB"
        )
        print(f"faults injected {fault['injected']}, survived {fault['survived']}")
        print(
            f"staging files left after the next run {fault['left']}; stale pages served "
            f"{pages['stale']} of {pages['checked']} checked"
        )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
