"""Map rows of a tabular export (SPSE/LPSE CSV or Excel) onto OCDS releases.

The mapping lives in the descriptor's ``layouts``: which headers identify the export, how
to build the ``ocid`` and release id, and which OCDS field each column fills. A release
built this way goes through exactly the same transform as one read from OCDS JSON, so a
tender export and an OCDS feed land in the same tables.
"""

from __future__ import annotations

import re
from string import Formatter
from typing import Any

from ..parse import parse_datetime, parse_number
from ..unusable import RowProblem, number_kind

TRIVIAL_KEYS = {"id", "currency", "scheme", "status", "awardID"}


class LayoutError(ValueError):
    """A row cannot become a release (e.g. no value for the ocid)."""


def normalise_header(name: str) -> str:
    """``"Kode Tender"`` and ``kd_tender `` compare as ``kode_tender`` / ``kd_tender``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def match_layout(columns: list[str], layouts: dict[str, dict]) -> tuple[str, dict] | None:
    """The layout whose ``match`` headers are all present; the most specific one wins."""
    present = {normalise_header(c) for c in columns}
    candidates = [
        (len(layout["match"]), layout_id, layout)
        for layout_id, layout in layouts.items()
        if {normalise_header(c) for c in layout["match"]} <= present
    ]
    if not candidates:
        return None
    _, layout_id, layout = max(candidates, key=lambda c: c[0])
    return layout_id, layout


class RowMapper:
    """Builds a release from one row with a layout; reports what it could not read."""

    def __init__(
        self,
        layout: dict,
        ocid_prefix: str,
        timezone: str | None,
        locales: dict[str, dict] | None = None,
    ):
        self.layout = layout
        self.ocid_prefix = ocid_prefix
        self.timezone = timezone
        # Per source column, what the reader found: decimal separator, day-first dates.
        self.locales = {normalise_header(k): v for k, v in (locales or {}).items()}

    def _dayfirst(self, column: str) -> bool:
        found = self.locales.get(normalise_header(column), {}).get("dayfirst")
        return True if found is None else found

    def mapped_columns(self) -> set[str]:
        """Every source column the layout reads."""
        columns: set[str] = set(self.layout["match"])
        for template in (self.layout["ocid"], self.layout.get("release_id", "")):
            columns |= {f for _, f, _, _ in Formatter().parse(template) if f and f != "ocid_prefix"}
        if self.layout.get("date"):
            columns.add(self.layout["date"])
        for spec in self.layout["fields"].values():
            if isinstance(spec, str):
                columns.add(spec)
            else:
                columns |= set(spec.get("columns") or []) | (
                    {spec["column"]} if spec.get("column") else set()
                )
        return {normalise_header(c) for c in columns}

    def release(self, values: dict[str, Any]) -> tuple[dict, list[tuple[str, str, Any]]]:
        """The release for a row, and ``(column, problem, value)`` for each unreadable cell."""
        row = {normalise_header(k): v for k, v in values.items()}
        problems: list[tuple[str, str, Any]] = []
        ocid = self._template(self.layout["ocid"], row)
        if not ocid:
            raise LayoutError(f"no value for the ocid ({self.layout['ocid']})")
        release: dict[str, Any] = {"ocid": ocid}
        release_id = self._template(self.layout.get("release_id") or "", row)
        release["id"] = release_id or ocid
        if self.layout.get("date"):
            column = normalise_header(self.layout["date"])
            date, problem = parse_datetime(row.get(column), self.timezone, self._dayfirst(column))
            if problem:
                problems.append((self.layout["date"], problem, row.get(column)))
            if date:
                release["date"] = date
        release["tag"] = list(self.layout.get("tag") or ["tender"])
        release["initiationType"] = "tender"
        for path, spec in self.layout["fields"].items():
            value, problem = self._value(spec, row)
            if problem:
                problems.append((_source_column(spec), problem, value))
                continue
            if value not in (None, ""):
                set_path(release, path, value)
        prune(release)
        promote_parties(release)
        return release, problems

    def _template(self, template: str, row: dict[str, Any]) -> str | None:
        fields = [f for _, f, _, _ in Formatter().parse(template) if f]
        values = {"ocid_prefix": self.ocid_prefix}
        for name in fields:
            if name == "ocid_prefix":
                continue
            value = row.get(normalise_header(name))
            if value in (None, ""):
                if name in (self.layout.get("date"),):
                    values[name] = ""
                    continue
                return None
            values[name] = _plain(value)
        return template.format_map(values).strip("-") or None

    def _value(self, spec: Any, row: dict[str, Any]) -> tuple[Any, str | None]:
        if isinstance(spec, str):
            spec = {"column": spec}
        if spec.get("columns"):
            parts = [_plain(row.get(normalise_header(c))) for c in spec["columns"]]
            if not all(parts):
                return None, None
            return "-".join(parts), None
        column = spec.get("column")
        if column is None:
            return spec.get("value"), None
        raw = row.get(normalise_header(column))
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None, None
        mapping = spec.get("value")
        if isinstance(mapping, dict):
            key = str(raw).strip()
            if key in mapping:
                return mapping[key], None
            return mapping.get("*"), None
        kind = spec.get("type", "text")
        if kind in ("number", "integer"):
            decimal = self.locales.get(normalise_header(column), {}).get("decimal")
            number, problem = parse_number(raw, decimal)
            if problem:
                return raw, problem
            if kind == "integer" and number is not None:
                if number != int(number):
                    return raw, "not a whole number"
                number = int(number)
                too_large = number_kind(number)  # 1e25 is a float, and a whole number
                if too_large:
                    return raw, RowProblem(too_large)
            return number, None
        if kind in ("date", "datetime"):
            return parse_datetime(raw, self.timezone, self._dayfirst(column))
        return _plain(raw), None


def _source_column(spec: Any) -> str:
    if isinstance(spec, str):
        return spec
    return spec.get("column") or ",".join(spec.get("columns") or [])


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


def set_path(target: dict, path: str, value: Any) -> None:
    """Set ``awards.0.suppliers.0.name`` in nested dicts and lists, creating them."""
    parts = path.split(".")
    node: Any = target
    for part, following in zip(parts, parts[1:], strict=False):
        container: Any = [] if following.isdigit() else {}
        if part.isdigit():
            index = int(part)
            while len(node) <= index:
                node.append({} if not following.isdigit() else [])
            node = node[index]
        else:
            node = node.setdefault(part, container)
    last = parts[-1]
    if last.isdigit():
        index = int(last)
        while len(node) <= index:
            node.append(None)
        node[index] = value
    else:
        node[last] = value


def prune(node: Any) -> Any:
    """Drop empty values, and objects that hold nothing but ids, codes and currencies."""
    if isinstance(node, dict):
        for key in list(node):
            node[key] = prune(node[key])
            if _empty(node[key]):
                del node[key]
        return node
    if isinstance(node, list):
        node[:] = [prune(item) for item in node]
        node[:] = [item for item in node if not _empty(item)]
        return node
    return node


def _empty(value: Any) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return True
    return isinstance(value, dict) and set(value) <= TRIVIAL_KEYS and "id" not in value


def promote_parties(release: dict) -> None:
    """Move details of the buyer and suppliers into ``parties``, as OCDS 1.1 wants.

    Empty awards (an id and nothing else) are removed first, so an announcement row
    without a winner does not create an award.
    """
    release["awards"] = [a for a in release.get("awards", []) if set(a) - TRIVIAL_KEYS]
    release["contracts"] = [c for c in release.get("contracts", []) if set(c) - TRIVIAL_KEYS]
    parties: dict[str, dict] = {}

    def promote(reference: dict, role: str) -> dict:
        party_id = reference.get("id") or reference.get("name")
        if not party_id:
            return reference
        party_id = str(party_id)
        party = parties.setdefault(party_id, {"id": party_id, "roles": []})
        for key, value in reference.items():
            if key != "id":
                party.setdefault(key, value)
        if role not in party["roles"]:
            party["roles"].append(role)
        return {k: v for k, v in {"id": party_id, "name": reference.get("name")}.items() if v}

    if isinstance(release.get("buyer"), dict):
        release["buyer"] = promote(release["buyer"], "buyer")
    for award in release["awards"]:
        award["suppliers"] = [
            promote(s, "supplier") for s in award.get("suppliers", []) if isinstance(s, dict)
        ]
    if parties:
        release["parties"] = list(parties.values())
    for key in ("awards", "contracts"):
        if not release[key]:
            del release[key]
