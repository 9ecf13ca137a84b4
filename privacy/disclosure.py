"""Statistical disclosure control: k-anonymity and small-cell suppression.

Removing names is not enough when a row can still be singled out by what is left (an
area, a complaint category and a day together may describe one person). A descriptor
declares a table's quasi-identifiers and ``k``. Every row must then share its
quasi-identifier values with at least ``k - 1`` others: first each quasi-identifier is
generalised along its declared steps (a timestamp to its day, then its month; a
kecamatan to its city), and only the few rows still in smaller groups — at most
``max_suppressed`` of the table — have their quasi-identifiers suppressed. When that is
not enough the run stops with the reason: publishing would single people out. Counts
below ``k`` in published aggregates are suppressed too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .generalise import STEP_TYPES, TIME_STEPS, apply_step, default_steps

SUPPRESSED = None
MAX_SUPPRESSED = 0.05


@dataclass(frozen=True)
class QuasiIdentifier:
    """One quasi-identifier column, its generalisation steps, and the columns that follow it.

    ``companions`` carry the same information (a due date two weeks after the creation
    time, an agency implied by the category): they get the same steps and are suppressed
    with it, or generalising the quasi-identifier would hide nothing.
    """

    column: str
    steps: tuple[str, ...] | None = None  # None: defaults judged from the values
    companions: tuple[str, ...] = ()


class KAnonymityError(ValueError):
    """k cannot be reached within the suppression budget (the message says why)."""


@dataclass
class KAnonymityReport:
    """What disclosure control found and did to one table: counts and steps, never values."""

    quasi_identifiers: list[str]
    k: int
    smallest_group: int = 0
    groups: int = 0
    rows: int = 0
    rows_in_small_groups: int = 0
    suppressed_rows: int = 0
    suppressed_values: int = 0
    k_achieved: int = 0
    max_suppressed: float = MAX_SUPPRESSED
    generalised: dict[str, list[str]] = field(default_factory=dict)
    generalised_values: dict[str, int] = field(default_factory=dict)
    suppressed_columns: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """For the run record (counts and step names only, never values)."""
        return {
            "quasi_identifiers": self.quasi_identifiers,
            "k": self.k,
            "smallest_group": self.smallest_group,
            "groups": self.groups,
            "rows": self.rows,
            "rows_in_small_groups": self.rows_in_small_groups,
            "generalised": self.generalised,
            "generalised_values": self.generalised_values,
            "suppressed_rows": self.suppressed_rows,
            "suppressed_values": self.suppressed_values,
            "suppressed_columns": self.suppressed_columns,
            "max_suppressed": self.max_suppressed,
            "k_achieved": self.k_achieved,
        }


def group_sizes(rows: Iterable[dict[str, Any]], quasi_identifiers: list[str]) -> Counter:
    """How many rows share each combination of quasi-identifier values."""
    return Counter(tuple(row.get(c) for c in quasi_identifiers) for row in rows)


def smallest_group(rows: Iterable[dict[str, Any]], quasi_identifiers: list[str]) -> int:
    """The k a table has: its smallest group on the quasi-identifiers.

    Rows whose quasi-identifiers are all suppressed describe nobody and are left out;
    0 when no row is left.
    """
    sizes = group_sizes(rows, quasi_identifiers)
    kept = [n for key, n in sizes.items() if any(v is not SUPPRESSED for v in key)]
    return min(kept) if kept else 0


def _as_quasi(item: str | QuasiIdentifier) -> QuasiIdentifier:
    return item if isinstance(item, QuasiIdentifier) else QuasiIdentifier(item)


def enforce_k_anonymity(
    rows: list[dict[str, Any]],
    quasi_identifiers: list[str] | list[QuasiIdentifier],
    k: int,
    max_suppressed: float = MAX_SUPPRESSED,
    hierarchies: dict[str, dict[str, str]] | None = None,
) -> KAnonymityReport:
    """Make ``rows`` k-anonymous in place: generalise first, then suppress.

    Generalisation is greedy, one step at a time: while more rows sit in groups smaller
    than ``k`` than ``max_suppressed`` allows, the quasi-identifier whose next step
    leaves the fewest rows in small groups is generalised (ties: the one declared
    first). Then the rows still in small groups have every quasi-identifier and companion
    set to null: the row and its measures stay published, but it can no longer be told
    apart. Raises ``KAnonymityError`` when even the last steps leave too many rows.
    """
    quasi = [_as_quasi(q) for q in quasi_identifiers]
    names = [q.column for q in quasi]
    hierarchies = hierarchies or {}
    report = KAnonymityReport(names, k, rows=len(rows), max_suppressed=max_suppressed)
    sizes = group_sizes(rows, names)
    report.smallest_group = min(sizes.values()) if sizes else 0
    report.groups = len(sizes)
    report.rows_in_small_groups = sum(n for n in sizes.values() if n < k)
    if not quasi or k <= 1 or not rows:
        report.k_achieved = smallest_group(rows, names)
        return report
    steps = [
        q.steps if q.steps is not None else default_steps([r.get(q.column) for r in rows])
        for q in quasi
    ]
    levels = _generalisation_levels(rows, quasi, steps, k, max_suppressed, hierarchies)
    _generalise_rows(rows, quasi, steps, levels, hierarchies, report)
    _suppress_rows(rows, quasi, names, k, report)
    report.k_achieved = smallest_group(rows, names)
    return report


class _Ladders:
    """Each quasi-identifier's values after 0, 1, 2 … of its steps, computed when needed."""

    def __init__(
        self,
        rows: list[dict[str, Any]],
        quasi: list[QuasiIdentifier],
        steps: list[tuple[str, ...]],
        hierarchies: dict[str, dict[str, str]],
    ):
        # values[i][level] is column i's values after ``level`` steps, row by row.
        self.values = [[[r.get(q.column) for r in rows]] for q in quasi]
        self.steps = steps
        self.hierarchies = hierarchies

    def at(self, i: int, level: int) -> list[Any]:
        """Column ``i``'s values after ``level`` steps."""
        ladder = self.values[i]
        while len(ladder) <= level:
            ladder.append(_stepped(ladder[-1], self.steps[i][len(ladder) - 1], self.hierarchies))
        return ladder[level]

    def rows_in_small_groups(self, levels: list[int], k: int) -> int:
        """Rows in groups smaller than ``k`` with each column at its level."""
        keys = list(zip(*(self.at(i, level) for i, level in enumerate(levels)), strict=True))
        counts = Counter(keys)
        # rows whose quasi-identifiers are all empty describe nobody: not counted
        return sum(1 for key in keys if counts[key] < k and any(v is not None for v in key))


