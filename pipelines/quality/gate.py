"""The quality gate: rules, actions, reconciliation, flags, score and the decision.

It runs the rules, acts on failures as the policy says, accounts for every row, judges
the dataset's flags, scores it, and decides whether it may be published.

It works on the built database, after privacy: what it quarantines or quotes in notes is
already redacted. Everything it finds goes to the run record, to the published
``_quality`` table (which packaging writes once the decision is made) and to the steward's
HTML report; a stop raises ``GateStopped`` (exit 1) before anything is swapped into place,
so the previous publication stays untouched.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from terbuka.publish.foreign_keys import key_fields

from ..errors import GateStopped
from .check_messages import localise
from .checks import quote
from .expectations import RuleOutcome, run_rules
from .plan import QualityPlan, RuleSpec, known_ids

QUALITY_TABLE = "_quality"
CHUNK = 500


@dataclass
class QualityContext:
    """What flags judge: the descriptor, the built tables and what the gate found."""

    descriptor: Any
    db: Any
    schemas: dict[str, dict]
    policy: Any
    primary_table: str
    now: datetime
    records_read: int = 0
    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    completeness: dict[str, dict[str, float]] = field(default_factory=dict)
    rule_results: list[dict[str, Any]] = field(default_factory=list)
    package_errors: list[str] | None = None

    def freshness_column(self) -> tuple[str, str] | None:
        """``quality.freshness``, or the main table's first date column."""
        if self.policy.freshness:
            table, _, column = self.policy.freshness.partition(".")
            return table, column
        schema = self.schemas.get(self.primary_table) or {}
        for item in schema.get("fields", []):
            if item.get("type") in ("datetime", "date"):
                return self.primary_table, item["name"]
        return None


