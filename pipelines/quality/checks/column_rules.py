"""Rules about the values of one column: not-null, unique, regex, in-set, length-between."""

from __future__ import annotations

import re
from typing import Any

from .base import RangeRule, Rule, gx_expectations, mostly_option


class NotNull(Rule):
    """Every row has a value in the column."""

    id = "not-null"
    title = "has a value"
    options = {"column": "str", "mostly": "share"}
    required = ("column",)
    gx_name = "ExpectColumnValuesToNotBeNull"

    @classmethod
    def describe(cls, spec: dict[str, Any]) -> str:
        return f"{spec['column']} has a value"


class Unique(Rule):
    """No two rows share a value (or a combination of values)."""

    id = "unique"
    title = "is unique"
    options = {"column": "str", "columns": "list", "mostly": "share"}
    column_options = ("column", "columns")

    @classmethod
    def problem(cls, spec: dict[str, Any]) -> str:
        if bool(spec.get("column")) == bool(spec.get("columns")):
            return "give either `column` or `columns`"
        return ""

    @classmethod
    def row_mode(cls, spec: dict[str, Any]) -> str | None:
        """GX lists the failing rows of a single column, not of a combination."""
        return "map" if spec.get("column") else None

    @classmethod
    def describe(cls, spec: dict[str, Any]) -> str:
        return f"{spec.get('column') or ' + '.join(spec['columns'])} is unique"

    @classmethod
    def expectation(cls, spec: dict[str, Any]) -> Any:
        gxe = gx_expectations()
        if spec.get("columns"):
            return gxe.ExpectCompoundColumnsToBeUnique(
                column_list=spec["columns"], **mostly_option(spec)
            )
        return gxe.ExpectColumnValuesToBeUnique(column=spec["column"], **mostly_option(spec))


class Regex(Rule):
    """Text matches a regular expression (codes, identifiers, formats)."""

    id = "regex"
    title = "matches a pattern"
    options = {"column": "str", "pattern": "str", "mostly": "share"}
    required = ("column", "pattern")
    gx_name = "ExpectColumnValuesToMatchRegex"

    @classmethod
    def problem(cls, spec: dict[str, Any]) -> str:
        try:
            re.compile(spec["pattern"])
        except re.error as error:
            return f"`pattern` is not a valid regular expression: {error}"
        return ""

    @classmethod
    def describe(cls, spec: dict[str, Any]) -> str:
        return f"{spec['column']} matches {spec['pattern']}"

    @classmethod
    def gx_options(cls, spec: dict[str, Any]) -> dict[str, Any]:
        return {**super().gx_options(spec), "regex": spec["pattern"]}


class InSet(Rule):
    """Values come from a list (a codelist)."""

    id = "in-set"
    title = "is one of a list"
    options = {"column": "str", "values": "list", "mostly": "share"}
    required = ("column", "values")
    gx_name = "ExpectColumnValuesToBeInSet"

    @classmethod
    def describe(cls, spec: dict[str, Any]) -> str:
        shown = ", ".join(map(str, spec["values"][:8])) + (", …" if len(spec["values"]) > 8 else "")
        return f"{spec['column']} is one of {shown}"

    @classmethod
    def gx_options(cls, spec: dict[str, Any]) -> dict[str, Any]:
        return {**super().gx_options(spec), "value_set": list(spec["values"])}


class LengthBetween(RangeRule):
    """Text length within a range (e.g. a 16-digit code)."""

    id = "length-between"
    title = "has a length within a range"
    options = {"column": "str", "min": "integer", "max": "integer", "mostly": "share"}
    required = ("column",)
    gx_name = "ExpectColumnValueLengthsToBeBetween"

    @classmethod
    def describe(cls, spec: dict[str, Any]) -> str:
        return f"length of {spec['column']} between {spec.get('min', 0)} and {spec.get('max', '∞')}"
