"""The budget pipeline: planned versus realised local budgets, with their account hierarchy.

Three kinds of source land in the same tables:

- the DJPK realisation export (``akun, anggaran, realisasi, persentase``; region from the
  file name, fiscal year from a ``2023/`` folder or the file name — see ``budget_djpk``);
- line-item budgets on the Permendagri 90 chart of accounts (``kode_rekening``), CSV or
  Excel, through a column mapping in the descriptor's ``budget.layouts``;
- Fiscal Data Packages (``datapackage.json`` with a model of measures and dimensions).

Every source line is published with its amounts exactly as the source gives them (in
rupiah, with the precision the source used), its place in the hierarchy (``level``,
``parent_line_id``, ``is_leaf``) and its account (``budget_accounts``). Totals add up leaf
lines only, so a parent and its children are never counted twice; where a source's parent
disagrees with its children the line says so (``reconciles``) and a quality note explains.

Extraction reads and places every line (the hierarchy needs a whole budget at once); the
transform parses amounts and runs the checks, one budget at a time.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from ..batch import Batch
from ..errors import InputError
from ..messages import shown
from ..readers import Input, public_source
from ..readers.tabular import TabularRow, read_tables
from ..staging import insert_in_chunks
from ..unusable import unusable_line
from . import budget_codes, budget_djpk, budget_fdp, demo_from
from .budget_checks import CHECKS, absorption, amount
from .layouts import match_layout, normalise_header

TABLES = ["budget_accounts", "budget_lines"]  # accounts first: lines refer to them
UNIT_LINES = 2000
DJPK_COLUMNS = {"akun", "anggaran", "realisasi"}


def slug(text: str) -> str:
    """``Kota Malang`` → ``kota-malang`` (ids readable in URLs)."""
    return re.sub(r"[^0-9a-z]+", "-", text.casefold()).strip("-") or "x"


class BudgetPipeline:
    """DJPK exports, Permendagri 90 line items and Fiscal Data Packages → budget lines."""

    id = "budget"
    title = "Budgets: planned and realised"
    readers = ["csv", "xlsx"]
    tables = TABLES
    primary_table = "budget_lines"

    def __init__(self, descriptor: Any):
        self.descriptor = descriptor
        config = descriptor.get("budget") or {}
        self.currency = config.get("currency") or "IDR"
        self.region = config.get("region")
        self.fiscal_year = config.get("fiscal_year")
        self.djpk_unit = config.get("djpk_unit")  # None: decided per file (see _plain_unit)
        self.files = config.get("files") or {}
        self.layouts = config.get("layouts") or {}
        self.fdp_measures = config.get("fdp_measures") or {}

    # Synthetic budgets for the demo and the personal values planted in them.
    demo_sources = demo_from("demo_budget", "generate_budget")

    # --- extract -------------------------------------------------------------------

    def extract(self, inputs: list[Input], staging: Any, progress: Any = None) -> Batch:
        """Read every source line into staging, then place each budget's lines in its tree."""
        rejects = Batch()
        staging["raw_lines"].create(
            {
                "seq": int, "budget_id": str, "format": str, "region": str, "region_type": str,
                "fiscal_year": int, "admin_unit": str, "activity": str, "source": str, "row": int,
                "name": str, "indent": int, "code": str, "labels": str, "planned": str,
                "realised": str, "reported": str, "currency": str, "unit": str, "decimal": str,
            },
            pk="seq",
        )  # fmt: skip
        packaged = self._package_members(inputs)
        seen: dict[tuple[str, str], str] = {}
        for source in inputs:
            if source.path.resolve() in packaged:
                source.kind, source.reader = "package-member", "fdp"
                source.extra["package"] = str(packaged[source.path.resolve()])
                continue
            if budget_fdp.is_package(source.path):
                rows = self._fdp_lines(source)
            else:
                rows = self._table_lines(source, rejects, seen)
            insert_in_chunks(staging["raw_lines"], rows, UNIT_LINES, progress)
        staging.conn.commit()
        self._place(staging)
        return rejects

    def _package_members(self, inputs: list[Input]) -> dict[Path, Path]:
        """Files that belong to a Fiscal Data Package given in the same run (read through it)."""
        owned: dict[Path, Path] = {}
        for source in inputs:
            if budget_fdp.is_package(source.path):
                folder = source.path.resolve().parent
                for other in inputs:
                    resolved = other.path.resolve()
                    if other is not source and folder in resolved.parents:
                        owned[resolved] = source.path
        return owned

    def _overrides(self, source: Input) -> dict[str, Any]:
        """The descriptor's ``budget.files`` entries that match this source's path."""
        found: dict[str, Any] = {}
        path = source.display.replace("\\", "/")
        for pattern, values in self.files.items():
            if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, f"*/{pattern}"):
                found.update(values or {})
        return found

    def _where(self, source: Input, member_name: str) -> tuple[str, str | None, int]:
        """Region, its kind and the fiscal year of a file, from overrides or the file's name."""
        overrides = self._overrides(source)
        region = overrides.get("region") or self.region
        kind = None
        if region:
            kind = next(
                (k for k in ("Kabupaten", "Kota", "Provinsi") if region.startswith(k)), None
            )
        else:
            region, kind = budget_djpk.region_from_stem(Path(member_name.split("!")[-1]).stem)
        year = (
            overrides.get("fiscal_year")
            or self.fiscal_year
            or budget_djpk.year_from_path(member_name)
        )
        if not region:
            raise InputError(
                member_name,
                "cannot tell the region from the file name; set budget.region or budget.files in the descriptor",
            )
        if not year:
            raise InputError(
                member_name,
                "cannot tell the fiscal year: put the file in a folder named after the year "
                "(2023/), name the year in the file name, or set budget.fiscal_year",
            )
        return region, kind, int(year)

    def _table_lines(
        self, source: Input, rejects: Batch, seen: dict[tuple[str, str], str]
    ) -> Iterator[dict]:
        for member, layout, first, rows in read_tables(
            source, rejects, "budget_lines", self.readers
        ):
            columns = {normalise_header(c) for c in layout.columns}
            source.kind = "table"
            source.extra.update(
                {
                    "encoding": layout.encoding,
                    "delimiter": layout.delimiter,
                    "header_row": layout.header_row,
                }
            )
            if DJPK_COLUMNS <= columns:
                source.extra["layout"] = "djpk"
                yield from self._djpk_lines(source, member.name, first, rows, rejects, seen)
                continue
            found = match_layout(layout.columns, self.layouts)
            if found is None:
                known = "; ".join(f"{k} ({', '.join(v['match'])})" for k, v in self.layouts.items())
                raise InputError(
                    member.name,
                    "columns match no budget format: not a DJPK export (akun, anggaran, realisasi), "
                    f"no line-item layout in the descriptor matches (known: {known or 'none'})",
                    row=layout.header_row,
                )
            layout_id, spec = found
            source.extra["layout"] = layout_id
            mapped = {normalise_header(v) for v in spec["fields"].values()}
            source.extra["unmapped_columns"] = sorted(
                c for c in layout.columns if normalise_header(c) not in mapped
            )
            yield from self._item_lines(source, member.name, spec, first, rows, rejects)

    def _djpk_lines(self, source, name, first, rows, rejects, seen) -> Iterator[dict]:
        region, kind, year = self._where(source, name)
        budget_id = f"{slug(region)}-{year}-djpk"
        earlier = seen.get((budget_id, "djpk"))
        seen.setdefault((budget_id, "djpk"), name)
        rows = list(_chain(first, rows))  # one region-year: a few dozen lines
        unit = self.djpk_unit or _plain_unit(rows)
        source.extra["plain_numbers_in"] = {"M": "miliar", None: "rupiah"}.get(unit, unit)
        for row in rows:
            source.records += 1
            if earlier:
                rejects.reject(
                    "budget_lines", f"{budget_id}#{name}:{row.number}", "duplicate-budget",
                    f"{region} {year} was already read from {public_source(earlier)}",
                    row=_plain(row.values), source=name, position=row.number,
                )  # fmt: skip
                continue
            values = _row_values(row, name, rejects)
            if values is None:
                continue
            raw_name = "" if values.get("akun") is None else str(values["akun"])
            if not raw_name.strip():
                rejects.reject(
                    "budget_lines", f"{name}#{row.number}", "missing-account",
                    "the row has amounts but no account name (akun)",
                    row=_plain(row.values), column="akun", source=name, position=row.number,
                )  # fmt: skip
                continue
            yield {
                "budget_id": budget_id, "format": "djpk", "region": region, "region_type": kind,
                "fiscal_year": year, "source": public_source(name), "row": row.number,
                "name": raw_name,
                "indent": len(raw_name) - len(raw_name.lstrip(" ")),
                "planned": _raw(values.get("anggaran")), "realised": _raw(values.get("realisasi")),
                "reported": _raw(values.get("persentase")), "currency": self.currency,
                "unit": unit, "decimal": "djpk",
            }  # fmt: skip

    def _item_lines(self, source, name, spec, first, rows, rejects) -> Iterator[dict]:
        fields = {k: normalise_header(v) for k, v in spec["fields"].items()}
        default_region = default_kind = default_year = None
        for row in _chain(first, rows):
            source.records += 1
            values = _row_values(row, name, rejects)
            if values is None:
                continue
            get = partial(_field, values, fields)

            code, problem = budget_codes.normalise_code(get("account_code"))
            if code is None:
                rejects.reject(
                    "budget_lines", f"{name}#{row.number}", "bad-account-code",
                    problem or "no account code (kode rekening)", row=_plain(row.values),
                    column=spec["fields"].get("account_code", ""), value=get("account_code"),
                    source=name, position=row.number,
                )  # fmt: skip
                continue
            region = _cell(get("region"))
            kind = None
            if region:
                region, kind = budget_djpk.region_from_stem(region)
            year = get("fiscal_year")
            if not region or not year:
                if default_region is None:
                    default_region, default_kind, default_year = self._where(source, name)
                region, kind = region or default_region, kind or default_kind
                year = year or default_year
            try:
                year = int(str(year).strip()[:4])
            except ValueError:
                rejects.reject(
                    "budget_lines", f"{name}#{row.number}", "bad-fiscal-year",
                    f"not a year: {shown(year)}", row=_plain(row.values),
                    column=spec["fields"].get("fiscal_year", ""), source=name, position=row.number,
                )  # fmt: skip
                continue
            yield {
                "budget_id": f"{slug(region)}-{year}-rekening", "format": "rekening",
                "region": region, "region_type": kind, "fiscal_year": year,
                "admin_unit": _cell(get("admin_unit")), "activity": _cell(get("activity")),
                "source": public_source(name), "row": row.number,
                "name": _cell(get("account_name")) or "",
                "indent": 0, "code": code, "planned": _raw(get("planned")),
                "realised": _raw(get("realised")), "reported": _raw(get("absorption_pct")),
                "currency": self.currency, "unit": spec.get("unit"), "decimal": spec.get("decimal"),
            }  # fmt: skip

    def _fdp_lines(self, source: Input) -> Iterator[dict]:
        package = budget_fdp.load_package(source.path, source.display, self.fdp_measures)
        source.kind, source.reader = "fiscal-data-package", "fdp"
        source.extra.update(
            {
                "package": package.name,
                "measures": {m.name: m.role for m in package.measures},
                "ignored_measures": package.ignored,
            }
        )
        region = self.region or package.title
        kind = next((k for k in ("Kabupaten", "Kota", "Provinsi") if region.startswith(k)), None)
        for row in budget_fdp.read_rows(package, source.display):
            source.records += 1
            by_year: dict[int | None, dict[str, Any]] = {}
            for measure, value in row.amounts:
                year = measure.year or row.year or package.year or self.fiscal_year
                entry = by_year.setdefault(year, {"currency": measure.currency})
                entry[measure.role] = _scaled(value, measure.factor)
            for year, entry in by_year.items():
                if year is None:
                    raise InputError(
                        f"{source.display}!{row.resource}",
                        "cannot tell the fiscal year: the package has no date dimension and its "
                        "fiscalPeriod spans several years; set budget.fiscal_year",
                        row=row.number,
                    )
                codes = [code for code, _ in row.account]
                label = row.account[-1][1] if row.account else None
                yield {
                    "budget_id": f"{slug(package.name)}-{year}-fdp", "format": "fdp",
                    "region": region, "region_type": kind, "fiscal_year": int(year),
                    "admin_unit": row.admin_unit, "activity": row.activity,
                    "source": public_source(f"{source.display}!{row.resource}"),
                    "row": row.number,
                    "name": label or (codes[-1] if codes else ""), "indent": 0,
                    "code": "/".join(codes) if codes else None,
                    "labels": json.dumps(row.account, ensure_ascii=False),
                    "planned": _raw(entry.get("planned")), "realised": _raw(entry.get("realised")),
                    "reported": None, "currency": entry["currency"] or self.currency,
                    "unit": None, "decimal": ".",
                }  # fmt: skip

    # --- placing lines in their hierarchy -------------------------------------------

    def _place(self, staging: Any) -> None:
        """Give each staged line its level, parent and account; collect the account tree."""
        staging["budgets"].create({"budget_id": str, "lines": int, "data": str}, pk="budget_id")
        accounts: dict[str, dict] = {}
        budget_ids = [
            r[0]
            for r in staging.execute("select distinct budget_id from raw_lines order by budget_id")
        ]
        for budget_id in budget_ids:
            rows = [
                dict(zip([d[0] for d in cursor.description], values, strict=True))
                for cursor in [
                    staging.execute(
                        "select * from raw_lines where budget_id = ? order by seq", [budget_id]
                    )
                ]
                for values in cursor.fetchall()
            ]
            kind = rows[0]["format"]
            if kind == "djpk":
                lines = _place_djpk(budget_id, rows, accounts)
            elif kind == "rekening":
                lines = _place_codes(budget_id, rows, accounts)
            else:
                lines = _place_fdp(budget_id, rows, accounts)
            staging["budgets"].insert(
                {
                    "budget_id": budget_id,
                    "lines": len(lines),
                    "data": json.dumps(lines, ensure_ascii=False),
                }
            )
        staging["accounts"].create({"account_id": str, "data": str}, pk="account_id")
        staging["accounts"].insert_all(
            {"account_id": k, "data": json.dumps(v, ensure_ascii=False)}
            for k, v in accounts.items()
        )
        staging.conn.commit()

    # --- batches -------------------------------------------------------------------

    def count_units(self, staging: Any) -> int:
        """Lines and accounts the transform will see (for the progress bar)."""
        lines = staging.execute("select coalesce(sum(lines), 0) from budgets").fetchone()[0]
        return lines + staging.execute("select count(*) from accounts").fetchone()[0]

    def batches(self, staging: Any, inputs: list[Input]) -> Iterator[tuple[str, list]]:
        """Whole budgets, about ``UNIT_LINES`` lines per unit; then the account tree."""
        unit: list[list[dict]] = []
        size = 0
        for (data,) in staging.execute("select data from budgets order by budget_id"):
            lines = json.loads(data)
            unit.append(lines)
            size += len(lines)
            if size >= UNIT_LINES:
                yield "budgets", unit
                unit, size = [], 0
        if unit:
            yield "budgets", unit
        accounts = [
            json.loads(d)
            for (d,) in staging.execute("select data from accounts order by account_id")
        ]
        for start in range(0, len(accounts), UNIT_LINES):
            yield "accounts", accounts[start : start + UNIT_LINES]

    @staticmethod
    def unit_size(unit: tuple[str, list]) -> int:
        """Lines (or accounts) in a unit."""
        kind, items = unit
        return sum(len(b) for b in items) if kind == "budgets" else len(items)

    # --- transform -----------------------------------------------------------------

    def transform(self, unit: tuple[str, list]) -> Batch:
        """Amounts, absorption and the consistency checks for each budget in the unit."""
        kind, items = unit
        batch = Batch()
        if kind == "accounts":
            for account in items:
                batch.add("budget_accounts", account)
            return batch
        for lines in items:
            for line in budget_lines(lines, batch):
                batch.add("budget_lines", line)
        return batch

    # --- package -------------------------------------------------------------------

    def package_extra(self, schemas: dict[str, dict]) -> dict[str, Any]:
        """The Fiscal Data Package model of ``budget_lines`` for ``datapackage.json``."""
        return fiscal_model(self.currency)


