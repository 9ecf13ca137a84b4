"""Column policies from ``privacy.yml`` and the operators that apply them.

Every published column gets exactly one policy: an exact ``table.column`` entry, else the
first matching pattern (``*.ocid``, ``*_amount``), else the file's ``default`` — which
should be ``scan`` so an unexpected column is searched, not trusted. The format is
documented in ``docs/privacy.md`` and validated like the descriptors.

A column may also have a *role* (``person``, ``organisation``, ``place``, ``identifier``,
``free-text``, ``amount``, ``date``, ``code``): what it *is*, which decides instead of
guesses from names and values. Organisation and place columns are kept and only searched
for identifiers (never PERSON-redacted); supplier columns follow the rule table in
``suppliers.py``. Every kept column is searched for identifiers (``identifiers.py``).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from terbuka.metadata import DescriptorError

from .disclosure import MAX_SUPPRESSED, QuasiIdentifier
from .generalise import step_names, valid_step

OPERATORS = ("keep", "drop", "redact", "replace", "mask", "hash", "generalise", "scan")
# What a column gets when privacy.yml says nothing about it but its name or values show
# what it holds: identifiers and contact details are replaced by their entity type,
# dates of birth, ages and addresses keep only their coarse part.
REPLACED_BY_DEFAULT = (
    "NIK", "KK", "NIP", "NPWP", "PHONE_NUMBER", "EMAIL_ADDRESS", "BANK_ACCOUNT", "IBAN_CODE",
    "CREDIT_CARD", "IP_ADDRESS", "PERSON", "ID_DOCUMENT",
)  # fmt: skip
SAFE_DEFAULTS = {
    **dict.fromkeys(REPLACED_BY_DEFAULT, "replace"),
    **dict.fromkeys(("ADDRESS", "DATE_OF_BIRTH", "AGE"), "generalise"),
}
# Never published, whatever a policy says: not for officials either.
NEVER_PUBLISHED = ("NIK", "KK", "NIP")
POLICY_KEYS = {
    "default",
    "columns",
    "json",
    "quasi_identifiers",
    "k",
    "retention_days",
    "officials",
    "max_suppressed",
    "hierarchies",
    "suppliers",
}
SPEC_KEYS = {"operator", "entity", "json", "keep_last", "role"}
ROLES = (
    "person", "organisation", "place", "identifier", "free-text", "derived", "amount", "date",
    "code",
)  # fmt: skip
# The operator a column gets from its role when privacy.yml names no operator.
ROLE_OPERATORS = {
    **dict.fromkeys(ROLES, "keep"), "person": "replace", "free-text": "scan", "derived": "scan",
}  # fmt: skip
# Roles whose columns are kept but searched for identifiers only (never names, addresses).
NAMED_ROLES = ("organisation", "place")
# Texts terbuka writes from cells already through privacy (a red flag's detail): their
# names and addresses were published, or withheld, by their own columns. Searched for
# identifiers only, like NAMED_ROLES: the name model would only read published names again.
IDENTIFIERS_ONLY_ROLES = (*NAMED_ROLES, "derived")
SUPPLIER_KEYS = {"legal_form", "npwp", "rows", "columns"}


@dataclass(frozen=True)
class ColumnPolicy:
    """What happens to one column: the operator, the entity it holds, options."""

    operator: str
    entity: str = ""
    json: str = ""
    keep_last: int = 4
    official: bool = False
    role: str = ""


@dataclass(frozen=True)
class SupplierRule:
    """Where a table keeps its suppliers: legal form and NPWP columns, column roles."""

    columns: dict[str, str]  # column -> role (organisation, place, identifier)
    legal_form: str = ""
    npwp: str = ""
    rows: dict[str, list[str]] = field(default_factory=dict)  # column -> words: supplier rows

    def applies(self, row: dict[str, Any]) -> bool:
        """Whether ``row`` is a supplier's (every row, unless ``rows`` narrows it)."""
        return all(
            any(word in str(row.get(column) or "").lower() for word in words)
            for column, words in self.rows.items()
        )


