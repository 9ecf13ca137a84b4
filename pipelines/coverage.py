"""The period the published data covers, read from the data itself, not from the run's clock.

A run on UK releases from 2014 publishes 2014 data: "last updated" must say 2014 and
"overdue" must be judged from 2014, whatever day the run happened. For every table this
finds its meaningful date column — the descriptor's ``quality.freshness`` column, else
the table's first ``date``/``datetime`` field, else a ``fiscal_year``/``year`` number or
a ``month`` (``YYYY-MM``) — and records its earliest and latest value. The dataset's
period is that of its freshness column (else of its main table): contract end dates in
2030 do not make procurement data "from 2030". Dates after tomorrow are left out, as
the ``up-to-date`` flag does.

The result is the run record's ``coverage`` and the descriptor's ``temporal`` (so DCAT,
CKAN, the Data Package and the site all show it); ``published`` stays the run's time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from terbuka.metadata import Descriptor

from .quality.checks import FREQUENCY_DAYS

YEAR_COLUMNS = ("fiscal_year", "year", "tahun")
MONTH_COLUMNS = ("month", "period", "bulan")
ISO_PREFIX = "[12][0-9][0-9][0-9]-[01][0-9]*"
# How long after its latest date a dataset counts as overdue: 1.5 of these periods.
PERIOD_DAYS = FREQUENCY_DAYS


def date_column(schema: dict[str, Any], preferred: str | None = None) -> tuple[str, str] | None:
    """The column that dates a table's rows, and how to read it (``date``/``year``/``month``)."""
    fields = {f["name"]: f for f in schema.get("fields", [])}
    if preferred and preferred in fields:
        return preferred, "date"
    for field in fields.values():
        if field.get("type") in ("date", "datetime"):
            return field["name"], "date"
    for name in YEAR_COLUMNS:
        if name in fields and fields[name].get("type") in ("integer", "year", "number"):
            return name, "year"
    for name in MONTH_COLUMNS:
        if name in fields and fields[name].get("type") in ("string", "yearmonth"):
            return name, "month"
    return None


def table_period(
    db: Any, table: str, column: str, how: str, now: datetime
) -> dict[str, str] | None:
    """Earliest and latest date (``YYYY-MM-DD``) of one column; ``None`` when it has none."""
    quoted, name = f"[{column}]", f"[{table}]"
    ceiling = (now + timedelta(days=1)).strftime("%Y-%m-%d")
    if how == "year":
        row = db.execute(
            f"select min({quoted}), max({quoted}) from {name} where {quoted} between 1900 and ?",
            [now.year + 1],
        ).fetchone()
        if row[0] is None:
            return None
        end = min(f"{int(row[1])}-12-31", now.strftime("%Y-%m-%d"))
        return {"start": f"{int(row[0])}-01-01", "end": end}
    day = f"substr({quoted}, 1, 10)" if how == "date" else f"substr({quoted}, 1, 7) || '-01'"
    row = db.execute(
        f"select min({day}), max({day}) from {name} "
        f"where {quoted} glob ? and {day} <= ? and {day} >= '1900-01-01'",
        [ISO_PREFIX, ceiling],
    ).fetchone()
    if row[0] is None:
        return None
    return {"start": row[0], "end": row[1]}


def measure(
    db: Any,
    schemas: dict[str, dict[str, Any]],
    primary_table: str,
    freshness: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Per-table periods and the dataset's (``{}`` when no table has a date)."""
    now = now or datetime.now(UTC)
    fresh_table, _, fresh_column = (freshness or "").partition(".")
    tables: dict[str, dict[str, str]] = {}
    for table, schema in schemas.items():
        found = date_column(schema, fresh_column if table == fresh_table else None)
        if found is None:
            continue
        period = table_period(db, table, found[0], found[1], now)
        if period:
            tables[table] = {"column": found[0], **period}
    main = next((t for t in (fresh_table, primary_table) if t in tables), None)
    if main is None:
        return {"tables": tables} if tables else {}
    return {
        "start": tables[main]["start"],
        "end": tables[main]["end"],
        "column": f"{main}.{tables[main]['column']}",
        "tables": tables,
    }


def overdue(end: str | None, frequency: str | None, now: datetime | None = None) -> bool | None:
    """Whether data whose latest date is ``end`` is older than 1.5 declared periods."""
    if not end or frequency not in PERIOD_DAYS:
        return None
    try:
        when = datetime.fromisoformat(end[:10]).replace(tzinfo=UTC)
    except ValueError:
        return None
    now = now or datetime.now(UTC)
    return bool(now - when > timedelta(days=PERIOD_DAYS[str(frequency)] * 1.5))


def apply(
    descriptor: Descriptor,
    db: Any,
    schemas: dict[str, dict[str, Any]],
    primary_table: str,
    record: dict[str, Any],
) -> dict[str, Any]:
    """Measure the data's period; publish it as the descriptor's ``temporal`` and in the record."""
    freshness = (descriptor.get("quality") or {}).get("freshness")
    found = measure(db, schemas, primary_table, freshness)
    if found.get("end"):
        found["overdue"] = overdue(found["end"], descriptor.get("update_frequency"))
        descriptor.data = {
            **descriptor.data,
            "temporal": {"start": found["start"], "end": found["end"]},
        }
    record["coverage"] = found
    descriptor.provenance["coverage"] = found
    return found
