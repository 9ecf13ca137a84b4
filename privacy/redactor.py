"""The ``Redactor``: applies a privacy policy to rows, columns, free text and documents.

The policy model (``privacy.yml``, column policies, supplier rules, roles) is in
:mod:`.policy`; this module decides each column's plan from the policy and what the
column holds, applies the operators, and counts what it removed — never a value.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from .columns import Detection, detect_column, entity_from_name, role_from_name
from .errors import PrivacyError
from .generalise import generalise
from .hashing import hash_value
from .policy import (
    IDENTIFIERS_ONLY_ROLES,
    NAMED_ROLES,
    NEVER_PUBLISHED,
    SAFE_DEFAULTS,
    ColumnPolicy,
    PrivacyPolicy,
    SupplierRule,
    mask_value,
    replace_value,
)

_LONG_DIGITS = re.compile(r"\d(?:[ .-]?\d){15}")  # 16+ digits: could be a NIK, KK or NIP
KEPT_MEMO = 200_000  # distinct kept values remembered per role
SETTLE_VALUES = 20  # fewer sampled values than this: too few to decide for a whole run


class Redactor:
    """Applies a policy to rows; counts what it removed, never records a value.

    Each column's plan is the policy privacy.yml lists for it, else a safe default for
    what its name and values show it holds (``columns.py``), else the file's
    ``default``. ``settle`` decides it once per run from a sample taken across batches
    before any worker starts (``terbuka run``), and ``fix`` from a file's first rows
    (``terbuka redact``); a column neither decided is decided per batch from that batch's
    rows. A column privacy.yml keeps (or lists under ``officials``) that holds NIK, KK or
    NIP values stops the run: it is checked in every batch.
    """

    def __init__(self, policy: PrivacyPolicy, scanner: Any, hash_key: bytes):
        self.policy = policy
        self.scanner = scanner
        self.hash_key = hash_key
        self.report: Counter[tuple[str, ...]] = Counter()
        self.detections: dict[tuple[str, str], Detection] = {}
        self._plans: dict[tuple[str, str], ColumnPolicy] = {}
        self.settled: dict[tuple[str, str], int] = {}  # run-wide plans: sampled values
        self._officials_scanner: Any = None
        self._named_scanner: Any = None
        self._memo: Any = None  # see remember_scans
        self._kept_memo: dict[tuple[str, bool], dict[str, tuple[str, list[Any]]]] = {}
        self.prefetch = True  # JSON documents' strings scanned in one batch (prefetch.py)

    def rows(self, table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Redact every row of a table in place; returns the same list."""
        if not rows:
            return rows
        columns = list(rows[0])
        for row in rows[1:]:
            if len(row) != len(columns):
                columns = list(dict.fromkeys(c for r in rows for c in r))
                break
        plans = [(column, self.plan(table, column, rows)) for column in columns]
        rule = self.policy.suppliers.get(table)
        kinds = self._supplier_kinds(rule, rows) if rule else {}
        for column, policy in plans:
            if rule and column in rule.columns and kinds and policy.operator != "drop":
                self._supplier_column(table, column, policy, rule, rows, kinds)
            else:
                self._column(table, column, policy, rows)
        return rows

    def _column(
        self, table: str, column: str, policy: ColumnPolicy, rows: list[dict[str, Any]]
    ) -> None:
        """Apply one column's policy to ``rows``; kept columns are checked for identifiers."""
        if policy.operator == "keep":
            self._check_kept(table, column, policy, rows)
            return
        if policy.operator == "scan" and hasattr(self.scanner, "scan_many"):
            self._scan_column(table, column, policy, rows)
            return
        if policy.operator == "json" and self.prefetch:
            self._documents(table, column, policy, rows)
            return
        for row in rows:
            self._apply(table, column, policy, row)

    @staticmethod
    def _supplier_kinds(rule: SupplierRule, rows: list[dict[str, Any]]) -> dict[int, str]:
        """Each supplier row's kind, read before any of its columns is changed."""
        from .suppliers import supplier_kind

        return {
            id(row): supplier_kind(
                row.get(rule.legal_form) if rule.legal_form else None,
                row.get(rule.npwp) if rule.npwp else None,
            )
            for row in rows
            if rule.applies(row)
        }

    def _supplier_column(
        self,
        table: str,
        column: str,
        policy: ColumnPolicy,
        rule: SupplierRule,
        rows: list[dict[str, Any]],
        kinds: dict[int, str],
    ) -> None:
        """A supplier column: the rule table decides per row (``suppliers.py``)."""
        from .identifiers import pseudonymise_numbers
        from .suppliers import supplier_action

        role = rule.columns[column]
        entity = {"identifier": "NPWP", "place": "ADDRESS"}.get(role, "PERSONAL_DATA")
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            kind = kinds.get(id(row))
            action = supplier_action(kind, role) if kind else None  # type: ignore[arg-type]
            key = "other" if action is None else f"{action}:{kind}"
            groups.setdefault(key, []).append(row)
        kept = ColumnPolicy("keep", policy.entity, role=role)
        for key, group in groups.items():
            action, _, kind = key.partition(":")
            if action == "other":
                self._column(table, column, policy, group)
            elif action == "keep":
                self._check_kept(table, column, kept, group, company=kind == "company")
            elif action == "redact":
                for row in group:
                    if row.get(column) not in (None, ""):
                        row[column] = None
                        self.report[(table, column, entity, "redact")] += 1
            elif action == "hash":
                for row in group:
                    value, count = pseudonymise_numbers(
                        row.get(column), self.hash_key, whole=column == rule.npwp
                    )
                    if count:
                        row[column] = value
                        self.report[(table, column, entity, "hash")] += count
                self._check_kept(table, column, kept, group)

    def _check_kept(
        self,
        table: str,
        column: str,
        policy: ColumnPolicy,
        rows: list[dict[str, Any]],
        company: bool = False,
        label: str = "",
    ) -> None:
        """Search a kept column for identifiers; those found fail closed (``identifiers.py``).

        A company's NPWP is allowed in ``identifier`` and ``organisation`` columns (and
        in a supplier row the rule table calls a company's, any NPWP that is not a
        person's); any other identifier becomes its pseudonym or ``<ENTITY>``.
        """
        if not hasattr(self.scanner, "findings_many"):  # a stand-in scanner: names only
            return
        targets = _kept_targets(rows, column, policy.role)
        memo = self._memoise_kept(policy, targets, company, f"{table}.{column}")
        for value in targets:
            new, changed = memo[value]
            if not changed:
                continue
            for row in targets[value]:
                row[column] = new
                for entity, operator in changed:
                    self.report[(table, label or column, entity, operator)] += 1

    def _memoise_kept(
        self, policy: ColumnPolicy, targets: dict[str, Any], company: bool, where: str
    ) -> dict[str, tuple[str, list[Any]]]:
        """The memo of kept values for ``policy.role``, with every value of ``targets`` in it.

        The same ids and dates recur in every table: each value is searched once, and
        only for the identifiers it could hold.
        """
        from .identifiers import NPWP_ROLES, npwp_by_structure, protect, server_address
        from .suppliers import npwp_kind

        memo = self._kept_memo.setdefault((policy.role, company), {})
        if len(memo) > KEPT_MEMO:
            memo.clear()
        values, found = self._kept_findings(targets, memo, where)

        def allowed(entity: str, span: str) -> bool:
            if entity != "NPWP" or policy.role not in NPWP_ROLES:
                return False
            kind = npwp_kind(span)
            return kind == "company" or (company and kind != "individual")

        mode = "hash" if policy.role == "identifier" else "auto"
        for value, findings in zip(values, found, strict=True):
            findings = [f for f in findings if not server_address(value, f)]
            if policy.role == "identifier":
                findings = [*findings, *npwp_by_structure(value)]
            memo[value] = (
                protect(value, findings, self.hash_key, allowed=allowed, mode=mode)
                if findings
                else (value, [])
            )
        return memo

    def _kept_findings(
        self, targets: dict[str, Any], memo: dict[str, tuple[str, list[Any]]], where: str
    ) -> tuple[list[str], list[list[Any]]]:
        """The values not yet in ``memo`` that could hold an identifier, and what was found.

        Values that could hold none go straight into ``memo``, unchanged.
        """
        from .identifiers import identifier_entities

        asks: dict[tuple[str, ...], list[str]] = {}
        for value in targets:
            if value not in memo:
                wanted = tuple(identifier_entities(value))
                if wanted:
                    asks.setdefault(wanted, []).append(value)
                else:
                    memo[value] = (value, [])
        values: list[str] = []
        found: list[list[Any]] = []
        try:
            for wanted, group in asks.items():
                values.extend(group)
                found.extend(self.scanner.findings_many(group, list(wanted)))
        except PrivacyError:
            raise
        except Exception as error:
            raise PrivacyError(f"{where}: scan failed: {type(error).__name__}") from error
        return values, found

    def _scan_column(
        self, table: str, column: str, policy: ColumnPolicy, rows: list[dict[str, Any]]
    ) -> None:
        """``scan`` a whole column at once: one Presidio call per batch of distinct texts."""
        targets = []
        for row in rows:
            value = row.get(column)
            if isinstance(value, str) and value:
                targets.append((row, value))
            elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**6:
                targets.append((row, str(value)))
        if not targets:
            return
        scanner = self._scanner_for(policy)
        try:
            results = scanner.scan_many([value for _, value in targets])
        except PrivacyError:
            raise
        except Exception as error:
            raise PrivacyError(f"{table}.{column}: scan failed: {type(error).__name__}") from error
        for (row, value), (redacted, kinds) in zip(targets, results, strict=True):
            if redacted != value or isinstance(row[column], str):
                row[column] = redacted
            for kind in kinds:
                self.report[(table, column, kind, "replace")] += 1

    def remember_scans(self, memo: Any) -> None:
        """Give every scanner of this redactor ``memo`` (None: stop using one).

        The runner gives the previous publication's scans to the derived tables of an
        incremental run: a red flag's detail that did not change is not scanned again.
        """
        for scanner in (self.scanner, self._named_scanner, self._officials_scanner):
            if scanner is not None and hasattr(scanner, "memo"):
                scanner.memo = memo
        self._memo = memo

    def _scanner_for(self, policy: ColumnPolicy) -> Any:
        """Officials' columns keep names; organisation, place and derived ones names and places."""
        if policy.role in IDENTIFIERS_ONLY_ROLES:
            if self._named_scanner is None:
                self._named_scanner = self.scanner.without("PERSON", "ADDRESS")
                self._named_scanner.memo = self._memo
            return self._named_scanner
        if policy.official:
            if self._officials_scanner is None:
                self._officials_scanner = self.scanner.without("PERSON")
                self._officials_scanner.memo = self._memo
            return self._officials_scanner
        return self.scanner

    def plan(self, table: str, column: str, rows: list[dict[str, Any]]) -> ColumnPolicy:
        """The policy applied to ``table.column`` for these rows."""
        fixed = self._plans.get((table, column))
        return fixed if fixed is not None else self._decide(table, column, rows)

    def fix(self, table: str, columns: list[str], sample: list[dict[str, Any]]) -> None:
        """Decide every column's plan once from a sample; later batches keep it."""
        for column in columns:
            self._plans[(table, column)] = self._decide(table, column, sample)

    def settle(self, table: str, sample: list[dict[str, Any]]) -> list[str]:
        """Decide once, from rows sampled across a run's batches, the plans that hold for it.

        Left to each batch: columns privacy.yml keeps or lists under ``officials`` (every
        batch is searched for NIK, KK and NIP there, and that costs nothing when no value
        has 16 digits), and unlisted columns with fewer than ``SETTLE_VALUES`` values in
        the sample (too few to decide for the whole run). Returns the settled columns.
        """
        settled = []
        for column in dict.fromkeys(c for row in sample for c in row):
            listed = self.policy.listed(table, column)
            if listed is not None and (listed.operator == "keep" or listed.official):
                continue
            values = sum(row.get(column) not in (None, "") for row in sample)
            if listed is None and values < SETTLE_VALUES:
                continue
            self._plans[(table, column)] = self._decide(table, column, sample)
            self.settled[(table, column)] = values
            settled.append(column)
        return settled

    def plans(self) -> dict[tuple[str, str], ColumnPolicy]:
        """The plans decided for the whole run, to hand to a redactor in another process."""
        return dict(self._plans)

    def adopt(self, plans: dict[tuple[str, str], ColumnPolicy]) -> None:
        """Take the run-wide plans another redactor decided (a Dask worker's, from its recipe)."""
        self._plans.update(plans)

    def decisions(self) -> list[dict[str, Any]]:
        """The run-wide plans (``settle``) for the privacy report: what and why, never a value."""
        out = []
        for (table, column), values in sorted(self.settled.items()):
            plan = self._plans[(table, column)]
            detection = self.detections.get((table, column))
            out.append(
                {
                    "table": table,
                    "column": column,
                    "operator": plan.operator,
                    "entity": plan.entity,
                    "role": plan.role,
                    "listed": self.policy.listed(table, column) is not None,
                    "sampled_values": values,
                    "detected": detection.as_dict() if detection else None,
                }
            )
        return out

    def _decide(self, table: str, column: str, rows: list[dict[str, Any]]) -> ColumnPolicy:
        listed = self.policy.listed(table, column)
        if listed is not None and listed.operator not in ("keep", "scan") and not listed.official:
            return listed
        if listed is not None and listed.operator == "scan" and not listed.official:
            return listed
        if listed is not None and not _LONG_DIGITS.search(
            "\n".join([str(r.get(column)) for r in rows])
        ):
            return listed  # kept or officials': no value could be a NIK, KK or NIP
        detection = self._detect(table, column, rows)
        if listed is not None:
            if (
                (listed.operator == "keep" or listed.official)
                and detection.entity in NEVER_PUBLISHED
                and listed.role not in (*NAMED_ROLES, "identifier")
            ):
                what = "officials" if listed.official else "keep"
                raise PrivacyError(
                    f"{table}.{column}: privacy.yml says {what}, but the column holds "
                    f"{detection.entity} values ({detection.source}); NIK, KK and NIP are "
                    "never published"
                )
            return listed
        role = role_from_name(column)
        if role and detection.entity in ("", "PERSON", "ADDRESS") and not detection.free_text:
            # An organisation or place column: names and places are the facts it holds.
            return ColumnPolicy("scan", role=role)
        if detection.entity in SAFE_DEFAULTS and self.policy.default.operator != "keep":
            return ColumnPolicy(SAFE_DEFAULTS[detection.entity], detection.entity)
        return self.policy.default

    def _detect(self, table: str, column: str, rows: list[dict[str, Any]]) -> Detection:
        if not hasattr(self.scanner, "findings"):  # a stand-in scanner: names only
            detection = Detection(entity_from_name(column), "name")
        else:
            detection = detect_column(column, (r.get(column) for r in rows), self.scanner)
        self.detections[(table, column)] = detection
        return detection

    def _apply(self, table: str, column: str, policy: ColumnPolicy, row: dict[str, Any]) -> None:
        value = row.get(column)
        operator = policy.operator
        entity = policy.entity or "PERSONAL_DATA"
        if operator == "drop":
            row.pop(column, None)
            if value not in (None, ""):
                self.report[(table, column, entity, "drop")] += 1
            return
        if value in (None, ""):
            return
        try:
            if operator == "scan":
                if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**6:
                    scanned = self.text(table, column, str(value), policy.official)
                    if scanned != str(value):
                        row[column] = scanned
                elif isinstance(value, str):
                    row[column] = self.text(table, column, value, policy.official)
            elif operator == "json":
                row[column] = self.document(table, column, value, policy.json)
            elif operator == "redact":
                row[column] = None
                self.report[(table, column, entity, "redact")] += 1
            elif operator == "replace":
                row[column] = replace_value(policy.entity)
                self.report[(table, column, entity, "replace")] += 1
            elif operator == "hash":
                row[column] = hash_value(value, self.hash_key)
                self.report[(table, column, entity, "hash")] += 1
            elif operator == "mask":
                row[column] = mask_value(value, policy.keep_last)
                self.report[(table, column, entity, "mask")] += 1
            elif operator == "generalise":
                row[column] = generalise(value, policy.entity)
                self.report[(table, column, entity, "generalise")] += 1
        except PrivacyError:
            raise
        except Exception as error:
            raise PrivacyError(
                f"{table}.{column}: {operator} failed: {type(error).__name__}"
            ) from error

    def text(self, table: str, column: str, value: str, official: bool = False) -> str:
        """Free text with every personal-data span replaced (officials' names kept)."""
        scanner = self.scanner
        if official:
            if self._officials_scanner is None:
                self._officials_scanner = scanner.without("PERSON")
                self._officials_scanner.memo = self._memo
            scanner = self._officials_scanner
        redacted: str
        redacted, kinds = scanner.scan(value)
        for kind in kinds:
            self.report[(table, column, kind, "replace")] += 1
        return redacted

    def document(self, table: str, column: str, value: Any, name: str) -> Any:
        """A JSON document: listed paths dropped, other strings scanned."""
        value = self._parsed(table, column, value, name)
        rules = self.policy.documents[name]
        if self.prefetch and not isinstance(value, str):
            self._prefetch([value], rules, f"{table}.{column}")
        return self._redacted(table, column, value, rules)

    def _documents(
        self, table: str, column: str, policy: ColumnPolicy, rows: list[dict[str, Any]]
    ) -> None:
        """A JSON column, as ``document`` does each value, with one prefetch for all of them."""
        rules = self.policy.documents[policy.json]
        try:
            parsed = [
                (row, self._parsed(table, column, row[column], policy.json))
                for row in rows
                if row.get(column) not in (None, "")
            ]
            documents = [value for _, value in parsed if not isinstance(value, str)]
            self._prefetch(documents, rules, f"{table}.{column}")
            for row, value in parsed:
                row[column] = self._redacted(table, column, value, rules)
        except PrivacyError:
            raise
        except Exception as error:  # as ``_apply`` says it, value by value
            raise PrivacyError(f"{table}.{column}: json failed: {type(error).__name__}") from error

    def _parsed(self, table: str, column: str, value: Any, name: str) -> Any:
        """The document with its listed paths dropped (counted); a text that is not JSON as is."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return value
        for path in self.policy.documents[name]["drop"]:
            removed = _drop_path(value, path)
            if removed:
                self.report[(table, f"{column}:{'.'.join(path)}", "PERSONAL_DATA", "drop")] += (
                    removed
                )
        return value

    def _redacted(self, table: str, column: str, value: Any, rules: dict[str, Any]) -> Any:
        """A parsed document walked; a value that was not JSON scanned as free text."""
        if isinstance(value, str):
            return self.text(table, column, value)
        return self._walk(value, table, column, rules, ())

    def _prefetch(self, documents: list[Any], rules: dict[str, Any], where: str) -> None:
        """Scan the documents' strings, and search those the walk keeps, in one batch each."""
        from .prefetch import prefetch

        prefetch(self.scanner, documents, rules)
        self._prefetch_kept(documents, rules, where)

    def _prefetch_kept(self, documents: list[Any], rules: dict[str, Any], where: str) -> None:
        """Search the strings the walk keeps for identifiers in one batch per role.

        The walk then finds each of them in the memo (``_check_kept``) instead of asking
        Presidio once per value; what it replaces and counts is unchanged.
        """
        if not hasattr(self.scanner, "findings_many"):
            return
        from .identifiers import might_hold
        from .prefetch import kept_strings

        groups: dict[str, dict[str, Any]] = {}
        for document in documents:
            for key, text, scanned in kept_strings(document, rules):
                if scanned:  # an id the walk scans as text first (a cache hit by now)
                    text = self.scanner.scan(text)[0]
                if text and might_hold(text):
                    groups.setdefault("identifier" if key == "id" else "", {})[text] = []
        for role, targets in groups.items():
            self._memoise_kept(ColumnPolicy("keep", role=role), targets, False, where)

    def _walk(
        self, node: Any, table: str, column: str, rules: dict[str, Any], path: tuple[Any, ...]
    ) -> Any:
        """Scan every string, except under ``keep_keys`` — unless the path is in ``scan``."""
        if isinstance(node, dict):
            forced = any(_within(path, p) for p in rules["scan"])
            return {
                k: self._kept_node(v, table, column, k)
                if (k in rules["keep_keys"] and not forced)
                else self._walk(v, table, column, rules, (*path, k))
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [self._walk(v, table, column, rules, (*path, "*")) for v in node]
        if isinstance(node, str) and node:
            scanned = self.text(table, column, node)
            if path and path[-1] == "id":
                # An id scanned as text (``parties.*.identifier.id``): a bare NPWP has no
                # cue there, so it is also checked as an identifier column would be.
                return self._kept_node(scanned, table, column, "id")
            return scanned
        return node

    def _kept_node(self, node: Any, table: str, column: str, key: str) -> Any:
        """A value kept under ``keep_keys``, still searched for identifiers.

        Under ``id`` a company's NPWP is allowed and other identifiers become pseudonyms
        (as in the ``identifier`` columns holding the same ids).
        """
        if isinstance(node, dict):
            return {k: self._kept_node(v, table, column, key) for k, v in node.items()}
        if isinstance(node, list):
            return [self._kept_node(v, table, column, key) for v in node]
        if not isinstance(node, str) or not node or not hasattr(self.scanner, "findings_many"):
            return node
        from .identifiers import might_hold

        if not might_hold(node):
            return node
        row = {key: node}
        role = "identifier" if key == "id" else ""
        self._check_kept(table, key, ColumnPolicy("keep", role=role), [row], label=column)
        return row[key]


def _kept_targets(
    rows: list[dict[str, Any]], column: str, role: str
) -> dict[str, list[dict[str, Any]]]:
    """The text values of a kept column, each with the rows that hold it.

    A whole number is searched in an identifier column, and elsewhere only when it has a
    NIK's 16 digits: other numbers are amounts and counts (628_960_000_000 is shaped like
    a +62 phone number and must stay an amount).
    """
    targets: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        value = row.get(column)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**6:
            if role == "identifier" or len(str(abs(value))) == 16:
                value = str(value)
        if isinstance(value, str) and value:
            targets.setdefault(value, []).append(row)
    return targets


def _within(path: tuple[Any, ...], pattern: list[str]) -> bool:
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
