"""``http``: one file over HTTP(S), fetched again only when the server says it changed."""

from __future__ import annotations

from typing import Any

from . import HTTP_KEYS, Payload, PullContext, SourceReport, payload_from


class HttpSource:
    """A file at a URL (CSV, Excel, OCDS JSON, possibly gzip or zip)."""

    id = "http"
    title = "A file over HTTP(S)"
    requires = ("url",)
    accepts = HTTP_KEYS

    @staticmethod
    def pull(spec: dict[str, Any], ctx: PullContext, report: SourceReport) -> list[Payload]:
        """A conditional GET: a 304 reuses the archived copy without downloading it."""
        fetched = ctx.get(
            spec, report, spec["url"], params=spec.get("params"), credentials=ctx.credentials(spec)
        )
        return [payload_from(fetched)]
