"""Tabular readers: CSV (any common encoding and delimiter) and Excel workbooks.

Government exports are UTF-8 with or without a BOM, Windows-1252 or -1251, sometimes
UTF-8 with a few Windows-1252 bytes pasted in; separated by ``,``, ``;``, tabs or pipes;
with title rows above the header and two-row headers left by merged Excel cells.
``csv.Sniffer`` guesses some real files wrong, so the delimiter is chosen by how
consistently each candidate splits the first lines; charset-normalizer decides between
single-byte code pages. Every physical row comes out with its row number; rows that do
not fit carry a ``problem`` (and a check id) and are quarantined by the pipeline, never
dropped. A file that cannot be read at all is an ``InputError`` naming the file and row.

Detection can be overridden per source with reader options (the descriptor's
``reader_options``): ``encoding``, ``delimiter``, ``header_row``, ``header_rows``,
``sheet``, ``decimal``, ``dayfirst``.
"""

from __future__ import annotations

import codecs
import csv
import fnmatch
import io
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from ..errors import InputError
from ..parse import column_locales, looks_like_date, looks_numeric
from . import HEAD_BYTES, Member

DELIMITERS = (",", ";", "\t", "|")
FIELD_SIZE_LIMIT = 16 * 1024 * 1024
SNIFF_LINES = 50
HEADER_SCAN = 30  # rows searched for the header
LOCALE_SAMPLE = 500  # data rows that decide each column's number and date locale
MAX_HEADER_ROWS = 3
SINGLE_BYTE_CANDIDATES = ["cp1252", "cp1251", "cp1250"]
MIXED_UTF8 = "utf-8+cp1252"  # UTF-8 with stray Windows-1252 bytes, decoded byte by byte
OPTION_KEYS = ("encoding", "delimiter", "header_row", "header_rows", "sheet", "decimal", "dayfirst")
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_MARKUP = (b"<!doctype html", b"<html", b"<table", b"<?xml", b"<head", b"<body")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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

    def as_record(self) -> dict[str, Any]:
        """The detected layout for the run record's ``inputs`` entry."""
        found = {
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "header_row": self.header_row,
            "header_rows": self.header_rows,
            "locales": self.locales,
            "rows_above_header": self.rows_above_header or None,
        }
        if self.sheet:
            found["sheet"] = self.sheet
        return {k: v for k, v in found.items() if v not in ("", None)}


# --- reader options from the descriptor --------------------------------------------------


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


# --- encoding ----------------------------------------------------------------------------


def detect_encoding(member: Member) -> str:
    """The encoding that decodes the whole file, best first.

    ``utf-8-sig``/``utf-16`` from a BOM; ``utf-16-le``/``-be`` from the NUL pattern; then
    ``utf-8`` when every byte is valid UTF-8; ``utf-8+cp1252`` when the file is mostly
    UTF-8 with a few Windows-1252 bytes; otherwise the code page charset-normalizer finds
    most coherent (Windows-1252 when it is one of the equally good answers), checked
    against the whole file, with ``latin-1`` (which decodes anything) as the last resort.
    """
    head = member.head
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    bare = utf16_without_bom(head)
    if bare:
        return bare
    if _decodes(member, "utf-8"):
        return "utf-8"
    sequences = _UTF8_SEQUENCE.findall(head)
    good = sum(len(m) for m in sequences)
    high = sum(1 for b in head if b >= 0x80)
    if good and (good >= high - good or _latin_only(sequences)):
        return MIXED_UTF8
    guesses = [c for c in _single_byte_guesses(head) if _decodes(member, c)]
    if good and guesses and _messier(head, guesses[0]):
        # A few UTF-8 letters and more stray bytes: whichever reading looks less like noise.
        return MIXED_UTF8
    return guesses[0] if guesses else "latin-1"


