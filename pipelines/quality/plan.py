"""What a run checks and what each failure means: rules and the gate policy.

Rules come from ``expectations.yml``, the gate policy from ``dataset.yml`` (``quality``).

Both are validated before any data is read, so a typo in a rule is a one-line error
naming the file and line (``metadata/procurement/expectations.yml:14: tables.tenders[2]:
unknown check 'betwen'``), never a surprise at the end of a long run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from terbuka.metadata import DescriptorError, load_yaml
from terbuka.metadata.descriptor import display

ACTIONS = ("stop", "quarantine", "warn")
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NUMERIC_TYPES = {"number", "integer"}
# Row-level checks of the schema stage: their rows are always quarantined (a row that
# breaks its Table Schema cannot be published); listing them under `stop` stops the run.
SCHEMA_CHECKS = ("missing-value", "type-error", "constraint-error", "duplicate-key")


@dataclass
class RuleSpec:
    """One declared rule: the check that runs it, on which table, with which options."""

    table: str
    check: Any
    options: dict[str, Any]
    name: str
    description: str
    where: str

    @property
    def key(self) -> str:
        """Unique within a run: table, rule name and columns."""
        return f"{self.table}:{self.name}:{','.join(self.check.columns(self.options))}"

    @property
    def column(self) -> str:
        """The column the rule is about (the first it reads), or ``""``."""
        columns = self.check.columns(self.options)
        return columns[0] if columns else ""

    @property
    def row_mode(self) -> str | None:
        """How failing rows are found: ``map``, ``query`` or ``None``."""
        return self.check.row_mode(self.options)


@dataclass
class GatePolicy:
    """Which failures stop publication, which quarantine rows, which only warn."""

    stop: set[str] = field(default_factory=set)
    quarantine: set[str] = field(default_factory=set)
    warn: set[str] = field(default_factory=set)
    max_quarantined: float = 0.05
    max_duplicates: float = 0.01
    min_completeness: float = 0.5
    min_score: float = 0.0
    freshness: str | None = None

    def action(self, *ids: str, default: str = "warn") -> str:
        """The action for the first of ``ids`` the policy names, else ``default``."""
        for check_id in ids:
            for action in ACTIONS:
                if check_id in getattr(self, action):
                    return action
        return default

    def as_record(self) -> dict[str, Any]:
        """The policy as the run record shows it."""
        return {
            "stop": sorted(self.stop),
            "quarantine": sorted(self.quarantine),
            "warn": sorted(self.warn),
            "max_quarantined": self.max_quarantined,
            "max_duplicates": self.max_duplicates,
            "min_completeness": self.min_completeness,
            "min_score": self.min_score,
            "freshness": self.freshness,
        }


@dataclass
class QualityPlan:
    """Everything the quality gate will do in a run."""

    rules: list[RuleSpec]
    policy: GatePolicy
    flags: list[Any]

    def rule_action(self, rule: RuleSpec) -> str:
        """A rule's action: by its name, then by its check id; ``warn`` otherwise."""
        return self.policy.action(rule.name, rule.check.id, default="warn")

    def flag_action(self, flag: Any) -> str:
        """A flag's action: fixed for some, else as the policy says, else its default."""
        return flag.fixed_action or self.policy.action(flag.id, default=flag.default_action)


def registered_checks() -> tuple[dict[str, Any], dict[str, Any]]:
    """Registered rules and flags by id."""
    from .. import plugins

    checks = plugins.checks()
    rules = {k: c for k, c in checks.items() if getattr(c, "kind", "") == "rule"}
    flags = {k: c for k, c in checks.items() if getattr(c, "kind", "") == "flag"}
    return rules, flags


def load_plan(descriptor: Any, schemas: dict[str, dict]) -> QualityPlan:
    """Rules and policy of a dataset, checked against its published ``schemas``."""
    rules_by_id, flags_by_id = registered_checks()
    rules = load_rules(descriptor.folder / "expectations.yml", schemas, rules_by_id)
    policy = load_policy(descriptor, rules, rules_by_id, flags_by_id, schemas)
    return QualityPlan(rules, policy, list(flags_by_id.values()))


