"""``paged-api``: a JSON API paged by page number or offset (e.g. the LKPP/SPSE data API).

Each page is archived as it came; the rows stay in it and the ``json-rows`` reader maps
them through the descriptor's layouts (SPSE field names such as ``kd_tender``), exactly
like a CSV export. The crawl ends at an empty page, a short page or ``max_pages``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..errors import InputError
from ..readers.jsonrows import find_rows
from . import HTTP_KEYS, Payload, PullContext, SourceReport, load_json

MAX_PAGES = 100_000


class PagedApiSource:
    """JSON rows over ``?page=N`` or ``?offset=N`` (with an optional page size)."""

    id = "paged-api"
    title = "JSON API paged by page number or offset"
    requires = ("url",)
    accepts = (
        *HTTP_KEYS, "page_param", "offset_param", "size_param", "page_size", "start",
        "results", "max_pages",
    )  # fmt: skip

    @staticmethod
    def pull(spec: dict[str, Any], ctx: PullContext, report: SourceReport) -> list[Payload]:
        """Fetch every page (conditionally); unchanged rows keep their earlier copy."""
        state = ctx.load_state(report.id)
        earlier = {p["url"]: p for p in state.get("pages", [])}
        credentials = ctx.credentials(spec)
        offset_param = spec.get("offset_param")
        page_param = spec.get("page_param", "page")
        size = spec.get("page_size")
        position = int(spec.get("start", 0 if offset_param else 1))
        max_pages = int(spec.get("max_pages", MAX_PAGES))
        pages: list[dict] = []
        for _ in range(max_pages):
            params = dict(spec.get("params") or {})
            params[offset_param or page_param] = position
            if size and spec.get("size_param"):
                params[spec["size_param"]] = size
            fetched = ctx.get(spec, report, spec["url"], params=params, credentials=credentials)
            data = load_json(fetched.path)
            if data is None:
                raise InputError(fetched.url, "not JSON")
            rows = find_rows(data, spec.get("results"))
            if rows is None:
                where = f"at {spec['results']!r}" if spec.get("results") else "(set `results`)"
                raise InputError(fetched.url, f"no list of rows found {where}")
            if not rows:
                break
            digest = hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()
            entry = {
                "url": fetched.url,
                "sha256": fetched.sha256,
                "size": fetched.size,
                "digest": digest,
            }
            old = earlier.get(fetched.url)
            if old and old["digest"] == digest and ctx.archive.has(old["sha256"]):
                entry = old
            pages.append(entry)
            if size and len(rows) < int(size):
                break
            position += len(rows) if offset_param else 1
        else:
            report.notes.append(f"stopped after max_pages ({max_pages})")
        ctx.save_state(report.id, {"pages": pages})
        return [
            Payload(p["url"], p["sha256"], ctx.archive.path(p["sha256"]), p["size"]) for p in pages
        ]