def _latin_only(sequences: list[bytes]) -> bool:
    """Whether every multi-byte UTF-8 sequence is a Latin letter, a quote, a dash or €.

    Those are what UTF-8 exports hold (``ü``, ``é``, ``“``); read as a code page they are
    pairs no language writes (``Ăź``, ``Ã©``), so a single one outweighs stray bytes.
    """
    for sequence in sequences:
        char = sequence.decode("utf-8")
        if not ("\u00c0" <= char <= "\u017f" or "\u2010" <= char <= "\u2027" or char == "€"):
            return False
    return True


def _messier(head: bytes, encoding: str) -> bool:
    """Whether ``encoding`` reads ``head`` as more of a mess than UTF-8 with 1252 fallback."""
    from charset_normalizer.md import mess_ratio

    mixed = head.decode("utf-8", errors="terbuka-cp1252")
    return mess_ratio(mixed) <= mess_ratio(head.decode(encoding, errors="replace"))


def utf16_without_bom(head: bytes) -> str:
    """``utf-16-le``/``-be`` when every other byte of the head is NUL (ASCII text), else ``""``."""
    sample = head[:4096]
    if len(sample) < 8:
        return ""
    even = sample[0::2].count(0) / len(sample[0::2])
    odd = sample[1::2].count(0) / len(sample[1::2])
    if odd > 0.4 and even < 0.05:
        return "utf-16-le"
    if even > 0.4 and odd < 0.05:
        return "utf-16-be"
    return ""


def _single_byte_guesses(head: bytes) -> list[str]:
    from charset_normalizer import from_bytes

    guesses: list[str] = []
    best = from_bytes(head, cp_isolation=SINGLE_BYTE_CANDIDATES).best()
    if best is not None:
        possible = list(getattr(best, "could_be_from_charset", []) or [best.encoding])
        guesses.append("cp1252" if "cp1252" in possible else best.encoding)
    return [*guesses, *(c for c in SINGLE_BYTE_CANDIDATES if c not in guesses)]


def _decodes(member: Member, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with member.open() as stream:
            while chunk := stream.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as error:
        raise InputError(member.name, f"cannot read (truncated or corrupt?): {error}") from None


def _first_bad_line(member: Member, encoding: str) -> int | None:
    """The line holding the first byte ``encoding`` cannot decode.

    The text layer decodes ahead in chunks, so the csv reader's line count is not where
    the bad byte is; reading the raw lines again is (for byte-oriented encodings).
    """
    if "16" in encoding or "32" in encoding:
        return None
    try:
        with member.open() as stream:
            for number, raw in enumerate(stream, 1):
                try:
                    raw.decode(encoding)
                except UnicodeDecodeError:
                    return number
                except LookupError:
                    return None
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile):
        return None
    return None


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decode bytes that are not UTF-8 as Windows-1252 (Latin-1 where 1252 has a gap)."""
    assert isinstance(error, UnicodeDecodeError)
    chunk = error.object[error.start : error.end]
    return chunk.decode("cp1252", errors="strict") if _cp1252_defined(chunk) else chunk.decode(
        "latin-1"
    ), error.end


def _cp1252_defined(chunk: bytes) -> bool:
    return not any(b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) for b in chunk)


codecs.register_error("terbuka-cp1252", _cp1252_fallback)


def text_stream(member: Member, encoding: str) -> io.TextIOWrapper:
    """A text stream over the member; ``utf-8+cp1252`` decodes stray bytes as Windows-1252."""
    if encoding == MIXED_UTF8:
        return io.TextIOWrapper(
            member.open(), encoding="utf-8", newline="", errors="terbuka-cp1252"
        )
    return io.TextIOWrapper(member.open(), encoding=encoding, newline="", errors="strict")


def looks_binary(head: bytes) -> bool:
    """NUL bytes or many control characters: not a text file."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or utf16_without_bom(head):
        return False
    sample = head[:4096]
    if sample.count(0) > max(2, len(sample) // 100):  # a stray NUL or two is damaged text
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return bool(sample) and controls / len(sample) > 0.05


def looks_like_markup(head: bytes) -> bool:
    """An HTML or XML document (a web page saved as ``.xls`` is a classic)."""
    start = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:200].lower()
    return start.startswith(_MARKUP)