def budget_lines(staged: list[dict], batch: Batch) -> list[dict]:
    """One budget's staged lines → published rows; checks' findings become quality notes."""
    lines = []
    for entry in staged:
        line = {k: v for k, v in entry.items() if not k.startswith("_")}
        # DJPK writes plain numbers 8660.40 but numbers with a unit "8.660,40 M"
        separators = (".", ",") if entry["_decimal"] == "djpk" else (entry["_decimal"], None)
        planned, p_precision, p_problem = amount(entry["_planned"], entry["_unit"], *separators)
        realised, r_precision, r_problem = amount(entry["_realised"], entry["_unit"], *separators)
        reported, pct_problem = _percentage(entry["_reported"])
        where = f"{entry['source']} row {entry['source_row']}"
        cells = (
            ("planned", p_problem, entry["_planned"]),
            ("realised", r_problem, entry["_realised"]),
            ("reported_absorption_pct", pct_problem, entry["_reported"]),
        )
        if unusable_line(line, where, [(column, problem) for column, problem, _ in cells], batch):
            continue
        for column, problem, raw in cells:
            if problem:
                batch.note(
                    "budget_lines", line["line_id"], "unreadable-amount",
                    f"{where}: {problem}", column, raw,
                )  # fmt: skip
        precisions = [p for p in (p_precision, r_precision) if p]
        line.update(
            planned=planned,
            realised=realised,
            precision=max(precisions) if precisions else None,
            absorption_pct=absorption(planned, realised),
            reported_absorption_pct=reported,
            gap=None if planned is None or realised is None else planned - realised,
        )
        if entry.get("_problem"):
            batch.note(
                "budget_lines", line["line_id"], "budget-hierarchy", entry["_problem"],
                "account_name", entry["source_account_name"],
            )  # fmt: skip
        lines.append(line)
    parents = {line["parent_line_id"] for line in lines if line.get("parent_line_id")}
    for line in lines:
        line["is_leaf"] = line["kind"] == "account" and line["line_id"] not in parents
    for check in CHECKS:
        for note in check.run(lines):
            batch.note(
                check.table, note["key"], check.id, note["message"], note["column"], note["value"]
            )
    return lines