@dataclass
class Gate:
    """One run's quality gate; ``check_data`` then ``check_package``."""

    plan: QualityPlan
    descriptor: Any
    schemas: dict[str, dict]
    run_id: str
    primary_table: str
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    rules: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    completeness: dict[str, dict[str, float]] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    quarantined: Counter = field(default_factory=Counter)
    noted: Counter = field(default_factory=Counter)
    package_errors: list[str] | None = None
    context: QualityContext | None = None

    # --- the data -------------------------------------------------------------------

    def check_data(self, db: Any, db_path: Path, counts: Counter, records_read: int) -> None:
        """Rules (GX), their quarantine and notes, reconciliation, completeness, flags."""
        outcomes = run_rules(
            self.plan.rules,
            db,
            db_path,
            lambda rule: self.plan.rule_action(rule) == "quarantine",
        )
        for outcome in outcomes:
            self.rules.append(self._act(db, outcome))
        self.tables = reconcile(db, counts, self.schemas)
        self.completeness = completeness(db, self.schemas)
        self.context = QualityContext(
            self.descriptor, db, self.schemas, self.plan.policy, self.primary_table, self.now,
            records_read, self.tables, self.completeness, self.rules,
        )  # fmt: skip
        self.flags = [self._judge(flag) for flag in self.plan.flags if flag.phase == "data"]
        self._stop_on_quarantine_checks(db)
        self._stop_on_score()

    def _act(self, db: Any, outcome: RuleOutcome) -> dict[str, Any]:
        rule = outcome.rule
        action = self.plan.rule_action(rule)
        result = {
            "id": rule.name,
            "check": rule.check.id,
            "table": rule.table,
            "column": rule.column,
            "description": rule.description,
            "action": action,
            "status": "pass",
            "unexpected": outcome.unexpected,
            "observed": outcome.observed,
            "sample": outcome.sample,
            "quarantined": 0,
            "where": rule.where,
        }
        if outcome.error:
            result.update(status="error", message=f"could not run: {outcome.error}")
            if action in ("stop", "quarantine"):
                self.reasons.append(
                    f"rule {rule.name} on {rule.table} could not run: {outcome.error}"
                )
            return result
        if outcome.success:
            result["message"] = "passed"
            if outcome.rowids:  # passed thanks to `mostly`: the exceptions are still noted
                self.noted[rule.name] += note_rows(db, self, rule, outcome)
            return result
        failing = outcome.unexpected if outcome.unexpected is not None else "?"
        if action == "quarantine":
            moved = quarantine_rows(db, self, rule.table, outcome.rowids, rule)
            result.update(
                status="quarantined",
                quarantined=moved,
                message=f"{failing} rows failed and were quarantined",
            )
            return result
        result["status"] = "fail"
        if rule.row_mode is None:
            result["message"] = f"failed (observed {outcome.observed})"
        else:
            result["message"] = f"{failing} rows failed"
            self.noted[rule.name] += note_rows(db, self, rule, outcome)
        if action == "stop":
            self.reasons.append(
                f"rule {rule.name} on {rule.table} failed: {rule.description} ({result['message']})"
            )
        return result

    def _judge(self, flag: Any) -> dict[str, Any]:
        assert self.context is not None
        status, value, message = flag.evaluate(self.context)
        action = self.plan.flag_action(flag)
        if status == "fail" and action == "stop":
            # A dataset-level failure explains more than the rules it makes fail: first.
            flagged = sum(
                1 for r in self.reasons if r.startswith(tuple(f"{f.id}:" for f in self.plan.flags))
            )
            self.reasons.insert(
                flagged, message if flag.id == "publishable" else f"{flag.id}: {message}"
            )
        return {
            "id": flag.id,
            "title": flag.title,
            "status": status,
            "action": action,
            "value": value,
            "message": message,
        }

    def _stop_on_quarantine_checks(self, db: Any) -> None:
        """Checks of earlier stages that the policy says must stop publication.

        Row-level checks quarantine rows (``ragged-row``, ``type-error`` …); checks that
        pipelines run on their own rows leave quality notes (``budget-children-sum`` …).
        Either kind, listed under ``stop``, stops publication when it found anything.
        """
        rules_and_flags = {r.name for r in self.plan.rules} | {r.check.id for r in self.plan.rules}
        rules_and_flags |= {f.id for f in self.plan.flags}
        listed = sorted(self.plan.policy.stop - rules_and_flags)
        if not listed:
            return
        marks = ", ".join("?" for _ in listed)
        for table, what in (
            ("_quarantine", "rows quarantined"),
            ("_quality_notes", "quality notes"),
        ):
            found = db.execute(
                f"select check_id, count(*) from {table} where check_id in ({marks}) group by check_id",
                listed,
            ).fetchall()
            for check_id, count in found:
                self.reasons.append(f"{count} {what} by {check_id} (quality.stop lists it)")

    def score(self) -> int | None:
        """The share of applicable flags that pass, 0–100 (``None`` when none applies)."""
        judged = [f for f in self.flags if f["status"] in ("pass", "fail")]
        if not judged:
            return None
        return round(100 * sum(f["status"] == "pass" for f in judged) / len(judged))

    def _stop_on_score(self) -> None:
        score, minimum = self.score(), self.plan.policy.min_score
        if minimum and score is not None and score < minimum:
            reason = f"the quality score {score} is below the minimum of {minimum:g}"
            self.reasons = [r for r in self.reasons if not r.startswith("the quality score")]
            self.reasons.append(reason)

    def raise_if_stopped(self) -> None:
        """Stop publication (exit 1) when any failure the policy says stops has happened."""
        if self.reasons:
            more = (
                f" (and {len(self.reasons) - 1} more; see the quality report)"
                if len(self.reasons) > 1
                else ""
            )
            raise GateStopped(f"quality gate: {self.reasons[0]}{more}")

    # --- the package ----------------------------------------------------------------

    def check_package(self, errors: list[str]) -> None:
        """Frictionless' verdict on the package's tables becomes a flag; the decision is final.

        It comes before ``_quality`` is written, so packaging writes that table (rows, CSV
        and hash) once, with the verdict in it.
        """
        self.package_errors = list(errors)
        assert self.context is not None
        self.context.package_errors = self.package_errors
        self.flags += [self._judge(flag) for flag in self.plan.flags if flag.phase == "package"]
        self._stop_on_score()

    def check_quality_resource(self, package_dir: Path) -> None:
        """The written ``_quality`` resource must validate too: a stop when it does not."""
        problems = validate_resource(package_dir, QUALITY_TABLE)
        if problems:
            self.reasons.append(f"{QUALITY_TABLE}: {problems[0]}")

    # --- what it tells ----------------------------------------------------------------

    def rows(self) -> list[dict[str, Any]]:
        """The ``_quality`` table: a score row, flags, rules, reconciliation, completeness."""
        run = self.run_id
        judged = [f for f in self.flags if f["status"] in ("pass", "fail")]
        passed = sum(f["status"] == "pass" for f in judged)
        score = self.score()
        rows = [
            {
                "run_id": run, "check_id": "score", "kind": "score", "status": "stop" if self.reasons else "pass",
                "action": "", "value": score, "title": "Quality score",
                "message": f"{passed} of {len(judged)} quality flags pass",
            }
        ]  # fmt: skip
        for flag in self.flags:
            rows.append(
                {
                    "run_id": run, "check_id": flag["id"], "kind": "flag", "status": flag["status"],
                    "action": flag["action"], "value": _number(flag["value"]), "title": flag["title"],
                    "message": flag["message"],
                }
            )  # fmt: skip
        for rule in self.rules:
            value = rule["unexpected"] if rule["unexpected"] is not None else rule["observed"]
            rows.append(
                {
                    "run_id": run, "check_id": rule["id"], "kind": "rule", "table_name": rule["table"],
                    "column_name": rule["column"], "status": rule["status"], "action": rule["action"],
                    "value": _number(value), "title": rule["description"], "message": rule.get("message", ""),
                }
            )  # fmt: skip
        for table, counts in self.tables.items():
            rows.append(
                {
                    "run_id": run, "check_id": "reconciled", "kind": "rows", "table_name": table,
                    "status": "fail" if counts["unaccounted"] else "pass", "action": "stop",
                    "value": counts["rows_in"], "title": "Rows accounted for",
                    "message": f"in {counts['rows_in']} = published {counts['rows']} + quarantined "
                    f"{counts['quarantined']} + duplicates {counts['duplicates']}",
                }
            )  # fmt: skip
        for table, columns in self.completeness.items():
            for column, share in columns.items():
                rows.append(
                    {
                        "run_id": run, "check_id": "completeness", "kind": "completeness",
                        "table_name": table, "column_name": column, "status": "info", "action": "",
                        "value": share, "title": "Share of rows with a value",
                        "message": f"{share:.0%} filled",
                    }
                )  # fmt: skip
        return rows

    def as_record(self) -> dict[str, Any]:
        """The ``quality`` entry of the run record."""
        judged = [f for f in self.flags if f["status"] in ("pass", "fail")]
        failed_rules = [r for r in self.rules if r["status"] in ("fail", "error", "quarantined")]
        return localise(
            {
                "score": self.score(),
                "flags": self.flags,
                "rules": self.rules,
                "completeness": self.completeness,
                "reconciliation": self.tables,
                "checks": len(judged) + len(self.rules),
                "failed": sum(f["status"] == "fail" for f in judged) + len(failed_rules),
                "gate": {
                    "decision": "stop" if self.reasons else "publish",
                    "reasons": list(self.reasons),
                    "policy": self.plan.policy.as_record(),
                    "unknown_ids": sorted(
                        (
                            self.plan.policy.stop
                            | self.plan.policy.quarantine
                            | self.plan.policy.warn
                        )
                        - known_ids(self.plan)
                    ),
                },
                "quarantined_by_rule": dict(self.quarantined),
                "noted_by_rule": dict(self.noted),
                "package_errors": self.package_errors,
            }
        )  # each flag's and rule's words in Indonesian too (check_messages.py)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return value
    return None


