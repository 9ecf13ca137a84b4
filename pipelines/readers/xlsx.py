"""The ``xlsx`` reader: Excel workbooks, the first sheet with data or the one named."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from ..errors import InputError
from . import Member
from .encoding import OLE_MAGIC
from .tabular import Layout, RowReader, TabularRow, layout_rows


class XlsxReader(RowReader):
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
    def rows(member: Member, options: dict[str, Any], layout: Layout) -> Iterator[TabularRow]:
        """Stream rows of one sheet as dicts keyed by the header."""
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

            yield from layout_rows(member.name, numbered(), options, layout)
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