def load_rules(path: Path, schemas: dict[str, dict], known: dict[str, Any]) -> list[RuleSpec]:
    """The rules of ``expectations.yml`` (``{}`` or no file: no rules)."""
    if not path.exists():
        return []
    data, lines = load_yaml(path)
    if data is None:
        return []
    fail = _rule_error(path, lines)
    if not isinstance(data, dict) or set(data) - {"tables"}:
        raise fail((), "expected a mapping with one key, `tables`")
    tables = data.get("tables") or {}
    if not isinstance(tables, dict):
        raise fail(("tables",), "expected a mapping of table name to a list of rules")
    found: list[RuleSpec] = []
    names: dict[str, str] = {}
    for table, entries in tables.items():
        if table not in schemas:
            raise fail(
                ("tables", table), f"no published table {table!r} (tables: {', '.join(schemas)})"
            )
        if not isinstance(entries, list):
            raise fail(("tables", table), "expected a list of rules")
        fields = {f["name"]: f.get("type", "string") for f in schemas[table]["fields"]}
        for index, entry in enumerate(entries):
            where = ("tables", table, index)
            check, options = _rule_options(entry, where, known, fail)
            _check_columns(check, options, table, fields, where, fail)
            name = _rule_name(entry, check.id, where, names, known, fail)
            if entry.get("id"):
                names[name] = f"{table}[{index}]"
            description = entry.get("description") or check.describe(options)
            location = f"{display(path)}:{lines.get(where, 1)}"
            found.append(RuleSpec(table, check, options, name, str(description), location))
    return found


RuleError = Callable[[tuple, str], DescriptorError]


def _rule_error(path: Path, lines: dict[tuple, int]) -> RuleError:
    """An error for a place in ``expectations.yml``: file, line and the rule's path."""

    def fail(where: tuple, message: str) -> DescriptorError:
        line = lines.get(where) or lines.get(where[:-1]) or 1
        label = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in where)
        return DescriptorError(f"{display(path)}:{line}: {label.replace('.[', '[')}: {message}")

    return fail


def _rule_options(
    entry: Any, where: tuple, known: dict[str, Any], fail: RuleError
) -> tuple[Any, dict[str, Any]]:
    """The registered check a rule names and its options, each of the check's types."""
    if not isinstance(entry, dict) or "check" not in entry:
        raise fail(where, "each rule is a mapping with a `check`")
    check = known.get(entry["check"])
    if check is None:
        raise fail(
            (*where, "check"),
            f"unknown check {entry['check']!r} (known: {', '.join(sorted(known))})",
        )
    options = {k: v for k, v in entry.items() if k not in ("check", "id", "description")}
    for key, value in options.items():
        if key not in check.options:
            allowed = ", ".join(["id", "description", *check.options])
            raise fail((*where, key), f"unknown option {key!r} for {check.id} (options: {allowed})")
        problem = _type_problem(check.options[key], value)
        if problem:
            raise fail((*where, key), problem)
    missing = [k for k in check.required if k not in options]
    if missing:
        raise fail(where, f"{check.id} needs `{'`, `'.join(missing)}`")
    problem = check.problem(options)
    if problem:
        raise fail(where, problem)
    return check, options


def _check_columns(
    check: Any,
    options: dict[str, Any],
    table: str,
    fields: dict[str, str],
    where: tuple,
    fail: RuleError,
) -> None:
    """Every column a rule reads is published, and numeric where the check needs it."""
    for column in check.columns(options):
        if column not in fields:
            raise fail(
                where,
                f"{table} has no published column {column!r} (dropped by privacy.yml, "
                "or not in its Table Schema)",
            )
        if check.numeric_only and fields[column] not in NUMERIC_TYPES:
            raise fail(
                where,
                f"{check.id} needs a numeric column; {column} is {fields[column]}"
                + (" (use date-between)" if fields[column] in ("date", "datetime") else ""),
            )


