"""The package stage's options: how it re-validates the Data Package, gzipped CSVs (issue 19).

Every published row has already been checked against its table's Table Schema (the row
checks of the quality stage, before the row was written), so re-reading every cell of
every CSV with Frictionless repeats that work: on real OCDS it was most of the package
stage. By default Frictionless validates the package's structure and a bounded sample of
rows per table; the full cell-by-cell check stays one option away — ``package: {check:
full}`` in ``dataset.yml`` or ``terbuka run --full-check``.

Gzipped CSVs (``package: {csv_gzip: true}`` or ``terbuka run --csv-gzip``) are
``data/<table>.csv.gz`` with ``compression: gz``, which Frictionless reads as it reads
plain CSV: 15.4 MB of CSVs became 1.2 MB on 2,280 real releases (docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

SAMPLE_ROWS = 1000


def sample_rows(descriptor: Any, full_check: bool = False) -> int | None:
    """Rows per table Frictionless reads: a bounded sample, or ``None`` for every row."""
    options = descriptor.get("package") or {}
    if full_check or options.get("check") == "full":
        return None
    return int(options.get("sample_rows", SAMPLE_ROWS))


def describe(rows: int | None) -> str:
    """What the run record says about the check (``quality.package_check``)."""
    return "full" if rows is None else f"structure and the first {rows} rows of each table"


def csv_gzip(descriptor: Any, flag: bool = False) -> bool:
    """Whether the package's CSVs are written gzipped (the flag, or the descriptor says so)."""
    options = descriptor.get("package") or {}
    return flag or bool(options.get("csv_gzip", False))
