"""Column detection once per table per run, on a sample taken across batches (issue 19).

Deciding what a column holds costs a Presidio call over a sample of its values. Done for
every batch, it was repeated over a thousand times on a real city's export, and the same
column could get different plans in different batches. Before the worker pool starts,
the runner transforms a few units spread over the whole staging area, interleaves their
rows per table and lets the redactor settle each column's plan from that sample
(``Redactor.settle``). Workers inherit the settled plans by fork, so the output still does
not depend on how many workers there were; columns the sample cannot decide (too few
values, kept columns checked for NIK in every batch) are decided per batch as before.
Deciding reads the sampled rows without changing them, so the sampled units' batches are
used as they are when the run reaches them (``Transformed``): nothing is transformed twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from .batch import Batch

SAMPLE_UNITS = 4  # units transformed for the sample, spread evenly over the run


@dataclass
class Transformed:
    """A unit the sample already transformed: its batch goes on through the stages."""

    unit: Any
    batch: Batch


def spread(units: Iterable[Any], keep: int = SAMPLE_UNITS) -> list[tuple[int, Any]]:
    """Up to ``keep`` ``(position, item)`` spread evenly over ``units``, in one pass.

    Every ``stride``-th item is held; when more than ``2 * keep`` are held, the stride
    doubles and every other one is let go, so the held items always span the whole input.
    """
    held: list[tuple[int, Any]] = []
    if keep <= 0:
        return []
    stride = 1
    for index, unit in enumerate(units):
        if index % stride:
            continue
        held.append((index, unit))
        if len(held) > 2 * keep:
            stride *= 2
            held = [(i, u) for i, u in held if i % stride == 0]
    if len(held) > keep:
        step = (len(held) - 1) / max(1, keep - 1)
        held = [held[round(j * step)] for j in range(keep)]
    return held


def interleaved(batches: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """Each table's rows from ``batches``, one from each batch in turn.

    A column's detection reads its first values: interleaving makes them come from every
    sampled batch, not only the first.
    """
    tables: dict[str, list[list[dict[str, Any]]]] = {}
    for batch in batches:
        for table, rows in batch.tables.items():
            tables.setdefault(table, []).append(rows)
    return {
        table: [row for group in zip_longest(*parts) for row in group if row is not None]
        for table, parts in tables.items()
    }


def settle_plans(
    pipeline: Any, redactor: Any, staging: Any, inputs: list[Any]
) -> tuple[dict[str, Any], dict[int, Transformed]]:
    """Settle the redactor's column plans from units sampled across the run.

    Returns what the privacy report says about it (the units sampled and, per table, the
    columns decided once for the whole run) and the sampled batches by unit position.
    """
    picked = spread(pipeline.batches(staging, inputs), SAMPLE_UNITS)
    batches = {index: Transformed(unit, pipeline.transform(unit)) for index, unit in picked}
    sample = interleaved([done.batch for done in batches.values()])
    settled = {table: redactor.settle(table, rows) for table, rows in sample.items()}
    summary = {"sampled_units": len(picked), "settled": {t: c for t, c in settled.items() if c}}
    return summary, batches


def with_sampled(units: Iterable[Any], batches: dict[int, Transformed]) -> Iterator[Any]:
    """``units``, the sampled ones as their ``Transformed`` (when the unit is the same)."""
    for index, unit in enumerate(units):
        done = batches.pop(index, None)
        yield done if done is not None and done.unit == unit else unit


def source_unit(unit: Any) -> Any:
    """The unit as the pipeline made it (for its size on the progress bar)."""
    return unit.unit if isinstance(unit, Transformed) else unit
