"""Redact or scan any CSV file: the work behind ``terbuka redact`` and ``terbuka scan``.

The file keeps its shape: the same rows in the same order, every column (unless the
policy drops it), personal data replaced in place. Column plans are decided once from a
sample of the first rows, so every row of a column is treated alike, then rows go through
the redactor in chunks — on both cores for large files (forked workers inherit the
analyzer instead of rebuilding it). In a row whose address was removed, coordinate-like
columns (latitude/longitude, projected X/Y, a coordinate pair) are rounded to about a
kilometre and parcel ids blanked: they would point at the same door.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analyzer import PrivacyError
from .generalise import coordinate_kind, generalise_coordinate
from .policy import PrivacyPolicy, load_policy
from .redactor import Redactor

TABLE = "csv"
SAMPLE_ROWS = 1000
CHUNK = 2000
POOL_MIN_ROWS = 20_000
PLACEHOLDER = "<ADDRESS>"  # what the scanner leaves where it removed an address
DELIMITERS = ",;\t|"


class CsvError(ValueError):
    """The file cannot be read as CSV: one line naming the file (and row)."""


@dataclass
class CsvTable:
    """A CSV file read whole: header, rows as lists, and how to write it back."""

    header: list[str]
    rows: list[list[str]]
    delimiter: str
    encoding: str
    columns: list[str] = field(default_factory=list)

    def __post_init__(self):
        width = max([len(self.header), *(len(r) for r in self.rows)]) if self.rows else 0
        self.columns = [name or f"column_{i + 1}" for i, name in enumerate(self.header)] + [
            f"column_{i + 1}" for i in range(len(self.header), width)
        ]


def read_csv(path: Path) -> CsvTable:
    """Read a CSV in UTF-8 (with or without BOM) or Windows-1252, any usual delimiter."""
    data = path.read_bytes()
    if not data.strip():
        raise CsvError(f"{path}: the file is empty")
    if b"\x00" in data[:4096]:
        raise CsvError(f"{path}: not a CSV file (binary content)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise CsvError(f"{path}: unknown text encoding")
    first = text.splitlines()[0] if text.splitlines() else ""
    delimiter = max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise CsvError(f"{path}: not readable as CSV: {error}") from None
    rows = [r for r in rows if r]
    return CsvTable(rows[0], rows[1:], delimiter, encoding)


def write_csv(table: CsvTable, header: list[str], rows: list[list[Any]], path: Path) -> None:
    """Write atomically (a temporary file renamed into place), UTF-8, same delimiter."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=table.delimiter)
            writer.writerow(header)
            writer.writerows(["" if v is None else v for v in row] for row in rows)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def policy_from(path: Path | None) -> PrivacyPolicy:
    """The policy in a privacy.yml file (``csv.<column>`` or ``*.<column>`` entries)."""
    if path is None:
        return load_policy({"default": "scan"})
    import yaml

    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise CsvError(f"{path}: cannot read the policy: {error}") from None
    if not isinstance(data, dict):
        raise CsvError(f"{path}: a privacy policy is a mapping (see docs/privacy.md)")
    return load_policy(data, path)


def as_dicts(table: CsvTable, rows: list[list[str]]) -> list[dict[str, Any]]:
    """Rows as dicts over ``table.columns`` (missing cells are absent, not empty)."""
    return [dict(zip(table.columns, row, strict=False)) for row in rows]


@dataclass
class Locator:
    """The columns that locate a row: addresses, and the coordinates that follow them."""

    addresses: list[str]
    coordinates: dict[str, str]  # column → coordinate_kind

    def generalise(
        self, before: list[dict[str, Any]], after: list[dict[str, Any]], report: Counter
    ) -> None:
        """Coarsen the coordinates of every row whose address the redactor removed.

        An address is removed when an address column's value changed, or when a scanned
        text gained an ``<ADDRESS>`` placeholder.
        """
        if not self.coordinates:
            return
        for old, row in zip(before, after, strict=True):
            if not self._lost_address(old, row):
                continue
            for column, kind in self.coordinates.items():
                value = row.get(column)
                if value in (None, ""):
                    continue
                coarse = generalise_coordinate(value, kind)
                if coarse != value:
                    row[column] = coarse
                    report[(TABLE, column, "LOCATION", "generalise")] += 1

    def _lost_address(self, old: dict[str, Any], row: dict[str, Any]) -> bool:
        if any(old.get(a) not in (None, "") and row.get(a) != old.get(a) for a in self.addresses):
            return True
        return any(
            isinstance(value, str) and PLACEHOLDER in value and PLACEHOLDER not in str(old.get(c))
            for c, value in row.items()
        )


