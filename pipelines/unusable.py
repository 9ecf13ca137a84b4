"""Values that make a whole row unusable: the row is quarantined with a reason, not emptied.

An amount of 400 digits, ``1e309``, an integer past SQLite's 64 bits, or a date that is
a number or an object (Socrata exports write epoch numbers and ``{"date": …}`` objects)
is not a typo in one cell: publishing the row with that cell emptied would show a
tender with no value or a complaint with no date, as if the source had none. Such a
row goes to quarantine with the file, the row, the column and the *kind* of value
(never the value, which may be personal data or megabytes long); the rest of the file
is published.

``parse`` marks these problems as ``RowProblem`` (a ``str``, so every caller that only
notes problems keeps working); domains ask ``quarantines(problem)`` where they used to
note, and readers of typed JSON ask ``first_unusable`` before staging a row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .batch import Batch

MAX_INTEGER = 2**63 - 1  # SQLite's largest integer
MAX_DIGITS = 30  # more digits than any amount, count or identifier has


class RowProblem(str):
    """A problem that quarantines its whole row instead of emptying one cell."""

    __slots__ = ()


def quarantines(problem: object) -> bool:
    """Whether ``problem`` (from ``parse``) sends its row to quarantine."""
    return isinstance(problem, RowProblem)


def number_kind(value: object) -> str | None:
    """What is wrong with a typed number (``None`` when it is fine or not a number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if abs(value) > MAX_INTEGER:
            return "an integer too large to store (more than 19 digits)"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "not a finite number (NaN, or out of range)"
    if isinstance(value, Decimal):
        if not value.is_finite() or value.adjusted() >= MAX_DIGITS:
            return f"not a finite number or more than {MAX_DIGITS} digits"
    return None


def date_kind(value: object) -> str | None:
    """What is wrong with a date of the wrong JSON type (``None`` for text, empty, a date)."""
    if value is None or isinstance(value, str) or hasattr(value, "isoformat"):
        return None
    if isinstance(value, bool):
        return "a date written as true/false"
    if isinstance(value, int | float | Decimal):
        return "a date written as a number, not as text"
    if isinstance(value, dict):
        return "a date written as an object, not as text"
    if isinstance(value, list | tuple):
        return "a date written as a list, not as text"
    return f"a date of type {type(value).__name__}, not text"


@lru_cache(maxsize=65_536)  # a schema has a few hundred keys; every release asks again
def is_date_key(key: str) -> bool:
    """A field that holds a date, by its name.

    OCDS ``date``, ``startDate``, ``dateSigned``; Socrata ``created_date``; ISB/INAPROC
    ``tgl_kontrak`` and ``tanggal_transaksi``.
    """
    return (
        key == "date"
        or key.endswith(("Date", "_date"))
        or key.startswith(("date", "tgl_", "tanggal"))
    )


def first_unusable(
    values: dict[str, Any], dates: Iterable[str] | None = None
) -> tuple[str, RowProblem] | None:
    """The first column of a flat row with an out-of-range number or a wrong-typed date.

    ``dates`` are the columns that hold dates (``None``: recognised by name). A date
    column that is empty while ``column.x`` columns exist was an object (the JSON rows
    reader flattens objects into dotted columns).
    """
    date_columns = set(dates) if dates is not None else {k for k in values if is_date_key(k)}
    for column in date_columns:  # readers flatten an object into dotted columns
        if values.get(column) is None and any(
            k.startswith(f"{column}.") and v is not None for k, v in values.items()
        ):
            return column, RowProblem("a date written as an object, not as text")
    for column, value in values.items():
        kind = date_kind(value) if column in date_columns else None
        kind = kind or number_kind(value)
        if kind:
            return column, RowProblem(kind)
    return None


def first_unusable_json(value: Any) -> tuple[str, RowProblem] | None:
    """The path and problem of the first unusable value in a JSON tree (a release).

    Dates are recognised by their key (``is_date_key``); every number is checked.
    """
    if _usable(value):  # nearly every release: no path strings built for its nodes
        return None
    for path, problem in _walk(value, ""):
        return path, RowProblem(problem)
    return None


def _usable(value: Any) -> bool:
    """Whether a JSON tree holds no unusable value: ``_walk`` finding nothing, faster."""
    stack = [value]
    while stack:
        node = stack.pop()
        if node is None or type(node) is str:
            continue
        if isinstance(node, dict):
            for key, item in node.items():
                if item is None or type(item) is str:
                    continue  # never unusable, whatever the key (most values)
                if isinstance(key, str) and is_date_key(key) and date_kind(item):
                    return False
                stack.append(item)
        elif isinstance(node, list):
            stack.extend(node)
        elif number_kind(node):
            return False
    return True


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and is_date_key(key):
                kind = date_kind(item)
                if kind:
                    yield where, kind
                    continue
            yield from _walk(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}.{index}" if path else str(index))
    else:
        kind = number_kind(value)
        if kind:
            yield path or "the value", kind


def reason(where: str, column: str, problem: str) -> str:
    """The quarantine reason: file and row (``where``), column, and the kind of value.

    A local path in ``where`` is shortened to the file's name when the row is published
    (the runner's ``_quarantine_row``), as in row keys.
    """
    return f"{where}, column {column}: {problem}"


class UnusableValue(Exception):
    """Raised by a mapper when a value quarantines the whole unit it is mapping.

    ``where`` is ``file row N`` or a feed record's ``file#N``.
    """

    def __init__(self, where: str, column: str, problem: str):
        self.column = column
        name, hash_sign, number = where.rpartition("#")
        if hash_sign and number.isdigit():
            where = f"{name} row {number}"
        super().__init__(reason(where, column, problem))


def unusable_row(
    problems: list[tuple[str, str, Any]],
    source: str,
    row: int,
    release: dict[str, Any],
    rejects: Batch,
    table: str = "releases",
) -> bool:
    """Quarantine a tabular row whose cells hold an unusable value; ``True`` if it did.

    ``problems`` are a row mapper's ``(column, problem, value)``; the value is never kept.
    """
    for column, problem, _value in problems:
        if quarantines(problem):
            rejects.reject(
                table, f"{release.get('ocid')}/{release.get('id')}", "unusable-value",
                reason(f"{source} row {row}", column, problem),
                row={"ocid": release.get("ocid"), "release_id": release.get("id")},
                column=column, source=source, position=row,
            )  # fmt: skip
            return True
    return False


def unusable_release(
    release: dict[str, Any], key: str, position: int, source: str, rejects: Batch
) -> bool:
    """Quarantine a release holding an out-of-range number or a wrong-typed date."""
    found = first_unusable_json(release)
    if found is None:
        return False
    path, problem = found
    rejects.reject(
        "releases", key, "unusable-value", reason(f"{source} item {position}", path, problem),
        row={"ocid": release.get("ocid"), "release_id": release.get("id")},
        column=path, source=source, position=position,
    )  # fmt: skip
    return True


def unusable_record(
    values: dict[str, Any],
    key: str,
    source: str,
    position: int,
    rejects: Batch,
    table: str,
    dates: Iterable[str] | None = None,
) -> bool:
    """Quarantine a flat row of typed values before it is staged; ``True`` if it did.

    ``dates`` are its date columns (``None``: recognised by name, ``is_date_key``).
    """
    found = first_unusable(values, dates)
    if found is None:
        return False
    column, problem = found
    rejects.reject(
        table, key, "unusable-value", reason(f"{source} row {position}", column, problem),
        column=column, source=source, position=position,
    )  # fmt: skip
    return True


def unusable_line(
    line: dict[str, Any], where: str, problems: Iterable[tuple[str, str | None]], batch: Batch
) -> bool:
    """Quarantine a budget line whose amount is out of range; ``True`` if it did."""
    for column, problem in problems:
        if quarantines(problem):
            batch.reject(
                "budget_lines", str(line.get("line_id")), "unusable-value",
                reason(where, column, str(problem)), column=column,
                source=where.rsplit(" row ", 1)[0], position=line.get("source_row"),
            )  # fmt: skip
            return True
    return False
