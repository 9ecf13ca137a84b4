"""Column policies from ``privacy.yml`` and the operators that apply them.

Every published column gets exactly one policy: an exact ``table.column`` entry, else the
first matching pattern (``*.ocid``, ``*_amount``), else the file's ``default`` — which
should be ``scan`` so an unexpected column is searched, not trusted. The format is
documented in ``docs/privacy.md`` and validated like the descriptors.
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from terbuka.metadata import DescriptorError

from .analyzer import PrivacyError

OPERATORS = ("keep", "drop", "redact", "mask", "hash", "scan")
POLICY_KEYS = {
    "default",
    "columns",
    "json",
    "quasi_identifiers",
    "k",
    "retention_days",
    "officials",
}
SPEC_KEYS = {"operator", "entity", "json", "keep_last"}


@dataclass(frozen=True)
class ColumnPolicy:
    """What happens to one column: the operator, the entity it holds, options."""

    operator: str
    entity: str = ""
    json: str = ""
    keep_last: int = 4


@dataclass
class PrivacyPolicy:
    """A dataset's privacy policy, resolved column by column."""

    default: ColumnPolicy = field(default_factory=lambda: ColumnPolicy("scan"))
    exact: dict[str, ColumnPolicy] = field(default_factory=dict)
    patterns: list[tuple[str, ColumnPolicy]] = field(default_factory=list)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def for_column(self, table: str, column: str) -> ColumnPolicy:
        """The policy for ``table.column``."""
        name = f"{table}.{column}"
        if name in self.exact:
            return self.exact[name]
        for pattern, policy in self.patterns:
            if fnmatch.fnmatchcase(name, pattern):
                return policy
        return self.default

    def published_columns(self, table: str, columns: list[str]) -> list[str]:
        """The columns that survive the policy (dropped ones removed), in order."""
        return [c for c in columns if self.for_column(table, c).operator != "drop"]


def load_policy(data: dict[str, Any], path: Path | str = "privacy.yml") -> PrivacyPolicy:
    """Validate a ``privacy.yml`` mapping and resolve it into a ``PrivacyPolicy``."""
    unknown = set(data) - POLICY_KEYS
    if unknown:
        raise DescriptorError(f"{path}: unknown key {sorted(unknown)[0]!r}")
    policy = PrivacyPolicy(raw=data)
    policy.default = _spec(data.get("default", "scan"), path, "default")
    for name, value in (data.get("columns") or {}).items():
        spec = _spec(value, path, f"columns.{name}")
        if "." not in name and not any(ch in name for ch in "*?["):
            raise DescriptorError(
                f"{path}: key 'columns.{name}': write columns as table.column (or *.column)"
            )
        if any(ch in name for ch in "*?["):
            policy.patterns.append((name, spec))
        else:
            policy.exact[name] = spec
    for name, document in (data.get("json") or {}).items():
        if not isinstance(document, dict) or set(document) - {"drop", "keep_keys", "scan"}:
            raise DescriptorError(
                f"{path}: key 'json.{name}': expected 'drop', 'scan' and 'keep_keys' lists"
            )
        policy.documents[name] = {
            "drop": [p.split(".") for p in document.get("drop") or []],
            "scan": [p.split(".") for p in document.get("scan") or []],
            "keep_keys": set(document.get("keep_keys") or []),
        }
    for name, spec in [*policy.exact.items(), *policy.patterns]:
        if spec.json and spec.json not in policy.documents:
            raise DescriptorError(
                f"{path}: key 'columns.{name}': no JSON policy named {spec.json!r}"
            )
    return policy


def _spec(value: Any, path: Path | str, key: str) -> ColumnPolicy:
    if isinstance(value, str):
        if value not in OPERATORS:
            raise DescriptorError(
                f"{path}: key {key!r}: unknown operator {value!r} (one of {', '.join(OPERATORS)})"
            )
        return ColumnPolicy(value)
    if isinstance(value, dict):
        unknown = set(value) - SPEC_KEYS
        if unknown:
            raise DescriptorError(f"{path}: key '{key}.{sorted(unknown)[0]}': unknown key")
        if "json" in value:
            return ColumnPolicy("json", json=str(value["json"]))
        operator = value.get("operator", "scan")
        if operator not in OPERATORS:
            raise DescriptorError(f"{path}: key '{key}.operator': unknown operator {operator!r}")
        return ColumnPolicy(
            operator, str(value.get("entity", "")), keep_last=int(value.get("keep_last", 4))
        )
    raise DescriptorError(f"{path}: key {key!r}: expected an operator name or a mapping")