def _percentage(value: Any) -> tuple[float | None, str | None]:
    if value is None or str(value).strip() == "":
        return None, None
    number, _, problem = amount(value, None, ".")
    return (None if number is None else float(number)), problem


def _scaled(value: Any, factor: float) -> Any:
    if factor == 1 or value in (None, ""):
        return value
    number, _, problem = amount(value, None, ".")
    return value if problem or number is None else number * factor


def _place_djpk(budget_id: str, rows: list[dict], accounts: dict) -> list[dict]:
    placed = budget_djpk.place_lines(
        [budget_djpk.SourceLine(r["row"], r["name"], r["indent"], r) for r in rows]
    )
    lines = []
    for index, item in enumerate(placed):
        row = item.line.cells
        line_id = f"{budget_id}-{index + 1:03d}"
        account_id = "djpk:" + "/".join(slug(p) for p in item.path)
        parent_account = (
            "djpk:" + "/".join(slug(p) for p in item.path[:-1]) if len(item.path) > 1 else None
        )
        accounts.setdefault(
            account_id,
            {
                "account_id": account_id, "parent_account_id": parent_account, "scheme": "djpk",
                "account_code": None, "account_name": item.name, "level": item.level,
                "sign": item.sign, "kind": item.kind, "path": " › ".join(item.path),
            },
        )  # fmt: skip
        lines.append(
            _line(
                row, line_id, account_id, None, item.name, item.level,
                f"{budget_id}-{item.parent + 1:03d}" if item.parent is not None else None,
                item.sign, item.kind, " › ".join(item.path), item.problem,
            )
        )  # fmt: skip
    return lines