def _generalisation_levels(
    rows: list[dict[str, Any]],
    quasi: list[QuasiIdentifier],
    steps: list[tuple[str, ...]],
    k: int,
    max_suppressed: float,
    hierarchies: dict[str, dict[str, str]],
) -> list[int]:
    """How many steps each quasi-identifier takes: the greedy search of the docstring above."""
    ladders = _Ladders(rows, quasi, steps, hierarchies)
    levels = [0] * len(quasi)
    budget = int(max_suppressed * len(rows) + 1e-9)  # 0.29 * 100 is 28.999…
    left = ladders.rows_in_small_groups(levels, k)
    while left > budget:
        options = []
        for i in range(len(quasi)):
            if levels[i] < len(steps[i]):
                trial = [*levels[:i], levels[i] + 1, *levels[i + 1 :]]
                options.append((ladders.rows_in_small_groups(trial, k), i))
        if not options:
            done = [f"{q.column} to {steps[i][levels[i] - 1]}" for i, q in enumerate(quasi) if levels[i]]  # fmt: skip
            raise KAnonymityError(
                f"k={k} not reached: "
                + (f"after generalising {', '.join(done)}, " if done else "with no step to generalise, ")
                + f"{left} of {len(rows)} rows ({left / len(rows):.1%}) are in groups smaller than "
                f"{k} and at most {max_suppressed * 100:g}% may be suppressed (privacy.yml "
                "max_suppressed); declare coarser steps"
            )  # fmt: skip
        left, chosen = min(options)
        levels[chosen] += 1
    return levels


