"""The code paths of 300 MB inputs at a few MB, under a memory ceiling (issue 13).

``bench/reliability.py --big`` runs the 300 MB files; here the same shapes, generated
by ``adversarial.big_files`` at 3 MB (more releases than one staging batch), go through real runs in a child process whose peak
resident set (``RUSAGE_CHILDREN``: the largest of the run's processes) must stay under
1 GB: one single-line JSON array streamed and published, one huge JSON value refused
with the limit named (the limit lowered to 1 MB so a small file stands for a huge one).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from adversarial import MB, big_files

from terbuka.pipelines.domains.procurement import STAGE_BATCH

ROOT = Path(__file__).resolve().parent
CEILING = 1024 * MB


def run_measured(source: Path, out: Path, env: dict[str, str]) -> dict:
    code = textwrap.dedent(f"""
        import json, resource, subprocess, sys
        args = [{str(Path(sys.executable).with_name("terbuka"))!r}, "run", "procurement",
                "--source", {str(source)!r}, "--out", {str(out)!r}, "-q"]
        done = subprocess.run(args, capture_output=True, text=True, timeout=3000)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        print(json.dumps({{"code": done.returncode, "err": done.stderr, "peak": peak}}))
    """)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=3600,
        cwd=ROOT,
        env={**os.environ, "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "", **env},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_a_single_line_array_and_one_huge_value(tmp_path):
    files = big_files(tmp_path / "big", 3 * MB)
    state = {"TERBUKA_STATE_DIR": str(tmp_path / "state")}
    array = run_measured(files["one-line-array"], tmp_path / "site-array", state)
    print(f"single-line array, 3 MB: peak {array['peak'] / MB:.0f} MB")
    assert array["code"] == 0, array["err"][-2000:]
    assert array["peak"] < CEILING, array
    lines = sum(1 for _ in files["ocds-lines"].open("rb"))
    with open(tmp_path / "site-array" / "procurement" / "run.json") as handle:
        record = json.load(handle)
    releases = record["tables"]["releases"]
    assert releases["rows_in"] == lines  # every release of the one line was read
    assert lines > STAGE_BATCH  # staged in more than one batch, as a big file is

    huge = run_measured(
        files["one-huge-value"],
        tmp_path / "site-huge",
        {**state, "TERBUKA_JSON_MAX_VALUE_MB": "1"},
    )
    print(f"one huge value, 3 MB: peak {huge['peak'] / MB:.0f} MB")
    assert huge["code"] == 2
    message = [line for line in huge["err"].splitlines() if line.strip()]
    assert len(message) == 1 and "TERBUKA_JSON_MAX_VALUE_MB" in message[0], huge["err"]
    assert "one-huge-value.json" in message[0]
    assert huge["peak"] < CEILING, huge
