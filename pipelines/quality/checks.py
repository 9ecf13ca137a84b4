"""Quality checks: small registered units with stable kebab-case ids, like frictionless' checks.

Two kinds, both registered through the ``register_checks`` hook:

- **rules** (``kind = "rule"``) are declared per table in ``expectations.yml``. Each builds
  one Great Expectations expectation from its options; GX runs them against the built
  database. ``rows`` says how the failing rows are found (``"map"``: GX lists them;
  ``"query"``: the rule's own SQL finds them; ``None``: the rule is about the whole table
  and cannot quarantine rows).
- **flags** (``kind = "flag"``) are dataset-level pass/fail criteria in the spirit of
  data.gouv.fr's quality score (licence, documentation, freshness, completeness,
  duplicates, rules passed). The score is the share of flags that pass.
- **pipeline checks** (``kind = "pipeline"``) are run by a pipeline on its own rows (the
  budget's children-sum reconciliation); their notes count like a rule's.

A check never decides what a failure means: the dataset's gate policy (``quality`` in
``dataset.yml``) says whether it stops publication, quarantines rows or only warns.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from ..messages import shown
from .gx import import_gx

FREQUENCY_DAYS = {
    "continuous": 1,
    "daily": 1,
    "weekly": 7,
    "monthly": 31,
    "quarterly": 92,
    "biannual": 183,
    "annual": 366,
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$")


def gx_expectations() -> Any:
    """``great_expectations.expectations``, imported only when rules run (it is slow)."""
    return import_gx().expectations


def _mostly(spec: dict[str, Any]) -> dict[str, Any]:
    return {"mostly": spec["mostly"]} if "mostly" in spec else {}


def _bound(value: Any) -> str:
    """A date bound as the ISO text our datetime columns hold; ``now``/``today`` resolved."""
    now = datetime.now(UTC)
    if value == "now":
        return now.strftime("%Y-%m-%dT%H:%M:%SZ")
    if value == "today":
        return now.strftime("%Y-%m-%dT00:00:00Z")
    text = str(value)
    return text if "T" in text else f"{text}T00:00:00Z"


def quote(name: str) -> str:
    """An SQLite identifier in brackets (column names come from Table Schemas)."""
    return "[" + name.replace("]", "") + "]"


class Rule:
    """Base of the rules: options, the columns they read, and a one-line description."""

    kind = "rule"
    id = ""
    title = ""
    options: dict[str, str] = {}
    required: tuple[str, ...] = ()
    rows: str | None = "map"
    column_options: tuple[str, ...] = ("column",)
    numeric_only = False

    @classmethod
    def columns(cls, spec: dict[str, Any]) -> list[str]:
        """Every column the rule reads (checked against the table's published schema)."""
        found: list[str] = []
        for key in cls.column_options:
            value = spec.get(key)
            found.extend(value if isinstance(value, list) else [value] if value else [])
        return found

    @classmethod
    def problem(cls, spec: dict[str, Any]) -> str:
        """What is wrong with a rule's options beyond their types, or ``""``."""
        return ""

    @classmethod
    def row_mode(cls, spec: dict[str, Any]) -> str | None:
        """How this rule's failing rows are found (``map``, ``query``), or ``None``."""
        return cls.rows

    @classmethod
    def present(cls, spec: dict[str, Any], value: Any) -> Any:
        """A failing value as the steward wrote the rule (GX may see it differently)."""
        return value

    @classmethod
    def describe(cls, spec: dict[str, Any]) -> str:
        """The rule in words, for the report and the quarantine reason."""
        return cls.title

    @classmethod
    def expectation(cls, spec: dict[str, Any]) -> Any:
        """The Great Expectations expectation that checks this rule."""
        raise NotImplementedError


class NotNull(Rule):
    """Every row has a value in the column."""

    id = "not-null"
    title = "has a value"
    options = {"column": "str", "mostly": "share"}
    required = ("column",)

    @classmethod
    def describe(cls, spec):  # noqa: D102
        return f"{spec['column']} has a value"

    @classmethod
    def expectation(cls, spec):  # noqa: D102
        return gx_expectations().ExpectColumnValuesToNotBeNull(
            column=spec["column"], **_mostly(spec)
        )


class Unique(Rule):
    """No two rows share a value (or a combination of values)."""

    id = "unique"
    title = "is unique"
    options = {"column": "str", "columns": "list", "mostly": "share"}
    column_options = ("column", "columns")

    @classmethod
    def problem(cls, spec):  # noqa: D102
        if bool(spec.get("column")) == bool(spec.get("columns")):
            return "give either `column` or `columns`"
        return ""

    @classmethod
    def row_mode(cls, spec: dict[str, Any]) -> str | None:
        """GX lists the failing rows of a single column, not of a combination."""
        return "map" if spec.get("column") else None

    @classmethod
    def describe(cls, spec):  # noqa: D102
        return f"{spec.get('column') or ' + '.join(spec['columns'])} is unique"

    @classmethod
    def expectation(cls, spec):  # noqa: D102
        gxe = gx_expectations()
        if spec.get("columns"):
            return gxe.ExpectCompoundColumnsToBeUnique(column_list=spec["columns"], **_mostly(spec))
        return gxe.ExpectColumnValuesToBeUnique(column=spec["column"], **_mostly(spec))


class Between(Rule):
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

    @classmethod
    def problem(cls, spec):  # noqa: D102
        return "give `min`, `max` or both" if "min" not in spec and "max" not in spec else ""

    @classmethod
    def describe(cls, spec):  # noqa: D102
        low = f"{spec['column']} ≥ {spec['min']}" if "min" in spec else ""
        high = f"{spec['column']} ≤ {spec['max']}" if "max" in spec else ""
        return " and ".join(p for p in (low, high) if p)

    @classmethod
    def expectation(cls, spec):  # noqa: D102
        strict = bool(spec.get("strict"))
        return gx_expectations().ExpectColumnValuesToBeBetween(
            column=spec["column"],
            min_value=spec.get("min"),
            max_value=spec.get("max"),
            strict_min=strict,
            strict_max=strict,
            **_mostly(spec),
        )


class DateBetween(Rule):
    """Dates within a range; ``now`` and ``today`` are the run's time (no future dates)."""

    id = "date-between"
    title = "is a date within a range"
    options = {"column": "str", "min": "date", "max": "date"}
    required = ("column",)
    rows = "query"

    @classmethod
    def problem(cls, spec):  # noqa: D102
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
    def describe(cls, spec):  # noqa: D102
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
            tests.append(f"{column} < '{_bound(spec['min'])}'")
        if "max" in spec:
            tests.append(f"{column} > '{_bound(spec['max'])}'")
        return f"select * from {{batch}} where {column} is not null and ({' or '.join(tests)})"

    @classmethod
    def expectation(cls, spec):  # noqa: D102
        return gx_expectations().UnexpectedRowsExpectation(
            unexpected_rows_query=cls.query(spec), description=cls.describe(spec)
        )


class Regex(Rule):
    """Text matches a regular expression (codes, identifiers, formats)."""

    id = "regex"
    title = "matches a pattern"
    options = {"column": "str", "pattern": "str", "mostly": "share"}
    required = ("column", "pattern")

    @classmethod
    def problem(cls, spec):  # noqa: D102
        try:
            re.compile(spec["pattern"])
        except re.error as error:
            return f"`pattern` is not a valid regular expression: {error}"
        return ""

    @classmethod
    def describe(cls, spec):  # noqa: D102
        return f"{spec['column']} matches {spec['pattern']}"

    @classmethod
    def expectation(cls, spec):  # noqa: D102
        return gx_expectations().ExpectColumnValuesToMatchRegex(
            column=spec["column"], regex=spec["pattern"], **_mostly(spec)
        )


class InSet(Rule):
    """Values come from a list (a codelist)."""

    id = "in-set"
    title = "is one of a list"
    options = {"column": "str", "values": "list", "mostly": "share"}
    required = ("column", "values")

    @classmethod
    def describe(cls, spec):  # noqa: D102
        shown = ", ".join(map(str, spec["values"][:8])) + (", …" if len(spec["values"]) > 8 else "")
        return f"{spec['column']} is one of {shown}"

    @classmethod
    def expectation(cls, spec):  # noqa: D102
        return gx_expectations().ExpectColumnValuesToBeInSet(
            column=spec["column"], value_set=list(spec["values"]), **_mostly(spec)
        )


class LengthBetween(Rule):
    """Text length within a range (e.g. a 16-digit code)."""

    id = "length-between"
    title = "has a length within a range"
    options = {"column": "str", "min": "integer", "max": "integer", "mostly": "share"}
    required = ("column",)

    @classmethod
    def problem(cls, spec):  # noqa: D102
        return "give `min`, `max` or both" if "min" not in spec and "max" not in spec else ""

    @classmethod
    def describe(cls, spec):  # noqa: D102
        return f"length of {spec['column']} between {spec.get('min', 0)} and {spec.get('max', '∞')}"

    @classmethod
    def expectation(cls, spec):  # noqa: D102
        return gx_expectations().ExpectColumnValueLengthsToBeBetween(
            column=spec["column"],
            min_value=spec.get("min"),
            max_value=spec.get("max"),
            **_mostly(spec),
        )


class RowCount(Rule):
    """The table holds a plausible number of rows."""

    id = "row-count"
    title = "has a plausible number of rows"
    options = {"min": "integer", "max": "integer"}
    rows = None
    column_options = ()

    @classmethod
    def problem(cls, spec):  # noqa: D102
        return "give `min`, `max` or both" if "min" not in spec and "max" not in spec else ""

    @classmethod
    def describe(cls, spec):  # noqa: D102
        return f"between {spec.get('min', 0)} and {spec.get('max', '∞')} rows"

    @classmethod
    def expectation(cls, spec):  # noqa: D102
        return gx_expectations().ExpectTableRowCountToBeBetween(
            min_value=spec.get("min"), max_value=spec.get("max")
        )


class ColumnPair(Rule):
    """Two columns of a row compare as stated: award date ≥ tender start, realised ≤ planned."""

    id = "column-pair"
    title = "compares two columns"
    options = {"left": "str", "op": "str", "right": "str", "mostly": "share"}
    required = ("left", "op", "right")
    column_options = ("left", "right")
    OPS = (">", ">=", "<", "<=", "==")

    @classmethod
    def problem(cls, spec):  # noqa: D102
        return "" if spec["op"] in cls.OPS else f"`op` must be one of {', '.join(cls.OPS)}"

    @classmethod
    def describe(cls, spec):  # noqa: D102
        return f"{spec['left']} {spec['op']} {spec['right']}"

    @classmethod
    def present(cls, spec, value):  # noqa: D102
        # `<` and `<=` run as GX's A > B with the columns swapped: show (left, right).
        if spec["op"] in ("<", "<=") and isinstance(value, list | tuple):
            return list(reversed(value))
        return value

    @classmethod
    def expectation(cls, spec):  # noqa: D102
        gxe = gx_expectations()
        left, op, right = spec["left"], spec["op"], spec["right"]
        ignore = {"ignore_row_if": "either_value_is_missing", **_mostly(spec)}
        if op == "==":
            return gxe.ExpectColumnPairValuesToBeEqual(column_A=left, column_B=right, **ignore)
        if op in ("<", "<="):
            left, right = right, left
        return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=left, column_B=right, or_equal=op.endswith("="), **ignore
        )


