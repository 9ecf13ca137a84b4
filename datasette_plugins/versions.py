"""Versioned permalinks: every kept publication, read-only, at an address that never moves.

``/-/terbuka/v/<dataset>/<run_id>`` lists a version's tables; ``…/<run_id>/<table>``
(``.json``, ``.csv``) serves its rows, filtered by ``column=value`` (or
``column__exact=value``) and paged with ``_size``/``_offset``; ``…/<run_id>/_changes`` is
the diff page, "what changed in this version". Each page carries a banner saying whether
this is the current version or an older one, with a link to the latest.

The files are the publication folders ``publish/swap.py`` wrote and never changes:
``DIR/.publications/<dataset>/<run_id>/<dataset>.db``, opened read-only per request.
A version pruned by retention or withdrawn answers **410 Gone** with the reason from its
tombstone (``publish/versions.py``) and a link to the latest; an unknown run id is 404.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response

from terbuka.publish import versions as kept
from terbuka.publish.versions import PREFIX, version_path

from . import i18n, version_diff

NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
RUN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
MAX_SIZE = 1000
DEFAULT_SIZE = 100
TEXT: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).parent / "messages" / "versions.json").read_text("utf-8")
)


def _folder(datasette: Any) -> Path | None:
    """``DIR``: the published folder served (``config_dir``, else a served database's)."""
    if getattr(datasette, "config_dir", None):
        return Path(datasette.config_dir)
    for db in datasette.databases.values():
        if getattr(db, "path", None):
            return Path(db.path).parent
    return None


def _live_run(folder: Path, dataset: str) -> str | None:
    try:
        return Path(os.readlink(folder / ".live" / dataset)).name
    except OSError:
        return None


def _tombstone(folder: Path, dataset: str, run_id: str) -> dict[str, Any] | None:
    try:
        data = json.loads(
            (folder / ".publications" / dataset / ".gone" / f"{run_id}.json").read_text("utf-8")
        )
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _t(key: str, lang: str, **values: Any) -> str:
    return TEXT[key].get(lang, TEXT[key]["en"]).format(**values)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    """The version routes."""
    return [
        (
            rf"^{PREFIX}/(?P<dataset>[^/]+)/(?P<old>[^/.]+)\.\.(?P<new>[^/.]+)/_changes"
            r"(\.(?P<format>json|csv))?$",
            range_changes,
        ),
        (rf"^{PREFIX}/(?P<dataset>[^/]+)/(?P<run_id>[^/.]+)(\.(?P<format>json))?$", version_page),
        (
            rf"^{PREFIX}/(?P<dataset>[^/]+)/(?P<run_id>[^/]+)/(?P<table>[^/.]+)(\.(?P<format>json|csv))?$",
            version_table,
        ),
    ]


@hookimpl
def permission_allowed(datasette: Any, actor: Any, action: str, resource: Any) -> bool | None:
    """Refuse the live ``_changes`` while it holds old values from a withdrawn version.

    SQL on that database and its download are refused too; the version's own page
    (``…/<run_id>/_changes``) serves the table without those values.
    """
    if action not in ("view-table", "execute-sql", "view-database-download"):
        return None
    database = resource[0] if isinstance(resource, (tuple, list)) else resource
    if action == "view-table" and resource[1] != "_changes":
        return None
    folder = _folder(datasette)
    if folder is None or not isinstance(database, str) or not NAME.match(database):
        return None
    withdrawn = kept.withdrawn_runs(folder, database)
    live = _live_run(folder, database)
    if not withdrawn or live is None:
        return None
    db = folder / ".publications" / database / live / f"{database}.db"
    return False if _holds_old_values(db, withdrawn) else None


def _holds_old_values(db: Path, runs: set[str]) -> bool:
    """Whether ``_changes`` in ``db`` has old values that came from one of ``runs``."""
    marks = ", ".join("?" * len(runs))
    try:
        conn = _connect(db)
        try:
            found = conn.execute(
                f"select 1 from _changes where previous_run_id in ({marks}) "
                "and old is not null limit 1",
                sorted(runs),
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return found is not None


async def _resolve(
    datasette: Any, request: Any, run_id: str | None = None
) -> tuple[Path, str, str] | Response:
    """The version's database file (``run_id``, else the address's), or the 404/410 answer."""
    dataset, run_id = request.url_vars["dataset"], run_id or request.url_vars["run_id"]
    folder = _folder(datasette)
    if folder is None or not NAME.match(dataset) or not RUN.match(run_id):
        return Response.text("Not found: no such version", status=404)
    tomb = _tombstone(folder, dataset, run_id)
    if tomb is not None:
        return await _gone(datasette, request, folder, (dataset, run_id), tomb)
    db = folder / ".publications" / dataset / run_id / f"{dataset}.db"
    if not db.is_file():
        return Response.text(f"Not found: {dataset} has no version {run_id}", status=404)
    return db, dataset, run_id


async def _gone(
    datasette: Any, request: Any, folder: Path, version: tuple[str, str], tomb: dict[str, Any]
) -> Response:
    """410 with the tombstone's reason and a link to the current version's permalink.

    A citation of the gone version is best followed to the version now served, by its
    own permanent address; with no live version (withdrawn without a rollback) the link
    is the site's home page.
    """
    (dataset, run_id), lang = version, i18n.language(request)
    live = _live_run(folder, dataset)
    line = _t(
        "gone",
        lang,
        dataset=dataset,
        run_id=run_id,
        reason=tomb.get("reason", tomb.get("status")),
        when=tomb.get("when", "?"),
    )
    context = {"notice": line, "latest": version_path(dataset, live) if live else "/"}
    if live:
        context["latest_label"] = _t("current_version", lang, run_id=live)
    return await _page(datasette, request, 410, context)


def _connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


def _banner(datasette: Any, request: Any, folder: Path, dataset: str, run_id: str) -> dict:
    lang = i18n.language(request)
    live = _live_run(folder, dataset)
    key = "current" if live == run_id else "older"
    return {
        "notice": _t(key, lang, dataset=dataset, run_id=run_id),
        "older": key == "older",
        "latest": datasette.urls.database(dataset) if live else "/",
        "latest_label": _t("latest", lang),
        "changes": version_path(dataset, run_id, "_changes"),
        "changes_label": _t("changes", lang),
        "run_id": run_id,
        "dataset": dataset,
    }


async def _page(datasette: Any, request: Any, status: int, context: dict) -> Response:
    lang = i18n.language(request)
    context.setdefault("latest_label", _t("latest", lang))
    html = await datasette.render_template("terbuka_version.html", context, request=request)
    return Response.html(html, status=status)


async def version_page(datasette: Any, request: Any) -> Response:
    """A version's tables with their row counts."""
    found = await _resolve(datasette, request)
    if isinstance(found, Response):
        return found
    db, dataset, run_id = found
    conn = _connect(db)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "select name from sqlite_master where type = 'table' and name not like '%_fts%' "
                "and name not like 'sqlite_%' order by name"
            )
        ]
        tables = [
            {
                "name": n,
                "rows": conn.execute(f"select count(*) from [{n}]").fetchone()[0],
                "url": version_path(dataset, run_id, n),
            }
            for n in names
        ]
    finally:
        conn.close()
    banner = _banner(datasette, request, _folder(datasette) or db.parent, dataset, run_id)
    if request.url_vars.get("format") == "json":
        return Response.json({**_public(banner), "tables": tables})
    lang = i18n.language(request)
    return await _page(
        datasette, request, 200, {**banner, "tables": tables, "tables_label": _t("tables", lang)}
    )


