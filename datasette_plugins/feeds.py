"""Atom feeds, so a newsroom can follow a dataset, a red flag, a buyer or a supplier.

- ``/-/terbuka/feeds/<db>.atom``: each publication of the dataset, with what changed;
- ``/-/terbuka/feeds/<db>/flags/<flag id>.atom``: processes raising that red flag;
- ``/-/terbuka/feeds/<db>/buyers/<buyer id>.atom``: the buyer's processes and their flags;
- ``/-/terbuka/feeds/<db>/suppliers/<supplier id>.atom``: the supplier's awards and flags.

Everything comes from the published tables (``_runs``, ``red_flags``, ``tenders``,
``award_suppliers``, ``releases``); the XML is written by feedgen. Entry ids are the
Datasette row pages of what they announce, so they are permanent and resolvable. Pages
announce their feeds with ``<link rel="alternate" type="application/atom+xml">``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import Response

from . import i18n, publication

FEED_TYPE = "application/atom+xml"
MAX_ENTRIES = 100


def feed_path(database: str, kind: str | None = None, key: str | None = None) -> str:
    """The path of a feed (ids are tilde-encoded: they may hold dots and slashes)."""
    if kind is None:
        return f"/-/terbuka/feeds/{tilde_encode(database)}.atom"
    return f"/-/terbuka/feeds/{tilde_encode(database)}/{kind}/{tilde_encode(str(key))}.atom"


@hookimpl
def register_routes():
    """The feed routes."""
    return [
        (r"^/-/terbuka/feeds/(?P<database>[^/]+)\.atom$", dataset_feed),
        (
            r"^/-/terbuka/feeds/(?P<database>[^/]+)/(?P<kind>flags|buyers|suppliers)/"
            r"(?P<key>[^/]+)\.atom$",
            subject_feed,
        ),
    ]


@hookimpl
def extra_template_vars(template, database, table, request, datasette):
    """The feeds a page announces: its dataset's, and the flag's, buyer's or supplier's."""

    async def inner() -> dict[str, Any]:
        if not database or database not in datasette.databases:
            return {}
        db = datasette.databases[database]
        tables = set(await db.table_names())
        feeds = []
        if "_runs" in tables:
            feeds.append({"title": database, "href": feed_path(database)})
        pks = (request.url_vars or {}).get("pks") if request else None
        if table == "tenders" and pks and {"releases", "tenders"} <= tables:
            feeds += await _tender_feeds(db, database, tilde_decode(pks), tables)
        return {"terbuka_feeds": feeds}

    return inner


async def _tender_feeds(db: Any, database: str, ocid: str, tables: set[str]) -> list[dict]:
    """On a tender's page: its buyer's feed and a feed per red flag it raises."""
    found = []
    for row in await _rows(db, "select buyer_id, buyer_name from tenders where ocid = ?", [ocid]):
        if row["buyer_id"]:
            found.append(
                {
                    "title": f"{row['buyer_name'] or row['buyer_id']}",
                    "href": feed_path(database, "buyers", row["buyer_id"]),
                }
            )
    for flag in (await _flags(db, [ocid], tables)).get(ocid, []):
        found.append(
            {"title": flag["flag_id"], "href": feed_path(database, "flags", flag["flag_id"])}
        )
    return found


async def dataset_feed(datasette: Any, request: Any) -> Response:
    """Every publication of a dataset, newest first, with its change summary."""
    database = tilde_decode(request.url_vars["database"])
    db = _database(datasette, database)
    if db is None or "_runs" not in await db.table_names():
        return _not_found(database)
    rows = await _rows(
        db,
        "select rowid, run_id, finished, record from _runs where status = 'published' "
        "order by finished desc limit ?",
        [MAX_ENTRIES],
    )
    feed = _new_feed(datasette, request, database, feed_path(database), None)
    for row in reversed(rows):
        record = _json(row["record"])
        entry = feed.add_entry()
        url = _row_url(datasette, request, database, "_runs", [row["rowid"]])
        entry.id(url)
        entry.link(href=url, rel="alternate", type="text/html")
        entry.title(f"{database}: publication {row['run_id']}")
        entry.updated(_instant(row["finished"]))
        entry.summary(_with_reason(_change_summary(record.get("changes") or {}), record))
    return _respond(feed, rows, lambda r: r["finished"])


async def subject_feed(datasette: Any, request: Any) -> Response:
    """Processes that raise one red flag, or that concern one buyer or one supplier."""
    database = tilde_decode(request.url_vars["database"])
    kind, key = request.url_vars["kind"], tilde_decode(request.url_vars["key"])
    db = _database(datasette, database)
    tables = set(await db.table_names()) if db is not None else set()
    if not {"releases", "tenders"} <= tables:
        return _not_found(database)
    entries = await SUBJECTS[kind](db, key, tables)
    if not entries:
        return _not_found(f"{database}/{kind}/{key}")
    lang = i18n.language(request)
    indicators = {r["flag_id"]: r for r in await _rows(db, "select * from red_flag_indicators")}
    flags = await _flags(db, [e["ocid"] for e in entries], tables)
    title = f"{database} · {kind[:-1]} {key}"
    if kind == "flags" and key in indicators:
        title = f"{database} · {key}: {_indicator_title(indicators[key], lang)}"
    feed = _new_feed(datasette, request, database, feed_path(database, kind, key), title)
    for item in reversed(entries):
        entry = feed.add_entry()
        entry.id(_row_url(datasette, request, database, item["table"], item["keys"]))
        page = _row_url(datasette, request, database, "tenders", [item["ocid"]])
        entry.link(href=page, rel="alternate", type="text/html")
        entry.title(item["title"] or item["ocid"])
        entry.updated(_instant(item["updated"]))
        raised = [
            f"{f['flag_id']} {_indicator_title(indicators.get(f['flag_id'], {}), lang)}".strip()
            for f in flags.get(item["ocid"], [])
        ]
        summary = item["summary"]
        if raised:
            summary += " · " + ("red flags: " if lang == "en" else "tanda bahaya: ")
            summary += "; ".join(raised)
        entry.summary(summary)
    return _respond(feed, entries, lambda e: e["updated"])


# Each process's latest release date: when an entry about it last changed.
LATEST = "join (select ocid, max(date) as updated from releases group by ocid) u on u.ocid = "


def _entry(row: dict[str, Any], table: str, keys: list[Any], title: Any, *parts: Any) -> dict:
    """A feed entry about ``row``'s process: its row page, title, date and summary."""
    return {
        "ocid": row["ocid"],
        "table": table,
        "keys": keys,
        "title": title,
        "updated": row["updated"],
        "summary": " · ".join(str(part) for part in parts if part),
    }


