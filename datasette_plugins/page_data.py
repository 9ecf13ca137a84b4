"""What the tender, buyer and supplier pages show, read from the published tables.

One small function per section of a page (``pages.py`` renders them). Amounts keep their
raw value and carry the currency the row names (``currency`` keys), so the page formats
rupiah as rupiah and a foreign publisher's euros as euros; a page that sums rows of
several currencies has no single currency and shows bare numbers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from . import i18n, red_flags

# The tables a tender page links to, filtered to its ocid.
RECORD_TABLES = ("releases", "awards", "award_suppliers", "contracts", "parties", "items", "bids", "participants", "amounts", "officials", "red_flags")  # fmt: skip
SPENT = (
    "coalesce((select sum(value_amount) from contracts c where c.ocid = t.ocid),"
    " (select sum(value_amount) from awards a where a.ocid = t.ocid))"
)
# A flag as the pages' CSV and JSON give it: the sentence, and the raw numbers behind it.
FLAG_COLUMNS = ("id", "title", "explained", "measure", "threshold")
SUPPLIER_WHERE = "(s.supplier_id = :key or (s.supplier_id is null and s.supplier_name = :key))"


async def rows(
    db: Any, sql: str, params: Iterable[Any] | dict[str, Any] = ()
) -> list[dict[str, Any]]:
    """Rows as dicts (``params`` a sequence, or a dict for ``:named`` parameters)."""
    values = params if isinstance(params, dict) else list(params)
    return [dict(r) for r in (await db.execute(sql, values)).rows]


async def scalar(db: Any, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> Any:
    """The first column of the first row."""
    values = params if isinstance(params, dict) else list(params)
    return (await db.execute(sql, values)).first()[0]


def buyer_where(alias: str = "t") -> str:
    """Tenders of the buyer ``:key`` (its id, or its name where the id is missing)."""
    return f"({alias}.buyer_id = :key or ({alias}.buyer_id is null and {alias}.buyer_name = :key))"


def one_currency(codes: Iterable[Any]) -> str | None:
    """The currency all these amounts share, or None (none named, or several)."""
    found = {c for c in codes if c}
    return found.pop() if len(found) == 1 else None


def unique(items: list[dict], field: str) -> list[dict]:
    """The first item of each ``field`` value, in order."""
    seen, out = set(), []
    for item in items:
        if item[field] not in seen:
            seen.add(item[field])
            out.append(item)
    return out


def step(
    name: str,
    date: str | None,
    amount: float | None,
    note: str | None,
    currency: str | None,
    label: Any,
) -> dict:
    """One step of the tender's timeline (``label`` names it in the reader's language)."""
    return {"step": name, "label": label(name), "date": date, "amount": amount, "currency": currency, "note": note}  # fmt: skip


# --- tender -----------------------------------------------------------------------------


async def tender_data(
    datasette: Any, db: Any, tables: set[str], key: str, lang: str, label: Any
) -> dict | None:
    """A contracting process: the tender, its steps with amounts, its flags and other records."""
    found = await rows(db, "select * from tenders where ocid = ?", [key])
    if not found:
        return None
    tender = found[0]
    amounts = await tender_amounts(db, tables, key)
    bids = await tender_bids(db, tables, key)
    awards = await rows(
        db,
        "select a.award_id, a.date, a.status, a.value_amount, a.value_currency as currency, "
        "s.supplier_id, s.supplier_name "
        "from awards a left join award_suppliers s on s.ocid = a.ocid and s.award_id = a.award_id "
        "where a.ocid = ? order by a.date, a.award_id, s.position",
        [key],
    )
    contracts = await rows(
        db,
        "select contract_id, award_id, status, value_amount, value_currency as currency, "
        "date_signed, period_start, period_end from contracts where ocid = ? "
        "order by date_signed, contract_id",
        [key],
    )
    money = tender_money(tender, amounts)
    flags = await tender_flags(datasette, db.name, key, lang)
    return {
        "key": key,
        "title": tender.get("title") or key,
        "facts": tender_facts(tender, key, money, awards, contracts),
        "flags": flags,
        "sections": {
            "timeline": timeline(tender, money, bids, awards, contracts, label),
            "bids": bids,
            "awards": awards,
            "contracts": contracts,
            "flags": [{k: f[k] for k in FLAG_COLUMNS} for f in flags],
            "records": await tender_records(datasette, db, tables, key),
        },
    }


async def tender_amounts(db: Any, tables: set[str], key: str) -> dict[str, list[dict]]:
    """INAPROC's amounts of one process (pagu, HPS, payments …) by kind."""
    amounts: dict[str, list[dict]] = {}
    if "amounts" in tables:
        sql = "select kind, stage, amount, currency from amounts where ocid = ?"
        for row in await rows(db, sql, [key]):
            amounts.setdefault(row["kind"], []).append(row)
    return amounts