@dataclass
class PrivacyPolicy:
    """A dataset's privacy policy, resolved column by column."""

    default: ColumnPolicy = field(default_factory=lambda: ColumnPolicy("scan"))
    exact: dict[str, ColumnPolicy] = field(default_factory=dict)
    patterns: list[tuple[str, ColumnPolicy]] = field(default_factory=list)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    suppliers: dict[str, SupplierRule] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def for_column(self, table: str, column: str) -> ColumnPolicy:
        """The policy for ``table.column`` (the file's ``default`` when none is listed)."""
        return self.listed(table, column) or self.default

    def listed(self, table: str, column: str) -> ColumnPolicy | None:
        """The policy privacy.yml lists for ``table.column``, if any."""
        name = f"{table}.{column}"
        if name in self.exact:
            return self.exact[name]
        for pattern, policy in self.patterns:
            if fnmatch.fnmatchcase(name, pattern):
                return policy
        return None

    @property
    def quasi_identifiers(self) -> dict[str, list[QuasiIdentifier]]:
        """``{table: [QuasiIdentifier]}`` declared for k-anonymity, in declared order."""
        found = {}
        for table, columns in (self.raw.get("quasi_identifiers") or {}).items():
            if isinstance(columns, list):
                found[table] = [QuasiIdentifier(c) for c in columns]
                continue
            found[table] = [
                QuasiIdentifier(
                    column,
                    tuple(spec["steps"]) if "steps" in (spec or {}) else None,
                    tuple((spec or {}).get("with") or ()),
                )
                for column, spec in columns.items()
            ]
        return found

    @property
    def max_suppressed(self) -> float:
        """The largest share of a table's rows k-anonymity may suppress (default 5 %)."""
        return float(self.raw.get("max_suppressed", MAX_SUPPRESSED))

    @property
    def hierarchies(self) -> dict[str, dict[str, str]]:
        """Named generalisation hierarchies: ``{name: {value: parent}}``."""
        return {
            name: {str(k): str(v) for k, v in mapping.items()}
            for name, mapping in (self.raw.get("hierarchies") or {}).items()
        }

    @property
    def k(self) -> int:
        """The minimum group size for k-anonymity and small cells (default 5)."""
        return int(self.raw.get("k", 5))

    @property
    def retention_days(self) -> int:
        """Days unredacted raw data may stay in private state (default 30)."""
        return int(self.raw.get("retention_days", 30))

    def published_columns(self, table: str, columns: list[str]) -> list[str]:
        """The columns that survive the policy (dropped ones removed), in order."""
        return [c for c in columns if self.for_column(table, c).operator != "drop"]


def policy_schema() -> dict[str, Any]:
    """The JSON Schema ``privacy.yml`` files must satisfy (``privacy/policy-schema.yml``)."""
    import yaml

    text = resources.files("terbuka.privacy").joinpath("policy-schema.yml").read_text("utf-8")
    return yaml.safe_load(text)


def load_policy(data: dict[str, Any], path: Path | str = "privacy.yml") -> PrivacyPolicy:
    """Validate a ``privacy.yml`` mapping and resolve it into a ``PrivacyPolicy``.

    When ``path`` is a real file it is first checked against ``policy-schema.yml`` the way
    descriptors are, so a mistake comes back as ``file:line: key …``.
    """
    if Path(path).is_file():
        from terbuka.metadata.descriptor import load_yaml, validate

        parsed, lines = load_yaml(Path(path))
        validate(parsed if parsed is not None else {}, policy_schema(), Path(path), lines)
    if not isinstance(data, dict):
        raise DescriptorError(f"{path}: a privacy policy is a mapping (see docs/privacy.md)")
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
    for name in data.get("officials") or []:
        if not isinstance(name, str) or "." not in name:
            raise DescriptorError(
                f"{path}: key 'officials': write columns as table.column (or *.column)"
            )
        spec = ColumnPolicy("scan", "PERSON", official=True, role="person")
        if any(ch in name for ch in "*?["):
            policy.patterns.insert(0, (name, spec))
        else:
            policy.exact[name] = spec
    _check_disclosure(data, path)
    policy.suppliers = _suppliers(data.get("suppliers") or {}, path)
    for name, spec in [*policy.exact.items(), *policy.patterns]:
        if spec.json and spec.json not in policy.documents:
            raise DescriptorError(
                f"{path}: key 'columns.{name}': no JSON policy named {spec.json!r}"
            )
    return policy