def _place_codes(budget_id: str, rows: list[dict], accounts: dict) -> list[dict]:
    """Line items: the code is the hierarchy; a line's parent is its nearest listed ancestor."""
    lines = []
    present: dict[tuple[str | None, str], str] = {}
    for index, row in enumerate(rows):
        present.setdefault((row.get("admin_unit"), row["code"]), f"{budget_id}-{index + 1:04d}")
    for index, row in enumerate(rows):
        code = row["code"]
        line_id = f"{budget_id}-{index + 1:04d}"
        parent_line = next(
            (
                present[(row.get("admin_unit"), a)]
                for a in budget_codes.ancestors(code)
                if (row.get("admin_unit"), a) in present
            ),
            None,
        )
        name = row["name"] or budget_codes.CHART.get(code) or code
        for node in [code, *budget_codes.ancestors(code)]:
            account_id = f"p90:{node}"
            if account_id in accounts and node != code:
                continue
            up = budget_codes.parent(node)
            known = accounts.get(account_id, {})
            accounts[account_id] = {
                "account_id": account_id, "parent_account_id": f"p90:{up}" if up else None,
                "scheme": "permendagri-90", "account_code": node,
                "account_name": (name if node == code else None) or known.get("account_name") or budget_codes.CHART.get(node),
                "level": budget_codes.level(node), "sign": budget_codes.sign(node), "kind": "account",
                "path": node,
            }  # fmt: skip
        lines.append(
            _line(
                row, line_id, f"p90:{code}", code, name, budget_codes.level(code), parent_line,
                budget_codes.sign(code), "account", code, "",
            )
        )  # fmt: skip
    return lines