def _generalise_rows(
    rows: list[dict[str, Any]],
    quasi: list[QuasiIdentifier],
    steps: list[tuple[str, ...]],
    levels: list[int],
    hierarchies: dict[str, dict[str, str]],
    report: KAnonymityReport,
) -> None:
    """Apply each quasi-identifier's chosen steps to it and its companions."""
    for q, chosen, level in zip(quasi, steps, levels, strict=True):
        if not level:
            continue
        applied = list(chosen[:level])
        for column in (q.column, *q.companions):
            report.generalised[column] = applied
            values = [row.get(column) for row in rows]
            coarse = values
            for step in applied:
                coarse = _stepped(coarse, step, hierarchies)
            changed = 0
            for row, before, value in zip(rows, values, coarse, strict=True):
                if value != before:
                    row[column] = value
                    changed += 1
            report.generalised_values[column] = changed


def _stepped(values: list[Any], step: str, hierarchies: dict[str, dict[str, str]]) -> list[Any]:
    """One step over a column; each distinct value is generalised once."""
    seen: dict[Any, Any] = {}
    out = []
    for value in values:
        try:
            coarse = seen[value]
        except KeyError:
            coarse = seen[value] = apply_step(value, step, hierarchies)
        except TypeError:  # an unhashable value: generalise it on its own
            coarse = apply_step(value, step, hierarchies)
        out.append(coarse)
    return out


def _suppress_rows(
    rows: list[dict[str, Any]],
    quasi: list[QuasiIdentifier],
    names: list[str],
    k: int,
    report: KAnonymityReport,
) -> None:
    """Null the quasi-identifiers (and companions) of rows still in groups smaller than k."""
    sizes = group_sizes(rows, names)
    columns = [c for q in quasi for c in (q.column, *q.companions)]
    for row in rows:
        if sizes[tuple(row.get(c) for c in names)] >= k:
            continue
        if all(row.get(c) is SUPPRESSED for c in names):
            continue  # nothing left to tell it apart
        report.suppressed_rows += 1
        report.suppressed_columns = columns
        for column in columns:
            if row.get(column) is not SUPPRESSED:
                row[column] = SUPPRESSED
                report.suppressed_values += 1


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


def suppress_small_groups(
    rows: list[dict[str, Any]], count_column: str, k: int, figures: list[str]
) -> int:
    """Blank whole groups of fewer than ``k`` people: the count and every figure from them.

    Each row is marked ``suppressed`` so readers can tell a blanked group from an empty one.
    """
    count = suppress_small_cells(rows, [count_column], k, {count_column: figures})
    for row in rows:
        row["suppressed"] = row[count_column] is SUPPRESSED
        if row["suppressed"]:
            for column in figures:
                row[column] = SUPPRESSED
    return count


