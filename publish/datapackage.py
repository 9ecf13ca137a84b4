"""Write the Frictionless Data Package: ``datapackage.json`` and one CSV per table.

The package is the exchange format: it must validate with Frictionless' own validator,
not only with ours, so the runner validates it with ``frictionless`` before publishing.
"""

from __future__ import annotations

import copy
import csv
import gzip
import hashlib
import io
import json
import multiprocessing
import signal
from collections.abc import Container, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import sqlite_utils

from terbuka.metadata import Descriptor

from . import foreign_keys
from .database import SYSTEM_TABLES

# How write_csv() writes every CSV, declared on each resource: readers need not guess
# (and Frictionless does not sniff it: publish/declared_csv.py).
DIALECT = {"delimiter": ",", "lineTerminator": "\n", "quoteChar": '"', "doubleQuote": True}
# zlib's own default; Python's gzip module would use 9, its slowest.
GZIP_LEVEL = 6
SYSTEM_SCHEMA_TYPES = {str: "string", int: "integer", float: "number"}
SYSTEM_DESCRIPTIONS = {
    "_quarantine": "Rows that were not published, with the check that rejected them and why.",
    "_quality_notes": "Problems found in rows that were still published (e.g. an unreadable date set to null).",
    "_privacy": "How many personal-data values were removed, per table, column, entity type and operator.",
    "_runs": "Every run that built this dataset: inputs, counts, checks and software versions.",
    "_changes": "Every row added, changed or removed since the previous publication (changed columns with old and new values, as published).",
    "_quality": "The quality score and every quality finding of this publication: flags, business rules, rows accounted for per table, completeness per column.",
}


def system_schema(table: str) -> dict[str, Any]:
    """The Table Schema of a system table."""
    return {
        "fields": [
            {"name": name, "type": SYSTEM_SCHEMA_TYPES[kind]}
            for name, kind in SYSTEM_TABLES[table].items()
        ]
    }


def write_csv(
    db: sqlite_utils.Database, table: str, columns: list[str], path: Path, gzipped: bool = False
) -> int:
    """Stream a table to CSV (UTF-8, a header row, Unix line ends); returns the row count."""
    count = 0
    quoted = ", ".join(f"[{c}]" for c in columns)
    with _text_output(path, gzipped) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in db.execute(f"select {quoted} from [{table}] order by rowid"):
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    return count


@contextmanager
def _text_output(path: Path, gzipped: bool) -> Iterator[TextIO]:
    """A UTF-8 text file to write, gzipped or not.

    The gzip header carries no file name and no time, so the same rows give the same
    bytes and hash in every run (a catalog then sees an unchanged file as unchanged).
    """
    if not gzipped:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            yield handle
        return
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(
            filename="", mode="wb", fileobj=raw, compresslevel=GZIP_LEVEL, mtime=0
        ) as packed,
        io.TextIOWrapper(packed, encoding="utf-8", newline="") as handle,
    ):
        yield handle


def csv_file_name(table: str, gzipped: bool = False) -> str:
    """``tenders.csv``, or ``tenders.csv.gz``: the extension tells readers the compression."""
    return f"{table}.csv.gz" if gzipped else f"{table}.csv"


