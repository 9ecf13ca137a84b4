"""Tabular readers: CSV (any common encoding and delimiter) and Excel workbooks.

Government exports are UTF-8 with or without a BOM or Windows-1252, separated by ``,``,
``;`` or tabs, sometimes with title rows above the header. ``csv.Sniffer`` guesses some
real files wrong, so the delimiter is chosen by how consistently each candidate splits
the first lines. Every physical row comes out with its row number; rows that do not fit
the header carry a ``problem`` and are quarantined by the pipeline, never dropped.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from ..errors import InputError
from . import HEAD_BYTES, Member

DELIMITERS = (",", ";", "\t", "|")
FIELD_SIZE_LIMIT = 16 * 1024 * 1024
SNIFF_LINES = 50


@dataclass
class TabularRow:
    """One data row: its number in the file (1-based, as a spreadsheet shows it) and values."""

    number: int
    values: dict[str, Any]
    problem: str = ""
    raw: list[Any] = field(default_factory=list)


@dataclass
class Layout:
    """What was detected about a tabular file; stored in the run record."""

    encoding: str = ""
    delimiter: str = ""
    header_row: int = 1
    columns: list[str] = field(default_factory=list)
    sheet: str = ""


def detect_encoding(member: Member) -> str:
    """``utf-8-sig``, ``utf-16``, ``utf-8`` (whole file checked) or ``cp1252``."""
    head = member.head
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with member.open() as stream:
            while chunk := stream.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def looks_binary(head: bytes) -> bool:
    """NUL bytes or many control characters: not a text file."""
    if b"\x00" in head[:4096] and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = head[:4096]
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return bool(sample) and controls / len(sample) > 0.05


def detect_delimiter(lines: list[str]) -> str:
    """The candidate that splits the first lines into the most, most consistent columns."""
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=delimiter) if any(row)]
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        if width < 2:
            continue
        score = count / len(widths) * 100 + width
        if score > best_score:
            best, best_score = delimiter, score
    return best


def find_header(rows: list[list[Any]]) -> int:
    """Index of the header row: the first that is as wide as the data and all labels."""
    widths = [sum(1 for cell in row if _filled(cell)) for row in rows]
    if not widths:
        return 0
    typical = Counter(w for w in widths if w).most_common(1)
    typical_width = typical[0][0] if typical else 0
    for index, row in enumerate(rows):
        filled = [cell for cell in row if _filled(cell)]
        if len(filled) >= max(2, typical_width * 0.6) and all(isinstance(c, str) for c in filled):
            return index
    return 0


def header_names(row: list[Any]) -> list[str]:
    """Clean, unique column names; blanks become ``column_N``."""
    names: list[str] = []
    seen: Counter[str] = Counter()
    for index, cell in enumerate(row, start=1):
        name = " ".join(str(cell).split()) if _filled(cell) else f"column_{index}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


def _filled(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""


def rows_from(header: list[str], rows: Iterator[tuple[int, list[Any]]]) -> Iterator[TabularRow]:
    """Pair rows with the header; blank rows are skipped, ragged ones flagged."""
    width = len(header)
    for number, cells in rows:
        if not any(_filled(c) for c in cells):
            continue
        problem = ""
        extra = [c for c in cells[width:] if _filled(c)]
        if extra:
            problem = f"row has {len(cells)} cells but the header has {width}"
        values = {name: (cells[i] if i < len(cells) else None) for i, name in enumerate(header)}
        yield TabularRow(number, values, problem, list(cells))


class CsvReader:
    """Delimited text: CSV, semicolon-separated, tab-separated."""

    id = "csv"
    title = "CSV / delimited text"

    @staticmethod
    def sniff(member: Member) -> float:
        """Text that is not JSON and splits into columns."""
        head = member.head
        if looks_binary(head):
            return 0.0
        text = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")
        if text[:1] in (b"{", b"["):
            return 0.05
        lines = _complete_lines(head, head.decode("latin-1"))
        delimiter = detect_delimiter(lines)
        if not any(delimiter in line for line in lines):
            return 0.2
        return 0.8 if member.suffix in (".csv", ".tsv", ".txt", "") else 0.5

    @staticmethod
    def read(
        member: Member, options: dict[str, Any] | None = None, layout: Layout | None = None
    ) -> Iterator[TabularRow]:
        """Stream rows as dicts keyed by the header."""
        options = options or {}
        layout = layout if layout is not None else Layout()
        encoding = options.get("encoding") or detect_encoding(member)
        head_text = member.head.decode(encoding.replace("-sig", ""), errors="replace")
        delimiter = options.get("delimiter") or detect_delimiter(
            _complete_lines(member.head, head_text)
        )
        layout.encoding, layout.delimiter = encoding, delimiter
        csv.field_size_limit(FIELD_SIZE_LIMIT)
        stream = io.TextIOWrapper(member.open(), encoding=encoding, newline="", errors="strict")
        reader = csv.reader(stream, delimiter=delimiter)
        try:
            numbered = ((reader.line_num, row) for row in reader)
            preview: list[tuple[int, list[str]]] = []
            for item in numbered:
                preview.append(item)
                if len(preview) >= 20:
                    break
            header_row = options.get("header_row")
            index = header_row - 1 if header_row else find_header([row for _, row in preview])
            if not preview or index >= len(preview):
                raise InputError(member.name, "no header row found")
            header = header_names(preview[index][1])
            layout.header_row, layout.columns = preview[index][0], header
            yield from rows_from(header, iter(preview[index + 1 :]))
            yield from rows_from(header, numbered)
        except csv.Error as error:
            raise InputError(member.name, f"malformed CSV: {error}", row=reader.line_num) from None
        except UnicodeDecodeError as error:
            raise InputError(
                member.name,
                f"not valid {encoding} text ({error.reason}); set `encoding` for this source",
                row=reader.line_num + 1,
            ) from None
        finally:
            stream.close()


class XlsxReader:
    """Excel workbooks (.xlsx): the first sheet with data, or the one named in options."""

    id = "xlsx"
    title = "Excel workbook (.xlsx)"

    @staticmethod
    def sniff(member: Member) -> float:
        """A zip with an Office content-types part."""
        if member.head.startswith(b"PK\x03\x04") and (
            b"[Content_Types].xml" in member.head or b"xl/" in member.head
        ):
            return 0.95
        return 0.0

    @staticmethod
    def read(
        member: Member, options: dict[str, Any] | None = None, layout: Layout | None = None
    ) -> Iterator[TabularRow]:
        """Stream rows of one sheet as dicts keyed by the header."""
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        options = options or {}
        layout = layout if layout is not None else Layout()
        try:
            with member.open() as stream:
                data = io.BytesIO(stream.read())
            workbook = openpyxl.load_workbook(data, read_only=True, data_only=True)
        except (InvalidFileException, KeyError, OSError, ValueError, TypeError) as error:
            raise InputError(member.name, f"not a readable Excel workbook: {error}") from None
        try:
            sheet = _pick_sheet(workbook, options.get("sheet"), member.name)
            layout.sheet = sheet.title
            rows = (
                (i, [_cell(c) for c in row])
                for i, row in enumerate(sheet.iter_rows(values_only=True), 1)
            )
            preview = []
            for item in rows:
                preview.append(item)
                if len(preview) >= 20:
                    break
            header_row = options.get("header_row")
            index = header_row - 1 if header_row else find_header([row for _, row in preview])
            if not preview or index >= len(preview):
                raise InputError(member.name, f"sheet {sheet.title!r} has no header row")
            header = header_names(preview[index][1])
            layout.header_row, layout.columns = preview[index][0], header
            yield from rows_from(header, iter(preview[index + 1 :]))
            yield from rows_from(header, rows)
        finally:
            workbook.close()


def _complete_lines(head: bytes, text: str) -> list[str]:
    """The first lines of a file, without a last line the head may have cut short."""
    lines = text.lstrip("\ufeff").splitlines()
    if len(head) >= HEAD_BYTES and len(lines) > 1:
        lines = lines[:-1]
    return lines[:SNIFF_LINES]


def _pick_sheet(workbook: Any, name: str | None, display: str) -> Any:
    if name:
        if name not in workbook.sheetnames:
            raise InputError(
                display, f"no sheet named {name!r} (sheets: {', '.join(workbook.sheetnames)})"
            )
        return workbook[name]
    for sheet in workbook.worksheets:
        if sheet.sheet_state == "visible" and (sheet.max_row or 0) > 1:
            return sheet
    return workbook.worksheets[0]


def _cell(value: Any) -> Any:
    if isinstance(value, datetime | date | time | int | float) or value is None:
        return value
    return str(value)