def enforce_k_anonymity_db(
    db: Any,
    table: str,
    quasi_identifiers: list[str] | list[QuasiIdentifier],
    k: int,
    max_suppressed: float = MAX_SUPPRESSED,
    hierarchies: dict[str, dict[str, str]] | None = None,
) -> dict:
    """``enforce_k_anonymity`` on a built SQLite table (a sqlite-utils ``Database``).

    Only the quasi-identifier and companion columns are read; rows whose values changed
    are written back. Returns the report as a dict (counts, steps and the k achieved —
    never a value).
    """
    if table not in db.table_names():
        return {"table": table, "error": "no such table"}
    quasi = [_as_quasi(q) for q in quasi_identifiers]
    columns = list(dict.fromkeys(c for q in quasi for c in (q.column, *q.companions)))
    present = set(db[table].columns_dict)
    missing = [c for c in columns if c not in present]
    if missing:
        raise ValueError(f"{table}: quasi-identifier columns not published: {', '.join(missing)}")
    selected = ", ".join(f"[{c}]" for c in columns)
    originals = db.execute(f"select rowid, {selected} from [{table}]").fetchall()
    rows = [dict(zip(columns, r[1:], strict=True)) for r in originals]
    try:
        report = enforce_k_anonymity(rows, quasi, k, max_suppressed, hierarchies)
    except KAnonymityError as error:
        raise ValueError(f"{table}: {error}") from error
    changed = [
        [row[c] for c in columns] + [original[0]]
        for row, original in zip(rows, originals, strict=True)
        if tuple(row[c] for c in columns) != tuple(original[1:])
    ]
    assignments = ", ".join(f"[{c}] = ?" for c in columns)
    with db.conn:
        db.conn.executemany(f"update [{table}] set {assignments} where rowid = ?", changed)
    result = {"table": table, **report.as_dict()}
    result["smallest_group_after"] = report.k_achieved
    return result


def apply_k_anonymity(
    db: Any,
    quasi_identifiers: dict[str, list[str]] | dict[str, list[QuasiIdentifier]],
    k: int,
    max_suppressed: float = MAX_SUPPRESSED,
    hierarchies: dict[str, dict[str, str]] | None = None,
) -> list[dict]:
    """k-anonymity on every table a descriptor declares quasi-identifiers for.

    A declared column that is not published, or a k that cannot be reached within the
    suppression budget, stops the run like any other privacy failure: disclosure
    control that silently does nothing is worse than none.
    """
    from .analyzer import PrivacyError

    reports = []
    for table, columns in quasi_identifiers.items():
        try:
            reports.append(
                enforce_k_anonymity_db(db, table, columns, k, max_suppressed, hierarchies)
            )
        except ValueError as error:
            raise PrivacyError(f"k-anonymity: {error}") from error
    return reports


def privacy_counts(reports: list[dict]) -> Counter:
    """``(table, column, entity, operator) → count`` rows for the privacy report."""
    counts: Counter = Counter()
    for report in reports:
        table = report.get("table", "")
        for column, n in (report.get("generalised_values") or {}).items():
            if n:
                counts[(table, column, "QUASI_IDENTIFIER", "generalise")] += n
        if report.get("suppressed_rows"):
            counts[(table, "*", "QUASI_IDENTIFIER", "suppress")] += report["suppressed_rows"]
    return counts


def retype(field_: dict[str, Any], steps: list[str], suppressed: bool = False) -> None:
    """Make a Table Schema field describe its values after ``steps`` (in place).

    A timestamp cut to its day is a ``date``, to its month a ``yearmonth``; a value
    mapped up a hierarchy or put in a band is a ``string``; rounding keeps a number. The
    field's constraints described the exact values and go; ``required`` goes too when
    some rows' values were suppressed.
    """
    last = steps[-1] if steps else ""
    order = ["datetime", "date", "yearmonth", "year"]
    kind = field_.get("type")
    if last in TIME_STEPS:
        coarser = STEP_TYPES[last]
        if kind in order and order.index(kind) < order.index(coarser):
            field_["type"] = coarser
            field_.pop("format", None)
    elif last and not last.startswith("round:") and kind != "string":
        field_["type"] = "string"
        field_.pop("format", None)
    constraints = field_.pop("constraints", None) or {}
    kept = {} if steps else constraints
    if constraints.get("required") and not suppressed:
        kept["required"] = True
    elif suppressed:
        kept.pop("required", None)
    if kept:
        field_["constraints"] = kept
    if steps:
        note = f"Generalised for k-anonymity ({' → '.join(steps)})."
        field_["description"] = f"{field_.get('description', '')} {note}".strip()
