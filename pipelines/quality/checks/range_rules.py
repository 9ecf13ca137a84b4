"""Rules about ranges: between, date-between, row-count."""

from __future__ import annotations

from typing import Any

from .base import ISO_DATE, QueryRule, RangeRule, date_bound, quote


class Between(RangeRule):
    """Numbers within a range (either end may be open)."""

    id = "between"
    title = "is within a range"
    options = {
        "column": "str",
        "min": "number",
        "max": "number",
        "strict": "bool",
        "mostly": "share",
    }
    required = ("column",)
    numeric_only = True
    gx_name = "ExpectColumnValuesToBeBetween"

    @classmethod
    def describe(cls, spec: dict[str, Any]) -> str:
        low = f"{spec['column']} ≥ {spec['min']}" if "min" in spec else ""
        high = f"{spec['column']} ≤ {spec['max']}" if "max" in spec else ""
        return " and ".join(p for p in (low, high) if p)

    @classmethod
    def gx_options(cls, spec: dict[str, Any]) -> dict[str, Any]:
        strict = bool(spec.get("strict"))
        return {**super().gx_options(spec), "strict_min": strict, "strict_max": strict}


class DateBetween(QueryRule):
    """Dates within a range; ``now`` and ``today`` are the run's time (no future dates)."""

    id = "date-between"
    title = "is a date within a range"
    options = {"column": "str", "min": "date", "max": "date"}
    required = ("column",)

    @classmethod
    def problem(cls, spec: dict[str, Any]) -> str:
        if "min" not in spec and "max" not in spec:
            return "give `min`, `max` or both"
        for key in ("min", "max"):
            value = spec.get(key)
            if (
                value is not None
                and value not in ("now", "today")
                and not ISO_DATE.match(str(value))
            ):
                return f"`{key}` must be a date (2024-01-31), a date-time (2024-01-31T00:00:00Z), now or today"
        return ""

    @classmethod
    def describe(cls, spec: dict[str, Any]) -> str:
        parts = []
        if "min" in spec:
            parts.append(f"{spec['column']} not before {spec['min']}")
        if "max" in spec:
            parts.append(f"{spec['column']} not after {spec['max']}")
        return " and ".join(parts)

    @classmethod
    def query(cls, spec: dict[str, Any]) -> str:
        """The rows that break the rule; ``{batch}`` is the table, as GX writes it."""
        column = quote(spec["column"])
        tests = []
        if "min" in spec:
            tests.append(f"{column} < '{date_bound(spec['min'])}'")
        if "max" in spec:
            tests.append(f"{column} > '{date_bound(spec['max'])}'")
        return f"select * from {{batch}} where {column} is not null and ({' or '.join(tests)})"


class RowCount(RangeRule):
    """The table holds a plausible number of rows."""

    id = "row-count"
    title = "has a plausible number of rows"
    options = {"min": "integer", "max": "integer"}
    rows = None
    column_options = ()
    gx_name = "ExpectTableRowCountToBeBetween"

    @classmethod
    def describe(cls, spec: dict[str, Any]) -> str:
        return f"between {spec.get('min', 0)} and {spec.get('max', '∞')} rows"

    @classmethod
    def gx_options(cls, spec: dict[str, Any]) -> dict[str, Any]:
        return {"min_value": spec.get("min"), "max_value": spec.get("max")}