# --- rows: quarantine, notes, counts -------------------------------------------------------


def _row_key(schema: dict, row: dict[str, Any]) -> str:
    keys = schema.get("primaryKey") or []
    if isinstance(keys, str):
        keys = [keys]
    return "/".join(str(row.get(k)) for k in keys)


def _fetch(db: Any, table: str, rowids: list[int]) -> list[dict[str, Any]]:
    found = []
    for start in range(0, len(rowids), CHUNK):
        chunk = rowids[start : start + CHUNK]
        cursor = db.execute(
            f"select rowid as _rowid, * from {quote(table)} where rowid in ({', '.join('?' for _ in chunk)})",
            chunk,
        )
        columns = [d[0] for d in cursor.description]
        found.extend(dict(zip(columns, row, strict=True)) for row in cursor.fetchall())
    return found


def quarantine_rows(
    db: Any, gate: Gate, table: str, rowids: list[int], rule: RuleSpec, cause: str = ""
) -> int:
    """Move rows from ``table`` to ``_quarantine`` (and rows that reference them, recursively)."""
    rows = _fetch(db, table, rowids)
    if not rows:
        return 0
    schema = gate.schemas[table]
    entries = []
    for row in rows:
        data = {k: v for k, v in row.items() if k != "_rowid"}
        value = data.get(rule.column) if rule.column and not cause else None
        entries.append(
            {
                "run_id": gate.run_id,
                "table_name": table,
                "row_key": _row_key(schema, data),
                "check_id": "parent-quarantined" if cause else rule.name,
                "column_name": "" if cause else rule.column,
                "value": None if value is None else str(value)[:200],
                "reason": cause or f"breaks the rule {rule.name}: {rule.description}",
                "row": json.dumps(data, ensure_ascii=False, sort_keys=True, default=str),
                "source": None,
                "position": None,
            }
        )
    with db.conn:
        db["_quarantine"].insert_all(entries)
        for start in range(0, len(rows), CHUNK):
            chunk = [r["_rowid"] for r in rows[start : start + CHUNK]]
            db.execute(
                f"delete from {quote(table)} where rowid in ({', '.join('?' for _ in chunk)})",
                chunk,
            )
    gate.quarantined["parent-quarantined" if cause else rule.name] += len(rows)
    _cascade(db, gate, table, rows, rule)
    return len(rows)