async def _flag_entries(db: Any, key: str, tables: set[str]) -> list[dict[str, Any]]:
    if "red_flags" not in tables:
        return []
    rows = await _rows(
        db,
        "select f.ocid, f.flag_id, f.detail, t.title, t.buyer_name, u.updated "
        f"from red_flags f join tenders t on t.ocid = f.ocid {LATEST} f.ocid "
        "where f.flag_id = ? order by u.updated desc, f.ocid limit ?",
        [key, MAX_ENTRIES],
    )
    return [
        _entry(r, "red_flags", [r["ocid"], r["flag_id"]], r["title"], r["buyer_name"], r["detail"])
        for r in rows
    ]


async def _buyer_entries(db: Any, key: str, tables: set[str]) -> list[dict[str, Any]]:
    rows = await _rows(
        db,
        "select t.ocid, t.title, t.buyer_name, t.procurement_method, t.value_amount, "
        f"t.value_currency, u.updated from tenders t {LATEST} t.ocid "
        "where t.buyer_id = ? order by u.updated desc, t.ocid limit ?",
        [key, MAX_ENTRIES],
    )
    return [
        _entry(
            r, "tenders", [r["ocid"]], r["title"], r["buyer_name"], r["procurement_method"],
            _amount(r["value_amount"], r["value_currency"]),
        )
        for r in rows
    ]  # fmt: skip


async def _supplier_entries(db: Any, key: str, tables: set[str]) -> list[dict[str, Any]]:
    if not {"award_suppliers", "awards"} <= tables:
        return []
    rows = await _rows(
        db,
        "select s.ocid, s.award_id, s.supplier_name, a.title, a.value_amount, "
        "a.value_currency, coalesce(nullif(a.date, ''), u.updated) as updated, t.buyer_name "
        "from award_suppliers s join awards a on a.ocid = s.ocid and a.award_id = s.award_id "
        f"left join tenders t on t.ocid = s.ocid {LATEST} s.ocid where s.supplier_id = ? "
        "order by updated desc, s.ocid, s.award_id limit ?",
        [key, MAX_ENTRIES],
    )
    return [
        _entry(
            r, "awards", [r["ocid"], r["award_id"]], r["title"] or f"{r['supplier_name']} · {r['ocid']}",
            r["supplier_name"], r["buyer_name"], _amount(r["value_amount"], r["value_currency"]),
        )
        for r in rows
    ]  # fmt: skip


