"""One validation pass per release: ``iter_errors`` alone against ``is_valid`` + ``iter_errors``.

    python bench/ocds_validation.py

On every release of the real OCDS examples (``bench/procurement.py`` reads the same),
with the compiled validator terbuka uses, prints CPU microseconds per release, best of
15 interleaved rounds, for valid and for failing releases: ``is_valid`` alone, ``iter_errors`` alone (what
``CompiledReleaseValidator.errors`` calls now) and ``is_valid`` then ``iter_errors``
(what it called before, for a failing release).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from procurement import EXAMPLES, SCHEMA, real_releases  # noqa: E402

from terbuka.pipelines.ocds_validate import CompiledReleaseValidator  # noqa: E402


def cpu_per_release(checks: dict[str, Any], releases: list[dict], rounds: int = 15) -> dict:
    """CPU microseconds per release of each check, the best of ``rounds`` interleaved rounds
    (CPU time and interleaving: the shared machine's load moves wall time a lot)."""
    best = dict.fromkeys(checks, float("inf"))
    for _ in range(rounds):
        for name, check in checks.items():
            start = time.process_time()
            for _ in range(3):
                for release in releases:
                    check(release)
            spent = (time.process_time() - start) / (3 * len(releases)) * 1e6
            best[name] = min(best[name], spent)
    return best


def main() -> None:
    compiled = CompiledReleaseValidator(json.loads(SCHEMA.read_text("utf-8")))._validator
    releases = real_releases(EXAMPLES)
    checks = {
        "is_valid alone": compiled.is_valid,
        "iter_errors (one pass, now)": lambda r: list(compiled.iter_errors(r)),
        "is_valid then iter_errors (before)": lambda r: (
            compiled.is_valid(r) or list(compiled.iter_errors(r))
        ),
    }
    for name, valid in (("valid", True), ("failing", False)):
        group = [r for r in releases if compiled.is_valid(r) is valid]
        times = cpu_per_release(checks, group)
        print(f"{name} ({len(group)} releases): "
              + ", ".join(f"{check} {us:.1f} µs" for check, us in times.items()))  # fmt: skip


if __name__ == "__main__":
    main()
