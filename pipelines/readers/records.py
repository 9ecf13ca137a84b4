"""JSON records: an array of flat objects (Socrata-style APIs) or JSON Lines.

APIs such as Socrata's leave out a key when its value is empty, so a record's columns are
the union of the keys seen, not the first record's keys. Records are streamed (``ijson``)
and come out as ``TabularRow``s, numbered from 1, so a pipeline treats them exactly like
rows of a CSV export through the same column mapping.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterator
from itertools import islice
from typing import Any

from ..errors import InputError
from . import Member
from .tabular import Layout, TabularRow

PREVIEW_RECORDS = 500


class JsonRecordsReader:
    """A JSON array of objects, or one object per line."""

    id = "json-records"
    title = "JSON records (array of objects, JSON Lines)"

    @staticmethod
    def sniff(member: Member) -> float:
        """An array whose first element is an object, or lines that are objects."""
        text = member.head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")
        if text.startswith(b"["):
            return 0.6 if text[1:].lstrip(b" \t\r\n").startswith(b"{") else 0.0
        if text.startswith(b"{"):
            first = text.split(b"\n", 1)[0].strip()
            try:
                json.loads(first)
                return 0.5
            except ValueError:
                return 0.1
        return 0.0

    @staticmethod
    def read(
        member: Member, options: dict[str, Any] | None = None, layout: Layout | None = None
    ) -> Iterator[TabularRow]:
        """Stream records as rows; ``layout.columns`` is the union of the first records' keys."""
        layout = layout if layout is not None else Layout()
        layout.encoding = "utf-8"
        records = _records(member)
        preview = list(islice(records, PREVIEW_RECORDS))
        columns: dict[str, None] = {}
        for _, record in preview:
            if isinstance(record, dict):
                columns.update(dict.fromkeys(str(k) for k in record))
        layout.columns = list(columns)
        layout.header_row = 0
        for number, record in preview:
            yield _row(number, record)
        for number, record in records:
            yield _row(number, record)


def _row(number: int, record: Any) -> TabularRow:
    if not isinstance(record, dict):
        return TabularRow(
            number, {}, f"record {number} is not an object but {type(record).__name__}"
        )
    values = {
        str(k): json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
        for k, v in record.items()
    }
    return TabularRow(number, values)


def _records(member: Member) -> Iterator[tuple[int, Any]]:
    head = member.head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")
    if head.startswith(b"["):
        yield from _array(member)
    else:
        yield from _lines(member)


def _array(member: Member) -> Iterator[tuple[int, Any]]:
    import ijson

    number = 0
    with member.open() as stream:
        try:
            for record in ijson.items(stream, "item", use_float=True):
                number += 1
                yield number, record
        except ijson.JSONError as error:
            raise InputError(
                member.name, f"malformed JSON after record {number}: {error}", row=number + 1
            ) from None
        except UnicodeDecodeError as error:
            raise InputError(
                member.name, f"not UTF-8 JSON ({error.reason})", row=number + 1
            ) from None


def _lines(member: Member) -> Iterator[tuple[int, Any]]:
    with member.open() as raw:
        stream = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict")
        try:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except ValueError as error:
                    raise InputError(
                        member.name, f"malformed JSON line: {error}", row=number
                    ) from None
        except UnicodeDecodeError as error:
            raise InputError(member.name, f"not UTF-8 JSON ({error.reason})") from None