async def tender_bids(db: Any, tables: set[str], key: str) -> list[dict]:
    """The priced offers, best rank first (empty where the dataset has no bids)."""
    if "bids" not in tables:
        return []
    columns = {c for c in await db.table_columns("bids")}
    currency = "currency" if "currency" in columns else "null as currency"
    return await rows(
        db,
        f"select supplier_id, supplier_name, value_amount, corrected_amount, {currency}, rank, "
        "winner from bids where ocid = ? order by rank is null, rank, value_amount",
        [key],
    )


def tender_money(tender: dict, amounts: dict[str, list[dict]]) -> dict[str, Any]:
    """Budget, estimate and payments with their currencies (the tender's, else INAPROC's)."""

    def first(kind: str) -> dict:
        return next((r for r in amounts.get(kind, []) if r["amount"] is not None), {})

    def pick(amount: str, currency: str, kind: str) -> tuple[Any, Any]:
        if tender.get(amount) is not None:
            return tender[amount], tender.get(currency)
        return first(kind).get("amount"), first(kind).get("currency")

    paid = [r for r in amounts.get("payment", []) if r["amount"] is not None]
    budget, budget_currency = pick("budget_amount", "budget_currency", "pagu")
    estimate, estimate_currency = pick("value_amount", "value_currency", "hps")
    return {
        "budget": budget,
        "budget_currency": budget_currency,
        "estimate": estimate,
        "estimate_currency": estimate_currency,
        "paid": sum(r["amount"] for r in paid) if paid else None,
        "paid_count": len(paid),
        "paid_currency": one_currency(r.get("currency") for r in paid),
    }


def timeline(
    tender: dict,
    money: dict,
    bids: list[dict],
    awards: list[dict],
    contracts: list[dict],
    label: Any,
) -> list[dict]:
    """Budget → estimate → bids → award → contract → payments, each with its amount."""
    steps = [
        step("budget", None, money["budget"], None, money["budget_currency"], label),
        step(
            "estimate",
            tender.get("tender_period_start"),
            money["estimate"],
            None,
            money["estimate_currency"],
            label,
        ),  # fmt: skip
    ]
    steps += bid_steps(tender, bids, label)
    for award in unique(awards, "award_id"):
        names = ", ".join(
            a["supplier_name"]
            for a in awards
            if a["award_id"] == award["award_id"] and a.get("supplier_name")
        )
        steps.append(step("award", award.get("date"), award.get("value_amount"), names, award.get("currency"), label))  # fmt: skip
    for contract in contracts:
        date = contract.get("date_signed") or contract.get("period_start")
        steps.append(step("contract", date, contract.get("value_amount"), contract.get("status"), contract.get("currency"), label))  # fmt: skip
    if money["paid"] is not None:
        steps.append(step("payment", None, money["paid"], f"{money['paid_count']}×", money["paid_currency"], label))  # fmt: skip
    return steps


def bid_steps(tender: dict, bids: list[dict], label: Any) -> list[dict]:
    """The bids step: the lowest priced offer and how many, or the tenderer count alone."""
    end = tender.get("tender_period_end")
    if bids:
        priced = [
            b for b in bids if (b.get("corrected_amount") or b.get("value_amount")) is not None
        ]
        lowest = min(priced, key=lambda b: b.get("corrected_amount") or b["value_amount"], default=None)  # fmt: skip
        amount = (lowest.get("corrected_amount") or lowest["value_amount"]) if lowest else None
        note = f"{len(bids)} {label('bids').lower()}"
        return [step("bids", end, amount, note, (lowest or {}).get("currency"), label)]
    if tender.get("number_of_tenderers") is not None:
        note = f"{tender['number_of_tenderers']} {label('bids').lower()}"
        return [step("bids", end, None, note, None, label)]
    return []