def _cascade(
    db: Any, gate: Gate, parent: str, removed: list[dict[str, Any]], rule: RuleSpec
) -> None:
    """Rows whose foreign key pointed at a quarantined row go too (the package must validate)."""
    for child, schema in gate.schemas.items():
        if child == parent:
            continue
        for fk in schema.get("foreignKeys", []):
            if fk.get("reference", {}).get("resource") != parent:
                continue
            fields, target = key_fields(fk)
            keys = {tuple(row.get(f) for f in target) for row in removed}
            keys = {k for k in keys if None not in k and not _exists(db, parent, target, k)}
            if not keys:
                continue
            rowids = _matching(db, child, fields, sorted(keys, key=str))
            if rowids:
                cause = f"its {parent} row ({'/'.join(map(str, next(iter(keys))))}…) was quarantined by {rule.name}"
                quarantine_rows(db, gate, child, rowids, rule, cause=cause)


def _exists(db: Any, table: str, columns: list[str], key: tuple) -> bool:
    test = " and ".join(f"{quote(c)} = ?" for c in columns)
    return (
        db.execute(f"select 1 from {quote(table)} where {test} limit 1", list(key)).fetchone()
        is not None
    )


def _matching(db: Any, table: str, columns: list[str], keys: list[tuple]) -> list[int]:
    found: list[int] = []
    cols = ", ".join(quote(c) for c in columns)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        values = ", ".join("(" + ", ".join("?" for _ in columns) + ")" for _ in chunk)
        params = [v for key in chunk for v in key]
        found.extend(
            r[0]
            for r in db.execute(
                f"select rowid from {quote(table)} where ({cols}) in (values {values})", params
            )
        )
    return found


