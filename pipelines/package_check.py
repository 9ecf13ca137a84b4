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
``csv_gzip`` may also list tables: only those are gzipped. The procurement descriptor
lists ``compiled_releases``, whose rows are whole OCDS documents (a JSON column 8× smaller
gzipped, which nobody opens in a spreadsheet), and keeps the flat tables plain.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import UsageError

SAMPLE_ROWS = 1000


def _options(descriptor: Any) -> dict[str, Any]:
    """The descriptor's ``package`` key (empty when it has none)."""
    return descriptor.get("package") or {}


def sample_rows(descriptor: Any, full_check: bool = False) -> int | None:
    """Rows per table Frictionless reads: a bounded sample, or ``None`` for every row."""
    options = _options(descriptor)
    if full_check or options.get("check") == "full":
        return None
    return int(options.get("sample_rows", SAMPLE_ROWS))


def describe(rows: int | None) -> str:
    """What the run record says about the check (``quality.package_check``)."""
    return "full" if rows is None else f"structure and the first {rows} rows of each table"


def gzipped_tables(descriptor: Any, tables: Iterable[str], flag: bool = False) -> set[str]:
    """Which of ``tables`` get a gzipped CSV.

    All of them with the flag or ``csv_gzip: true``; else those ``csv_gzip`` lists.
    """
    option = _options(descriptor).get("csv_gzip", False)
    if flag or option is True:
        return set(tables)
    return set(tables) & set(option or ())


def check_gzip_option(descriptor: Any, tables: Iterable[str]) -> None:
    """Fail before any work when a ``csv_gzip`` list names no table of the dataset.

    A typo would otherwise leave that table's CSV plain without a word.
    """
    option = _options(descriptor).get("csv_gzip", False)
    unknown = sorted(set(option) - set(tables)) if isinstance(option, list) else []
    if unknown:
        raise UsageError(
            f"{descriptor.folder}/dataset.yml: package.csv_gzip names {', '.join(unknown)}, "
            f"not a table of {descriptor.name} (its tables: {', '.join(tables)})"
        )
