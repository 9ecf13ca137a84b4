"""CSV exports that are safe to open in a spreadsheet (no formula injection).

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run
as a formula by Excel and LibreOffice; the OWASP advice is to prefix such cells with a
single quote. Numbers — negative ones included — stay numbers. Datasette has no hook
for CSV cells, so this is an ASGI wrapper over CSV responses that rewrites them record
by record as they stream, whatever their size. Files served with a length (the data
package's CSVs, offered for download by the catalog routes) pass through untouched: their
bytes are what ``datapackage.json`` and the catalog declare, hash included.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from typing import Any
from urllib.parse import parse_qsl

from datasette import hookimpl

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(cell: str) -> str:
    """``'=SUM(A1)`` for ``=SUM(A1)``; ``-12.5`` stays ``-12.5``."""
    if cell and cell.startswith(TRIGGERS) and not NUMBER.match(cell):
        return "'" + cell
    return cell


class CsvRewriter:
    """Feeds CSV text in arbitrary chunks; returns neutralised text for complete records."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.pending = ""

    def feed(self, data: bytes, final: bool = False) -> bytes:
        """Rewrite every complete record in ``pending + data``; keep the rest for later."""
        self.pending += self.decoder.decode(data, final)
        if final:
            complete, self.pending = self.pending, ""
        else:
            cut = self._last_record_end(self.pending)
            complete, self.pending = self.pending[:cut], self.pending[cut:]
        if not complete:
            return b""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for record in csv.reader(io.StringIO(complete, newline="")):
            writer.writerow([neutralise(cell) for cell in record])
        text = out.getvalue()
        if not complete.endswith("\n"):
            text = text[:-2]  # the stream's last record had no line ending: keep it that way
        return text.encode("utf-8")

    @staticmethod
    def _last_record_end(text: str) -> int:
        """Index just after the last newline that is outside a quoted field."""
        position, quotes, end = 0, 0, 0
        while True:
            newline = text.find("\n", position)
            if newline < 0:
                return end
            quotes += text.count('"', position, newline)
            if quotes % 2 == 0:
                end = newline + 1
            position = newline + 1


def is_csv_request(scope: dict[str, Any]) -> bool:
    """A Datasette CSV export: ``….csv`` or ``?_format=csv``."""
    if scope.get("type") != "http":
        return False
    if scope.get("path", "").endswith(".csv"):
        return True
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    return query.get("_format") == "csv"


@hookimpl
def asgi_wrapper(datasette):
    """Rewrite CSV responses on their way out."""

    def wrap(app):
        async def safe_csv(scope, receive, send):
            if not is_csv_request(scope):
                await app(scope, receive, send)
                return
            state: dict[str, Any] = {"rewriter": None}

            async def send_neutralised(message):
                if message["type"] == "http.response.start":
                    headers = message.get("headers", [])
                    content_type = next(
                        (v for k, v in headers if k.lower() == b"content-type"), b""
                    ).lower()
                    # Datasette streams its CSV exports without a length; a response with
                    # one is a file (a data package CSV) whose published bytes and hash
                    # must stay exactly as they are.
                    sized = any(k.lower() == b"content-length" for k, _ in headers)
                    if content_type.startswith((b"text/csv", b"text/plain")) and not sized:
                        state["rewriter"] = CsvRewriter()
                    await send({**message, "headers": headers})
                    return
                rewriter = state["rewriter"]
                if message["type"] == "http.response.body" and rewriter is not None:
                    final = not message.get("more_body", False)
                    await send({**message, "body": rewriter.feed(message.get("body", b""), final)})
                    return
                await send(message)

            await app(scope, receive, send_neutralised)

        return safe_csv

    return wrap
