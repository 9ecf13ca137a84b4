"""The ISO date fast path against the general parser, on every date of the real OCDS examples.

    python bench/dates.py             # the shared examples' date values, 20 times each
    python bench/dates.py --repeat 5

Collects every date-keyed string (``date``, ``…Date``, ``date…``) of the releases
``bench/procurement.py`` reads, then times ``parse_datetime`` (fast path first) and
``_parse_general`` (the parser every value took before) over the same values, best of
five, and checks that both give the same result for every value.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from procurement import EXAMPLES, real_releases  # noqa: E402

from terbuka.pipelines.parse import _iso_fast, _parse_general, parse_datetime  # noqa: E402
from terbuka.pipelines.unusable import is_date_key  # noqa: E402

TZ = "Asia/Jakarta"


def date_values(node: Any, found: list[str]) -> list[str]:
    """Every string under a date key, depth first."""
    if isinstance(node, list):
        for item in node:
            date_values(item, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and is_date_key(key):
                found.append(value)
            elif isinstance(value, dict | list):
                date_values(value, found)
    return found


def best_of(runs: int, parse: Any, values: list[str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for value in values:
            parse(value)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20, help="passes over the values")
    args = parser.parse_args()
    values = date_values(real_releases(EXAMPLES), [])
    fast = [v for v in values if v == "" or _iso_fast(v, TZ) is not None]
    print(f"{len(values):,} date values, {len(fast):,} ({len(fast) / len(values):.1%}) "
          f"on the fast path")  # fmt: skip
    others = Counter(re.sub("[0-9]", "9", v) for v in values if v not in set(fast))
    print("  the others: " + ", ".join(f"{n} × {shape!r}" for shape, n in others.most_common(5)))
    work = values * args.repeat
    general = best_of(5, lambda v: _parse_general(v, TZ, True), work)
    current = best_of(5, lambda v: parse_datetime(v, TZ), work)
    print(f"general parser: {general:.3f} s ({general / len(work) * 1e6:.2f} µs a value)")
    print(f"parse_datetime: {current:.3f} s ({current / len(work) * 1e6:.2f} µs a value), "
          f"{general / current:.1f}× faster")  # fmt: skip
    differ = [v for v in values if parse_datetime(v, TZ) != _parse_general(v, TZ, True)]
    print(f"values where the two differ: {len(differ)}")


if __name__ == "__main__":
    main()
