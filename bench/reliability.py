"""Reliability: adversarial inputs, injected faults, leftovers and stale pages (issue 13).

    python bench/reliability.py            # every adversarial input, every kill point
    python bench/reliability.py --quick    # a few of each (and every planted-value case)
    python bench/reliability.py --big      # 300 MB inputs only (--big-mb to change the size)

Prints what was tried and what happened:

- bad inputs tried, clean one-line errors, published with the bad part quarantined or
  noted, internal errors (exit 4 or a traceback), hangs (no answer within ten times
  what an ordinary input takes, at least 120 s), planted personal values (a NIK, a phone
  number) found in the message or any published file, and the peak memory of any run (the
  largest resident set of any process of the runs, from ``RUSAGE_CHILDREN``);
- faults injected (a real run SIGKILLed at every kill point of the swap and of
  withdraw) and survived (the old or the new publication whole afterwards);
- staging databases and build folders left after the next run, and stale pages served
  by a running ``terbuka serve`` after republishing and after a withdraw.

With ``--big``: four inputs of 300 MB each, generated in a temporary folder (never the
repository) by ``adversarial.big_files``: OCDS JSON Lines (the ordinary input of that
size, the yardstick), the same releases as one JSON array on a single line, one release
whose description is a single 300 MB string, and an SPSE CSV. Each goes through a real
``terbuka run`` with a generous timeout; printed per input: exit code, the one-line
message, wall time, the peak resident set of the largest process (``RUSAGE_CHILDREN``
of a fresh wrapper) and of all its processes together (sampled from ``/proc``, or
psutil when installed). Goal: ≤ 1 GB per process, ≤ 2 GB summed, no hang.

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
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import adversarial  # noqa: E402
import faultkit  # noqa: E402

from terbuka.pipelines.demo import generate_procurement  # noqa: E402


def _wait(process: subprocess.Popen, timeout: float) -> tuple[str, bool]:
    """The process's stderr, and whether it hung (then it is killed once ``timeout`` passes)."""
    try:
        return process.communicate(timeout=timeout)[1], False
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[1], True


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
    err, hung = _wait(process, timeout)
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
    counts = dict.fromkeys(
        ("tried", "clean", "published", "internal", "hangs", "wrong", "leaks"), 0
    )
    peak = 0.0
    cases = list(adversarial.cases())
    # --quick: the first six, and the planted values and other domains (cheap, and the
    # acceptance's "no planted value in any output" needs them)
    chosen = [
        c
        for i, c in enumerate(cases)
        if not quick or i < 6 or c.planted or c.domain != "procurement"
    ]
    for case in chosen:
        folder = work / f"case-{counts['tried']}"
        folder.mkdir()
        source = case.write(folder)
        env = {"TERBUKA_STATE_DIR": str(state), **case.env}
        args = ["run", case.domain, "--source", str(source), "--out", str(folder / "site"), "-q"]
        result = timed_run(args, env, limit)
        counts["tried"] += 1
        counts["leaks"] += planted_left(case.planted, folder / "site", result["stderr"])
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


def planted_left(planted: tuple[str, ...], site: Path, stderr: list[str]) -> int:
    """How many planted personal values are in the run's message or any file it published."""
    outputs = ["\n".join(stderr).encode()]
    outputs += [p.read_bytes() for p in site.rglob("*") if p.is_file()] if site.exists() else []
    return sum(any(value.encode() in output for output in outputs) for value in planted)


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


# --- 300 MB inputs ------------------------------------------------------------------