# --- layout detection ----------------------------------------------------------------------


def detect_delimiter(lines: list[str]) -> str:
    """The candidate that splits the first lines into the most, most consistent columns."""
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter) if any(row)]
        except csv.Error:
            continue
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        if width < 2:
            continue
        score = count / len(widths) * 100 + width
        if score > best_score:
            best, best_score = delimiter, score
    return best


def is_label(cell: Any) -> bool:
    """A header-like cell: filled text that is neither a number nor a date."""
    return (
        isinstance(cell, str)
        and _filled(cell)
        and not looks_numeric(cell)
        and not looks_like_date(cell)
    )


def find_header(rows: list[list[Any]]) -> int:
    """Index of the header row: the first as wide as the data whose cells are all labels.

    Title rows above it ("LAPORAN REALISASI 2024", a date, a blank line) are narrower;
    data rows below it hold numbers or dates.
    """
    widths = [sum(1 for cell in row if _filled(cell)) for row in rows]
    if not widths:
        return 0
    typical = Counter(w for w in widths if w).most_common(1)
    typical_width = typical[0][0] if typical else 0
    for index, row in enumerate(rows):
        filled = [cell for cell in row if _filled(cell)]
        if len(filled) >= max(2, typical_width * 0.6) and all(is_label(c) for c in filled):
            return index
    for index, row in enumerate(rows):  # no row of pure labels: the first wide text row
        filled = [cell for cell in row if _filled(cell)]
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
        filled = [c for c in child if _filled(c)]
        if not filled or not all(is_label(c) for c in filled):
            break
        width = max(len(parent), len(child))
        cell = lambda row, i: row[i] if i < len(row) else None  # noqa: E731
        under_span = any(
            not _filled(cell(parent, i))
            and _filled(cell(child, i))
            and _has_parent(parent, child, i)
            for i in range(width)
        )
        vertical = any(
            _filled(cell(parent, i)) and not _filled(cell(child, i)) for i in range(width)
        )
        data_below = any(_filled(c) and not is_label(c) for c in after)
        if not (under_span and (vertical or data_below)):
            break
        count += 1
    return count


def _has_parent(parent: list[Any], child: list[Any], index: int) -> bool:
    for i in range(min(index, len(parent)) - 1, -1, -1):
        if _filled(parent[i]):
            return i < len(child) and _filled(child[i])
        if i >= len(child) or not _filled(child[i]):
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
            if _filled(cell):
                current = str(cell).strip()
            elif not (_filled(child) and current):
                current = None
            part = str(cell).strip() if _filled(cell) else (current if _filled(child) else None)
            if part:
                combined[i] = f"{combined[i]} {part}" if combined[i] else part
    return combined


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
        if not any(_filled(c) for c in cells):
            if layout is not None:
                layout.blank_rows += 1
            continue
        problem, check = "", ""
        extra = [c for c in cells[width:] if _filled(c)]
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