def locator(redactor: Redactor, columns: list[str]) -> Locator:
    """Address columns (by their plan) and coordinate-like ones (by name) of a fixed plan.

    A coordinate column privacy.yml explicitly keeps is left alone: the steward decided.
    """
    addresses = []
    for column in columns:
        plan = redactor.plan(TABLE, column, [])
        detection = redactor.detections.get((TABLE, column))
        found = plan.entity or (detection.entity if detection else "")
        if found == "ADDRESS" and plan.operator != "keep":
            addresses.append(column)
    coordinates = {}
    for column in columns:
        kind = coordinate_kind(column)
        listed = redactor.policy.listed(TABLE, column)
        if kind and column not in addresses and not (listed and listed.operator == "keep"):
            coordinates[column] = kind
    return Locator(addresses, coordinates)


_WORKER: tuple[Redactor, CsvTable, Locator] | None = None


def _redact_chunk(rows: list[list[str]]) -> tuple[list[dict[str, Any]], Counter]:
    assert _WORKER is not None
    redactor, table, locate = _WORKER
    redactor.report.clear()
    before = as_dicts(table, rows)
    dicts = redactor.rows(TABLE, as_dicts(table, rows))
    report = Counter(redactor.report)
    locate.generalise(before, dicts, report)
    return dicts, report


def _chunks(rows: list[list[str]]) -> Iterator[list[list[str]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def redact_table(
    table: CsvTable, redactor: Redactor, workers: int | None = None
) -> tuple[list[str], list[list[Any]]]:
    """Redact every row; return the published header and rows (dropped columns removed)."""
    global _WORKER
    redactor.fix(TABLE, table.columns, as_dicts(table, table.rows[:SAMPLE_ROWS]))
    kept = redactor.policy.published_columns(TABLE, table.columns)
    kept = [c for c in kept if redactor.plan(TABLE, c, []).operator != "drop"]
    _WORKER = (redactor, table, locator(redactor, table.columns))
    workers = workers or min(2, os.cpu_count() or 1)
    pooled = (
        workers > 1
        and len(table.rows) >= POOL_MIN_ROWS
        and "fork" in multiprocessing.get_all_start_methods()
    )
    out: list[list[Any]] = []
    report: Counter = Counter()
    if pooled:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.imap(_redact_chunk, _chunks(table.rows))
            for dicts, counts in results:
                out.extend([row.get(c) for c in kept] for row in dicts)
                report.update(counts)
    else:
        for chunk in _chunks(table.rows):
            dicts, counts = _redact_chunk(chunk)
            out.extend([row.get(c) for c in kept] for row in dicts)
            report.update(counts)
    redactor.report = report
    return kept, out


def column_summary(redactor: Redactor, columns: list[str]) -> list[dict[str, Any]]:
    """Per column: what it holds, the operator applied, and counts per entity (no values)."""
    summary = []
    for column in columns:
        plan = redactor.plan(TABLE, column, [])
        detection = redactor.detections.get((TABLE, column))
        found = Counter()
        for (_, name, entity, _operator), count in redactor.report.items():
            if name == column:
                found[entity] += count
        summary.append(
            {
                "column": column,
                "detected": detection.entity if detection else "",
                "source": detection.source if detection else "",
                "operator": plan.operator,
                "found": dict(sorted(found.items())),
            }
        )
    return summary


def scan_table(table: CsvTable, scanner: Any, redactor: Redactor) -> list[dict[str, Any]]:
    """What each column holds and how many values of each entity its cells contain."""
    redactor.fix(TABLE, table.columns, as_dicts(table, table.rows[:SAMPLE_ROWS]))
    result = []
    for index, column in enumerate(table.columns):
        found: Counter = Counter()
        cells = 0
        for row in table.rows:
            if index < len(row) and row[index]:
                cells += 1
                try:
                    found.update(scanner.count(row[index]))
                except PrivacyError:
                    raise
        detection = redactor.detections.get((TABLE, column))
        result.append(
            {
                "column": column,
                "cells": cells,
                "detected": detection.entity if detection else "",
                "source": detection.source if detection else "",
                "operator": redactor.plan(TABLE, column, []).operator,
                "found": dict(sorted(found.items())),
            }
        )
    return result