def hash_value(value: Any, key: bytes) -> str:
    """A keyed pseudonym: the same value and key give the same 16 hex digits."""
    return hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def mask_value(value: Any, keep_last: int) -> str:
    """All but the last ``keep_last`` characters replaced by ``*``."""
    text = str(value)
    if len(text) <= keep_last:
        return "*" * len(text)
    return "*" * (len(text) - keep_last) + text[-keep_last:]


class Redactor:
    """Applies a policy to rows; counts what it removed, never records a value."""

    def __init__(self, policy: PrivacyPolicy, scanner: Any, hash_key: bytes):
        self.policy = policy
        self.scanner = scanner
        self.hash_key = hash_key
        self.report: Counter = Counter()

    def rows(self, table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Redact every row of a table in place; returns the same list."""
        if not rows:
            return rows
        columns = list(rows[0])
        for row in rows[1:]:
            if len(row) != len(columns):
                columns = list(dict.fromkeys(c for r in rows for c in r))
                break
        plans = [(column, self.policy.for_column(table, column)) for column in columns]
        for column, policy in plans:
            if policy.operator == "keep":
                continue
            for row in rows:
                self._apply(table, column, policy, row)
        return rows

    def _apply(self, table: str, column: str, policy: ColumnPolicy, row: dict[str, Any]) -> None:
        value = row.get(column)
        operator = policy.operator
        if operator == "drop":
            row.pop(column, None)
            if value not in (None, ""):
                self.report[(table, column, policy.entity or "PERSONAL_DATA", "drop")] += 1
            return
        if value in (None, ""):
            return
        try:
            if operator == "scan":
                if isinstance(value, str):
                    row[column] = self.text(table, column, value)
            elif operator == "json":
                row[column] = self.document(table, column, value, policy.json)
            elif operator == "redact":
                row[column] = None
                self.report[(table, column, policy.entity or "PERSONAL_DATA", "redact")] += 1
            elif operator == "hash":
                row[column] = hash_value(value, self.hash_key)
                self.report[(table, column, policy.entity or "PERSONAL_DATA", "hash")] += 1
            elif operator == "mask":
                row[column] = mask_value(value, policy.keep_last)
                self.report[(table, column, policy.entity or "PERSONAL_DATA", "mask")] += 1
        except PrivacyError:
            raise
        except Exception as error:
            raise PrivacyError(
                f"{table}.{column}: {operator} failed: {type(error).__name__}"
            ) from error

    def text(self, table: str, column: str, value: str) -> str:
        """Free text with every personal-data span replaced."""
        redacted, kinds = self.scanner.scan(value)
        for kind in kinds:
            self.report[(table, column, kind, "replace")] += 1
        return redacted

    def document(self, table: str, column: str, value: Any, name: str) -> Any:
        """A JSON document: listed paths dropped, other strings scanned."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return self.text(table, column, value)
        rules = self.policy.documents[name]
        for path in rules["drop"]:
            removed = _drop_path(value, path)
            if removed:
                self.report[(table, f"{column}:{'.'.join(path)}", "PERSONAL_DATA", "drop")] += (
                    removed
                )
        return self._walk(value, table, column, rules, ())

    def _walk(self, node: Any, table: str, column: str, rules: dict, path: tuple) -> Any:
        """Scan every string, except under ``keep_keys`` — unless the path is in ``scan``."""
        if isinstance(node, dict):
            forced = any(_within(path, p) for p in rules["scan"])
            return {
                k: v
                if (k in rules["keep_keys"] and not forced)
                else self._walk(v, table, column, rules, (*path, k))
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [self._walk(v, table, column, rules, (*path, "*")) for v in node]
        if isinstance(node, str) and node:
            return self.text(table, column, node)
        return node


def _within(path: tuple, pattern: list[str]) -> bool:
    """Whether ``path`` is at or below ``pattern`` (``*`` matches any key or element)."""
    return len(path) >= len(pattern) and all(
        p in ("*", k) for k, p in zip(path, pattern, strict=False)
    )


def _drop_path(node: Any, path: list[str]) -> int:
    """Remove every value at ``path`` (``*`` = any key or element); count non-empty ones."""
    if not path:
        return 0
    head, rest = path[0], path[1:]
    if isinstance(node, list):
        if head != "*":
            return 0
        if not rest:
            removed = sum(1 for item in node if item not in (None, "", {}, []))
            node.clear()
            return removed
        return sum(_drop_path(item, rest) for item in node)
    if not isinstance(node, dict):
        return 0
    keys = list(node) if head == "*" else [head] if head in node else []
    removed = 0
    for key in keys:
        if rest:
            removed += _drop_path(node[key], rest)
        else:
            if node[key] not in (None, "", {}, []):
                removed += 1
            del node[key]
    return removed
