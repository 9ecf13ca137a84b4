"""Tabular rows: what CSV and Excel readers share once the bytes are cells.

Every physical row comes out with its row number; rows that do not fit carry a
``problem`` (and a check id) and are quarantined by the pipeline, never dropped. The
readers themselves are in :mod:`.delimited` (CSV) and :mod:`.xlsx`; encoding detection
is in :mod:`.encoding`, header detection in :mod:`.header`.

Detection can be overridden per source with reader options (the descriptor's
``reader_options``): ``encoding``, ``delimiter``, ``header_row``, ``header_rows``,
``sheet``, ``decimal``, ``dayfirst``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..parse import column_locales
from . import Input, Member, detect, members, note_skipped
from .encoding import MIXED_UTF8, OLE_MAGIC
from .header import (
    HEADER_SCAN,
    MAX_HEADER_ROWS,
    combine_header,
    find_header,
    header_names,
    header_rows_below,
    is_filled,
)

__all__ = [
    "LOCALE_SAMPLE",
    "MIXED_UTF8",
    "OLE_MAGIC",
    "OPTION_KEYS",
    "Layout",
    "TabularRow",
    "apply_locale_options",
    "layout_rows",
    "reader_options",
    "rows_from",
]

LOCALE_SAMPLE = 500  # data rows that decide each column's number and date locale
OPTION_KEYS = ("encoding", "delimiter", "header_row", "header_rows", "sheet", "decimal", "dayfirst")


@dataclass
class TabularRow:
    """One data row: its number in the file (1-based, as a spreadsheet shows it) and values.

    ``problem`` says why the row cannot be used as it is, and ``check`` is the stable id
    of that problem (``ragged-row``, ``repeated-header``, ``swallowed-rows``).
    """

    number: int
    values: dict[str, Any]
    problem: str = ""
    raw: list[Any] = field(default_factory=list)
    check: str = ""


@dataclass
class Layout:
    """What was detected about a tabular file; stored in the run record."""

    encoding: str = ""
    delimiter: str = ""
    header_row: int = 1
    columns: list[str] = field(default_factory=list)
    sheet: str = ""
    header_rows: int = 1
    locales: dict[str, dict[str, Any]] = field(default_factory=dict)
    blank_rows: int = 0
    rows_above_header: int = 0  # non-blank rows above the header (titles, notes), not data

    RECORDED = (
        "encoding",
        "delimiter",
        "header_row",
        "header_rows",
        "locales",
        "rows_above_header",
        "sheet",
    )

    def as_record(self) -> dict[str, Any]:
        """The detected layout for the run record's ``inputs`` entry; what is empty is left out."""
        found = {name: getattr(self, name) for name in self.RECORDED}
        found["rows_above_header"] = self.rows_above_header or None
        return {k: v for k, v in found.items() if v not in ("", None)}


class RowReader:
    """What the readers of rows share: ``read`` fills in the options and layout not given.

    Each reader's ``rows`` does its reading, with both always there; ``layout`` records
    what was detected (encoding, delimiter, header row, sheet …) for the run record.
    """

    @classmethod
    def read(
        cls, member: Member, options: dict[str, Any] | None = None, layout: Layout | None = None
    ) -> Iterator[TabularRow]:
        """Stream the member's rows as dicts keyed by column."""
        return cls.rows(member, options or {}, layout if layout is not None else Layout())

    @staticmethod
    def rows(member: Member, options: dict[str, Any], layout: Layout) -> Iterator[TabularRow]:
        """The reader's own reading (each reader of rows has one)."""
        raise NotImplementedError


def read_tables(
    source: Input, rejects: Any, table: str, readers: list[str] | None
) -> Iterator[tuple[Member, Layout, TabularRow | None, Iterator[TabularRow]]]:
    """Each table in a source, read as rows by the reader that fits it best.

    Yields the member, its layout (filled in once the first row is read), that first row
    and the rest. Archive members refused or skipped become quality notes on ``table``.
    """
    found = members(source.path, source.display)
    note_skipped(found, rejects, table, source.display)
    for member in found:
        reader = detect(member, readers)
        source.reader = reader.id
        layout = Layout()
        rows = reader.read(member, {}, layout)
        yield member, layout, next(rows, None), rows


def reader_options(descriptor: Any, name: str) -> dict[str, Any]:
    """The descriptor's ``reader_options`` that apply to a source file, merged in order.

    Each entry's ``match`` is a glob compared with the file name and with the whole path
    (``"*.csv"``, ``"exports/2023/*"``, ``"apbd.zip!*"``); later entries override earlier
    ones. Sources without a match get ``{}`` (everything detected).
    """
    entries = (descriptor.get("reader_options") if descriptor is not None else None) or []
    base = name.replace("\\", "/")
    parts = [p for p in base.replace("!", "/").split("/") if p]
    # The whole path, every tail of it (``exports/2023/x.csv`` matches ``/data/exports/…``).
    candidates = [base, *("/".join(parts[i:]) for i in range(len(parts)))]
    found: dict[str, Any] = {}
    for entry in entries:
        pattern = entry.get("match", "*")
        if any(fnmatch.fnmatch(candidate, pattern) for candidate in candidates):
            found.update({k: v for k, v in entry.items() if k in OPTION_KEYS})
    return found


