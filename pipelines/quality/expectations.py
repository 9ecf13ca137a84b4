"""Run the declared rules with Great Expectations, offline, against the built database.

One ephemeral GX context per run, one SQLite data source on the build database (which
already holds the redacted rows), one suite per table. Each table is seen through a view
that adds its ``rowid`` as ``_rowid``, so GX's own list of unexpected rows identifies
exactly the rows to quarantine or annotate, whatever the table's key. The views are
dropped again before anything is published.

Great Expectations is imported here and only here, and only when a dataset declares
rules: the import takes seconds.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks import quote
from .gx import import_gx
from .plan import RuleSpec

VIEW_PREFIX = "_gx_"
NOTE_ROWS = 1000  # failing rows listed per rule that only warns (the count is always complete)
SAMPLE_VALUES = 10


@dataclass
class RuleOutcome:
    """What GX found for one rule."""

    rule: RuleSpec
    success: bool
    unexpected: int | None = None
    observed: Any = None
    rowids: list[int] = field(default_factory=list)
    sample: list[Any] = field(default_factory=list)
    error: str = ""


def run_rules(
    rules: list[RuleSpec],
    db: Any,
    db_path: Path,
    all_rows: Callable[[RuleSpec], bool],
) -> list[RuleOutcome]:
    """Validate every rule; ``all_rows(rule)`` says whose failing rows are all needed.

    Rules whose rows will be quarantined get the complete list of failing rows; the
    others get the count and up to ``NOTE_ROWS`` of them (for quality notes).
    """
    if not rules:
        return []
    gx = import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    tables = sorted({r.table for r in rules})
    for table in tables:
        db.execute(f"drop view if exists {quote(VIEW_PREFIX + table)}")
        db.execute(
            f"create view {quote(VIEW_PREFIX + table)} as select rowid as _rowid, * from {quote(table)}"
        )
    db.conn.commit()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    # Percent-encoded: a space, `?`, `#`, `$` or `[` in --out is a URL's syntax to GX and
    # pydantic; SQLAlchemy decodes the path back.
    url = f"sqlite:///{urllib.parse.quote(str(db_path))}"
    source = context.data_sources.add_sqlite("build", connection_string=url)
    outcomes: dict[str, RuleOutcome] = {}
    try:
        for table in tables:
            asset = source.add_table_asset(table, table_name=VIEW_PREFIX + table)
            batch = asset.add_batch_definition_whole_table("all rows")
            for complete in (True, False):
                group = [r for r in rules if r.table == table and all_rows(r) == complete]
                if group:
                    _validate(gx, context, batch, group, complete, outcomes)
        for outcome in outcomes.values():
            if outcome.rule.row_mode == "query" and not outcome.success and not outcome.error:
                _query_rowids(db, outcome, None if all_rows(outcome.rule) else NOTE_ROWS)
    finally:
        try:
            source.get_execution_engine().engine.dispose()
        except Exception:  # noqa: S110 - disposing is a courtesy; the views go either way
            pass
        for table in tables:
            db.execute(f"drop view if exists {quote(VIEW_PREFIX + table)}")
        db.conn.commit()
    return [outcomes[r.key] for r in rules if r.key in outcomes]


def _validate(
    gx: Any, context: Any, batch: Any, group: list[RuleSpec], complete: bool, outcomes: dict
) -> None:
    name = f"{group[0].table}-{'all' if complete else 'sample'}"
    suite = context.suites.add(gx.ExpectationSuite(name=name))
    built: list[tuple[RuleSpec, Any]] = []
    for rule in group:
        try:
            expectation = rule.check.expectation(rule.options)
        except Exception as error:  # a rule GX refuses (e.g. a value set of mixed types)
            outcomes[rule.key] = RuleOutcome(rule, False, error=f"{type(error).__name__}: {error}")
            continue
        suite.add_expectation(expectation)
        built.append((rule, expectation))
    if not built:
        return
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch, suite=suite)
    )
    result_format = {
        "result_format": "COMPLETE",
        "unexpected_index_column_names": ["_rowid"],
        "partial_unexpected_count": 10**12 if complete else NOTE_ROWS,
        "return_unexpected_index_query": False,
    }
    results = definition.run(result_format=result_format).results
    for (rule, _), result in zip(built, results, strict=True):
        outcomes[rule.key] = _outcome(rule, result)


def _outcome(rule: RuleSpec, result: Any) -> RuleOutcome:
    found = result.result or {}
    error = _exception(result.exception_info)
    if error:
        return RuleOutcome(rule, False, error=error)
    outcome = RuleOutcome(
        rule,
        bool(result.success),
        unexpected=found.get("unexpected_count"),
        observed=found.get("observed_value"),
    )
    if rule.row_mode == "query":
        outcome.unexpected = found.get("observed_value")
        outcome.observed = None
    index = found.get("unexpected_index_list") or []
    outcome.rowids = [entry["_rowid"] for entry in index if isinstance(entry, dict)]
    outcome.sample = [
        rule.check.present(rule.options, _plain(v))
        for v in (found.get("partial_unexpected_list") or [])[:SAMPLE_VALUES]
    ]
    return outcome


def _exception(info: Any) -> str:
    if not info:
        return ""
    if "raised_exception" in info:
        return (
            (info.get("exception_message") or "rule failed to run")
            if info["raised_exception"]
            else ""
        )
    messages = [v.get("exception_message") for v in info.values() if isinstance(v, dict)]
    return "; ".join(m for m in messages if m)[:300]


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value if isinstance(value, str | int | float | type(None)) else str(value)


def _query_rowids(db: Any, outcome: RuleOutcome, limit: int | None) -> None:
    """Rows found by a query rule (GX gave the count; its row list is capped at 200)."""
    sql = outcome.rule.check.query(outcome.rule.options).replace(
        "{batch}", quote(VIEW_PREFIX + outcome.rule.table)
    )
    try:
        cursor = db.execute(f"select * from ({sql})" + (f" limit {int(limit)}" if limit else ""))
        columns = [d[0] for d in cursor.description]
        if "_rowid" not in columns:
            outcome.error = (
                "the query must select the checked table's rows (select * from {batch} …) "
                "for them to be quarantined or listed"
            )
            return
        at = columns.index("_rowid")
        rows = cursor.fetchall()
    except Exception as error:  # the steward's SQL
        outcome.error = f"{type(error).__name__}: {error}"
        return
    outcome.rowids = [row[at] for row in rows]
    column = outcome.rule.column
    if column and column in columns:
        outcome.sample = [row[columns.index(column)] for row in rows[:SAMPLE_VALUES]]