def _place_fdp(budget_id: str, rows: list[dict], accounts: dict) -> list[dict]:
    """Fiscal Data Package rows are leaves of their classification; parents go to accounts."""
    lines = []
    scheme = "fdp:" + budget_id.rsplit("-", 2)[0]
    for index, row in enumerate(rows):
        labels = json.loads(row["labels"] or "[]")
        line_id = f"{budget_id}-{index + 1:05d}"
        account_id = None
        for depth in range(1, len(labels) + 1):
            codes = [c for c, _ in labels[:depth]]
            node = f"{scheme}:" + "/".join(codes)
            accounts.setdefault(
                node,
                {
                    "account_id": node,
                    "parent_account_id": f"{scheme}:" + "/".join(codes[:-1]) if depth > 1 else None,
                    "scheme": scheme, "account_code": "/".join(codes),
                    "account_name": labels[depth - 1][1] or codes[-1], "level": depth, "sign": 1,
                    "kind": "account", "path": " › ".join(lab or c for c, lab in labels[:depth]),
                },
            )  # fmt: skip
            account_id = node
        path = " › ".join(lab or c for c, lab in labels)
        lines.append(
            _line(
                row, line_id, account_id, row["code"], row["name"], len(labels) or None, None, 1,
                "account", path, "",
            )
        )  # fmt: skip
    return lines


