"""Flags judged on the built data and its package: validity, completeness, duplicates, rules, quarantine, reconciliation."""

from __future__ import annotations

from typing import Any

from .base import Flag, Judgement, flag


@flag("schema-valid", "Data Package valid (Frictionless)", phase="package", fixed_action="stop")
def SchemaValidFlag(context: Any) -> Judgement:
    """The Data Package validates with Frictionless' own validator."""
    errors = context.package_errors
    if errors is None:
        return "skip", None, "the package was not validated"
    if not errors:
        return "pass", 0, "valid"
    return "fail", len(errors), errors[0]


@flag("completeness", "Columns filled")
def CompletenessFlag(context: Any) -> Judgement:
    """On average, columns are filled (per-column shares are in the report)."""
    shares = [s for columns in context.completeness.values() for s in columns.values()]
    if not shares:
        return "skip", None, "no published rows"
    mean = sum(shares) / len(shares)
    wanted = context.policy.min_completeness
    message = f"{mean:.0%} of cells filled on average (minimum {wanted:.0%})"
    return Flag.graded(mean >= wanted, mean, message)


@flag("duplicates", "Few duplicates")
def DuplicatesFlag(context: Any) -> Judgement:
    """Few duplicate records in the sources (each duplicate is published once)."""
    duplicates = sum(t["duplicates"] for t in context.tables.values())
    rows_in = sum(t["rows_in"] for t in context.tables.values())
    if not rows_in:
        return "skip", 0, "no rows read"
    share = duplicates / rows_in
    status = "pass" if share <= context.policy.max_duplicates else "fail"
    return status, duplicates, f"{duplicates} duplicate rows ({share:.1%} of {rows_in} rows in)"


@flag("checks-passed", "Business rules pass")
def ChecksPassedFlag(context: Any) -> Judgement:
    """The published data passes the business rules of expectations.yml."""
    results = context.rule_results
    if not results:
        return "skip", None, "no rules declared in expectations.yml"
    passed = sum(1 for r in results if r["status"] in ("pass", "quarantined"))
    message = f"{passed} of {len(results)} rules pass on the published data"
    return Flag.graded(passed == len(results), passed / len(results), message)


@flag("quarantined", "Few rows quarantined")
def QuarantinedFlag(context: Any) -> Judgement:
    """Few rows were quarantined in any table."""
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


@flag("reconciled", "Every row accounted for", fixed_action="stop")
def ReconciledFlag(context: Any) -> Judgement:
    """Every row read is published, quarantined or counted as a duplicate."""
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


@flag("publishable", "Main table published", default_action="stop")
def PublishableFlag(context: Any) -> Judgement:
    """Something read could be published to the dataset's main table."""
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