def _rule_name(
    entry: dict[str, Any],
    check_id: str,
    where: tuple,
    names: dict[str, str],
    known: dict[str, Any],
    fail: RuleError,
) -> str:
    """The rule's id: its own (kebab-case, unique) or its check's."""
    name = entry.get("id") or check_id
    if not isinstance(name, str) or not KEBAB.match(name):
        raise fail((*where, "id"), "a rule id is kebab-case: lowercase letters, digits and -")
    if entry.get("id") and (name in names or name in known):
        raise fail(
            (*where, "id"), f"rule id {name!r} is already used ({names.get(name, 'a check id')})"
        )
    return name


def _type_problem(kind: str, value: Any) -> str:
    ok = {
        "str": isinstance(value, str) and value != "",
        "list": isinstance(value, list) and bool(value),
        "bool": isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool) and value >= 0,
        "share": isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1,
        "date": isinstance(value, str) or hasattr(value, "isoformat"),
    }[kind]
    if ok:
        return ""
    return {
        "str": "expected text",
        "list": "expected a non-empty list",
        "bool": "expected true or false",
        "number": "expected a number",
        "integer": "expected a whole number ≥ 0",
        "share": "expected a share between 0 and 1 (e.g. 0.95)",
        "date": "expected a date",
    }[kind]


def load_policy(
    descriptor: Any,
    rules: list[RuleSpec],
    rules_by_id: dict[str, Any],
    flags_by_id: dict[str, Any],
    schemas: dict[str, dict],
) -> GatePolicy:
    """The ``quality`` key of ``dataset.yml`` (its shape is checked by the descriptor schema)."""
    settings = descriptor.get("quality") or {}
    path = descriptor.folder / "dataset.yml"

    def fail(key: str, message: str) -> DescriptorError:
        try:
            _, lines = load_yaml(path)
        except DescriptorError:
            lines = {}
        line = lines.get(("quality", key)) or lines.get(("quality",)) or 1
        return DescriptorError(f"{display(path)}:{line}: key 'quality.{key}': {message}")

    policy = GatePolicy(
        stop=set(settings.get("stop") or []),
        quarantine=set(settings.get("quarantine") or []),
        warn=set(settings.get("warn") or []),
    )
    for key in ("max_quarantined", "max_duplicates", "min_completeness", "min_score"):
        if key in settings:
            setattr(policy, key, float(settings[key]))
    freshness = settings.get("freshness")
    if freshness:
        table, _, column = str(freshness).partition(".")
        fields = {f["name"] for f in schemas.get(table, {}).get("fields", [])}
        if column not in fields:
            raise fail("freshness", f"{freshness!r} is not a published table.column")
        policy.freshness = freshness
    _check_actions(policy, rules, rules_by_id, flags_by_id, fail)
    return policy


def _check_actions(
    policy: GatePolicy,
    rules: list[RuleSpec],
    rules_by_id: dict[str, Any],
    flags_by_id: dict[str, Any],
    fail: Callable[[str, str], DescriptorError],
) -> None:
    """Each id under one action only; fixed flags not downgraded; only row rules quarantine."""
    seen: dict[str, str] = {}
    for action in ACTIONS:
        for check_id in getattr(policy, action):
            if check_id in seen:
                raise fail(
                    action, f"{check_id!r} is listed under both {seen[check_id]} and {action}"
                )
            seen[check_id] = action
            flag = flags_by_id.get(check_id)
            if flag is not None and flag.fixed_action and action != flag.fixed_action:
                raise fail(
                    action, f"{check_id!r} always stops publication; it cannot be downgraded"
                )
            if action == "quarantine":
                if flag is not None:
                    raise fail(
                        action,
                        f"{check_id!r} judges the whole dataset: it can stop or warn, not quarantine rows",
                    )
                named = [r for r in rules if check_id in (r.name, r.check.id)]
                if any(r.row_mode is None for r in named) or (
                    not named and check_id in rules_by_id and rules_by_id[check_id].rows is None
                ):
                    raise fail(
                        action,
                        f"{check_id!r} is about a whole table: it can stop or warn, not quarantine rows",
                    )


def known_ids(plan: QualityPlan) -> set[str]:
    """Every id a policy may name: rules, registered checks, flags, the schema stage's checks."""
    from .. import plugins

    return (
        {r.name for r in plan.rules}
        | set(plugins.checks())
        | {f.id for f in plan.flags}
        | set(SCHEMA_CHECKS)
    )