def _line(row, line_id, account_id, code, name, level, parent, sign, kind, path, problem) -> dict:
    return {
        "line_id": line_id,
        "budget_id": row["budget_id"],
        "region": row["region"],
        "region_type": row["region_type"],
        "fiscal_year": row["fiscal_year"],
        "source_format": row["format"],
        "admin_unit": row.get("admin_unit"),
        "activity": row.get("activity"),
        "account_id": account_id,
        "account_code": code,
        "account_name": name,
        "source_account_name": " ".join((row.get("name") or "").split()) or None,
        "account_path": path,
        "level": level,
        "parent_line_id": parent,
        "sign": sign,
        "kind": kind,
        "currency": row["currency"],
        "source": row["source"],
        "source_row": row["row"],
        "_planned": _unraw(row["planned"]),
        "_realised": _unraw(row["realised"]),
        "_reported": _unraw(row["reported"]),
        "_unit": row["unit"],
        "_decimal": row["decimal"],
        "_problem": problem,
    }


def fiscal_model(currency: str) -> dict[str, Any]:
    """Fiscal Data Package ``model``: measures and dimensions of ``budget_lines``."""
    resource = "budget_lines"
    return {
        "profile": "tabular-data-package",
        "model": {
            "measures": {
                "planned": {"source": "planned", "resource": resource, "currency": currency, "phase": "adjusted"},
                "realised": {"source": "realised", "resource": resource, "currency": currency, "phase": "executed"},
            },
            "dimensions": {
                "date": {
                    "dimensionType": "datetime",
                    "attributes": {"fiscal_year": {"source": "fiscal_year", "resource": resource}},
                    "primaryKey": ["fiscal_year"],
                },
                "region": {
                    "dimensionType": "location",
                    "attributes": {
                        "region": {"source": "region", "resource": resource},
                        "region_type": {"source": "region_type", "resource": resource},
                    },
                    "primaryKey": ["region"],
                },
                "account": {
                    "dimensionType": "classification",
                    "classificationType": "economic",
                    "attributes": {
                        "account_id": {"source": "account_id", "resource": resource},
                        "account_code": {"source": "account_code", "resource": resource},
                        "account_name": {"source": "account_name", "resource": resource, "labelfor": "account_id"},
                    },
                    "primaryKey": ["account_id"],
                },
                "administrative": {
                    "dimensionType": "classification",
                    "classificationType": "administrative",
                    "attributes": {"admin_unit": {"source": "admin_unit", "resource": resource}},
                    "primaryKey": ["admin_unit"],
                },
                "activity": {
                    "dimensionType": "activity",
                    "attributes": {"activity": {"source": "activity", "resource": resource}},
                    "primaryKey": ["activity"],
                },
            },
        },
    }  # fmt: skip