def _withdrawn(datasette: Any, dataset: str) -> set[str]:
    folder = _folder(datasette)
    return kept.withdrawn_runs(folder, dataset) if folder else set()


def _without_withdrawn(row: dict[str, Any], withdrawn: set[str]) -> dict[str, Any]:
    """A ``_changes`` row whose old values came from a withdrawn version loses them."""
    if withdrawn and row.get("previous_run_id") in withdrawn and row.get("old") is not None:
        row["old"] = None
    return row


def _public(banner: dict) -> dict:
    return {k: banner[k] for k in ("dataset", "run_id", "older", "latest", "notice")}


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(buffer.getvalue(), content_type="text/csv; charset=utf-8")


def _filters(
    args: list[tuple[str, str]], columns: list[str], table: str
) -> tuple[list[str], list[str]] | Response:
    """``column=value`` (or ``column__exact=value``) arguments as SQL conditions."""
    where, params = [], []
    for key, value in args:
        column = key.removesuffix("__exact")
        if key.startswith("_"):  # _size, _offset, _lang: not column filters
            continue
        if column not in columns:
            return Response.text(f"{key}: no such column in {table}", status=400)
        where.append(f"[{column}] = ?")
        params.append(value)
    return where, params


async def version_table(datasette: Any, request: Any) -> Response:
    """Rows of one table of a version: HTML, JSON or CSV, filtered and paged."""
    found = await _resolve(datasette, request)
    if isinstance(found, Response):
        return found
    db, dataset, run_id = found
    table = request.url_vars["table"]
    conn = _connect(db)
    try:
        columns = [r[1] for r in conn.execute("select * from pragma_table_info(?)", [table])]
        if not columns:
            return Response.text(
                f"Not found: version {run_id} of {dataset} has no table {table}", status=404
            )
        args = parse_qsl(request.query_string, keep_blank_values=True)
        withdrawn = _withdrawn(datasette, dataset) if table == "_changes" else set()
        filters = _filters(args, [c for c in columns if not (withdrawn and c == "old")], table)
        if isinstance(filters, Response):
            return filters
        where, params = filters
        page = _page_of(request)
        if isinstance(page, Response):
            return page
        offset, size = page.start, page.stop - page.start
        clause = f" where {' and '.join(where)}" if where else ""
        total = conn.execute(f"select count(*) from [{table}]{clause}", params).fetchone()[0]
        rows = [
            _without_withdrawn(dict(r), withdrawn)
            for r in conn.execute(
                f"select * from [{table}]{clause} limit ? offset ?", [*params, size, offset]
            )
        ]
    finally:
        conn.close()
    fmt = request.url_vars.get("format")
    banner = _banner(datasette, request, _folder(datasette) or db.parent, dataset, run_id)
    if fmt == "json":
        return Response.json(
            {**_public(banner), "table": table, "total": total, "offset": offset,
             "columns": columns, "rows": rows}
        )  # fmt: skip
    if fmt == "csv":
        return _csv(columns, rows)
    lang = i18n.language(request)
    heading = _t("changes", lang) if table == "_changes" else table
    base = version_path(dataset, run_id, table)
    query = request.query_string
    kept = [(k, v) for k, v in args if k not in ("_offset", "_size")]
    following = urlencode([*kept, ("_offset", offset + size), ("_size", size)])
    return await _page(
        datasette, request, 200,
        {
            **banner, "table": table, "heading": heading, "columns": columns, "rows": rows,
            "total": total, "offset": offset, "size": size,
            "json_url": f"{base}.json" + (f"?{query}" if query else ""),
            "csv_url": f"{base}.csv" + (f"?{query}" if query else ""),
            "version_url": version_path(dataset, run_id),
            "next_url": f"{base}?{following}" if offset + len(rows) < total else None,
        },
    )  # fmt: skip


