"""``psv``: pipe-separated values, as some finance systems export them.

It reads rows the way terbuka's CSV reader does — same call shape, same ``Layout`` and
``TabularRow`` — so any domain that reads rows can take a ``.psv`` file too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from terbuka.pipelines.errors import InputError
from terbuka.pipelines.readers import Member
from terbuka.pipelines.readers.tabular import Layout, TabularRow


class PsvReader:
    """Text whose first line splits on ``|`` into a header."""

    id = "psv"
    title = "Pipe-separated values"

    @staticmethod
    def sniff(member: Member) -> float:
        """Sure for a ``.psv`` with pipes in its first line; likely for pipes only."""
        first = member.head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0]
        pipes = first.count(b"|")
        if not pipes:
            return 0.0
        if member.suffix == ".psv":
            return 0.9
        others = max(first.count(b","), first.count(b";"), first.count(b"\t"))
        return 0.55 if pipes >= 2 and pipes > others else 0.0

    @staticmethod
    def read(
        member: Member, options: dict[str, Any] | None = None, layout: Layout | None = None
    ) -> Iterator[TabularRow]:
        """Rows keyed by the header; a row with another number of cells carries a problem."""
        layout = layout if layout is not None else Layout()
        layout.encoding, layout.delimiter, layout.header_row = "utf-8", "|", 1
        with member.open() as binary:
            text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
            rows = csv.reader(text, delimiter="|")
            number = 1
            try:
                header = [h.strip() for h in next(rows, [])]
                layout.columns = header
                for number, cells in enumerate(rows, 2):
                    if not any(c.strip() for c in cells):
                        continue
                    if len(cells) != len(header):
                        problem = f"{len(cells)} cells, the header has {len(header)}"
                        yield TabularRow(number, {}, problem, check="ragged-row")
                        continue
                    yield TabularRow(number, dict(zip(header, cells, strict=True)))
            except UnicodeDecodeError as error:
                # Decoding runs ahead of the rows, so the bad byte is somewhere after this row.
                message = f"not UTF-8 text after row {number}: {error.reason}"
                raise InputError(member.name, message) from None