def rows_from(
    header: list[str],
    rows: Iterable[tuple[int, list[Any]]],
    delimiter: str = "",
    layout: Layout | None = None,
    problems: dict[int, tuple[str, str]] | None = None,
) -> Iterator[TabularRow]:
    """Pair rows with the header; blank rows are skipped (and counted), odd ones flagged.

    A row with more filled cells than the header is ``ragged-row``; a copy of the header
    (multi-page exports repeat it) is ``repeated-header``; a record whose quoting is
    broken is ``malformed-quotes``; a quoted field that holds whole rows (a quote closed
    lines later than it should be) is ``swallowed-rows``. Flagged rows still come out,
    so the pipeline quarantines them with their row number.
    """
    width = len(header)
    header_key = [h.strip().lower() for h in header]
    for number, cells in rows:
        if not any(is_filled(c) for c in cells):
            if layout is not None:
                layout.blank_rows += 1
            continue
        problem, check = "", ""
        extra = [c for c in cells[width:] if is_filled(c)]
        if problems and number in problems:
            check, problem = problems.pop(number)
        elif extra:
            problem = f"row has {len(cells)} cells but the header has {width}"
            check = "ragged-row"
        elif [str(c).strip().lower() for c in cells[:width]] == header_key:
            problem, check = (
                "the header row is repeated here (a multi-page export?)",
                "repeated-header",
            )
        elif delimiter:
            swallowed = _swallowed_lines(cells, delimiter, width)
            if swallowed:
                problem = (
                    f"a quoted field holds {swallowed} line(s) that look like rows: "
                    "a quote is probably not closed where it should be"
                )
                check = "swallowed-rows"
        values = {name: (cells[i] if i < len(cells) else None) for i, name in enumerate(header)}
        yield TabularRow(number, values, problem, list(cells), check)


def _swallowed_lines(cells: list[Any], delimiter: str, width: int) -> int:
    needed = max(2, width - 1)
    count = 0
    for cell in cells:
        if isinstance(cell, str) and "\n" in cell:
            count += sum(1 for line in cell.splitlines()[1:] if line.count(delimiter) >= needed)
    return count


def apply_locale_options(layout: Layout, options: dict[str, Any]) -> None:
    """Explicit ``decimal``/``dayfirst`` options win over what the values suggested."""
    for found in layout.locales.values():
        if found["kind"] == "number" and options.get("decimal"):
            found["decimal"] = options["decimal"]
        if found["kind"] == "date" and options.get("dayfirst") is not None:
            found["dayfirst"] = bool(options["dayfirst"])


def _detect_locales(layout: Layout, header: list[str], sample: list[tuple[int, list[Any]]]) -> None:
    columns: dict[str, list[Any]] = {name: [] for name in header}
    for _, cells in sample:
        for i, name in enumerate(header):
            if i < len(cells):
                columns[name].append(cells[i])
    layout.locales = column_locales(columns)


def layout_rows(
    member_name: str,
    numbered: Iterator[tuple[int, list[Any]]],
    options: dict[str, Any],
    layout: Layout,
    delimiter: str = "",
    problems: dict[int, tuple[str, str]] | None = None,
) -> Iterator[TabularRow]:
    """Find the header in the first rows, detect locales on a sample, then stream rows."""
    header_row = options.get("header_row")
    preview: list[tuple[int, list[Any]]] = []
    wanted = max(HEADER_SCAN, (header_row or 0) + MAX_HEADER_ROWS)
    for item in numbered:
        preview.append(item)
        if len(preview) >= wanted:
            break
    if not preview:
        raise InputError(member_name, "no rows: the file holds no table")
    if header_row:
        index = next((i for i, (n, _) in enumerate(preview) if n >= header_row), len(preview))
        if index >= len(preview):
            raise InputError(member_name, f"header_row {header_row} is past the end of the file")
    else:
        index = find_header([row for _, row in preview])
    count = options.get("header_rows") or header_rows_below([r for _, r in preview], index)
    header = header_names(combine_header([row for _, row in preview[index : index + count]]))
    layout.header_row, layout.header_rows, layout.columns = preview[index][0], count, header
    layout.rows_above_header = sum(
        1 for _, row in preview[:index] if any(is_filled(c) for c in row)
    )
    rest = preview[index + count :]
    while len(rest) < LOCALE_SAMPLE:  # check before taking: a row taken is a row kept
        taken = next(numbered, None)
        if taken is None:
            break
        rest.append(taken)
    _detect_locales(layout, header, rest)
    apply_locale_options(layout, options)
    yield from rows_from(header, iter(rest), delimiter, layout, problems)
    yield from rows_from(header, numbered, delimiter, layout, problems)
