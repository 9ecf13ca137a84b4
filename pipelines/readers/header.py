"""Header detection: where a table's header is, how many rows it spans, its column names.

Government exports put title rows above the header ("LAPORAN REALISASI 2024", a date,
a blank line) and leave two-level headers from merged Excel cells; the header is the
first row as wide as the data whose cells are all labels.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..parse import looks_like_date, looks_numeric

HEADER_SCAN = 30  # rows searched for the header
MAX_HEADER_ROWS = 3


def is_label(cell: Any) -> bool:
    """A header-like cell: filled text that is neither a number nor a date."""
    return (
        isinstance(cell, str)
        and is_filled(cell)
        and not looks_numeric(cell)
        and not looks_like_date(cell)
    )


def find_header(rows: list[list[Any]]) -> int:
    """Index of the header row: the first as wide as the data whose cells are all labels.

    Title rows above it ("LAPORAN REALISASI 2024", a date, a blank line) are narrower;
    data rows below it hold numbers or dates.
    """
    widths = [sum(1 for cell in row if is_filled(cell)) for row in rows]
    if not widths:
        return 0
    typical = Counter(w for w in widths if w).most_common(1)
    typical_width = typical[0][0] if typical else 0
    for index, row in enumerate(rows):
        filled = [cell for cell in row if is_filled(cell)]
        if len(filled) >= max(2, typical_width * 0.6) and all(is_label(c) for c in filled):
            return index
    for index, row in enumerate(rows):  # no row of pure labels: the first wide text row
        filled = [cell for cell in row if is_filled(cell)]
        if len(filled) >= max(2, typical_width * 0.6) and all(isinstance(c, str) for c in filled):
            return index
    return 0


def header_rows_below(rows: list[list[Any]], index: int) -> int:
    """How many rows make the header: more than one when merged cells left a two-level header.

    A row below the header continues it when all its cells are labels, it names columns
    under a blank parent cell (the span of a merged cell), and the data below it — or a
    parent that spans rows — shows it is not itself data.
    """
    count = 1
    while count < MAX_HEADER_ROWS and index + count < len(rows):
        parent = combine_header(rows[index : index + count])
        child = rows[index + count]
        after = rows[index + count + 1] if index + count + 1 < len(rows) else []
        filled = [c for c in child if is_filled(c)]
        if not filled or not all(is_label(c) for c in filled):
            break
        width = max(len(parent), len(child))
        under_span = any(
            not is_filled(_cell(parent, i))
            and is_filled(_cell(child, i))
            and _has_parent(parent, child, i)
            for i in range(width)
        )
        vertical = any(
            is_filled(_cell(parent, i)) and not is_filled(_cell(child, i)) for i in range(width)
        )
        data_below = any(is_filled(c) and not is_label(c) for c in after)
        if not (under_span and (vertical or data_below)):
            break
        count += 1
    return count


def _cell(row: list[Any], index: int) -> Any:
    return row[index] if index < len(row) else None


def _has_parent(parent: list[Any], child: list[Any], index: int) -> bool:
    for i in range(min(index, len(parent)) - 1, -1, -1):
        if is_filled(parent[i]):
            return i < len(child) and is_filled(child[i])
        if i >= len(child) or not is_filled(child[i]):
            return False
    return False


def combine_header(rows: list[list[Any]]) -> list[Any]:
    """One header from several: a merged parent label spreads over the columns it spans.

    ``[["Nilai", None], ["Pagu", "HPS"]]`` → ``["Nilai Pagu", "Nilai HPS"]``.
    """
    if len(rows) == 1:
        return list(rows[0])
    width = max(len(r) for r in rows)
    combined: list[Any] = [None] * width
    for depth, row in enumerate(rows):
        below = rows[depth + 1] if depth + 1 < len(rows) else []
        current = None
        for i in range(width):
            cell = row[i] if i < len(row) else None
            child = below[i] if i < len(below) else None
            if is_filled(cell):
                current = str(cell).strip()
            elif not (is_filled(child) and current):
                current = None
            part = str(cell).strip() if is_filled(cell) else (current if is_filled(child) else None)
            if part:
                combined[i] = f"{combined[i]} {part}" if combined[i] else part
    return combined


def header_names(row: list[Any]) -> list[str]:
    """Clean, unique column names; blanks become ``column_N``."""
    names: list[str] = []
    seen: Counter[str] = Counter()
    for index, cell in enumerate(row, start=1):
        name = " ".join(str(cell).split()) if is_filled(cell) else f"column_{index}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


def is_filled(cell: Any) -> bool:
    """A cell that holds something other than blanks."""
    return cell is not None and str(cell).strip() != ""
