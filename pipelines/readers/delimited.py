"""The ``csv`` reader: delimited text, any common encoding and delimiter.

Separated by ``,``, ``;``, tabs or pipes. ``csv.Sniffer`` guesses some real files wrong,
so the delimiter is chosen by how consistently each candidate splits the first lines.
A record whose quoting is broken is flagged row by row; a file that cannot be read at
all is an ``InputError`` naming the file and row.
"""

from __future__ import annotations

import codecs
import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import InputError
from . import HEAD_BYTES, UNREADABLE, Member
from .encoding import (
    MIXED_UTF8,
    detect_encoding,
    first_bad_line,
    head_text,
    looks_binary,
    looks_like_markup,
    text_stream,
)
from .tabular import Layout, RowReader, TabularRow, layout_rows

DELIMITERS = (",", ";", "\t", "|")
FIELD_SIZE_LIMIT = 16 * 1024 * 1024
SNIFF_LINES = 50


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


def complete_lines(head: bytes, text: str) -> list[str]:
    """The first lines of a file, without a last line the head may have cut short."""
    lines = text.lstrip("\ufeff").splitlines()
    if len(head) >= HEAD_BYTES and len(lines) > 1:
        lines = lines[:-1]
    return lines[:SNIFF_LINES]


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


class CsvReader(RowReader):
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
        lines = complete_lines(head, head_text(head))
        delimiter = detect_delimiter(lines)
        if not any(delimiter in line for line in lines):
            return 0.2
        return 0.8 if member.suffix in (".csv", ".tsv", ".txt", "") else 0.5

    @staticmethod
    def rows(member: Member, options: dict[str, Any], layout: Layout) -> Iterator[TabularRow]:
        """Stream rows as dicts keyed by the header."""
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
        text = head_text(member.head, encoding)
        delimiter = _delimiter_option(options.get("delimiter"), member.name) or detect_delimiter(
            complete_lines(member.head, text)
        )
        layout.encoding, layout.delimiter = encoding, delimiter
        csv.field_size_limit(FIELD_SIZE_LIMIT)
        stream = text_stream(member, encoding)
        lines = _LineRecorder(stream)
        reader = csv.reader(lines, delimiter=delimiter)
        problems: dict[int, tuple[str, str]] = {}
        numbered = _numbered(reader, lines, delimiter, member.name, problems)
        try:
            yield from layout_rows(member.name, numbered, options, layout, delimiter, problems)
        except csv.Error as error:
            raise InputError(member.name, _csv_problem(error), row=reader.line_num or 1) from None
        except UnicodeDecodeError as error:
            raise InputError(
                member.name,
                f"not valid {encoding} text ({error.reason}); set `encoding` for this source",
                row=first_bad_line(member, encoding) or reader.line_num + 1,
            ) from None
        except UNREADABLE as error:
            raise InputError(
                member.name,
                f"cannot read (truncated or corrupt?): {error}",
                row=reader.line_num + 1,
            ) from None
        finally:
            stream.close()


def _numbered(
    reader: Any,
    lines: _LineRecorder,
    delimiter: str,
    name: str,
    problems: dict[int, tuple[str, str]],
) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on; broken quoting noted in ``problems``.

    A quote never closed is an ``InputError`` naming the line where it opened.
    """
    start = 1
    for row in reader:
        raw = lines.take()
        if len(raw) > 1:
            problem = _quoting_problem(raw, delimiter)
            if problem == "unexpected end of data":
                raise InputError(
                    name,
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