def tender_facts(
    tender: dict, key: str, money: dict, awards: list[dict], contracts: list[dict]
) -> dict[str, Any]:
    """The key facts shown first: what, who, amounts, dates, method."""
    winners = sorted(
        {
            (a.get("supplier_id") or a["supplier_name"], a["supplier_name"])
            for a in awards
            if a.get("supplier_name")
        }  # fmt: skip
    )
    valued_awards = [a for a in unique(awards, "award_id") if a.get("value_amount") is not None]
    valued_contracts = [c for c in contracts if c.get("value_amount") is not None]
    return {
        "what": tender.get("title"),
        "ocid": key,
        "buyer_id": tender.get("buyer_id"),
        "buyer_name": tender.get("buyer_name"),
        "suppliers": [{"id": i, "name": n} for i, n in winners],
        "method": tender.get("procurement_method_details") or tender.get("procurement_method"),
        "status": tender.get("status"),
        "tender_period_start": tender.get("tender_period_start"),
        "tender_period_end": tender.get("tender_period_end"),
        "budget": money["budget"],
        "budget_currency": money["budget_currency"],
        "estimate": money["estimate"],
        "estimate_currency": money["estimate_currency"],
        "awarded": sum(a["value_amount"] for a in valued_awards) if awards else None,
        "awarded_currency": one_currency(a.get("currency") for a in valued_awards),
        "contracted": sum(c["value_amount"] for c in valued_contracts) if contracts else None,
        "contracted_currency": one_currency(c.get("currency") for c in valued_contracts),
        "paid": money["paid"],
        "paid_currency": money["paid_currency"],
    }


async def tender_flags(datasette: Any, database: str, ocid: str, lang: str) -> list[dict]:
    """The process's red flags, explained in the reader's language."""
    flags = await red_flags.flags_for(datasette, database, ocid)
    return [
        {**f, "ocid": ocid} for f in await red_flags.explained(datasette, database, flags, lang)
    ]


async def tender_records(datasette: Any, db: Any, tables: set[str], key: str) -> list[dict]:
    """Links to this process's rows in every other table, with their counts."""
    records = []
    for table in RECORD_TABLES:
        if table in tables:
            count = await scalar(db, f"select count(*) from [{table}] where ocid = ?", [key])
            if count:
                href = datasette.urls.table(db.name, table) + "?ocid=" + quote(key, safe="")
                records.append({"table": table, "rows": count, "href": href})
    return records


# --- buyer ------------------------------------------------------------------------------


async def buyer_data(datasette: Any, db: Any, tables: set[str], key: str, lang: str) -> dict | None:
    """A work unit: what it spent by method and year, who it bought from, its flags."""
    params = {"key": key}
    found = await rows(
        db, f"select buyer_id, buyer_name from tenders t where {buyer_where()} limit 1", params
    )
    if not found:
        return None
    name = found[0]["buyer_name"]
    spending = await buyer_spending(db, params)
    suppliers = await buyer_suppliers(db, params)
    flags = await buyer_flags(datasette, db, tables, params, lang)
    work_unit = await buyer_work_unit(db, tables, key, name)
    currency = await buyer_currency(db, params)
    own = await party_flags(datasette, db, tables, ("buyer", "procuring_entity"), key, lang, currency)  # fmt: skip
    processes = await scalar(db, f"select count(*) from tenders t where {buyer_where()}", params)
    return {
        "key": key,
        "title": name or key,
        "facts": {
            "buyer_id": found[0]["buyer_id"],
            "buyer_name": name,
            "processes": processes,
            "flagged": flags["flagged"],
            "flagged_share": flags["flagged"] / processes if processes else None,
            "peers_flagged_share": flags["peers_share"],
            "total_spent": sum(r["spent"] or 0 for r in spending),
            "currency": currency,
            "top_supplier": suppliers[0] if suppliers else None,
            "years": sorted({r["year"] for r in spending if r["year"]}),
            "institution": (work_unit or {}).get("institution"),
        },
        "flags": own,
        "sections": {
            "spending": spending,
            "suppliers": suppliers,
            "flags": flags["counts"],
            "party_flags": [{k: f[k] for k in FLAG_COLUMNS} for f in own],
        },
    }


async def buyer_spending(db: Any, params: dict) -> list[dict]:
    """Processes and amounts by method and year."""
    year = "substr(coalesce(t.tender_period_start, (select date from compiled_releases c where c.ocid = t.ocid)), 1, 4)"  # fmt: skip
    return await rows(
        db,
        f"select coalesce(t.procurement_method_details, t.procurement_method) as method, {year} as year, "  # fmt: skip
        f"count(*) as processes, sum({SPENT}) as spent, sum(t.value_amount) as estimate "
        f"from tenders t where {buyer_where()} group by 1, 2 order by 2 desc, 4 desc",
        params,
    )


