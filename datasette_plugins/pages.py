"""Tender, buyer and supplier pages: a contracting process, a work unit and a firm as stories.

``/-/terbuka/<database>/tender/<ocid>``, ``…/buyer/<buyer id or name>`` and
``…/supplier/<supplier id or name>`` read the published OCDS tables (``tenders``,
``compiled_releases``, ``awards``, ``award_suppliers``, ``contracts``, ``red_flags``) and,
where the dataset has them, INAPROC's (``bids``, ``amounts``, ``work_units``). Each page
shows its key facts first (what, buyer, supplier, amounts in rupiah, dates, flags), then
the sections, the trust panel and how to cite it; ``.json`` gives everything the page
shows and ``.csv?section=<name>`` one section, with raw values. Nothing is computed that
the tables do not hold: a risk score appears only when a ``risk_scores`` table exists.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils.asgi import Response

from . import i18n, numbers, panel, publication, red_flags

KINDS = ("tender", "buyer", "supplier")
# The composite risk score's tables (pipelines/red_flags/risk.py; docs/red-flags.md).
RISK_SCORES = "risk_scores"
RISK_COMPONENTS = "risk_components"

LABELS: dict[str, dict[str, str]] = {
    "tender": {"id": "Tender", "en": "Tender"},
    "buyer": {"id": "Pembeli (satuan kerja)", "en": "Buyer (work unit)"},
    "supplier": {"id": "Penyedia", "en": "Supplier"},
    "what": {"id": "Apa yang dibeli", "en": "What was bought"},
    "method": {"id": "Metode", "en": "Method"},
    "status": {"id": "Status", "en": "Status"},
    "budget": {"id": "Pagu (anggaran)", "en": "Budget (pagu)"},
    "estimate": {"id": "HPS (perkiraan)", "en": "Estimate (HPS)"},
    "bids": {"id": "Penawaran", "en": "Bids"},
    "award": {"id": "Pemenang", "en": "Award"},
    "contract": {"id": "Kontrak", "en": "Contract"},
    "payment": {"id": "Pembayaran", "en": "Payment"},
    "timeline": {"id": "Dari anggaran sampai pembayaran", "en": "From budget to payment"},
    "step": {"id": "Tahap", "en": "Step"},
    "date": {"id": "Tanggal", "en": "Date"},
    "amount": {"id": "Nilai", "en": "Amount"},
    "who": {"id": "Siapa", "en": "Who"},
    "note": {"id": "Keterangan", "en": "Note"},
    "tender_period": {"id": "Masa penawaran", "en": "Submission period"},
    "flags": {"id": "Tanda bahaya", "en": "Red flags"},
    "no_flags": {"id": "Tidak ada tanda bahaya.", "en": "No red flags."},
    "records": {"id": "Catatan lain paket ini", "en": "This package's other records"},
    "rows": {"id": "baris", "en": "rows"},
    "spending": {"id": "Belanja per metode dan tahun", "en": "Spending by method and year"},
    "year": {"id": "Tahun", "en": "Year"},
    "processes": {"id": "Proses", "en": "Processes"},
    "spent": {"id": "Nilai kontrak/pemenang", "en": "Contracted or awarded"},
    "suppliers": {"id": "Penyedia dan porsinya", "en": "Suppliers and their shares"},
    "share": {"id": "Porsi", "en": "Share"},
    "flag_counts": {"id": "Tanda bahaya per indikator", "en": "Red flags by indicator"},
    "risk": {"id": "Skor risiko", "en": "Risk score"},
    "risk_missing": {
        "id": "Belum dihitung untuk data ini.",
        "en": "Not computed for this data.",
    },
    "risk_peers": {"id": "dibandingkan rekan sejenis", "en": "against peers"},
    "risk_unjudged": {
        "id": "Tidak ada komponen yang dapat dinilai dari data ini.",
        "en": "No component could be judged from this data.",
    },
    "risk_percentile": {
        "id": "persentil {pct} di antara {count} rekan ({group})",
        "en": "percentile {pct} among {count} peers ({group})",
    },
    "risk_coverage": {"id": "bobot yang dinilai {share}", "en": "weight judged {share}"},
    "component": {"id": "Komponen", "en": "Component"},
    "weight": {"id": "Bobot", "en": "Weight"},
    "contribution": {"id": "Kontribusi", "en": "Contribution"},
    "not_judged": {"id": "tidak dapat dinilai", "en": "cannot be judged"},
    "risk_note": {
        "id": "Skor adalah alasan untuk melihat lebih dekat, bukan bukti.",
        "en": "A score is a reason to look closer, not proof.",
    },
    "flagged_share": {
        "id": "{flagged} dari {total} proses bertanda bahaya ({share}); semua pembeli: {peers}",
        "en": "{flagged} of {total} processes flagged ({share}); all buyers: {peers}",
    },
    "won": {"id": "Kontrak yang dimenangkan", "en": "Contracts won"},
    "from_whom": {"id": "Dari pembeli", "en": "From buyers"},
    "win_rate": {"id": "Tingkat kemenangan", "en": "Win rate"},
    "win_rate_text": {
        "id": "menang {wins} dari {bids} penawaran ({share})",
        "en": "won {wins} of {bids} bids ({share})",
    },
    "no_bids": {
        "id": "Data penawaran tidak tersedia untuk dataset ini.",
        "en": "This dataset has no bid data.",
    },
    "co_bidders": {"id": "Sesama penawar", "en": "Co-bidders"},
    "shared_tenders": {"id": "Tender bersama", "en": "Shared tenders"},
    "total_won": {"id": "Total dimenangkan", "en": "Total won"},
    "total_spent": {"id": "Total belanja", "en": "Total spending"},
    "data": {"id": "Data halaman ini", "en": "This page's data"},
    "not_found": {"id": "Tidak ditemukan", "en": "Not found"},
    "rank": {"id": "Peringkat", "en": "Rank"},
    "winner": {"id": "pemenang", "en": "winner"},
    "title": {"id": "Judul", "en": "Title"},
    "awards": {"id": "Pemenang", "en": "Awards"},
    "contracts": {"id": "Kontrak", "en": "Contracts"},
    "buyers": {"id": "Pembeli", "en": "Buyers"},
    "institution": {"id": "Instansi", "en": "Institution"},
    "last_award": {"id": "Terakhir menang", "en": "Last award"},
}


def label(key: str, lang: str, **values: Any) -> str:
    """A page label in ``lang`` (falling back to the shared labels of ``i18n``)."""
    text = LABELS.get(key, {}).get(lang) or i18n.translate(key, lang)
    return text.format(**values) if values else text


@hookimpl
def register_routes():
    """The three page kinds, each also as ``.json`` and ``.csv``."""
    pattern = r"^/-/terbuka/(?P<database>[^/]+)/(?P<kind>tender|buyer|supplier)/(?P<key>[^/]+?)(?:\.(?P<format>json|csv))?$"
    return [(pattern, page_view)]


async def page_view(datasette: Any, request: Any) -> Response:
    """One page in HTML, JSON or CSV."""
    database = request.url_vars["database"]
    kind = request.url_vars["kind"]
    key = request.url_vars["key"]
    fmt = request.url_vars.get("format")
    lang = i18n.language(request)
    cfg = publication.config(datasette, database)
    if database not in datasette.databases or cfg is None:
        return Response.text(label("not_found", lang), status=404)
    db = datasette.databases[database]
    tables = set(await db.table_names()) | set(await db.view_names())
    if "tenders" not in tables:
        return Response.text(label("not_found", lang), status=404)
    build = {"tender": tender_data, "buyer": buyer_data, "supplier": supplier_data}[kind]
    data = await build(datasette, db, tables, key, lang)
    if data is None:
        return Response.text(f"{label('not_found', lang)}: {kind} {key}", status=404)
    data["risk"] = await risk_score(db, tables, kind, data["key"])
    if data["risk"]:
        data["sections"]["risk"] = data["risk"]["components"]
    if fmt == "json":
        return Response.json(jsonable(data, kind, database))
    if fmt == "csv":
        return csv_response(data, request.args.get("section"), kind, key)
    return await html(datasette, request, database, cfg, kind, data, lang)


def jsonable(data: dict, kind: str, database: str) -> dict:
    """What the page shows, raw values only."""
    return {
        "kind": kind,
        "database": database,
        **data,
    }


def csv_response(data: dict, section: str | None, kind: str, key: str) -> Response:
    """One section of the page as CSV (the first when none is named)."""
    sections = data["sections"]
    name = section if section in sections else next(iter(sections))
    rows = sections[name]
    out = io.StringIO()
    columns = list(rows[0]) if rows else []
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({c: _csv_safe(row.get(c)) for c in columns})
    filename = f"{kind}-{quote(key, safe='')}-{name}.csv"
    return Response(
        out.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def _csv_safe(value: Any) -> Any:
    """A text starting with ``= + - @`` is not run as a formula by spreadsheets."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