def note_rows(db: Any, gate: Gate, rule: RuleSpec, outcome: RuleOutcome) -> int:
    """Quality notes for the rows a rule flagged but that stay published."""
    rows = _fetch(db, rule.table, outcome.rowids)
    schema = gate.schemas[rule.table]
    total = outcome.unexpected if outcome.unexpected is not None else len(rows)
    message = rule.description + (
        f" (failed for {total} rows; the first {len(rows)} are listed)" if total > len(rows) else ""
    )
    notes = [
        {
            "run_id": gate.run_id,
            "table_name": rule.table,
            "row_key": _row_key(schema, row),
            "check_id": rule.name,
            "column_name": rule.column,
            "value": None if row.get(rule.column) is None else str(row.get(rule.column))[:200],
            "message": message,
            "severity": "warning",
        }
        for row in rows
    ]
    if notes:
        with db.conn:
            db["_quality_notes"].insert_all(notes)
    return len(notes)


def reconcile(db: Any, counts: Counter, schemas: dict[str, dict]) -> dict[str, dict[str, int]]:
    """Per table: rows in, published, quarantined, duplicates — and how many are unaccounted for.

    ``rows_in`` is counted as rows entered the privacy and quality stages (plus
    duplicates set aside before them); published and quarantined are counted in the
    built database itself, so a row lost anywhere in between shows up here.
    """
    quarantined = dict(
        db.execute("select table_name, count(*) from _quarantine group by table_name").fetchall()
    )
    found = {}
    for table in schemas:
        published = db.execute(f"select count(*) from {quote(table)}").fetchone()[0]
        duplicates = counts.get(f"duplicates:{table}", 0)
        rows_in = counts.get(f"entered:{table}", 0) + duplicates
        held = quarantined.get(table, 0)
        found[table] = {
            "rows_in": rows_in,
            "rows": published,
            "quarantined": held,
            "duplicates": duplicates,
            "unaccounted": rows_in - published - held - duplicates,
        }
    return found


def completeness(db: Any, schemas: dict[str, dict]) -> dict[str, dict[str, float]]:
    """Per table and column: the share of published rows with a value."""
    found: dict[str, dict[str, float]] = {}
    for table, schema in schemas.items():
        columns = [f["name"] for f in schema["fields"]]
        if not columns:
            continue
        sums = ", ".join(
            f"sum(case when {quote(c)} is not null and {quote(c)} != '' then 1 else 0 end)"
            for c in columns
        )
        row = db.execute(f"select count(*), {sums} from {quote(table)}").fetchone()
        total = row[0]
        if total:
            found[table] = {
                c: round((n or 0) / total, 4) for c, n in zip(columns, row[1:], strict=True)
            }
    return found


def write_quality_table(db: Any, rows: list[dict[str, Any]]) -> None:
    """Replace the ``_quality`` rows (the table is created with the other system tables)."""
    from terbuka.publish.database import SYSTEM_TABLES

    columns = SYSTEM_TABLES[QUALITY_TABLE]
    with db.conn:
        db.execute(f"delete from {QUALITY_TABLE}")
        db[QUALITY_TABLE].insert_all([{c: row.get(c) for c in columns} for row in rows])


def validate_resource(package_dir: Path, name: str) -> list[str]:
    """Frictionless' verdict on one resource of a written package."""
    from frictionless import system

    from terbuka.publish.datapackage import open_package

    with system.use_context(trusted=True):
        package = open_package(package_dir / "datapackage.json")
        report = package.get_resource(name).validate()
    return [error.message for task in report.tasks for error in task.errors][:5]
