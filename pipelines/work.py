"""The per-batch work — transform → privacy → quality — in this process or a pool.

Each unit (a few hundred source records) is independent, so the same plain function runs
in-process for small inputs and in forked worker processes for large ones; results come
back in input order, so a run's output does not depend on how many workers it had.
Workers inherit the already-built context (Presidio analyzer, schema validators) by fork
instead of rebuilding it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .batch import Batch
from .column_plans import Transformed
from .quality import TableValidator, check_batch, count_entering

POOL_MIN_UNITS = 3


@dataclass
class WorkContext:
    """What every batch needs: the pipeline, the redactor and the table validators.

    ``published``: the Table Schemas the validators check, for a Dask worker's recipe.
    """

    pipeline: Any
    redactor: Any
    validators: dict[str, TableValidator]
    published: dict[str, dict[str, Any]] | None = None


_CONTEXT: WorkContext | None = None


def privacy_and_quality(
    batch: Batch, redactor: Any, validators: dict[str, TableValidator]
) -> Batch:
    """The privacy stage, then the quality stage, on one batch.

    Quarantined rows and quality notes are published too, so they are redacted like any
    table: a rejected row must not leak what its table would have hidden.
    """
    count_entering(batch)
    for table, rows in batch.tables.items():
        redactor.rows(table, rows)
    for entry in batch.quarantine:
        if entry["row"]:
            before = entry["row"].get(entry["column"]) if entry["column"] else None
            redactor.rows(entry["table"], [entry["row"]])
            after = entry["row"].get(entry["column"]) if entry["column"] else None
            if before is not None and after != before and entry["value"] == str(before)[:200]:
                # The column's policy (drop, hash, mask …) changed the cell: the value
                # shown beside the reason follows it, not only the generic scanner.
                entry["value"] = None if after is None else str(after)[:200]
        entry["value"] = _scan(redactor, "_quarantine", "value", entry["value"])
        entry["reason"] = _scan_message(redactor, entry["reason"])
        # A row key may be built from source values (an id template); a quarantined row
        # is not published, so its key must not publish what it held. (A note's key is
        # the published row's own key: scanning it would only break the join.)
        entry["row_key"] = _scan(redactor, "_quarantine", "row_key", entry["row_key"])
    for note in batch.notes:
        note["value"] = _scan(redactor, "_quality_notes", "value", note["value"])
        note["message"] = _scan_message(redactor, note["message"])
    batch.privacy.update(redactor.report)
    redactor.report.clear()
    return check_batch(batch, validators)


def _scan(redactor: Any, table: str, column: str, value: Any) -> Any:
    return redactor.text(table, column, value) if isinstance(value, str) and value else value


def _scan_message(redactor: Any, message: Any) -> Any:
    """Reasons and notes, terbuka's own words: searched for identifiers, not for names.

    Reasons and notes describe values by their kind; what a library adds is English
    ("invalid JSON", "ValueError") that the name model would take for people.
    """
    if not (isinstance(message, str) and message):
        return message
    if not hasattr(redactor.scanner, "findings_many"):  # a stand-in scanner
        return _scan(redactor, "_quarantine", "reason", message)
    from terbuka.privacy.identifiers import scrub

    return scrub(message, redactor.scanner)


def process(unit: Any) -> Batch:
    """``process_in`` with the context a forked worker inherited."""
    assert _CONTEXT is not None, "work context not set"
    return process_in(_CONTEXT, unit)


def process_in(context: WorkContext, unit: Any) -> Batch:
    """Transform one unit (unless the column sample did) and pass it through privacy and quality."""
    batch = unit.batch if isinstance(unit, Transformed) else context.pipeline.transform(unit)
    return privacy_and_quality(batch, context.redactor, context.validators)


def quiet_worker() -> None:
    """Workers die quietly on terminate; Ctrl-C is the parent's to handle.

    A forked worker inherits the CLI's SIGTERM handler (which raises KeyboardInterrupt
    for a clean stop of the run) and would print a traceback when the pool is terminated.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_workers() -> int:
    """One worker per core, up to four (the main process also writes SQLite)."""
    return max(1, min(4, os.cpu_count() or 1))


def run_units(
    context: WorkContext, units: Iterable[Any], total: int, workers: int | None = None
) -> Iterator[tuple[Any, Batch]]:
    """``(unit, batch)`` for every unit, in order; a process pool when it pays off.

    At most two units per worker are in flight, so memory stays flat however many
    units the staging area holds (``Pool.imap`` would read them all ahead).
    ``dask_executor.run_on_dask`` is the same on a Dask cluster.
    """
    global _CONTEXT
    _CONTEXT = context
    workers = default_workers() if workers is None else workers
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if workers <= 1 or total < POOL_MIN_UNITS or not forkable:
        for unit in units:
            yield unit, process(unit)
        return
    pool = multiprocessing.get_context("fork").Pool(processes=workers, initializer=quiet_worker)
    try:
        in_flight: deque[tuple[Any, Any]] = deque()
        for unit in units:
            in_flight.append((unit, pool.apply_async(process, (unit,))))
            if len(in_flight) >= 2 * workers:
                done, result = in_flight.popleft()
                yield done, result.get()
        while in_flight:
            done, result = in_flight.popleft()
            yield done, result.get()
        pool.close()
    finally:
        pool.terminate()
        pool.join()
