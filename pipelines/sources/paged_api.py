"""``paged-api``: a JSON API paged by page number or offset (e.g. the LKPP/SPSE data API).

Each page is archived as it came; the rows stay in it and the ``json-rows`` reader maps
them through the descriptor's layouts (SPSE field names such as ``kd_tender``), exactly
like a CSV export. The crawl ends at an empty page, a short page or ``max_pages``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..errors import InputError, UsageError
from ..fetch import Credentials, redact_url
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
        "results", "max_pages", "endpoints", "year", "kd_klpd",
    )  # fmt: skip

    @staticmethod
    def pull(spec: dict[str, Any], ctx: PullContext, report: SourceReport) -> list[Payload]:
        """Fetch every page (conditionally); unchanged rows keep their earlier copy.

        With ``endpoints`` (an API with one URL per endpoint, such as LKPP's ISB/INAPROC
        feeds) the ``url`` is a template: ``{endpoint_id}``, ``{endpoint_name}``, ``{year}``,
        ``{kd_klpd}`` and ``{token}`` (the token from ``token_env``, for APIs that carry it
        in the path; it is scrubbed from every URL shown or stored) are filled in, and each
        endpoint is crawled in turn with its own incremental state.
        """
        state = ctx.load_state(report.id)
        credentials = ctx.credentials(spec)
        if not spec.get("endpoints"):
            pages = _crawl(spec, spec["url"], ctx, report, credentials, state.get("pages", []))
            ctx.save_state(report.id, {"pages": pages})
            return _payloads(ctx, pages)
        if credentials and "{token}" in spec["url"]:
            credentials = Credentials(credentials.token, header=None, param=None)
        earlier = state.get("endpoints", {})
        crawled: dict[str, list[dict]] = {}
        for endpoint in spec["endpoints"]:
            url = _endpoint_url(spec, str(endpoint), credentials)
            crawled[str(endpoint)] = _crawl(
                spec, url, ctx, report, credentials, earlier.get(str(endpoint), [])
            )
        ctx.save_state(report.id, {"endpoints": crawled})
        return _payloads(ctx, [p for pages in crawled.values() for p in pages])


def _endpoint_url(spec: dict[str, Any], endpoint: str, credentials: Credentials | None) -> str:
    """The template URL of one endpoint (by id, or by name as in FIELDS.md)."""
    from ..readers.inaproc import BY_ID, BY_NAME

    found = BY_ID.get(endpoint) or BY_NAME.get(endpoint.lower())
    values = {
        "endpoint_id": found.id if found else endpoint,
        "endpoint_name": found.name if found else endpoint,
        "year": spec.get("year", ""),
        "kd_klpd": spec.get("kd_klpd", ""),
        "token": credentials.token if credentials else "",
    }
    try:
        return str(spec["url"]).format(**values)
    except (KeyError, IndexError, ValueError) as error:
        raise UsageError(
            f"source {spec['id']!r}: url template has an unknown placeholder ({error}); "
            "known: {endpoint_id}, {endpoint_name}, {year}, {kd_klpd}, {token}"
        ) from None


def _crawl(
    spec: dict[str, Any],
    url: str,
    ctx: PullContext,
    report: SourceReport,
    credentials: Credentials | None,
    known: list[dict],
) -> list[dict]:
    """Every page of one URL until an empty or short page (or ``max_pages``)."""
    earlier = {p["url"]: p for p in known}
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
        fetched = ctx.get(spec, report, url, params=params, credentials=credentials)
        data = load_json(fetched.path, fetched.url)
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
        report.notes.append(f"stopped after max_pages ({max_pages}) at {redact_url(url)}")
    return pages


def _payloads(ctx: PullContext, pages: list[dict]) -> list[Payload]:
    return [Payload(p["url"], p["sha256"], ctx.archive.path(p["sha256"]), p["size"]) for p in pages]
