"""The service-performance pipeline: complaints and service requests, KPIs, and the IKM survey.

Sources are 311-style exports, Indonesian complaint exports with free text, Socrata-style
JSON (empty fields left out) and IKM survey responses. Each is recognised by its columns
through a layout in the descriptor's ``service_kpi.layouts`` — older and newer layouts of
the same system are just two layouts — and mapped onto one set of fields. Columns a
layout does not map (complainants' names, NIK, phone numbers, addresses) are never read
into a published table; free text that is mapped goes through the privacy stage.

The KPI tables are derived from the published rows (after privacy, quality and
k-anonymity) by the rules in ``service_stats``; the IKM tables by ``ikm``, from the
responses before k-anonymity generalises their unit and date. Groups smaller than
privacy.yml's ``k`` are suppressed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from .. import unusable
from ..batch import Batch
from ..errors import InputError
from ..readers import Input, public_source
from ..readers.tabular import Layout, read_tables
from ..staging import insert_in_chunks
from ..unusable import quarantines, unusable_record
from . import demo_from, ikm, service_stats
from .layouts import match_layout, normalise_header

UNIT_RECORDS = 1000
REQUEST_FIELDS = (
    "request_id", "created", "closed", "due", "agency", "agency_name", "category",
    "subcategory", "status", "channel", "area", "title", "description", "resolution",
)  # fmt: skip
SURVEY_FIELDS = ("response_id", "unit", "date", "suggestion")
DATE_FIELDS = ("created", "closed", "due", "date")
TABLES = [
    "requests", "kpi_agency_month", "kpi_category_month", "kpi_agency",
    "ikm_responses", "ikm_units", "ikm_elements",
]  # fmt: skip


class ServiceKpiPipeline:
    """Service requests and complaints → cleaned records, KPIs per agency; IKM per unit."""

    id = "service-kpi"
    title = "Public-service performance"
    readers = ["csv", "xlsx", "json-rows"]
    tables = TABLES
    primary_table = "requests"

    def __init__(self, descriptor: Any):
        self.descriptor = descriptor
        config = descriptor.get("service_kpi") or {}
        self.layouts = config.get("layouts") or {}
        self.sla_hours = config.get("sla_hours") or {}
        survey = config.get("ikm") or {}
        self.elements = survey.get("elements") or dict(ikm.ELEMENTS)
        self.period = survey.get("period") or "year"
        self.k = int((descriptor.privacy or {}).get("k") or 1)
        self.timezone = descriptor.get("timezone")

    # A year of synthetic complaints and an IKM survey, and the personal data planted.
    demo_sources = demo_from("demo_services", "generate_services")

    # --- extract -------------------------------------------------------------------

    def extract(self, inputs: list[Input], staging: Any, progress: Any = None) -> Batch:
        """Read every record through its layout into staging; later copies supersede."""
        rejects = Batch()
        staging["records"].create(
            {
                "seq": int, "kind": str, "record_id": str, "layout": str, "source": str,
                "row": int, "sha256": str, "data": str, "disposition": str,
            },
            pk="seq",
        )  # fmt: skip
        for source in inputs:
            insert_in_chunks(
                staging["records"], self._read(source, rejects), UNIT_RECORDS, progress
            )
        self._supersede(staging, rejects)
        kinds = {kind for (kind,) in staging.execute("select distinct kind from records")}
        if kinds == {"survey"}:
            self.primary_table = "ikm_responses"  # a survey on its own is a publication too
        return rejects

    def _read(self, source: Input, rejects: Batch) -> Iterator[dict]:
        for member, layout, first, rows in read_tables(source, rejects, "requests", self.readers):
            found = match_layout(layout.columns, self.layouts)
            if found is None:
                known = "; ".join(f"{k} ({', '.join(v['match'])})" for k, v in self.layouts.items())
                raise InputError(
                    member.name,
                    f"columns match no layout in the descriptor's service_kpi.layouts (known: {known or 'none'})",
                    row=layout.header_row or None,
                )
            layout_id, spec = found
            kind = spec.get("kind", "requests")
            mapping = self._mapping(spec, layout.columns, kind)
            source.kind = kind
            source.extra.update(_layout_record(layout_id, layout, spec, mapping))
            id_field = "request_id" if kind == "requests" else "response_id"
            for row in _chain(first, rows):
                source.records += 1
                if row.problem:
                    rejects.reject(
                        _table(kind), f"{member.name}#{row.number}", "ragged-row", row.problem,
                        source=member.name, position=row.number,
                    )  # fmt: skip
                    continue
                values = {normalise_header(k): v for k, v in row.values.items()}
                mapped, dates = _typed_cells(row.values, values, mapping)
                where = f"{member.name}#{row.number}"
                if unusable_record(mapped, where, member.name, row.number, rejects, _table(kind), dates):  # fmt: skip
                    continue
                data = {f: _json_safe(values.get(c)) if c else None for f, c in mapping.items()}
                record_id = service_stats.clean(data.get(id_field))
                if record_id is None and kind == "survey":
                    record_id = f"{member.name.rsplit('/', 1)[-1]}#{row.number}"
                if record_id is None:
                    rejects.reject(
                        _table(kind), f"{member.name}#{row.number}", "missing-id",
                        f"the record has no {id_field} ({spec['fields'].get(id_field)})",
                        column=str(spec["fields"].get(id_field)), source=member.name, position=row.number,
                    )  # fmt: skip
                    continue
                data[id_field] = record_id
                data["_timezone"] = spec.get("timezone", self.timezone)
                data["_dayfirst"] = spec.get("dayfirst", True)
                text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
                yield {
                    "kind": kind, "record_id": record_id, "layout": layout_id,
                    "source": public_source(member.name), "row": row.number,
                    "sha256": hashlib.sha256(text.encode()).hexdigest(), "data": text,
                    "disposition": "ok",
                }  # fmt: skip

    def _mapping(self, spec: dict, columns: list[str], kind: str) -> dict[str, str | None]:
        """Each field → the normalised source column that fills it (first alternative present)."""
        present = {normalise_header(c) for c in columns}
        fields = REQUEST_FIELDS if kind == "requests" else (*SURVEY_FIELDS, *self.elements)
        mapping: dict[str, str | None] = {}
        for field in fields:
            wanted = spec["fields"].get(field)
            options = [wanted] if isinstance(wanted, str) else list(wanted or [])
            names = [normalise_header(o) for o in options]
            # An API may leave a key out of every early record: the first name then stands.
            mapping[field] = next((n for n in names if n in present), names[0] if names else None)
        return mapping

    def _supersede(self, staging: Any, rejects: Batch) -> None:
        """Exact copies count as duplicates; a changed copy of a record supersedes the earlier."""
        staging.execute("create index records_by_id on records(kind, record_id, seq)")
        for kind, record_id in staging.execute(
            "select kind, record_id from records group by kind, record_id having count(*) > 1"
        ).fetchall():
            copies = staging.execute(
                "select seq, sha256, source, row, data from records where kind = ? and record_id = ? order by seq",
                [kind, record_id],
            ).fetchall()
            latest_seq, latest_sha, latest_source, latest_row, _ = copies[-1]
            for seq, sha, source, row, data in copies[:-1]:
                if sha == latest_sha:
                    staging.execute(
                        "update records set disposition = 'duplicate' where seq = ?", [seq]
                    )
                    rejects.counts[f"duplicates:{_table(kind)}"] += 1
                    continue
                staging.execute(
                    "update records set disposition = 'superseded' where seq = ?", [seq]
                )
                rejects.reject(
                    _table(kind), record_id, "superseded",
                    f"a later copy of this record ({latest_source} row {latest_row}) differs and replaces it",
                    row={k: v for k, v in json.loads(data).items() if not k.startswith("_")},
                    source=source, position=row,
                )  # fmt: skip
        staging.conn.commit()

    # --- batches -------------------------------------------------------------------

    def count_units(self, staging: Any) -> int:
        """Records the transform will see (for the progress bar)."""
        return staging.execute("select count(*) from records where disposition = 'ok'").fetchone()[
            0
        ]

    def batches(self, staging: Any, inputs: list[Input]) -> Iterator[list[dict]]:
        """About ``UNIT_RECORDS`` records per unit, in reading order."""
        unit: list[dict] = []
        for kind, layout, source, row, data in staging.execute(
            "select kind, layout, source, row, data from records where disposition = 'ok' order by seq"
        ):
            unit.append(
                {"kind": kind, "layout": layout, "source": source, "row": row, "data": data}
            )
            if len(unit) >= UNIT_RECORDS:
                yield unit
                unit = []
        if unit:
            yield unit

    @staticmethod
    def unit_size(unit: list[dict]) -> int:
        """Records in a unit."""
        return len(unit)

    # --- transform -----------------------------------------------------------------

    def transform(self, unit: list[dict]) -> Batch:
        """Timestamps, durations and their flags, per the rules in ``service_stats``."""
        batch = Batch()
        for entry in unit:
            data = json.loads(entry["data"])
            if entry["kind"] == "requests":
                batch.add("requests", self._request(data, entry, batch))
            elif (response := self._response(data, entry, batch)) is not None:
                batch.add("ikm_responses", response)
        return batch

    def _request(self, data: dict, entry: dict, batch: Batch) -> dict:
        zone, dayfirst = data.get("_timezone"), data.get("_dayfirst", True)
        key = data["request_id"]
        created, created_problem = service_stats.read_time(data.get("created"), zone, dayfirst)
        closed, closed_problem = service_stats.read_time(data.get("closed"), zone, dayfirst)
        due, _ = service_stats.read_time(data.get("due"), zone, dayfirst)
        has_close = closed is not None or closed_problem is not None
        problem = None
        hours = None
        for column, reason in (("created", created_problem), ("closed", closed_problem)):
            if reason:
                problem = problem or f"unreadable-{column}"
                batch.note(
                    "requests", key, "unreadable-timestamp",
                    f"{entry['source']} row {entry['row']}: {reason}", column, data.get(column),
                )  # fmt: skip
        if created is not None and closed is not None:
            hours = service_stats.hours_between(created, closed)
            if hours < 0:
                problem = "negative-duration"
                batch.note(
                    "requests", key, "negative-duration",
                    f"closed {abs(hours):.2f} hours before it was created; excluded from the statistics",
                    "closed", data.get("closed"),
                )  # fmt: skip
        category = service_stats.clean(data.get("category"))
        sla = service_stats.sla_for(category, self.sla_hours)
        valid = has_close and problem is None and hours is not None
        return {
            "request_id": key,
            "agency": service_stats.clean(data.get("agency")),
            "agency_name": service_stats.clean(data.get("agency_name")),
            "category": category,
            "subcategory": service_stats.clean(data.get("subcategory")),
            "status": service_stats.clean(data.get("status")),
            "channel": service_stats.clean(data.get("channel")),
            "area": service_stats.clean(data.get("area")),
            "created": service_stats.iso_local(created),
            "closed": service_stats.iso_local(closed),
            "due": service_stats.iso_local(due),
            "month": created.strftime("%Y-%m") if created else None,
            "state": "closed" if has_close else "open",
            "resolution_hours": hours,
            "timestamp_problem": problem,
            "closed_at_midnight": bool(closed is not None and service_stats.is_midnight(closed)),
            "sla_hours": sla,
            "within_sla": (hours <= sla) if valid and sla is not None else None,
            "title": service_stats.clean(data.get("title")),
            "description": service_stats.clean(data.get("description")),
            "resolution": service_stats.clean(data.get("resolution")),
            "layout": entry["layout"],
            "source": entry["source"],
            "source_row": entry["row"],
        }

    def _response(self, data: dict, entry: dict, batch: Batch) -> dict | None:
        key = data["response_id"]
        zone, dayfirst = data.get("_timezone"), data.get("_dayfirst", True)
        when, problem = service_stats.read_time(data.get("date"), zone, dayfirst)
        if problem:
            batch.note(
                "ikm_responses", key, "unreadable-timestamp",
                f"{entry['source']} row {entry['row']}: {problem}", "date", data.get("date"),
            )  # fmt: skip
        date = when.date().isoformat() if when else None
        row = {
            "response_id": key,
            "unit": service_stats.clean(data.get("unit")),
            "survey_date": date,
            "period": ikm.period_of(date, self.period),
            "suggestion": service_stats.clean(data.get("suggestion")),
            "source": entry["source"],
            "source_row": entry["row"],
        }
        for code in self.elements:
            value, reason = ikm.score(data.get(code))
            if quarantines(reason):
                batch.reject(
                    "ikm_responses", key, "unusable-value",
                    unusable.reason(f"{entry['source']} row {entry['row']}", code, str(reason)),
                    column=code.lower(), source=entry["source"], position=entry["row"],
                )  # fmt: skip
                return None
            if reason:
                batch.note(
                    "ikm_responses", key, "ikm-score-out-of-range",
                    f"{entry['source']} row {entry['row']}: {code}: {reason}; left out of the index",
                    code.lower(), data.get(code),
                )  # fmt: skip
            row[code.lower()] = value
        return row

    # --- derive --------------------------------------------------------------------

    def derive(self, db: Any) -> Iterator[Batch]:
        """KPI tables per agency (and category) and month from the published requests."""
        columns = set(db["requests"].columns_dict) if "requests" in db.table_names() else set()
        needed = ["agency", "category", "month", "state", "timestamp_problem",
                  "resolution_hours", "closed_at_midnight", "sla_hours"]  # fmt: skip
        if set(needed) <= columns:
            for table, keys, where in (
                ("kpi_agency_month", ["agency", "month"], "where month is not null"),
                ("kpi_category_month", ["agency", "category", "month"], "where month is not null"),
                ("kpi_agency", ["agency"], ""),
            ):
                order = ", ".join(f"coalesce([{k}], '{service_stats.UNSPECIFIED}')" for k in keys)
                cursor = db.execute(
                    f"select {', '.join(needed)} from requests {where} order by {order}"
                )
                records = (dict(zip(needed, values, strict=True)) for values in cursor)
                rows = list(service_stats.kpi_rows_sorted(records, keys))
                batch = Batch()
                _suppressed(batch, table, service_stats.suppress_groups(rows, self.k), self.k)
                for row in rows:
                    batch.add(table, row)
                yield batch

    def derive_exact(self, db: Any) -> Iterator[Batch]:
        """IKM per unit and period, from the survey responses before k-anonymity.

        Generalising a response's unit or suppressing it would move the respondent out
        of their unit's index; each published group has at least ``k`` respondents, so
        the exact figures tell no more about a response than its unit and period.
        """
        if "ikm_responses" in db.table_names():
            codes = [c.lower() for c in self.elements]
            present = set(db["ikm_responses"].columns_dict)
            if {"unit", "period", *codes} <= present:
                cursor = db.execute(f"select unit, period, {', '.join(codes)} from ikm_responses")
                names = [d[0] for d in cursor.description]
                responses = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
                units, elements = ikm.ikm_tables(responses, self.elements)
                batch = Batch()
                stats = ["elements_answered", "ikm", "category", "performance"]
                _suppressed(batch, "ikm_units", ikm.suppress(units, self.k, stats), self.k)
                stats = ["nrr", "converted", "category", "performance"]
                _suppressed(batch, "ikm_elements", ikm.suppress(elements, self.k, stats), self.k)
                for row in units:
                    batch.add("ikm_units", row)
                for row in elements:
                    batch.add("ikm_elements", row)
                yield batch


def _suppressed(batch: Batch, table: str, count: int, k: int) -> None:
    """Tell the steward how many groups were too small to publish (never which)."""
    if count:
        batch.note(
            table, "*", "small-group-suppressed",
            f"{count} group{'s' if count > 1 else ''} with fewer than {k} members suppressed",
            severity="info",
        )  # fmt: skip


def _layout_record(
    layout_id: str, layout: Layout, spec: dict, mapping: dict[str, str | None]
) -> dict[str, Any]:
    """What the run record says about how a file was read and mapped."""
    return {
        "layout": layout_id,
        "encoding": layout.encoding,
        "delimiter": layout.delimiter,
        "header_row": layout.header_row,
        "unmapped_columns": sorted(
            c for c in layout.columns if normalise_header(c) not in set(mapping.values())
        ),
        "missing_columns": sorted(
            f
            for f, column in mapping.items()
            if f in spec["fields"] and column not in {normalise_header(c) for c in layout.columns}
        ),
    }


def _table(kind: str) -> str:
    return "requests" if kind == "requests" else "ikm_responses"


def _chain(first: Any, rows: Iterator[Any]) -> Iterator[Any]:
    if first is not None:
        yield first
    yield from rows


def _typed_cells(
    raw: dict[str, Any], values: dict[str, Any], mapping: dict[str, str | None]
) -> tuple[dict[str, Any], list[str]]:
    """The mapped cells (and the date columns) checked by ``unusable_record``.

    An object date was flattened by the JSON rows reader into ``column.key`` cells: they
    are kept under the normalised column so the object is seen for what it was.
    """
    dates = [c for f, c in mapping.items() if c and f in DATE_FIELDS]
    mapped = {c: values.get(c) for c in mapping.values() if c}
    for key, value in raw.items():
        head, dot, rest = key.partition(".")
        if dot and normalise_header(head) in dates:
            mapped[f"{normalise_header(head)}.{rest}"] = value
    return mapped, dates


def _json_safe(value: Any) -> Any:
    """A cell as JSON can hold it; an empty cell and an omitted key are the same."""
    if isinstance(value, str):
        return value if value.strip() else None
    if value is None or isinstance(value, int | float | bool):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