SUBJECTS = {"flags": _flag_entries, "buyers": _buyer_entries, "suppliers": _supplier_entries}


async def _flags(db: Any, ocids: list[str], tables: set[str]) -> dict[str, list[dict]]:
    if "red_flags" not in tables or not ocids:
        return {}
    marks = ",".join("?" for _ in ocids)
    found: dict[str, list[dict]] = {}
    for row in await _rows(
        db, f"select ocid, flag_id from red_flags where ocid in ({marks}) order by flag_id", ocids
    ):
        found.setdefault(row["ocid"], []).append(row)
    return found


def _new_feed(datasette: Any, request: Any, database: str, path: str, title: str | None) -> Any:
    from feedgen.feed import FeedGenerator

    cfg = publication.config(datasette, database) or {}
    metadata = datasette.metadata(database=database) or {}
    lang = i18n.language(request)
    name = i18n.pick(cfg.get("titles"), lang) or metadata.get("title") or database
    publisher = (cfg.get("publisher") or {}).get("name") or metadata.get("source") or database
    feed = FeedGenerator()
    url = datasette.absolute_url(request, path)
    feed.id(url)
    feed.title(title or name)
    feed.author({"name": publisher})
    feed.link(href=url, rel="self", type=FEED_TYPE)
    feed.link(
        href=datasette.absolute_url(request, datasette.urls.database(database)),
        rel="alternate",
        type="text/html",
    )
    feed.language(lang)
    if metadata.get("license_url"):
        feed.rights(f"{metadata.get('license') or ''} {metadata['license_url']}".strip())
    feed.generator("terbuka")
    return feed


def _respond(feed: Any, items: list[dict], updated: Any) -> Response:
    stamps = [_instant(updated(i)) for i in items if updated(i)]
    feed.updated(max(stamps) if stamps else datetime(1970, 1, 1, tzinfo=UTC))
    return Response(
        feed.atom_str(pretty=True), content_type=f"{FEED_TYPE}; charset=utf-8", status=200
    )


def _not_found(what: str) -> Response:
    return Response.text(f"no feed for {what}", status=404)


def _database(datasette: Any, name: str) -> Any:
    return datasette.databases.get(name)


async def _rows(db: Any, sql: str, params: Any = None) -> list[dict[str, Any]]:
    try:
        return [dict(r) for r in (await db.execute(sql, params or [])).rows]
    except Exception:  # a table of an older publication may lack a column
        return []


def _row_url(datasette: Any, request: Any, database: str, table: str, keys: list[Any]) -> str:
    path = (
        datasette.urls.table(database, table) + "/" + ",".join(tilde_encode(str(k)) for k in keys)
    )
    return datasette.absolute_url(request, path)


def _instant(value: Any) -> datetime:
    """A published ISO 8601 date or date-time as an aware datetime (UTC when naive)."""
    text = str(value or "1970-01-01").replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text[:10])
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _json(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _change_summary(changes: dict[str, Any]) -> str:
    parts = []
    for table, counts in sorted(changes.items()):
        if not isinstance(counts, dict):
            continue
        moved = {k: counts.get(k, 0) for k in ("added", "changed", "removed") if counts.get(k)}
        if moved:
            parts.append(f"{table}: " + ", ".join(f"{n} {k}" for k, n in moved.items()))
    return "; ".join(parts) or "no rows changed"


def _with_reason(summary: str, record: dict[str, Any]) -> str:
    """The change summary, then the run's note and the reader's report it answers."""
    note, answers = record.get("note"), record.get("answers")
    parts = [
        summary,
        f"Reason: {note}" if note else "",
        f"Answers report {answers}" if answers else "",
    ]
    return ". ".join(p for p in parts if p)


def _amount(value: Any, currency: Any) -> str:
    if value in (None, ""):
        return ""
    try:
        return f"{currency or ''} {float(value):,.0f}".strip()
    except (TypeError, ValueError):
        return ""


def _indicator_title(indicator: dict[str, Any], lang: str) -> str:
    return str(indicator.get("title" if lang == "id" else "title_en") or "")
