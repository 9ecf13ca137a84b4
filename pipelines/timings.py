"""Wall time per stage of a run, in the run record (``timings``), for benchmarks.

Transform, privacy and row checks stream batch by batch, so they are timed together
(``transform+privacy+quality``); the other phases are timed one by one. Timings are the
only part of a record that differs between two runs of the same inputs.
"""

from __future__ import annotations

import time
from typing import Any

_OPEN: dict[int, tuple[str, float]] = {}


def mark(record: dict[str, Any], name: str | None) -> None:
    """Close the phase that is running (its seconds go to ``record["timings"]``), open ``name``."""
    now = time.perf_counter()
    previous = _OPEN.pop(id(record), None)
    if previous is not None:
        timings = record.setdefault("timings", {})
        timings[previous[0]] = round(timings.get(previous[0], 0.0) + now - previous[1], 3)
    if name is not None:
        _OPEN[id(record)] = (name, now)