def _page_of(request: Any) -> slice | Response:
    """``_size`` and ``_offset`` as a slice, or the 400 answer."""
    try:
        size = min(MAX_SIZE, max(1, int(request.args.get("_size", DEFAULT_SIZE))))
        offset = max(0, int(request.args.get("_offset", 0)))
    except ValueError:
        return Response.text("_size and _offset must be whole numbers", status=400)
    return slice(offset, offset + size)


async def range_changes(datasette: Any, request: Any) -> Response:
    """The diff between two kept versions: HTML, JSON or CSV (``version_diff.py``)."""
    ends = []
    for run_id in (request.url_vars["old"], request.url_vars["new"]):
        found = await _resolve(datasette, request, run_id)
        if isinstance(found, Response):
            return found
        ends.append(found[0])
    page = _page_of(request)
    if isinstance(page, Response):
        return page
    dataset, (old_db, new_db) = request.url_vars["dataset"], ends
    keys = kept.data_tables(new_db.parent, dataset)
    args = dict(parse_qsl(request.query_string))
    rows, total = version_diff.rows_between(old_db, new_db, keys, args, page)
    old, new = old_db.parent.name, new_db.parent.name
    spanned = version_diff.reasons(new_db, old, new)
    fmt = request.url_vars.get("format")
    if fmt == "json":
        return Response.json(
            {"dataset": dataset, "from": old, "to": new, "reasons": spanned, "total": total,
             "offset": page.start, "columns": version_diff.COLUMNS, "rows": rows}
        )  # fmt: skip
    if fmt == "csv":
        return _csv(version_diff.COLUMNS, rows)
    return await _range_page(datasette, request, (dataset, old, new), spanned, rows, total, page)


async def _range_page(
    datasette: Any, request: Any, ends: tuple[str, str, str], spanned: list, rows: list,
    total: int, page: slice,
) -> Response:  # fmt: skip
    lang = i18n.language(request)
    dataset, old, new = ends
    base = version_diff.range_path(dataset, old, new)
    query = request.query_string
    kept = [(k, v) for k, v in parse_qsl(query) if k not in ("_offset", "_size")]
    size = page.stop - page.start
    following = urlencode([*kept, ("_offset", page.stop), ("_size", size)])
    live = _live_run(_folder(datasette) or Path("."), dataset)
    return await _page(
        datasette, request, 200,
        {
            "notice": _t("range", lang, dataset=dataset, old=old, new=new),
            "latest": datasette.urls.database(dataset) if live else "/",
            "dataset": dataset, "run_id": f"{old}..{new}", "heading": _t("range", lang,
            dataset=dataset, old=old, new=new), "columns": version_diff.COLUMNS, "rows": rows,
            "total": total, "offset": page.start, "size": size,
            "reasons": spanned, "reasons_label": _t("reasons", lang),
            "no_reason": _t("no_reason", lang),
            "json_url": f"{base}.json" + (f"?{query}" if query else ""),
            "csv_url": f"{base}.csv" + (f"?{query}" if query else ""),
            "version_url": version_path(dataset, new),
            "next_url": f"{base}?{following}" if page.start + len(rows) < total else None,
        },
    )  # fmt: skip
