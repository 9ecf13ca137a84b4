"""``example-grants``: grants to organisations, with an amount and a free-text purpose.

The domain owns the ``grants:`` key of ``dataset.yml`` (``options_key`` and
``options_schema``): terbuka validates it with this schema, with the same one-line errors
as its own keys. Rows come from any reader that yields rows (here the plugin's ``psv``);
the purpose is free text, so the privacy stage scans it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from itertools import chain, islice
from typing import Any

from terbuka.pipelines.batch import Batch
from terbuka.pipelines.errors import InputError
from terbuka.pipelines.readers import Input, detect, members, public_source
from terbuka.pipelines.readers.tabular import Layout

FIELDS = ("grant_id", "recipient", "region", "amount", "purpose", "awarded")
UNIT_ROWS = 500
UNSPECIFIED = "(unspecified)"


class GrantsPipeline:
    """Grant rows → ``grants``; totals per region → ``grant_totals``."""

    id = "example-grants"
    title = "Grants to organisations (example plugin)"
    readers = ["psv"]
    tables = ["grants", "grant_totals"]
    primary_table = "grants"
    options_key = "grants"
    options_schema = {
        "description": "Settings of the example-grants domain (tests/example_plugin).",
        "type": "object",
        "additionalProperties": False,
        "required": ["currency"],
        "properties": {
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "large_grant": {"type": "number", "exclusiveMinimum": 0},
            "columns": {
                "type": "object",
                "additionalProperties": False,
                "properties": {name: {"type": "string"} for name in FIELDS},
            },
        },
    }

    def __init__(self, descriptor: Any):
        options = descriptor.get(self.options_key) or {}
        self.currency = options["currency"]
        self.large_grant = options.get("large_grant")
        self.columns = {name: name for name in FIELDS} | (options.get("columns") or {})

    # --- extract -------------------------------------------------------------------

    def extract(self, inputs: list[Input], staging: Any, progress: Any = None) -> Batch:
        """Stage every readable row; ragged rows and rows without an id are quarantined."""
        rejects = Batch()
        table = staging["records"]
        table.create({"seq": int, "source": str, "row": int, "data": str}, pk="seq")
        for source in inputs:
            for member in members(source.path, source.display):
                rows = self._rows(source, member, rejects)
                while chunk := list(islice(rows, UNIT_ROWS)):  # memory stays flat
                    table.insert_all(chunk)
                    if progress:
                        progress(len(chunk))
        return rejects

    def _rows(self, source: Input, member: Any, rejects: Batch) -> Iterator[dict[str, Any]]:
        reader = detect(member, self.readers)
        source.reader, source.kind = reader.id, "grants"
        layout = Layout()
        rows = reader.read(member, {}, layout)
        first = next(rows, None)
        missing = [c for c in self.columns.values() if c not in layout.columns]
        if missing:
            raise InputError(
                member.name,
                "the header has no such column (grants.columns)",
                row=1,
                column=missing[0],
            )
        for row in chain([first] if first is not None else [], rows):
            source.records += 1
            key = f"{public_source(member.name)}#{row.number}"
            grant_id = (row.values.get(self.columns["grant_id"]) or "").strip()
            if row.problem or not grant_id:
                reason = row.problem or "the grant has no id"
                rejects.reject(
                    "grants", key, row.check or "missing-id", reason,
                    column="" if row.problem else "grant_id",
                    source=member.name, position=row.number,
                )  # fmt: skip
                continue
            data = {name: row.values.get(column) for name, column in self.columns.items()}
            yield {
                "source": public_source(member.name),
                "row": row.number,
                "data": json.dumps(data),
            }

    # --- units of work ---------------------------------------------------------------

    def count_units(self, staging: Any) -> int:
        """Rows the transform will see."""
        return staging.execute("select count(*) from records").fetchone()[0]

    def batches(self, staging: Any, inputs: list[Input]) -> Iterator[list[dict[str, Any]]]:
        """About ``UNIT_ROWS`` rows per unit, in reading order."""
        unit: list[dict[str, Any]] = []
        for source, row, data in staging.execute(
            "select source, row, data from records order by seq"
        ):
            unit.append({"source": source, "row": row, **json.loads(data)})
            if len(unit) >= UNIT_ROWS:
                yield unit
                unit = []
        if unit:
            yield unit

    @staticmethod
    def unit_size(unit: list[dict[str, Any]]) -> int:
        """Rows in a unit."""
        return len(unit)

    # --- transform -------------------------------------------------------------------

    def transform(self, unit: list[dict[str, Any]]) -> Batch:
        """Typed grant rows; an unreadable amount or date quarantines its row."""
        batch = Batch()
        for entry in unit:
            grant = self._grant(entry, batch)
            if grant is not None:
                batch.add("grants", grant)
        return batch

    def _grant(self, entry: dict[str, Any], batch: Batch) -> dict[str, Any] | None:
        key = entry["grant_id"].strip()
        try:
            amount = float(str(entry["amount"]).replace("_", "").strip())
        except ValueError:
            amount = None
        try:
            awarded = date.fromisoformat(str(entry["awarded"]).strip()).isoformat()
        except ValueError:
            awarded = None
        for column, value in (("amount", amount), ("awarded", awarded)):
            if value is None:
                batch.reject(
                    "grants", key, f"unreadable-{column}",
                    f"{entry['source']} row {entry['row']}: {column} is not a "
                    + ("number" if column == "amount" else "date (YYYY-MM-DD)"),
                    column=self.columns[column], source=entry["source"], position=entry["row"],
                )  # fmt: skip
                return None
        return {
            "grant_id": key,
            "recipient": (entry["recipient"] or "").strip() or None,
            "region": (entry["region"] or "").strip() or None,
            "amount": amount,
            "currency": self.currency,
            "large": None if self.large_grant is None else amount >= self.large_grant,
            "purpose": (entry["purpose"] or "").strip() or None,
            "awarded": awarded,
            "source": entry["source"],
            "source_row": entry["row"],
        }

    # --- derived tables --------------------------------------------------------------

    def derive(self, db: Any) -> Iterator[Batch]:
        """Grants and their total per region, from the rows written to ``grants``."""
        batch = Batch()
        for region, currency, grants, total in db.execute(
            "select coalesce(region, ?), currency, count(*), sum(amount) from grants "
            "group by 1, 2 order by 1, 2",
            [UNSPECIFIED],
        ):
            batch.add(
                "grant_totals",
                {"region": region, "currency": currency, "grants": grants, "total_amount": total},
            )
        yield batch