async def rows(
    db: Any, sql: str, params: Iterable[Any] | dict[str, Any] = ()
) -> list[dict[str, Any]]:
    """Rows as dicts (``params`` a sequence, or a dict for ``:named`` parameters)."""
    values = params if isinstance(params, dict) else list(params)
    return [dict(r) for r in (await db.execute(sql, values)).rows]


def _buyer_where(alias: str = "t") -> str:
    return f"({alias}.buyer_id = :key or ({alias}.buyer_id is null and {alias}.buyer_name = :key))"


async def tender_data(
    datasette: Any, db: Any, tables: set[str], key: str, lang: str
) -> dict | None:
    """A contracting process: the tender, its steps in rupiah, its flags and other records."""
    found = await rows(db, "select * from tenders where ocid = ?", [key])
    if not found:
        return None
    tender = found[0]
    amounts: dict[str, list[dict]] = {}
    if "amounts" in tables:
        for row in await rows(db, "select kind, stage, amount from amounts where ocid = ?", [key]):
            amounts.setdefault(row["kind"], []).append(row)
    bids = []
    if "bids" in tables:
        bids = await rows(
            db,
            "select supplier_id, supplier_name, value_amount, corrected_amount, rank, winner "
            "from bids where ocid = ? order by rank is null, rank, value_amount",
            [key],
        )
    awards = await rows(
        db,
        "select a.award_id, a.date, a.status, a.value_amount, s.supplier_id, s.supplier_name "
        "from awards a left join award_suppliers s on s.ocid = a.ocid and s.award_id = a.award_id "
        "where a.ocid = ? order by a.date, a.award_id, s.position",
        [key],
    )
    contracts = await rows(
        db,
        "select contract_id, award_id, status, value_amount, date_signed, period_start, period_end "
        "from contracts where ocid = ? order by date_signed, contract_id",
        [key],
    )

    def first(kind: str) -> float | None:
        values = [r["amount"] for r in amounts.get(kind, []) if r["amount"] is not None]
        return values[0] if values else None

    budget = (
        tender.get("budget_amount") if tender.get("budget_amount") is not None else first("pagu")
    )
    estimate = (
        tender.get("value_amount") if tender.get("value_amount") is not None else first("hps")
    )
    paid = [r["amount"] for r in amounts.get("payment", []) if r["amount"] is not None]
    winners = [a for a in awards if a.get("supplier_name")]
    timeline = [
        _step("budget", None, budget, None, lang),
        _step("estimate", tender.get("tender_period_start"), estimate, None, lang),
    ]
    if bids:
        priced = [b.get("corrected_amount") or b.get("value_amount") for b in bids]
        priced = [p for p in priced if p is not None]
        note = f"{len(bids)} {label('bids', lang).lower()}"
        timeline.append(
            _step(
                "bids", tender.get("tender_period_end"), min(priced) if priced else None, note, lang
            )
        )
    elif tender.get("number_of_tenderers") is not None:
        note = f"{tender['number_of_tenderers']} {label('bids', lang).lower()}"
        timeline.append(_step("bids", tender.get("tender_period_end"), None, note, lang))
    seen_awards = set()
    for award in awards:
        if award["award_id"] in seen_awards:
            continue
        seen_awards.add(award["award_id"])
        names = ", ".join(
            a["supplier_name"]
            for a in awards
            if a["award_id"] == award["award_id"] and a.get("supplier_name")
        )
        timeline.append(_step("award", award.get("date"), award.get("value_amount"), names, lang))
    for contract in contracts:
        timeline.append(
            _step(
                "contract",
                contract.get("date_signed") or contract.get("period_start"),
                contract.get("value_amount"),
                contract.get("status"),
                lang,
            )
        )
    if paid:
        timeline.append(_step("payment", None, sum(paid), f"{len(paid)}×", lang))
    flags = await _flags(datasette, db.name, key, lang)
    records = []
    for table in ("releases", "awards", "award_suppliers", "contracts", "parties", "items", "bids", "participants", "amounts", "officials", "red_flags"):  # fmt: skip
        if table in tables:
            count = (
                await db.execute(f"select count(*) from [{table}] where ocid = ?", [key])
            ).first()[0]
            if count:
                href = datasette.urls.table(db.name, table) + "?ocid=" + quote(key, safe="")
                records.append({"table": table, "rows": count, "href": href})
    facts = {
        "what": tender.get("title"),
        "ocid": key,
        "buyer_id": tender.get("buyer_id"),
        "buyer_name": tender.get("buyer_name"),
        "suppliers": sorted(
            {(a.get("supplier_id") or a["supplier_name"], a["supplier_name"]) for a in winners}
        ),
        "method": tender.get("procurement_method_details") or tender.get("procurement_method"),
        "status": tender.get("status"),
        "tender_period_start": tender.get("tender_period_start"),
        "tender_period_end": tender.get("tender_period_end"),
        "budget": budget,
        "estimate": estimate,
        "awarded": sum(
            a["value_amount"]
            for a in _unique(awards, "award_id")
            if a.get("value_amount") is not None
        )
        if awards
        else None,
        "contracted": sum(c["value_amount"] for c in contracts if c.get("value_amount") is not None)
        if contracts
        else None,
        "paid": sum(paid) if paid else None,
    }
    facts["suppliers"] = [{"id": i, "name": n} for i, n in facts["suppliers"]]
    return {
        "key": key,
        "title": tender.get("title") or key,
        "facts": facts,
        "flags": flags,
        "sections": {
            "timeline": timeline,
            "bids": bids,
            "awards": awards,
            "contracts": contracts,
            "flags": [{k: f[k] for k in ("id", "title", "explained")} for f in flags],
            "records": records,
        },
    }