# Runs the command given after it and prints the largest resident set of any of its
# processes (every descendant that was waited for is in RUSAGE_CHILDREN), in KB.
PEAK_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every descendant, now (psutil, else ``/proc``)."""
    try:
        import psutil

        parent = psutil.Process(root)
        processes = [parent, *parent.children(recursive=True)]
        total = 0
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                continue
        return total
    except ImportError:
        pass
    except Exception:  # the process ended between two looks
        return 0
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def measured_run(args: list[str], env: dict[str, str], timeout: float) -> dict:
    """``terbuka ARGS`` with its peak memory per process and summed over its processes."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", PEAK_WRAPPER, *faultkit.terbuka(*args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    summed = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            summed[0] = max(summed[0], _tree_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err, hung = _wait(process, timeout)
    done.set()
    sampler.join()
    lines = [line for line in err.strip().splitlines() if line.strip()]
    peak = [int(line.split()[1]) for line in lines if line.startswith("PEAK_KB")]
    message = [line for line in lines if not line.startswith("PEAK_KB")]
    return {
        "code": process.returncode,
        "message": message[-1] if message else "",
        "lines": len(message),
        "seconds": time.monotonic() - started,
        "peak_mb": (peak[0] / 1024) if peak else float("nan"),
        "summed_mb": summed[0] / (1 << 20),
        "hung": hung,
    }


BIG_CASES = ("one-huge-value", "one-line-array", "spse-csv", "ocds-lines")


def big_inputs(
    work: Path, state: Path, size_mb: int, timeout: float, cases: tuple[str, ...] = BIG_CASES
) -> list[dict]:
    """The big inputs through real runs; times are compared with the JSON Lines run.

    The one huge value and the single-line array run first: they are the ones that
    could blow up; the JSON Lines run (the ordinary input of that size) gives the
    yardstick for "no hang" once it is done.
    """
    print(f"generating {size_mb} MB inputs in {work} …", flush=True)
    files = adversarial.big_files(work / "big", size_mb << 20)
    results = []
    for name in cases:
        path = files[name]
        out = work / f"big-site-{name}"
        env = {"TERBUKA_STATE_DIR": str(state)}
        args = ["run", "procurement", "--source", str(path), "--out", str(out), "-q"]
        result = measured_run(args, env, timeout)
        result.update(name=name, mb=path.stat().st_size / (1 << 20))
        results.append(result)
        print(
            f"  {name:<15} {result['mb']:6.0f} MB  exit {result['code']}"
            f"{' HUNG' if result['hung'] else ''}  {result['seconds']:7.1f} s  "
            f"peak {result['peak_mb']:5.0f} MB per process, {result['summed_mb']:5.0f} MB "
            f"summed  {result['message'][:160]!r}",
            flush=True,
        )
        shutil.rmtree(out, ignore_errors=True)
    yardstick = next((r["seconds"] for r in results if r["name"] == "ocds-lines"), None)
    for result in results if yardstick else []:  # no yardstick: no ratio to print
        result["times_ordinary"] = result["seconds"] / yardstick
        print(f"  {result['name']:<15} {result['times_ordinary']:.2f}× the JSON Lines time")
    return results


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
    parser.add_argument("--big", action="store_true", help="only the 300 MB inputs")
    parser.add_argument("--big-mb", type=int, default=300, help="size of each big input")
    parser.add_argument(
        "--big-cases",
        default=",".join(BIG_CASES),
        help="which big inputs to run, comma-separated (ocds-lines is the yardstick)",
    )
    parser.add_argument(
        "--big-timeout", type=float, default=6 * 3600, help="seconds before a big run is a hang"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="terbuka-reliability-"))
    state = work / "state"
    try:
        if args.big:
            cases = tuple(c for c in args.big_cases.split(",") if c in BIG_CASES)
            big = big_inputs(work, state, args.big_mb, args.big_timeout, cases)
            worst = max(r["peak_mb"] for r in big)
            summed = max(r["summed_mb"] for r in big)
            hangs = sum(r["hung"] for r in big)
            internal = sum(r["code"] == 4 or "Traceback" in r["message"] for r in big)
            print(
                f"\nbig inputs {len(big)}: hangs {hangs}, internal errors {internal}, "
                f"largest process {worst:.0f} MB, largest sum over processes {summed:.0f} MB"
            )
            return
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
            f"planted personal values found in an output or message {bad['leaks']}, "
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