def _layout_rows(
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
    layout.rows_above_header = sum(1 for _, row in preview[:index] if any(_filled(c) for c in row))
    rest = preview[index + count :]
    while len(rest) < LOCALE_SAMPLE:  # check before taking: a row taken is a row kept
        item = next(numbered, None)
        if item is None:
            break
        rest.append(item)
    _detect_locales(layout, header, rest)
    apply_locale_options(layout, options)
    yield from rows_from(header, iter(rest), delimiter, layout, problems)
    yield from rows_from(header, numbered, delimiter, layout, problems)


class _LineRecorder:
    """Feeds lines to ``csv.reader`` and keeps those of the record being read.

    The C reader pulls exactly the lines of one record before it returns it, so the lines
    taken since the last record are that record's raw text (used to check its quoting).
    """

    def __init__(self, stream: Iterable[str]):
        self.stream = iter(stream)
        self.lines: list[str] = []

    def __iter__(self) -> _LineRecorder:
        return self

    def __next__(self) -> str:
        line = next(self.stream)
        self.lines.append(line)
        return line

    def take(self) -> list[str]:
        """The lines of the record just read."""
        lines, self.lines = self.lines, []
        return lines


def _quoting_problem(raw: list[str], delimiter: str) -> str:
    """Why a record spanning several lines is malformed, or ``""``.

    ``csv`` in its forgiving mode reads a quote that is never closed to the end of the
    file, and a stray quote can glue lines together; re-reading the record strictly
    tells a legitimate multi-line field from those.
    """
    try:
        list(csv.reader(raw, delimiter=delimiter, strict=True))
    except csv.Error as error:
        return str(error)
    return ""


class CsvReader:
    """Delimited text: CSV, semicolon-separated, tab-separated, pipe-separated."""

    id = "csv"
    title = "CSV / delimited text"

    @staticmethod
    def sniff(member: Member) -> float:
        """Text that is not JSON and splits into columns."""
        head = member.head
        if looks_binary(head):
            return 0.0
        if looks_like_markup(head):
            return 0.01  # only if nothing else fits; ``read`` then says what it is
        text = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")
        if text[:1] in (b"{", b"["):
            return 0.05
        lines = _complete_lines(head, _head_text(head))
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
        if looks_like_markup(member.head):
            raise InputError(
                member.name,
                "an HTML/XML document, not a table (a web page saved as a spreadsheet?); "
                "export it as CSV or XLSX",
            )
        if looks_binary(member.head) and not options.get("encoding"):
            raise InputError(member.name, "binary data, not delimited text")
        encoding = options.get("encoding") or detect_encoding(member)
        if encoding != MIXED_UTF8:
            try:
                codecs.lookup(encoding)
            except LookupError:
                raise InputError(
                    member.name, f"unknown encoding {encoding!r} in reader options"
                ) from None
        head_text = _head_text(member.head, encoding)
        delimiter = _delimiter_option(options.get("delimiter"), member.name) or detect_delimiter(
            _complete_lines(member.head, head_text)
        )
        layout.encoding, layout.delimiter = encoding, delimiter
        csv.field_size_limit(FIELD_SIZE_LIMIT)
        stream = text_stream(member, encoding)
        lines = _LineRecorder(stream)
        reader = csv.reader(lines, delimiter=delimiter)
        problems: dict[int, tuple[str, str]] = {}

        def numbered() -> Iterator[tuple[int, list[str]]]:
            start = 1
            for row in reader:
                raw = lines.take()
                if len(raw) > 1:
                    problem = _quoting_problem(raw, delimiter)
                    if problem == "unexpected end of data":
                        raise InputError(
                            member.name,
                            "a quoted field opened here is never closed (the file ends inside quotes)",
                            row=start,
                        )
                    if problem:
                        problems[start] = (
                            "malformed-quotes",
                            f"lines {start}-{start + len(raw) - 1} read as one row: {problem}",
                        )
                yield start, row
                start = reader.line_num + 1

        try:
            yield from _layout_rows(member.name, numbered(), options, layout, delimiter, problems)
        except csv.Error as error:
            raise InputError(member.name, _csv_problem(error), row=reader.line_num or 1) from None
        except UnicodeDecodeError as error:
            raise InputError(
                member.name,
                f"not valid {encoding} text ({error.reason}); set `encoding` for this source",
                row=_first_bad_line(member, encoding) or reader.line_num + 1,
            ) from None
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as error:
            raise InputError(
                member.name,
                f"cannot read (truncated or corrupt?): {error}",
                row=reader.line_num + 1,
            ) from None
        finally:
            stream.close()


def _csv_problem(error: csv.Error) -> str:
    text = str(error)
    if "field larger than field limit" in text:
        return (
            f"a field is larger than {FIELD_SIZE_LIMIT // (1024 * 1024)} MiB: not a CSV, or a "
            "quote that is never closed"
        )
    return f"malformed CSV: {text}"


def _delimiter_option(value: Any, name: str) -> str:
    if value in (None, ""):
        return ""
    text = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}.get(
        str(value), str(value)
    )
    if len(text) != 1:
        raise InputError(name, f"reader option delimiter {value!r} must be one character")
    return text


