"""The JSON rows reader: an array of flat objects, as data APIs return them.

``[{"kd_tender": 1, "nama_paket": "…"}, …]`` or ``{"data": [ … ], "meta": …}`` is a table
whose columns are the objects' keys; it goes through the descriptor's layouts like a
CSV export. Values keep their JSON types (numbers stay numbers).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

from ..errors import InputError
from . import UNREADABLE, Member
from .limits import load_json, parse, read_whole
from .ocds import skip_bom
from .tabular import Layout, RowReader, TabularRow

ROW_KEYS = ("data", "results", "result", "items", "rows", "records", "hits")
OCDS_MARKERS = (b'"ocid"', b'"releases"', b'"records"')
HEADER_ROWS = 100  # rows looked at to collect the column names
ARRAY_OF_OBJECTS = re.compile(rb"\[\s*(\{|\])")


def _rows_at_top(head: bytes) -> bool:
    """Whether a top-level key such as ``data`` holds an array of objects (``tender.items`` does not count)."""
    import ijson

    pending = None
    try:
        for prefix, event, _ in parse(io.BytesIO(head), "head"):
            if pending:
                if (prefix, event) in ((f"{pending}.item", "start_map"), (pending, "end_array")):
                    return True
                pending = None
            if prefix in ROW_KEYS and prefix != "records" and event == "start_array":
                pending = prefix
    except (ijson.JSONError, ijson.IncompleteJSONError, InputError):
        pass  # too deep to be rows: the OCDS reader reports it
    return False


def find_rows(data: Any, path: str | None = None) -> list | None:
    """The list of row objects in a response: at ``path`` (``data.items``) or found by shape."""
    if path:
        node = data
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node if isinstance(node, list) else None
    if isinstance(data, list):
        return data if all(isinstance(r, dict) for r in data[:HEADER_ROWS]) else None
    if not isinstance(data, dict):
        return None
    candidates = [data.get(k) for k in ROW_KEYS] + list(data.values())
    candidates += [v.get(k) for v in data.values() if isinstance(v, dict) for k in ROW_KEYS]
    for value in candidates:
        if isinstance(value, list) and all(isinstance(r, dict) for r in value[:HEADER_ROWS]):
            return value
    return None


def flat(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted columns; lists become JSON text."""
    values: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            values.update(flat(value, f"{name}."))
        elif isinstance(value, list):
            values[name] = json.dumps(value, ensure_ascii=False)
        else:
            values[name] = value
    return values


class JsonRowsReader(RowReader):
    """JSON arrays of flat objects (API responses, exports)."""

    id = "json-rows"
    title = "JSON rows (an array of objects)"

    @staticmethod
    def sniff(member: Member) -> float:
        """An array of objects, or rows under ``data``/``results``/…, that is not OCDS.

        Any other JSON is left to the OCDS reader, which reports what it cannot use.
        """
        head = member.head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if any(marker in head for marker in OCDS_MARKERS):
            return 0.0
        if ARRAY_OF_OBJECTS.match(head) or _rows_at_top(head):
            return 0.6
        return 0.0

    @staticmethod
    def rows(member: Member, options: dict[str, Any], layout: Layout) -> Iterator[TabularRow]:
        """Rows as dicts keyed by column; the columns are the keys of the first rows."""
        stream = skip_bom(member.open())
        try:
            data = load_json(read_whole(stream, member.name), member.name)
        except UnicodeDecodeError as error:
            raise InputError(member.name, f"not UTF-8 text: {error.reason}") from None
        except ValueError as error:
            raise InputError(member.name, f"invalid or truncated JSON: {error}") from None
        except UNREADABLE as error:  # corrupt .gz/.zip
            raise InputError(member.name, f"cannot read (truncated or corrupt?): {error}") from None
        finally:
            stream.close()
        rows = find_rows(data, options.get("results"))
        if rows is None:
            raise InputError(member.name, "no array of objects found (expected JSON rows)")
        columns: dict[str, None] = {}
        for row in rows[:HEADER_ROWS]:
            columns.update(dict.fromkeys(flat(row)))
        layout.encoding, layout.header_row, layout.columns = "utf-8", 0, list(columns)
        for number, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                yield TabularRow(
                    number, {}, f"item {number} is not an object", check="not-an-object"
                )
                continue
            values = flat(row)
            yield TabularRow(number, {c: values.get(c) for c in {**columns, **values}})