def _unique(items: list[dict], field: str) -> list[dict]:
    seen, out = set(), []
    for item in items:
        if item[field] not in seen:
            seen.add(item[field])
            out.append(item)
    return out


def _step(step: str, date: str | None, amount: float | None, note: str | None, lang: str) -> dict:
    return {"step": step, "label": label(step, lang), "date": date, "amount": amount, "note": note}


async def _flags(datasette: Any, database: str, ocid: str, lang: str) -> list[dict]:
    known = await red_flags.indicators(datasette, database)
    return [
        {**red_flags.describe(f, known.get(f["flag_id"], {}), lang), "ocid": ocid}
        for f in await red_flags.flags_for(datasette, database, ocid)
    ]


SPENT = (
    "coalesce((select sum(value_amount) from contracts c where c.ocid = t.ocid),"
    " (select sum(value_amount) from awards a where a.ocid = t.ocid))"
)


async def buyer_data(datasette: Any, db: Any, tables: set[str], key: str, lang: str) -> dict | None:
    """A work unit: what it spent by method and year, who it bought from, its flags."""
    params = {"key": key}
    found = await rows(
        db, f"select buyer_id, buyer_name from tenders t where {_buyer_where()} limit 1", params
    )
    if not found:
        return None
    name = found[0]["buyer_name"]
    year = "substr(coalesce(t.tender_period_start, (select date from compiled_releases c where c.ocid = t.ocid)), 1, 4)"
    spending = await rows(
        db,
        f"select coalesce(t.procurement_method_details, t.procurement_method) as method, {year} as year, "
        f"count(*) as processes, sum({SPENT}) as spent, sum(t.value_amount) as estimate "
        f"from tenders t where {_buyer_where()} group by 1, 2 order by 2 desc, 4 desc",
        params,
    )
    suppliers = await rows(
        db,
        "select coalesce(s.supplier_id, s.supplier_name) as supplier_key, s.supplier_name, "
        "count(distinct s.ocid) as processes, sum(a.value_amount / max(coalesce(a.suppliers_count, 1), 1)) as won "
        "from award_suppliers s join awards a on a.ocid = s.ocid and a.award_id = s.award_id "
        f"join tenders t on t.ocid = s.ocid where {_buyer_where()} "
        "group by 1, 2 order by won desc",
        params,
    )
    total_won = sum(s["won"] or 0 for s in suppliers)
    for s in suppliers:
        s["share"] = round((s["won"] or 0) / total_won, 4) if total_won else None
    flag_counts: list[dict] = []
    flagged = processes = 0
    peers_share = None
    if "red_flags" in tables:
        flag_counts = await rows(
            db,
            "select f.flag_id, count(distinct f.ocid) as processes from red_flags f "
            f"join tenders t on t.ocid = f.ocid where {_buyer_where()} group by 1 order by 2 desc",
            params,
        )
        flagged = (await db.execute(f"select count(distinct f.ocid) from red_flags f join tenders t on t.ocid = f.ocid where {_buyer_where()}", params)).first()[0]  # fmt: skip
        all_flagged = (await db.execute("select count(distinct ocid) from red_flags")).first()[0]
        all_processes = (await db.execute("select count(*) from tenders")).first()[0]
        peers_share = all_flagged / all_processes if all_processes else None
    processes = (
        await db.execute(f"select count(*) from tenders t where {_buyer_where()}", params)
    ).first()[0]
    known = await red_flags.indicators(datasette, db.name)
    for row in flag_counts:
        row["title"] = i18n.pick({"id": known.get(row["flag_id"], {}).get("title"), "en": known.get(row["flag_id"], {}).get("title_en")}, lang)  # fmt: skip
    work_unit = None
    if "work_units" in tables:
        plain = key.removeprefix("ID-SATKER-")
        units = await rows(
            db, "select * from work_units where work_unit_id = ? or name = ?", [plain, name]
        )
        work_unit = units[0] if units else None
    total_spent = sum(r["spent"] or 0 for r in spending)
    return {
        "key": key,
        "title": name or key,
        "facts": {
            "buyer_id": found[0]["buyer_id"],
            "buyer_name": name,
            "processes": processes,
            "flagged": flagged,
            "flagged_share": flagged / processes if processes else None,
            "peers_flagged_share": peers_share,
            "total_spent": total_spent,
            "top_supplier": suppliers[0] if suppliers else None,
            "years": sorted({r["year"] for r in spending if r["year"]}),
            "institution": (work_unit or {}).get("institution"),
        },
        "sections": {"spending": spending, "suppliers": suppliers, "flags": flag_counts},
    }