class Sql(Rule):
    """Any rule SQL can state, even across tables: the query selects the rows that break it.

    ``{batch}`` stands for the checked table (Great Expectations' placeholder), e.g.
    ``select * from {batch} b join tenders t on t.ocid = b.ocid where b.date < t.tender_period_start``.
    """

    id = "sql"
    title = "custom SQL rule"
    options = {"query": "str", "description": "str"}
    required = ("query",)
    rows = "query"
    column_options = ()

    @classmethod
    def problem(cls, spec):  # noqa: D102
        query = spec["query"].strip().lower()
        if not query.startswith(("select", "with")) or "{batch}" not in query:
            return "`query` must be a SELECT over {batch} (the checked table)"
        return ""

    @classmethod
    def query(cls, spec: dict[str, Any]) -> str:
        """The steward's query."""
        return spec["query"].strip().rstrip(";")

    @classmethod
    def describe(cls, spec):  # noqa: D102
        return spec.get("description") or "custom SQL rule"

    @classmethod
    def expectation(cls, spec):  # noqa: D102
        return gx_expectations().UnexpectedRowsExpectation(
            unexpected_rows_query=cls.query(spec), description=cls.describe(spec)
        )


RULES = [
    NotNull,
    Unique,
    Between,
    DateBetween,
    Regex,
    InSet,
    LengthBetween,
    RowCount,
    ColumnPair,
    Sql,
]