async def buyer_suppliers(db: Any, params: dict) -> list[dict]:
    """The buyer's suppliers, largest first, with their share of what it awarded."""
    suppliers = await rows(
        db,
        "select coalesce(s.supplier_id, s.supplier_name) as supplier_key, s.supplier_name, "
        "count(distinct s.ocid) as processes, sum(a.value_amount / max(coalesce(a.suppliers_count, 1), 1)) as won "  # fmt: skip
        "from award_suppliers s join awards a on a.ocid = s.ocid and a.award_id = s.award_id "
        f"join tenders t on t.ocid = s.ocid where {buyer_where()} "
        "group by 1, 2 order by won desc",
        params,
    )
    total_won = sum(s["won"] or 0 for s in suppliers)
    for s in suppliers:
        s["share"] = round((s["won"] or 0) / total_won, 4) if total_won else None
    return suppliers


async def buyer_currency(db: Any, params: dict) -> str | None:
    """The one currency of the buyer's awards and contracts (None when mixed or unnamed)."""
    found = await rows(
        db,
        "select distinct value_currency as c from awards where ocid in "
        f"(select ocid from tenders t where {buyer_where()}) union "
        "select distinct value_currency from contracts where ocid in "
        f"(select ocid from tenders t where {buyer_where()})",
        params,
    )
    return one_currency(r["c"] for r in found)


async def buyer_flags(
    datasette: Any, db: Any, tables: set[str], params: dict, lang: str
) -> dict[str, Any]:
    """Flag counts by indicator, flagged processes, and the share over all buyers."""
    if "red_flags" not in tables:
        return {"counts": [], "flagged": 0, "peers_share": None}
    counts = await rows(
        db,
        "select f.flag_id, count(distinct f.ocid) as processes from red_flags f "
        f"join tenders t on t.ocid = f.ocid where {buyer_where()} group by 1 order by 2 desc",
        params,
    )
    flagged = await scalar(db, f"select count(distinct f.ocid) from red_flags f join tenders t on t.ocid = f.ocid where {buyer_where()}", params)  # fmt: skip
    all_flagged = await scalar(db, "select count(distinct ocid) from red_flags")
    all_processes = await scalar(db, "select count(*) from tenders")
    known = await red_flags.indicators(datasette, db.name)
    for row in counts:
        texts = known.get(row["flag_id"], {})
        row["title"] = i18n.pick({"id": texts.get("title"), "en": texts.get("title_en")}, lang)
    return {
        "counts": counts,
        "flagged": flagged,
        "peers_share": all_flagged / all_processes if all_processes else None,
    }


async def party_flags(
    datasette: Any,
    db: Any,
    tables: set[str],
    roles: tuple[str, ...],
    key: str,
    lang: str,
    currency: str | None,
) -> list[dict]:
    """The organisation's own flags (``red_flag_parties``), explained for the reader."""
    if "red_flag_parties" not in tables:
        return []
    marks = ", ".join("?" for _ in roles)
    found = await rows(
        db,
        f"select * from red_flag_parties where party_role in ({marks}) and party_id = ? "
        "order by flag_id, party_role",
        [*roles, key],
    )
    return await red_flags.explained(datasette, db.name, found, lang, currency)


async def buyer_work_unit(db: Any, tables: set[str], key: str, name: str | None) -> dict | None:
    """INAPROC's work unit row of the buyer, where the dataset has one."""
    if "work_units" not in tables:
        return None
    plain = key.removeprefix("ID-SATKER-")
    units = await rows(db, "select * from work_units where work_unit_id = ? or name = ?", [plain, name])  # fmt: skip
    return units[0] if units else None


# --- supplier ---------------------------------------------------------------------------


async def supplier_data(
    datasette: Any, db: Any, tables: set[str], key: str, lang: str
) -> dict | None:
    """A firm: contracts won and from whom, its win rate among its bids, its co-bidders."""
    params = {"key": key}
    won = await rows(
        db,
        "select s.ocid, t.title, t.buyer_id, t.buyer_name, a.date, a.value_currency as currency, "
        "a.value_amount / max(coalesce(a.suppliers_count, 1), 1) as value_amount "
        "from award_suppliers s join awards a on a.ocid = s.ocid and a.award_id = s.award_id "
        f"left join tenders t on t.ocid = s.ocid where {SUPPLIER_WHERE} order by a.date desc",
        params,
    )
    bid_rows: list[dict] = []
    if "bids" in tables:
        bid_rows = await rows(db, "select ocid, winner from bids where supplier_id = :key or (supplier_id is null and supplier_name = :key)", params)  # fmt: skip
    if not won and not bid_rows:
        return None
    buyers = supplier_buyers(won)
    currency = one_currency(r["currency"] for r in won)
    own = await party_flags(datasette, db, tables, ("tenderer",), key, lang, currency)
    return {
        "key": key,
        "title": await supplier_name(db, tables, params, bool(won)) or key,
        "facts": {
            "supplier_id": key,
            "supplier_name": await supplier_name(db, tables, params, bool(won)),
            "contracts": len(won),
            "total_won": sum(r["value_amount"] or 0 for r in won),
            "currency": currency,
            "buyers": len(buyers),
            "win_rate": win_rate(bid_rows),
            "last_award": won[0]["date"] if won else None,
        },
        "flags": own,
        "sections": {
            "won": won,
            "buyers": buyers,
            "co_bidders": await co_bidders(db, params) if bid_rows else [],
            "party_flags": [{k: f[k] for k in FLAG_COLUMNS} for f in own],
        },
    }