def _check_disclosure(data: dict[str, Any], path: Path | str) -> None:
    quasi = data.get("quasi_identifiers")
    if quasi is not None and not (
        isinstance(quasi, dict)
        and all(
            (isinstance(c, list) and all(isinstance(x, str) for x in c))
            or (isinstance(c, dict) and all(isinstance(s, dict | None) for s in c.values()))
            for c in quasi.values()
        )
    ):
        raise DescriptorError(
            f"{path}: key 'quasi_identifiers': expected a mapping of table to its columns "
            "(a list, or column: {steps, with})"
        )
    hierarchies = data.get("hierarchies") or {}
    if not isinstance(hierarchies, dict) or not all(
        isinstance(h, dict) for h in hierarchies.values()
    ):
        raise DescriptorError(f"{path}: key 'hierarchies': expected name: {{value: parent}}")
    for table, columns in (quasi or {}).items():
        if not isinstance(columns, dict):
            continue
        for column, spec in columns.items():
            for step in (spec or {}).get("steps") or []:
                if not isinstance(step, str) or not valid_step(step, hierarchies):
                    raise DescriptorError(
                        f"{path}: key 'quasi_identifiers.{table}.{column}.steps': unknown "
                        f"step {step!r} (one of {step_names(hierarchies)})"
                    )
    share = data.get("max_suppressed")
    if share is not None and (
        not isinstance(share, int | float) or isinstance(share, bool) or not 0 <= share <= 1
    ):
        raise DescriptorError(f"{path}: key 'max_suppressed': expected a share from 0 to 1")
    for key, low in (("k", 2), ("retention_days", 0)):
        value = data.get(key)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < low
        ):
            raise DescriptorError(f"{path}: key {key!r}: expected a whole number of at least {low}")


def _suppliers(data: Any, path: Path | str) -> dict[str, SupplierRule]:
    """The ``suppliers`` section: per table, the columns the supplier rule table governs."""
    from .suppliers import ROLES as SUPPLIER_ROLES

    if not isinstance(data, dict):
        raise DescriptorError(f"{path}: key 'suppliers': expected a mapping of table to columns")
    rules = {}
    for table, spec in data.items():
        key = f"suppliers.{table}"
        if not isinstance(spec, dict) or set(spec) - SUPPLIER_KEYS:
            extra = sorted(set(spec) - SUPPLIER_KEYS)[0] if isinstance(spec, dict) else ""
            raise DescriptorError(
                f"{path}: key '{key}{'.' + extra if extra else ''}': expected "
                "legal_form, npwp, rows and columns"
            )
        columns = spec.get("columns") or {}
        if not isinstance(columns, dict) or not columns:
            raise DescriptorError(f"{path}: key '{key}.columns': expected column: role")
        for column, role in columns.items():
            if role not in SUPPLIER_ROLES:
                raise DescriptorError(
                    f"{path}: key '{key}.columns.{column}': unknown supplier role {role!r} "
                    f"(one of {', '.join(SUPPLIER_ROLES)})"
                )
        rows = spec.get("rows") or {}
        if not isinstance(rows, dict) or not all(
            isinstance(w, list) and all(isinstance(x, str) for x in w) for w in rows.values()
        ):
            raise DescriptorError(f"{path}: key '{key}.rows': expected column: [words]")
        rules[table] = SupplierRule(
            dict(columns),
            str(spec.get("legal_form") or ""),
            str(spec.get("npwp") or ""),
            {c: [w.lower() for w in words] for c, words in rows.items()},
        )
    return rules


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
        role = value.get("role", "")
        if role and role not in ROLES:
            raise DescriptorError(
                f"{path}: key '{key}.role': unknown role {role!r} (one of {', '.join(ROLES)})"
            )
        operator = value.get("operator", ROLE_OPERATORS.get(role, "scan"))
        if operator not in OPERATORS:
            raise DescriptorError(f"{path}: key '{key}.operator': unknown operator {operator!r}")
        entity = str(value.get("entity", "PERSON" if role == "person" else ""))
        return ColumnPolicy(
            operator, entity, keep_last=int(value.get("keep_last", 4)), role=str(role)
        )
    raise DescriptorError(f"{path}: key {key!r}: expected an operator name or a mapping")


def replace_value(entity: str) -> str:
    """The placeholder a whole replaced cell gets, as in free text: ``<NIK>``."""
    return f"<{entity or 'PERSONAL_DATA'}>"


def mask_value(value: Any, keep_last: int) -> str:
    """All but the last ``keep_last`` characters replaced by ``*``."""
    text = str(value)
    if len(text) <= keep_last:
        return "*" * len(text)
    return "*" * (len(text) - keep_last) + text[-keep_last:]