# --- flags ---------------------------------------------------------------------------------


class Flag:
    """Base of the dataset-level flags: ``evaluate(context) -> (status, value, message)``.

    ``status`` is ``pass``, ``fail`` or ``skip`` (does not apply; left out of the score).
    ``phase`` is ``data`` (judged on the built tables) or ``package`` (on the Data Package).
    ``fixed_action`` is set for flags whose failure always stops publication.
    """

    kind = "flag"
    id = ""
    title = ""
    phase = "data"
    default_action = "warn"
    fixed_action: str | None = None

    @classmethod
    def evaluate(cls, context: Any) -> tuple[str, float | None, str]:
        """Judge the dataset."""
        raise NotImplementedError


class LicenceFlag(Flag):
    """An open licence is declared (SPDX id known to the registry)."""

    id = "licence"
    title = "Open licence declared"

    @classmethod
    def evaluate(cls, context):  # noqa: D102
        licence = context.descriptor.licence
        if licence.open:
            return "pass", 1, f"{licence.spdx}: {licence.title}"
        return "fail", 0, f"{licence.spdx} is not an open licence"


class DescriptionFlag(Flag):
    """The dataset says what it holds (a description of at least a sentence)."""

    id = "description"
    title = "Dataset described"

    @classmethod
    def evaluate(cls, context):  # noqa: D102
        texts = [context.descriptor.text("description", lang) for lang in ("id", "en")]
        longest = max((len(t) for t in texts), default=0)
        if longest >= 40:
            return "pass", longest, f"description of {longest} characters"
        return "fail", longest, "no description, or one shorter than 40 characters"