async def supplier_data(
    datasette: Any, db: Any, tables: set[str], key: str, lang: str
) -> dict | None:
    """A firm: contracts won and from whom, its win rate among its bids, its co-bidders."""
    params = {"key": key}
    where = "(s.supplier_id = :key or (s.supplier_id is null and s.supplier_name = :key))"
    won = await rows(
        db,
        "select s.ocid, t.title, t.buyer_id, t.buyer_name, a.date, "
        "a.value_amount / max(coalesce(a.suppliers_count, 1), 1) as value_amount "
        "from award_suppliers s join awards a on a.ocid = s.ocid and a.award_id = s.award_id "
        f"left join tenders t on t.ocid = s.ocid where {where} order by a.date desc",
        params,
    )
    bid_rows: list[dict] = []
    if "bids" in tables:
        bid_rows = await rows(db, "select ocid, winner from bids where supplier_id = :key or (supplier_id is null and supplier_name = :key)", params)  # fmt: skip
    if not won and not bid_rows:
        return None
    name = None
    if won:
        name = (await rows(db, f"select supplier_name from award_suppliers s where {where} limit 1", params))[0]["supplier_name"]  # fmt: skip
    elif "bids" in tables:
        name = (await rows(db, "select supplier_name from bids where supplier_id = :key or supplier_name = :key limit 1", params))[0]["supplier_name"]  # fmt: skip
    buyers: dict[tuple, dict] = {}
    for row in won:
        entry = buyers.setdefault((row["buyer_id"], row["buyer_name"]), {"buyer_id": row["buyer_id"] or row["buyer_name"], "buyer_name": row["buyer_name"], "contracts": 0, "value_amount": 0.0})  # fmt: skip
        entry["contracts"] += 1
        entry["value_amount"] += row["value_amount"] or 0
    co_bidders: list[dict] = []
    win_rate = None
    if bid_rows:
        wins = sum(1 for b in bid_rows if b["winner"])
        win_rate = {"bids": len(bid_rows), "wins": wins, "share": wins / len(bid_rows)}
        co_bidders = await rows(
            db,
            "select coalesce(o.supplier_id, o.supplier_name) as supplier_key, o.supplier_name, "
            "count(distinct o.ocid) as shared_tenders from bids b join bids o on o.ocid = b.ocid "
            "where (b.supplier_id = :key or (b.supplier_id is null and b.supplier_name = :key)) "
            "and coalesce(o.supplier_id, o.supplier_name) != coalesce(b.supplier_id, b.supplier_name) "
            "group by 1, 2 order by 3 desc, 2",
            params,
        )
    return {
        "key": key,
        "title": name or key,
        "facts": {
            "supplier_id": key,
            "supplier_name": name,
            "contracts": len(won),
            "total_won": sum(r["value_amount"] or 0 for r in won),
            "buyers": len(buyers),
            "win_rate": win_rate,
            "last_award": won[0]["date"] if won else None,
        },
        "sections": {
            "won": won,
            "buyers": sorted(buyers.values(), key=lambda b: -b["value_amount"]),
            "co_bidders": co_bidders,
        },
    }