def _plain_unit(rows: list[Any]) -> str | None:
    """The unit of a DJPK file's plain numbers: miliar, unless they are plainly rupiah.

    The portal writes plain numbers in miliar (a regency's whole budget is a few thousand);
    a figure of ten million or more can only be whole rupiah.
    """
    for row in rows:
        values = {normalise_header(k): v for k, v in row.values.items()}
        for column in ("anggaran", "realisasi"):
            number, _, problem = amount(values.get(column), None, ".", ",")
            text = str(values.get(column) or "").strip()
            if number is not None and not problem and not text[-1:].isalpha():
                if abs(number) >= 10_000_000:
                    return None
    return "M"


def _field(values: dict[str, Any], fields: dict[str, str], field: str) -> Any:
    return values.get(fields[field]) if field in fields else None


def _chain(first: Any, rows: Iterator[Any]) -> Iterator[Any]:
    if first is not None:
        yield first
    yield from rows


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value) if not isinstance(value, float) or not value.is_integer() else str(int(value))
    return text if text.strip() else None


def _raw(value: Any) -> str | None:
    """A cell as JSON, so numbers from Excel stay numbers and text stays text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        value = str(value)
    return json.dumps(value, ensure_ascii=False)


def _unraw(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def _row_values(row: TabularRow, name: str, rejects: Batch) -> dict[str, Any] | None:
    """A row's values by normalised header; ``None`` when it is ragged (and set aside)."""
    if row.problem:
        rejects.reject(
            "budget_lines", f"{name}#{row.number}", "ragged-row", row.problem,
            row=_plain(row.values), source=name, position=row.number,
        )  # fmt: skip
        return None
    return {normalise_header(k): v for k, v in row.values.items()}


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v if isinstance(v, str | int | float) or v is None else str(v))
        for k, v in values.items()
    }