async def supplier_name(db: Any, tables: set[str], params: dict, has_awards: bool) -> str | None:
    """The firm's name as its awards (else its bids) write it."""
    if has_awards:
        sql = f"select supplier_name from award_suppliers s where {SUPPLIER_WHERE} limit 1"
    elif "bids" in tables:
        sql = "select supplier_name from bids where supplier_id = :key or supplier_name = :key limit 1"  # fmt: skip
    else:
        return None
    found = await rows(db, sql, params)
    return found[0]["supplier_name"] if found else None


def supplier_buyers(won: list[dict]) -> list[dict]:
    """Who the firm won from: contracts and amounts per buyer, largest first."""
    buyers: dict[tuple, dict] = {}
    for row in won:
        entry = buyers.setdefault((row["buyer_id"], row["buyer_name"]), {"buyer_id": row["buyer_id"] or row["buyer_name"], "buyer_name": row["buyer_name"], "contracts": 0, "value_amount": 0.0})  # fmt: skip
        entry["contracts"] += 1
        entry["value_amount"] += row["value_amount"] or 0
    return sorted(buyers.values(), key=lambda b: -b["value_amount"])


def win_rate(bid_rows: list[dict]) -> dict | None:
    """Bids, wins and their share (None without bid data)."""
    if not bid_rows:
        return None
    wins = sum(1 for b in bid_rows if b["winner"])
    return {"bids": len(bid_rows), "wins": wins, "share": wins / len(bid_rows)}


async def co_bidders(db: Any, params: dict) -> list[dict]:
    """Other firms that bid in the same tenders, most shared first."""
    return await rows(
        db,
        "select coalesce(o.supplier_id, o.supplier_name) as supplier_key, o.supplier_name, "
        "count(distinct o.ocid) as shared_tenders from bids b join bids o on o.ocid = b.ocid "
        "where (b.supplier_id = :key or (b.supplier_id is null and b.supplier_name = :key)) "
        "and coalesce(o.supplier_id, o.supplier_name) != coalesce(b.supplier_id, b.supplier_name) "
        "group by 1, 2 order by 3 desc, 2",
        params,
    )


# --- methodology ------------------------------------------------------------------------


def methodology_entry(row: dict, lang: str) -> dict[str, Any]:
    """One ``red_flag_indicators`` row for the methodology page, its JSON columns read."""
    suffix = "" if lang == "id" else "_en"
    unverified = {name for name in (row.get("unverified") or "").split(",") if name}
    sources = json.loads(row.get("sources") or "[]")
    verified = {name for source in sources if source.get("verified") for name in source["settings"]}
    settings = json.loads(row.get("settings") or "{}")
    url = row.get("methodology_url") or ""
    return {
        "id": row["flag_id"],
        "anchor": row["flag_id"].lower(),
        "origin": row.get("origin"),
        "title": row.get("title" + suffix) or row["flag_id"],
        "definition": row.get("definition" + suffix),
        "methodology_url": url if url.startswith("http") else None,
        "settings": [
            {
                "name": name,
                "value": json.dumps(value, ensure_ascii=False),
                "unverified": name in unverified,
                "verified": name in verified,
            }
            for name, value in sorted(settings.items())
        ],
        "sources": [localised(source, "about", lang) for source in sources],
        "icw": localised(json.loads(row.get("icw") or "null"), "note", lang),
        "flagged": row.get("flagged"),
        "judged": row.get("judged"),
    }


def localised(published: dict | None, key: str, lang: str) -> dict | None:
    """A published citation or ICW match with ``key`` in ``lang`` (``key_id``: Indonesian).

    Older publications have the English text only; it is shown marked as English.
    """
    if published is None:
        return None
    text = published.get(f"{key}_id") if lang == "id" else published.get(key)
    english = lang != "id" or text is None
    return {**published, key: text or published.get(key), f"{key}_lang": "en" if english else "id"}