class ColumnDescriptionsFlag(Flag):
    """Most published columns have a description (shown in Datasette and the package)."""

    id = "column-descriptions"
    title = "Columns documented"
    THRESHOLD = 0.8

    @classmethod
    def evaluate(cls, context):  # noqa: D102
        fields = [f for s in context.schemas.values() for f in s["fields"]]
        if not fields:
            return "skip", None, "no published columns"
        share = sum(1 for f in fields if (f.get("description") or "").strip()) / len(fields)
        status = "pass" if share >= cls.THRESHOLD else "fail"
        return status, round(share, 4), f"{share:.0%} of {len(fields)} columns have a description"


class UpdateFrequencyFlag(Flag):
    """The descriptor says how often the dataset is updated."""

    id = "update-frequency"
    title = "Update frequency declared"

    @classmethod
    def evaluate(cls, context):  # noqa: D102
        frequency = context.descriptor.get("update_frequency")
        if frequency:
            return "pass", None, f"updated {frequency}"
        return "fail", None, "no update_frequency in dataset.yml"


class UpToDateFlag(Flag):
    """The newest record is not older than the declared update frequency allows."""

    id = "up-to-date"
    title = "Up to date"

    @classmethod
    def evaluate(cls, context):  # noqa: D102
        frequency = context.descriptor.get("update_frequency")
        if frequency not in FREQUENCY_DAYS:
            return "skip", None, f"no regular update frequency ({frequency or 'none declared'})"
        location = context.freshness_column()
        if location is None:
            return "skip", None, "no date column to judge freshness (set quality.freshness)"
        table, column = location
        ceiling = (context.now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        newest = context.db.execute(
            f"select max({quote(column)}) from {quote(table)} where {quote(column)} <= ?", [ceiling]
        ).fetchone()[0]
        if not newest:
            return "fail", None, f"no dates in {table}.{column}"
        try:
            when = datetime.fromisoformat(str(newest).replace("Z", "+00:00"))
        except ValueError:
            return "fail", None, f"{table}.{column} holds {shown(newest)}, not a date"
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        age = (context.now - when).total_seconds() / 86400
        period = FREQUENCY_DAYS[frequency]
        allowed = period + max(1.0, period * 0.25)
        status = "pass" if age <= allowed else "fail"
        return (
            status,
            round(age, 1),
            f"newest {table}.{column} is {newest} ({age:.0f} days old; {frequency} allows {allowed:.0f})",
        )


class SchemaValidFlag(Flag):
    """The Data Package validates with Frictionless' own validator."""

    id = "schema-valid"
    title = "Data Package valid (Frictionless)"
    phase = "package"
    fixed_action = "stop"

    @classmethod
    def evaluate(cls, context):  # noqa: D102
        errors = context.package_errors
        if errors is None:
            return "skip", None, "the package was not validated"
        if not errors:
            return "pass", 0, "valid"
        return "fail", len(errors), errors[0]


class CompletenessFlag(Flag):
    """On average, columns are filled (per-column shares are in the report)."""

    id = "completeness"
    title = "Columns filled"

    @classmethod
    def evaluate(cls, context):  # noqa: D102
        shares = [s for columns in context.completeness.values() for s in columns.values()]
        if not shares:
            return "skip", None, "no published rows"
        mean = sum(shares) / len(shares)
        wanted = context.policy.min_completeness
        status = "pass" if mean >= wanted else "fail"
        return (
            status,
            round(mean, 4),
            f"{mean:.0%} of cells filled on average (minimum {wanted:.0%})",
        )


class DuplicatesFlag(Flag):
    """Few duplicate records in the sources (each duplicate is published once)."""

    id = "duplicates"
    title = "Few duplicates"

    @classmethod
    def evaluate(cls, context):  # noqa: D102
        duplicates = sum(t["duplicates"] for t in context.tables.values())
        rows_in = sum(t["rows_in"] for t in context.tables.values())
        if not rows_in:
            return "skip", 0, "no rows read"
        share = duplicates / rows_in
        status = "pass" if share <= context.policy.max_duplicates else "fail"
        return status, duplicates, f"{duplicates} duplicate rows ({share:.1%} of {rows_in} rows in)"


class ChecksPassedFlag(Flag):
    """The published data passes the business rules of expectations.yml."""

    id = "checks-passed"
    title = "Business rules pass"

    @classmethod
    def evaluate(cls, context):  # noqa: D102
        results = context.rule_results
        if not results:
            return "skip", None, "no rules declared in expectations.yml"
        passed = sum(1 for r in results if r["status"] in ("pass", "quarantined"))
        share = passed / len(results)
        status = "pass" if passed == len(results) else "fail"
        return (
            status,
            round(share, 4),
            f"{passed} of {len(results)} rules pass on the published data",
        )


class QuarantinedFlag(Flag):
    """Few rows were quarantined in any table."""

    id = "quarantined"
    title = "Few rows quarantined"

    @classmethod
    def evaluate(cls, context):  # noqa: D102
        worst, worst_share = "", 0.0
        for table, counts in context.tables.items():
            if counts["rows_in"]:
                share = counts["quarantined"] / counts["rows_in"]
                if share > worst_share:
                    worst, worst_share = table, share
        limit = context.policy.max_quarantined
        total = sum(t["quarantined"] for t in context.tables.values())
        if worst_share <= limit:
            return "pass", total, f"{total} rows quarantined; at most {worst_share:.1%} of a table"
        return "fail", total, f"{worst_share:.1%} of {worst} quarantined (more than {limit:.0%})"


class ReconciledFlag(Flag):
    """Every row read is published, quarantined or counted as a duplicate."""

    id = "reconciled"
    title = "Every row accounted for"
    fixed_action = "stop"

    @classmethod
    def evaluate(cls, context):  # noqa: D102
        off = {t: c["unaccounted"] for t, c in context.tables.items() if c["unaccounted"]}
        if not off:
            return "pass", 0, "rows in = published + quarantined + duplicates, in every table"
        table, missing = next(iter(off.items()))
        counts = context.tables[table]
        return (
            "fail",
            sum(abs(v) for v in off.values()),
            f"{table}: {counts['rows_in']} rows in but {counts['rows']} published + "
            f"{counts['quarantined']} quarantined + {counts['duplicates']} duplicates",
        )


class PublishableFlag(Flag):
    """Something read could be published to the dataset's main table."""

    id = "publishable"
    title = "Main table published"
    default_action = "stop"

    @classmethod
    def evaluate(cls, context):  # noqa: D102
        table = context.primary_table
        counts = context.tables.get(table)
        if counts is None:
            return "skip", None, "no main table"
        if counts["rows"] or not context.records_read:
            return "pass", counts["rows"], f"{counts['rows']} rows published to {table}"
        return (
            "fail",
            0,
            f"none of the {context.records_read} records read could be published to {table} "
            f"({counts['quarantined']} quarantined); see _quarantine in the dry-run output",
        )


FLAGS = [
    LicenceFlag, DescriptionFlag, ColumnDescriptionsFlag, UpdateFrequencyFlag, UpToDateFlag,
    SchemaValidFlag, CompletenessFlag, DuplicatesFlag, ChecksPassedFlag, QuarantinedFlag,
    ReconciledFlag, PublishableFlag,
]  # fmt: skip