def integrity(path: Path) -> dict[str, Any]:
    """A resource's ``bytes`` and ``hash`` (``sha256:…``, as the Data Package spec writes it)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return {"bytes": size, "hash": f"sha256:{digest.hexdigest()}"}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def package_tables(schemas: dict[str, dict]) -> dict[str, dict]:
    """Every table the package holds, in its order: the data tables, then the system tables."""
    return {**schemas, **{t: system_schema(t) for t in SYSTEM_TABLES}}


def write_resources(
    db: sqlite_utils.Database,
    folder: Path,
    descriptor: Descriptor,
    tables: dict[str, dict],
    gzipped: Container[str] = (),
) -> dict[str, dict[str, Any]]:
    """Write each table's CSV to ``folder/data``; return its resource entry, by table.

    ``bytes`` and ``hash`` are those of the CSV as written: each file is written once.
    A table in ``gzipped``: ``data/<table>.csv.gz`` with ``compression: gz`` (the Data
    Package recipe "Compression of Resources": ``bytes`` and ``hash`` are the compressed
    file's).
    """
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    resources = {}
    for table, schema in tables.items():
        gz = table in gzipped
        path = data / csv_file_name(table, gz)
        write_csv(db, table, [f["name"] for f in schema["fields"]], path, gz)
        settings = descriptor.tables.get(table, {})
        resources[table] = {
            "name": table,
            "path": f"data/{path.name}",
            "profile": "tabular-data-resource",
            "format": "csv",
            **({"compression": "gz"} if gz else {}),
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": dict(DIALECT),
            "title": descriptor_text(settings.get("title")) or table,
            "description": descriptor_text(settings.get("description"))
            or SYSTEM_DESCRIPTIONS.get(table, ""),
            "schema": _resource_schema(schema),
            **integrity(path),
        }
    return resources


def package_descriptor(
    descriptor: Descriptor, resources: list[dict[str, Any]], extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``datapackage.json`` of a dataset with these resources (not yet written)."""
    source = descriptor.get("source") or {}
    publisher = descriptor.get("publisher") or {}
    package = {
        "profile": "tabular-data-package",
        "name": descriptor.name,
        "title": descriptor.text("title", "en") or descriptor.name,
        "description": descriptor.text("description", "en"),
        "version": descriptor.get("version", "1.0"),
        "licenses": [descriptor.licence.as_datapackage()],
        "sources": [{"title": descriptor_text(source.get("title")) or "source", **({"path": source["url"]} if source.get("url") else {})}] if source else [],
        "contributors": [
            {"title": publisher["name"], "role": "publisher",
             **({"path": publisher["url"]} if publisher.get("url") else {})}
        ] if publisher.get("name") else [],
        "keywords": descriptor.get("keywords", []),
        "resources": resources,
    }  # fmt: skip
    if descriptor.get("temporal"):  # the period the data covers (pipelines/coverage.py)
        package["temporal"] = descriptor.get("temporal")
    if extra:
        package.update(extra)
    return package


def write_descriptor(folder: Path, package: dict[str, Any]) -> Path:
    """Write ``folder/datapackage.json``; return its path."""
    path = folder / "datapackage.json"
    _write_json(path, package)
    return path


def descriptor_text(value: Any) -> str:
    """English text of a descriptor value (the Data Package is read worldwide)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.get("en") or next(iter(value.values()), "")


def _resource_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of a Table Schema whose empty strings read as nulls (our CSVs write null as '')."""
    copy = json.loads(json.dumps(schema))
    copy["missingValues"] = [""]
    return copy


def open_package(path: Path | str, package: dict[str, Any] | None = None) -> Any:
    """A Frictionless ``Package`` of a written ``datapackage.json``, whatever its folder is called.

    Given a path string, Frictionless expands ``*``, ``?`` and ``[…]`` as a glob, so an
    ``--out`` folder named ``data [2024]`` or ``site*`` opened another package (or none).
    The descriptor is read here and handed over as data, with its folder as ``basepath``.
    """
    from frictionless import Package

    from .declared_csv import register

    register()
    path = Path(path)
    descriptor = copy.deepcopy(package) if package else json.loads(path.read_text("utf-8"))
    return Package(descriptor, basepath=str(path.parent))


def validate_package(
    path: Path,
    workers: int = 1,
    sample_rows: int | None = None,
    package: dict[str, Any] | None = None,
    db: sqlite_utils.Database | None = None,
) -> list[str]:
    """Validate with Frictionless; one line per error (at most 20), ``[]`` when valid.

    ``package``: a descriptor not yet written to ``path`` (its resources' CSVs are); the
    runner validates the tables before the ``_quality`` table that reports the verdict.

    ``sample_rows``: the lean check. Every published row was already checked against the
    same Table Schema before it was written, so Frictionless validates the package's
    structure (descriptor, resources, headers against their schemas) and the first
    ``sample_rows`` rows of each table, in this process; ``None`` re-reads every cell.
    With the lean check, ``db`` (the database the CSVs were written from) checks every
    row's foreign keys in SQL instead of Frictionless' lookups (``foreign_keys.py``).

    Frictionless' own ``parallel=True`` is refused for packages with foreign keys, so with
    ``workers > 1`` each resource is validated (foreign keys included) in its own process.
    The processes come from a fork server, not from this (large) process: the keys
    Frictionless keeps for unique and foreign-key checks are then most of their memory.
    """
    if sample_rows is not None and db is not None:
        package = package or json.loads(Path(path).read_text("utf-8"))
        opened = open_package(path, foreign_keys.strip_foreign_keys(package, set(db.table_names())))
        errors = _validate_opened(opened, sample_rows)
        return (errors + foreign_keys.foreign_key_errors(db, package))[:20]
    opened = open_package(path, package)
    names = [r.name for r in opened.resources]
    if sample_rows is not None or workers <= 1 or len(names) <= 1:
        return _validate_opened(opened, sample_rows)
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["frictionless", __name__])
        pool = context.Pool(min(workers, len(names)), initializer=_quiet_worker)
        try:
            results = pool.starmap(
                _validate_resource, [(str(path), name, None, package) for name in names]
            )
            pool.close()
        finally:
            pool.terminate()
            pool.join()
    else:
        return _validate_opened(opened, None)
    return [message for messages in results for message in messages][:20]


def _quiet_worker() -> None:
    """Terminated workers exit without a traceback; Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _validate_resource(
    path: str, name: str, limit_rows: int | None = None, package: dict[str, Any] | None = None
) -> list[str]:
    from frictionless import system

    with system.use_context(trusted=True):
        report = open_package(path, package).validate(name=name, limit_rows=limit_rows)
    return _report_lines(report)[:20]


def _validate_opened(opened: Any, limit_rows: int | None) -> list[str]:
    """Every resource of one opened package, validated in this process.

    The package's descriptor is checked once, not once per resource: that repeated check
    was most of a small run's package stage.
    """
    from frictionless import system

    with system.use_context(trusted=True):
        report = opened.validate(limit_rows=limit_rows)
    return _report_lines(report)[:20]


def _report_lines(report: Any) -> list[str]:
    """One line per error of a Frictionless report, at most 20 per table."""
    messages = []
    for task in report.tasks:
        lines = []
        for error in task.errors:
            row = getattr(error, "row_number", None)
            lines.append(f"{task.name}" + (f", row {row}" if row else "") + f": {error.message}")
        messages.extend(lines[:20])
    messages.extend(error.message for error in report.errors)
    return messages
