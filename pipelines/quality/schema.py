"""The quality stage: every row is checked against its table's Frictionless Table Schema.

A row that breaks its schema (a missing key, a wrong type, a value outside its
constraints) is quarantined with the check, column, value and reason — never silently
dropped. Frictionless' own cell readers decide; a cheap type test in front of them skips
the cells that obviously pass, which is most of them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from ..batch import Batch

PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


NUMERIC_BOUNDS = {"minimum": operator.ge, "maximum": operator.le}
LENGTH_BOUNDS = {"minLength": operator.ge, "maxLength": operator.le}


def passes_fast(kind: str, constraints: dict[str, Any]) -> Callable[[Any], bool] | None:
    """A cheap test that a cell of this field obviously passes, or None if there is none.

    True only when Frictionless' reader would pass the cell too (a Python value of the
    field's type inside its enum, bounds and lengths); anything else goes to the reader,
    which decides and words the reason. Derived tables (risk components, scores) have
    bounded and enumerated columns on every row: the reader was most of their check.
    """
    types = PY_TYPES.get(kind)
    if types is None:
        return None
    tests: list[Callable[[Any], bool]] = []
    for name, bound in constraints.items():
        if name == "enum" and all(isinstance(v, str | int | float) for v in bound):
            allowed = frozenset(bound)
            tests.append(allowed.__contains__)
        elif name in NUMERIC_BOUNDS and kind in ("integer", "number") and _number(bound):
            compare = NUMERIC_BOUNDS[name]
            tests.append(lambda value, c=compare, b=bound: c(value, b))
        elif name in LENGTH_BOUNDS and kind in ("string", "array", "object") and _number(bound):
            compare = LENGTH_BOUNDS[name]
            tests.append(lambda value, c=compare, b=bound: c(len(value), b))
        else:
            return None  # pattern, unique, exclusive bounds...: the reader decides
    counts_bool = bool in types

    def typed(value: Any) -> bool:
        return isinstance(value, types) and (counts_bool or value.__class__ is not bool)

    if not tests:  # most columns: a type test alone, no closure over an empty list
        return typed
    if len(tests) == 1:
        (only,) = tests
        return lambda value: typed(value) and only(value)
    return lambda value: typed(value) and all(test(value) for test in tests)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class TableValidator:
    """Validates rows of one table against its Table Schema."""

    def __init__(self, table: str, schema: dict[str, Any]):
        from frictionless import Schema

        self.table = table
        self.schema = Schema.from_descriptor(schema)
        self.primary_key = list(self.schema.primary_key)
        self.fields = []
        for field in self.schema.fields:
            constraints = {k: v for k, v in (field.constraints or {}).items() if k != "required"}
            required = (
                bool((field.constraints or {}).get("required")) or field.name in self.primary_key
            )
            fast = passes_fast(field.type, constraints)
            self.fields.append((field.name, required, fast, field.create_cell_reader()))

    @property
    def columns(self) -> list[str]:
        """Column names in schema order."""
        return [name for name, *_ in self.fields]

    def row_key(self, row: dict[str, Any]) -> str:
        """The primary key of a row, as a readable string."""
        return "/".join(str(row.get(k)) for k in self.primary_key) if self.primary_key else ""

    def problems(self, row: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
        """``(check, column, reason, value)`` for each cell that fails; ``[]`` if valid."""
        found = []
        for name, required, fast, reader in self.fields:
            value = row.get(name)
            if value is None or value == "":
                if required:
                    found.append(("missing-value", name, f"{name} is required", None))
                continue
            if fast is not None and fast(value):
                continue
            _, notes = reader(value)
            if notes:
                check = "type-error" if "type" in notes else "constraint-error"
                found.append((check, name, "; ".join(notes.values()), value))
        return found


def validators_for(
    schemas: dict[str, dict], columns: Callable[[str, list[str]], list[str]] | None = None
) -> dict[str, TableValidator]:
    """One validator per table schema; ``columns`` keeps only published columns."""
    validators = {}
    for table, schema in schemas.items():
        if columns is not None:
            keep = set(columns(table, [f["name"] for f in schema["fields"]]))
            schema = {**schema, "fields": [f for f in schema["fields"] if f["name"] in keep]}
        validators[table] = TableValidator(table, schema)
    return validators


def count_entering(batch: Batch) -> Batch:
    """Count every row as it enters privacy and quality, for the run's reconciliation.

    Rows waiting in ``batch.tables`` and rows already set aside upstream (in
    ``batch.quarantine``) are counted per table; at the end of the run each table must
    account for them as published, quarantined or duplicates.
    """
    for table, rows in batch.tables.items():
        batch.counts[f"entered:{table}"] += len(rows)
    for entry in batch.quarantine:
        batch.counts[f"entered:{entry['table']}"] += 1
    return batch


def check_batch(batch: Batch, validators: dict[str, TableValidator]) -> Batch:
    """Move rows that fail their schema from ``batch.tables`` to ``batch.quarantine``."""
    for table, rows in batch.tables.items():
        validator = validators.get(table)
        if validator is None:
            continue
        kept = []
        for row in rows:
            problems = validator.problems(row)
            if not problems:
                kept.append(row)
                continue
            check, column, reason, value = problems[0]
            if len(problems) > 1:
                reason += (
                    f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
                )
            batch.reject(
                table, validator.row_key(row), check, reason, row=row, column=column, value=value
            )
        batch.tables[table] = kept
    return batch
