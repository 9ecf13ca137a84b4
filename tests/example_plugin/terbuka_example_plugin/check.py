"""``multiple-of``: a number is a whole multiple of another (grants are paid in thousands).

A rule for ``expectations.yml``, built like terbuka's own: options with their types, a
description, and a Great Expectations expectation. Its failing rows are found by SQL
(``rows = "query"``), so a policy can quarantine them.
"""

from __future__ import annotations

from typing import Any

from terbuka.pipelines.quality.checks import Rule, gx_expectations, quote


class MultipleOf(Rule):
    """Values of ``column`` divide by ``multiple`` without a remainder."""

    id = "multiple-of"
    title = "is a whole multiple"
    options = {"column": "str", "multiple": "number"}
    required = ("column", "multiple")
    rows = "query"
    numeric_only = True
    # Its words in Indonesian too, for the quality report and the panel (docs/plugins.md).
    messages = [
        {"en": "{column} is a multiple of {multiple}", "id": "{column} kelipatan {multiple}"}
    ]

    @classmethod
    def problem(cls, spec: dict[str, Any]) -> str:  # noqa: D102
        return "" if spec["multiple"] > 0 else "`multiple` must be above 0"

    @classmethod
    def describe(cls, spec: dict[str, Any]) -> str:  # noqa: D102
        return f"{spec['column']} is a multiple of {spec['multiple']:g}"

    @classmethod
    def query(cls, spec: dict[str, Any]) -> str:
        """The rows whose value leaves a remainder (floating point: to a millionth)."""
        column, multiple = quote(spec["column"]), float(spec["multiple"])
        remainder = f"({column} - {multiple!r} * round({column} / {multiple!r}))"
        return f"select * from {{batch}} where {column} is not null and abs({remainder}) > 1e-6"

    @classmethod
    def expectation(cls, spec: dict[str, Any]) -> Any:  # noqa: D102
        return gx_expectations().UnexpectedRowsExpectation(
            unexpected_rows_query=cls.query(spec), description=cls.describe(spec)
        )
