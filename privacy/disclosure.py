"""Statistical disclosure control: k-anonymity and small-cell suppression.

Removing names is not enough when a row can still be singled out by what is left (a
village, an age band and a complaint category together may describe one person). A
descriptor declares its quasi-identifiers and ``k``; rows in groups smaller than ``k`` are
generalised or suppressed, and counts below ``k`` in published aggregates are suppressed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SUPPRESSED = None


@dataclass
class KAnonymityReport:
    """The smallest group on the quasi-identifiers, and how many rows were in small groups."""

    quasi_identifiers: list[str]
    k: int
    smallest_group: int = 0
    groups: int = 0
    rows_in_small_groups: int = 0
    suppressed_values: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """For the run record (counts only, never values)."""
        return {
            "quasi_identifiers": self.quasi_identifiers,
            "k": self.k,
            "smallest_group": self.smallest_group,
            "groups": self.groups,
            "rows_in_small_groups": self.rows_in_small_groups,
            "suppressed_values": self.suppressed_values,
        }


def group_sizes(rows: Iterable[dict[str, Any]], quasi_identifiers: list[str]) -> Counter:
    """How many rows share each combination of quasi-identifier values."""
    return Counter(tuple(row.get(c) for c in quasi_identifiers) for row in rows)


def enforce_k_anonymity(
    rows: list[dict[str, Any]], quasi_identifiers: list[str], k: int
) -> KAnonymityReport:
    """Suppress quasi-identifier values (set them to null) in rows of groups smaller than ``k``.

    Suppressing the quasi-identifiers, rather than dropping rows, keeps every row (and its
    non-identifying measures) published while the small group can no longer be told apart.
    Columns are suppressed from the last quasi-identifier backwards, re-checking after each,
    so the coarsest useful description survives.
    """
    report = KAnonymityReport(list(quasi_identifiers), k)
    if not quasi_identifiers or k <= 1 or not rows:
        sizes = group_sizes(rows, quasi_identifiers)
        report.smallest_group = min(sizes.values()) if sizes else 0
        report.groups = len(sizes)
        return report
    sizes = group_sizes(rows, quasi_identifiers)
    report.smallest_group = min(sizes.values())
    report.groups = len(sizes)
    report.rows_in_small_groups = sum(n for n in sizes.values() if n < k)
    active = list(quasi_identifiers)
    while active:
        sizes = group_sizes(rows, quasi_identifiers)
        small = {key for key, n in sizes.items() if n < k}
        if not small:
            break
        column = active.pop()
        for row in rows:
            key = tuple(row.get(c) for c in quasi_identifiers)
            if key in small and row.get(column) is not SUPPRESSED:
                row[column] = SUPPRESSED
                report.suppressed_values += 1
    return report


def suppress_small_cells(
    rows: list[dict[str, Any]],
    count_columns: list[str],
    k: int,
    dependent: dict[str, list[str]] | None = None,
) -> int:
    """Blank counts below ``k`` (but above zero) in aggregate rows; return how many were blanked.

    ``dependent`` names, for a count column, the statistics computed from the same
    people (a median, a share) that must be blanked with it.
    """
    suppressed = 0
    dependent = dependent or {}
    for row in rows:
        for column in count_columns:
            value = row.get(column)
            if isinstance(value, int | float) and 0 < value < k:
                row[column] = SUPPRESSED
                suppressed += 1
                for other in dependent.get(column, []):
                    if row.get(other) is not None:
                        row[other] = SUPPRESSED
    return suppressed


def enforce_k_anonymity_db(db: Any, table: str, quasi_identifiers: list[str], k: int) -> dict:
    """``enforce_k_anonymity`` on a built SQLite table (a sqlite-utils ``Database``).

    Groups are counted in SQL; only rows of groups smaller than ``k`` are read and
    updated, so a large table costs one ``GROUP BY``. Returns the report as a dict
    (smallest group before and after, values suppressed — never a value).
    """
    if table not in db.table_names():
        return {"table": table, "error": "no such table"}
    present = set(db[table].columns_dict)
    missing = [c for c in quasi_identifiers if c not in present]
    if missing:
        raise ValueError(f"{table}: quasi-identifier columns not published: {', '.join(missing)}")
    columns = ", ".join(f"[{c}]" for c in quasi_identifiers)
    rows = [
        {**dict(zip(quasi_identifiers, r[1:], strict=True)), "rowid": r[0]}
        for r in db.execute(f"select rowid, {columns} from [{table}]").fetchall()
    ]
    report = enforce_k_anonymity(rows, quasi_identifiers, k)
    before = report.as_dict()
    changed = [r for r in rows if any(r[c] is SUPPRESSED for c in quasi_identifiers)]
    assignments = ", ".join(f"[{c}] = ?" for c in quasi_identifiers)
    with db.conn:
        db.conn.executemany(
            f"update [{table}] set {assignments} where rowid = ?",
            [[r[c] for c in quasi_identifiers] + [r["rowid"]] for r in changed],
        )
    after = group_sizes(rows, quasi_identifiers)
    complete = [n for key, n in after.items() if SUPPRESSED not in key]
    return {
        "table": table,
        **before,
        "smallest_group_after": min(complete) if complete else 0,
    }


def apply_k_anonymity(db: Any, quasi_identifiers: dict[str, list[str]], k: int) -> list[dict]:
    """k-anonymity on every table a descriptor declares quasi-identifiers for.

    A declared column that is not published is a descriptor error: disclosure control
    that silently does nothing must stop the run like any other privacy failure.
    """
    from .analyzer import PrivacyError

    reports = []
    for table, columns in quasi_identifiers.items():
        try:
            reports.append(enforce_k_anonymity_db(db, table, columns, k))
        except ValueError as error:
            raise PrivacyError(f"k-anonymity: {error}") from error
    return reports