def _head_text(head: bytes, encoding: str = "latin-1") -> str:
    codec = "utf-8" if encoding in (MIXED_UTF8, "utf-8-sig") else encoding
    try:
        return head.decode(codec, errors="replace")
    except LookupError:
        return head.decode("latin-1")


class XlsxReader:
    """Excel workbooks (.xlsx): the first sheet with data, or the one named in options."""

    id = "xlsx"
    title = "Excel workbook (.xlsx)"

    @staticmethod
    def sniff(member: Member) -> float:
        """A zip with an Office content-types part (or a legacy .xls, to say so clearly)."""
        if member.head.startswith(b"PK\x03\x04") and (
            b"[Content_Types].xml" in member.head or b"xl/" in member.head
        ):
            return 0.95
        if member.head.startswith(OLE_MAGIC):
            return 0.5
        return 0.0

    @staticmethod
    def read(
        member: Member, options: dict[str, Any] | None = None, layout: Layout | None = None
    ) -> Iterator[TabularRow]:
        """Stream rows of one sheet as dicts keyed by the header."""
        options = options or {}
        layout = layout if layout is not None else Layout()
        if member.head.startswith(OLE_MAGIC):
            raise InputError(
                member.name,
                "a legacy Excel 97-2003 (.xls) or other OLE file: save it as .xlsx or CSV",
            )
        import openpyxl

        try:
            with member.open() as stream:
                data = io.BytesIO(stream.read())
            workbook = openpyxl.load_workbook(data, read_only=True, data_only=True)
        except Exception as error:  # openpyxl, zipfile and lxml raise many types on bad files
            raise InputError(
                member.name, f"not a readable Excel workbook: {type(error).__name__}: {error}"
            ) from None
        number = 0
        try:
            sheet = _pick_sheet(workbook, options.get("sheet"), member.name)
            layout.sheet = sheet.title

            def numbered() -> Iterator[tuple[int, list[Any]]]:
                nonlocal number
                for number, row in enumerate(sheet.iter_rows(values_only=True), 1):  # noqa: B007
                    yield number, [_cell(c) for c in row]

            yield from _layout_rows(member.name, numbered(), options, layout)
        except InputError:
            raise
        except Exception as error:  # a corrupt sheet part surfaces while streaming
            raise InputError(
                member.name,
                f"cannot read the Excel sheet: {type(error).__name__}: {error}",
                row=number + 1,
            ) from None
        finally:
            workbook.close()


def _complete_lines(head: bytes, text: str) -> list[str]:
    """The first lines of a file, without a last line the head may have cut short."""
    lines = text.lstrip("\ufeff").splitlines()
    if len(head) >= HEAD_BYTES and len(lines) > 1:
        lines = lines[:-1]
    return lines[:SNIFF_LINES]


def _pick_sheet(workbook: Any, name: str | int | None, display: str) -> Any:
    if isinstance(name, int) and not isinstance(name, bool):
        if not 1 <= name <= len(workbook.worksheets):
            raise InputError(
                display, f"no sheet number {name} (the workbook has {len(workbook.worksheets)})"
            )
        return workbook.worksheets[name - 1]
    if name:
        if name not in workbook.sheetnames:
            raise InputError(
                display, f"no sheet named {name!r} (sheets: {', '.join(workbook.sheetnames)})"
            )
        return workbook[name]
    for sheet in workbook.worksheets:
        if sheet.sheet_state == "visible" and (sheet.max_row or 0) > 1:
            return sheet
    if not workbook.worksheets:
        raise InputError(display, "the workbook has no sheets")
    return workbook.worksheets[0]


def _cell(value: Any) -> Any:
    if isinstance(value, datetime | date | time | int | float) or value is None:
        return value
    return str(value)
