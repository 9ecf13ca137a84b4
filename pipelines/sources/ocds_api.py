"""``ocds-api``: an OCDS release or record package API, following ``links.next``.

Like Kingfisher Collect's spiders, it starts at ``url`` and follows each package's
``links.next`` until there is none. Every page is archived. Later pulls fetch only what
is new where the API allows it — a ``since_param`` carrying the newest release date seen
(the watermark), or ``order: newest-first`` so the crawl stops at the first page holding
something already seen — and add the new pages to the ones kept from earlier pulls, so
the run still reads every release. Without either, every page is fetched again
(conditionally), and a page whose releases are unchanged keeps its earlier copy even if
the package around them (``publishedDate``) changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from ..errors import InputError
from ..parse import parse_datetime
from . import HTTP_KEYS, Payload, PullContext, SourceReport, load_json

MAX_PAGES = 100_000


@dataclass
class Page:
    """What the crawl needs from a page: its items' keys and dates, and the next link."""

    items: list[tuple[str, str | None]]  # (ocid/id, UTC date) per release or record
    next: str | None
    digest: str  # hash of the releases/records alone, not the package around them

    @property
    def newest(self) -> str | None:
        """The latest date on the page."""
        return max((d for _, d in self.items if d), default=None)


def read_page(data: Any, shown: str) -> Page:
    """The releases or records of one package page; an ``InputError`` if it is not one."""
    if isinstance(data, list):
        items, links = data, {}
    elif isinstance(data, dict):
        items = data.get("releases")
        if items is None:
            items = data.get("records")
        links = data.get("links") if isinstance(data.get("links"), dict) else {}
    else:
        raise InputError(shown, "not a JSON release or record package")
    if items is None:
        raise InputError(shown, "not an OCDS package: no 'releases' or 'records' array")
    if not isinstance(items, list):
        raise InputError(shown, "'releases'/'records' is not an array")
    keyed = [_key_and_date(item) for item in items if isinstance(item, dict)]
    digest = hashlib.sha256(
        json.dumps(items, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    link = links.get("next") if isinstance(links.get("next"), str) else None
    return Page(keyed, urljoin(shown, link) if link else None, digest)


def _key_and_date(item: dict) -> tuple[str, str | None]:
    if isinstance(item.get("compiledRelease"), dict) or "releases" in item:
        dates = [item.get("compiledRelease", {}).get("date")]
        dates += [r.get("date") for r in item.get("releases") or [] if isinstance(r, dict)]
        key = str(item.get("ocid"))
        date = max((d for d in map(_utc, dates) if d), default=None)
    else:
        key = f"{item.get('ocid')}/{item.get('id')}"
        date = _utc(item.get("date"))
    return key, date


def _utc(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    parsed, problem = parse_datetime(value, "UTC")
    return None if problem else parsed


class OcdsApiSource:
    """Paginated OCDS API (release or record packages with ``links.next``)."""

    id = "ocds-api"
    title = "OCDS package API following links.next"
    requires = ("url",)
    accepts = (*HTTP_KEYS, "since_param", "order", "max_pages")

    @staticmethod
    def pull(spec: dict[str, Any], ctx: PullContext, report: SourceReport) -> list[Payload]:
        """Crawl from ``url``; incremental when there is a watermark and the API allows it."""
        earlier = _earlier_pulls(spec, ctx, report)
        report.incremental = earlier.incremental
        crawled, items = _crawl(spec, ctx, report, earlier)
        pages = earlier.pages + crawled if earlier.incremental else crawled
        newest, keys = earlier.next_watermark(items)
        report.watermark = newest
        ctx.save_state(
            report.id,
            {"pages": pages, "watermark": newest, "watermark_keys": keys, "url": spec["url"]},
        )
        return [
            Payload(p["url"], p["sha256"], ctx.archive.path(p["sha256"]), p["size"]) for p in pages
        ]


@dataclass
class EarlierPulls:
    """What earlier pulls kept: their pages and the watermark (newest date, keys at it)."""

    pages: list[dict]
    watermark: str | None
    at_watermark: set[str]
    incremental: bool  # fetch only what is new, added to the kept pages

    def is_new(self, key: str, date: str | None) -> bool:
        """An item past the watermark (every item when the pull is not incremental)."""
        if not self.incremental or date is None or self.watermark is None:
            return True
        return date > self.watermark or (date == self.watermark and key not in self.at_watermark)

    def next_watermark(self, items: list[tuple[str, str | None]]) -> tuple[str | None, list[str]]:
        """The newest date after this pull and the keys of the items with that date."""
        dates = [d for _, d in items if d]
        if self.incremental and self.watermark:
            dates.append(self.watermark)
        newest = max(dates, default=None)
        if newest is None:
            return None, []
        keys = {k for k, d in items if d == newest}
        if newest == self.watermark:
            keys |= self.at_watermark
        return newest, sorted(keys)


def _earlier_pulls(spec: dict[str, Any], ctx: PullContext, report: SourceReport) -> EarlierPulls:
    """The saved state of this source; the pull is incremental when it can skip old pages."""
    state = ctx.load_state(report.id)
    if state.get("url") != spec["url"]:
        state = {}  # another API now: start afresh
    kept = state.get("pages", [])
    watermark = state.get("watermark")
    intact = all(ctx.archive.has(p["sha256"]) for p in kept)
    if kept and not intact:
        report.notes.append("earlier pages are missing from the archive: fetched everything")
    can_skip = spec.get("since_param") or spec.get("order") == "newest-first"
    incremental = bool(kept and intact and watermark and can_skip and not ctx.full)
    return EarlierPulls(kept, watermark, set(state.get("watermark_keys", [])), incremental)


def _crawl(
    spec: dict[str, Any], ctx: PullContext, report: SourceReport, earlier: EarlierPulls
) -> tuple[list[dict], list[tuple[str, str | None]]]:
    """Follow ``links.next`` from ``url``: the pages holding something new, and the new items."""
    credentials = ctx.credentials(spec)
    params = dict(spec.get("params") or {})
    if earlier.incremental and spec.get("since_param"):
        params[spec["since_param"]] = earlier.watermark
    previous_by_url = {p["url"]: p for p in earlier.pages}
    max_pages = int(spec.get("max_pages", MAX_PAGES))
    crawled: list[dict] = []
    fresh_items: list[tuple[str, str | None]] = []
    url: str | None = spec["url"]
    visited: set[str] = set()
    while url:
        if len(visited) >= max_pages:
            report.notes.append(f"stopped after max_pages ({max_pages})")
            break
        fetched = ctx.get(spec, report, url, params=params, credentials=credentials)
        params = None  # links.next carries its own query
        if fetched.url in visited:
            report.notes.append(f"links.next loops back to {fetched.url}: stopped")
            break
        visited.add(fetched.url)
        page = _fetched_page(fetched)
        fresh = [(k, d) for k, d in page.items if earlier.is_new(k, d)]
        entry = {
            "url": fetched.url, "sha256": fetched.sha256, "size": fetched.size,
            "items": len(page.items), "digest": page.digest, "newest": page.newest,
        }  # fmt: skip
        before = previous_by_url.get(fetched.url)
        if before and before["digest"] == page.digest and ctx.archive.has(before["sha256"]):
            entry = before  # same releases, new wrapper: keep the copy already used
        if fresh and not (earlier.incremental and entry in earlier.pages):
            crawled.append(entry)
            fresh_items.extend(fresh)
        newest_first = spec.get("order") == "newest-first"
        if earlier.incremental and newest_first and len(fresh) < len(page.items):
            break  # the rest of the pages are older
        url = page.next
    return crawled, fresh_items


def _fetched_page(fetched: Any) -> Page:
    """The page a fetch brought, or an ``InputError`` when it is not an OCDS package."""
    data = load_json(fetched.path, fetched.url)
    if data is None:
        raise InputError(fetched.url, "not JSON (expected an OCDS release or record package)")
    return read_page(data, fetched.url)
