"""Rules across columns and rows: column-pair, and the steward's own sql."""

from __future__ import annotations

from typing import Any

from .base import QueryRule, Rule, gx_expectations, mostly_option


class ColumnPair(Rule):
    """Two columns of a row compare as stated: award date ≥ tender start, realised ≤ planned."""

    id = "column-pair"
    title = "compares two columns"
    options = {"left": "str", "op": "str", "right": "str", "mostly": "share"}
    required = ("left", "op", "right")
    column_options = ("left", "right")
    OPS = (">", ">=", "<", "<=", "==")

    @classmethod
    def problem(cls, spec: dict[str, Any]) -> str:
        return "" if spec["op"] in cls.OPS else f"`op` must be one of {', '.join(cls.OPS)}"

    @classmethod
    def describe(cls, spec: dict[str, Any]) -> str:
        return f"{spec['left']} {spec['op']} {spec['right']}"

    @classmethod
    def present(cls, spec: dict[str, Any], value: Any) -> Any:
        # `<` and `<=` run as GX's A > B with the columns swapped: show (left, right).
        if spec["op"] in ("<", "<=") and isinstance(value, list | tuple):
            return list(reversed(value))
        return value

    @classmethod
    def expectation(cls, spec: dict[str, Any]) -> Any:
        gxe = gx_expectations()
        left, op, right = spec["left"], spec["op"], spec["right"]
        ignore = {"ignore_row_if": "either_value_is_missing", **mostly_option(spec)}
        if op == "==":
            return gxe.ExpectColumnPairValuesToBeEqual(column_A=left, column_B=right, **ignore)
        if op in ("<", "<="):
            left, right = right, left
        return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=left, column_B=right, or_equal=op.endswith("="), **ignore
        )


class Sql(QueryRule):
    """Any rule SQL can state, even across tables: the query selects the rows that break it.

    ``{batch}`` stands for the checked table (Great Expectations' placeholder), e.g.
    ``select * from {batch} b join tenders t on t.ocid = b.ocid where b.date < t.tender_period_start``.
    """

    id = "sql"
    title = "custom SQL rule"
    options = {"query": "str", "description": "str"}
    required = ("query",)
    column_options = ()

    @classmethod
    def problem(cls, spec: dict[str, Any]) -> str:
        query = spec["query"].strip().lower()
        if not query.startswith(("select", "with")) or "{batch}" not in query:
            return "`query` must be a SELECT over {batch} (the checked table)"
        return ""

    @classmethod
    def query(cls, spec: dict[str, Any]) -> str:
        """The steward's query."""
        query: str = spec["query"]
        return query.strip().rstrip(";")

    @classmethod
    def describe(cls, spec: dict[str, Any]) -> str:
        return spec.get("description") or "custom SQL rule"