async def risk_score(db: Any, tables: set[str], kind: str, key: str) -> dict | None:
    """The subject's latest composite score with its components, or None ("not computed").

    A score is NULL when no component could be judged; a component the data cannot judge
    is NULL too and is shown as missing, never as clean.
    """
    if RISK_SCORES not in tables:
        return None
    found = await rows(
        db,
        f"select * from [{RISK_SCORES}] where subject_kind = ? and subject_id = ? "
        "order by period desc limit 1",
        [kind, key],
    )
    if not found:
        return None
    risk = dict(found[0])
    risk["components"] = []
    if RISK_COMPONENTS in tables:
        risk["components"] = await rows(
            db,
            "select component, value, weight, contribution, judged, flagged "
            f"from [{RISK_COMPONENTS}] where subject_kind = ? and subject_id = ? and period = ? "
            "order by contribution is null, contribution desc, component",
            [kind, key, risk["period"]],
        )
    return risk


async def html(datasette: Any, request: Any, database: str, cfg: dict, kind: str, data: dict, lang: str) -> Response:  # fmt: skip
    """The page: key facts first, then sections, flags, the trust panel and citation."""
    trust = await panel.build_panel(datasette, request, database, None, "row", cfg)
    base = request.path.rsplit(".", 1)[0] if request.url_vars.get("format") else request.path
    data_title = f"{label(kind, lang)}: {data['title']}"
    trust["cite"] = trust["cite"].replace("[dataset;", f"— {data_title} [dataset;", 1)
    trust["table_title"] = data_title
    urls = {
        "json": base + ".json",
        "csv": {name: base + ".csv?section=" + name for name in data["sections"]},
    }
    context = {
        "kind": kind,
        "database": database,
        "page": data,
        "page_urls": urls,
        "terbuka_panel": trust,
        "terbuka_row_flags": None,
        "lbl": lambda key, **values: label(key, lang, **values),
        "rp": lambda value: numbers.rupiah(value, lang),
        "rp_full": lambda value: numbers.rupiah_full(value, lang) if value is not None else "",
        "pct": lambda value: (
            "–" if value is None else i18n.number(round(100 * value, 1), lang) + " %"
        ),
        "num": lambda value: i18n.number(value, lang),
        "day": _day,
        "link": lambda k, key_: numbers.page_url(datasette, database, k, key_),
        "table_url": lambda table: datasette.urls.table(database, table),
    }
    return Response.html(
        await datasette.render_template("terbuka_page.html", context, request=request)
    )


def _day(value: str | None) -> str:
    """``2024-03-05`` from an ISO date-time (the page shows days; JSON keeps the time)."""
    return value[:10] if value else "–"
