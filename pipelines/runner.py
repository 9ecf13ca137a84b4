"""The runner: extract → transform → privacy → quality → package → publish → record.

Stages are plain functions over batches; the runner chains them, shows progress, and
writes the run record whatever happens. All work happens in a private staging database
and a build folder; the published files change only in the final swap, after every gate
has passed, so a failed or stopped run leaves the previous publication byte-for-byte
intact.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sqlite3
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from terbuka.metadata import Descriptor, DescriptorError
from terbuka.privacy import PrivacyError, Redactor, disclosure, load_policy, report, retention
from terbuka.publish import (
    changes,
    database,
    datapackage,
    lock,
    quality_report,
    site,
    swap,
    withdraw,
)
from terbuka.publish import versions as kept_versions

from . import (
    column_plans,
    coverage,
    dask_executor,
    descriptors,
    incremental,
    ingest,
    package_check,
    plugins,
    provenance,
    timings,
    work,
)
from .batch import Batch
from .errors import (
    EXIT_BAD_INPUT,
    EXIT_ENVIRONMENT,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_STOPPED,
    EnvironmentFault,
    GateStopped,
    InputError,
    TerbukaError,
    UsageError,
    disk_full_message,
    write_traceback,
)
from .progress import Progress
from .quality import Gate, load_plan, validators_for
from .quality.gate import QUALITY_TABLE, write_quality_table
from .readers import Input, hash_file, public_source
from .record import (
    RunRecord,
    change_reason,
    check_answers,
    note_record_error,
    reason_fields,
    record_path,
    runs_dir,
    write_record,
)
from .state import (
    claim_staging,
    hash_key,
    private_dir,
    release_staging,
    state_dir,
    sweep_staging,
)

VERSIONED_PACKAGES = (
    "terbuka", "datasette", "sqlite-utils", "frictionless", "presidio-analyzer",
    "presidio-anonymizer", "great-expectations", "ocdsmerge", "ckanapi",
)  # fmt: skip
STAGES = ("extract", "transform", "privacy", "quality", "package", "publish", "record")
BATCH_HINT = 500  # source records per unit, roughly: decides whether a worker pool pays off


@dataclass
class Run:
    """Everything one run knows; handed to stage hooks and written as the run record."""

    descriptor: Descriptor
    out_dir: Path
    state: Path
    run_id: str
    dry_run: bool = False
    workers: int | None = None
    full_check: bool = False
    csv_gzip: bool = False
    full: bool = False  # --full: no unit of the previous publication is reused
    reuse: incremental.Reuse | None = None
    executor: str = "local"  # local, dask or a Dask scheduler's address (dask_executor)
    cluster: dask_executor.Cluster | None = None  # started with the extract (dask_executor)
    inputs: list[Input] = field(default_factory=list)
    record: RunRecord = field(default_factory=lambda: RunRecord())
    build: Path | None = None
    staging_path: Path | None = None
    staging_fd: int | None = None
    lock: lock.RunLock | None = None
    quality: Counter = field(default_factory=Counter)
    privacy: Counter = field(default_factory=Counter)
    counts: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)
    reasons: list[str] = field(default_factory=list)
    stage: str | None = None  # the stage under way: ended (after_stage) by the next or the last


def new_run_id() -> str:
    """Sortable and unique: UTC time, its microseconds, a random suffix.

    ``20261205T065958Z-048213-cbab30``: the microseconds make two runs started in the same
    second sort in run order (versions, records and retention sort run ids as text). Ids
    made before them (``20261205T065958Z-cbab30``) still read: the first 16 characters
    are the time in both.
    """
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-%f-") + uuid.uuid4().hex[:6]


def now() -> str:
    """The current time, ISO 8601 in UTC."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def versions() -> dict[str, str]:
    """Versions of terbuka and the stack, for reproducibility."""
    found = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for name in VERSIONED_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found


def exit_code(record: RunRecord) -> int:
    """The process exit code for a run record (3 when the record itself was not written)."""
    status = record.get("status")
    if status in ("published", "unchanged"):
        return EXIT_ENVIRONMENT if record.get("record_errors") else EXIT_OK
    if status == "stopped":
        return EXIT_STOPPED
    return record.get("exit_code", EXIT_BAD_INPUT)


INTERRUPTED = "the run was interrupted before it published"


def run_dataset(
    dataset: str | Path,
    sources: list[str],
    out_dir: Path,
    *,
    dry_run: bool = False,
    force: bool = False,
    show_progress: bool = True,
    workers: int | None = None,
    wait: bool = False,
    publisher: dict[str, Any] | None = None,
    full_check: bool = False,
    csv_gzip: bool = False,
    note: str | None = None,
    answers: str | None = None,
    full: bool = False,
    executor: str = "local",
) -> RunRecord:
    """Run one dataset's pipeline end to end and return its run record (never raises).

    Holds the dataset's lock in ``out_dir`` (``wait``: wait for it, not exit 3) and first
    sweeps what dead runs left. ``publisher``: of the caller's inputs (the demo's city);
    ``note``/``answers``: why data changes (``record.reason_fields``); ``full_check``,
    ``csv_gzip``, ``executor``: ``package_check``, ``dask_executor``; ``full`` (implies
    ``force``): reuse nothing of the last publication (``incremental``).
    """
    record: RunRecord = {
        "run_id": new_run_id(),
        "dataset": str(dataset),
        "status": "failed",
        "started": now(),
        "dry_run": dry_run,
        "out": str(out_dir),
        "versions": versions(),
        **reason_fields(note, answers),
    }
    run: Run | None = None
    try:
        run = _new_run(dataset, out_dir, record, dry_run, workers, publisher)
        run.full_check, run.csv_gzip, run.full = full_check, csv_gzip, full
        run.executor = dask_executor.check_executor(executor)
        run.lock = _take_lock(run, wait)
        record["swept"] = _sweep(run)
        with Progress(enabled=show_progress) as progress:
            _execute(run, sources, progress, force or full)
    except (GateStopped, PrivacyError) as error:
        record.update(status="stopped", error=str(error), exit_code=EXIT_STOPPED)
    except (TerbukaError, DescriptorError) as error:  # bad input 2, the environment 3
        record.update(
            status="failed", error=str(error), exit_code=getattr(error, "exit_code", EXIT_BAD_INPUT)
        )
    except KeyboardInterrupt:
        record.update(status="stopped", error=INTERRUPTED, exit_code=EXIT_STOPPED)
    except Exception as error:
        _unexpected(record, error, run, out_dir)
    finally:
        if run is not None:
            _cleanup(run)
    _finish(record, run, out_dir)
    return record


def _new_run(
    dataset: str | Path,
    out_dir: Path,
    record: RunRecord,
    dry_run: bool,
    workers: int | None,
    publisher: dict[str, Any] | None = None,
) -> Run:
    """The run of a descriptor (loaded and validated) into ``out_dir``, which is created."""
    check_answers(out_dir, record.get("answers"))
    descriptor = descriptors.load(dataset)
    descriptor.provenance["given"] = publisher
    record["dataset"] = descriptor.name
    out_dir.mkdir(parents=True, exist_ok=True)
    return Run(
        descriptor,
        out_dir,
        state_dir(out_dir),
        record["run_id"],
        dry_run,
        workers,
        record=record,
    )


def _unexpected(record: RunRecord, error: Exception, run: Run | None, out_dir: Path) -> None:
    """A full disk is the environment (exit 3); anything else a bug (exit 4, traceback kept)."""
    full = disk_full_message(error, _being_written(run))
    if full:  # the environment, not a bug: one line that names the device and the file
        record.update(status="failed", error=full, exit_code=EXIT_ENVIRONMENT)
    else:  # a bug: one line for the user (no value: it may hold personal data),
        # the traceback kept for us
        log = write_traceback(runs_dir(out_dir), record["run_id"])
        record.update(
            status="failed",
            error=f"internal error: {type(error).__name__} (traceback in {log})",
            exit_code=EXIT_INTERNAL,
        )


def _finish(record: RunRecord, run: Run | None, out_dir: Path) -> None:
    """Whatever happened: the record written, the lock released, the quality report left."""
    timings.mark(record, None)
    if record.get("error"):
        record["error"] = without_personal_data(record["error"])
    record["finished"] = now()
    write_record(out_dir, record)
    if run is not None and run.lock is not None:
        run.lock.release()
    title = run.descriptor.text("title", "en") if run else ""
    quality_report.write_for_run(record_path(out_dir, record, quality_report.REPORT), record, title)


def without_personal_data(message: str) -> str:
    """An error line through the privacy stage's recognizers: the net behind ``shown``.

    Messages describe bad values by their kind, but a reader's or a library's message may
    still quote a cell (a header row taken from data, an openpyxl error). Lines that
    could hold an identifier, a phone number or an e-mail address are scanned; the rest
    (most lines) cost nothing. If the scanner itself fails, long digit runs go.
    """
    from terbuka.privacy.candidates import candidates
    from terbuka.privacy.scanner import TextScanner

    looked_past = ("IP_ADDRESS", "ADDRESS", "PERSON")
    if not set(candidates(message)) - set(looked_past):
        return message
    try:
        # Addresses of servers in URLs stay: they are where a source is, not who. Names
        # are not looked for: messages name files, rows, columns and kinds of value, and
        # the name model reads words such as "ValueError" or "boost" as people.
        scanner = TextScanner(keep=looked_past, extra_recognizers=tuple(plugins.recognizers()))
        return scanner.scan(message)[0]
    except Exception:  # fail closed: no scanner, no digits
        import re

        return re.sub(r"\d[\d .-]{5,}\d", "<NUMBER>", message)


def _being_written(run: Run | None) -> Path | None:
    """The file a run was most likely writing when the disk filled up."""
    if run is None:
        return None
    if run.build is not None:
        built = run.build / f"{run.descriptor.name}.db"
        return built if built.exists() else run.build
    return run.staging_path or run.out_dir


def _execute(run: Run, sources: list[str], progress: Progress, force: bool) -> None:
    """The stages in order, each a plain function between two hook points.

    ``before_stage`` and ``after_stage``: a stage that raises does not end.
    """
    pipeline = _pipeline(run.descriptor)
    policy = load_policy(run.descriptor.privacy, run.descriptor.folder / "privacy.yml")
    _stage(run, "extract", progress)
    if _read_inputs(run, sources, policy.retention_days, force) == "unchanged":
        _end_stage(run)
        return
    run.cluster = dask_executor.start(run.executor, run.workers)  # starts while we extract
    staging, rejects = _extract(run, pipeline, progress)
    provenance.apply(run.descriptor, run.inputs, run.record)  # the sources' own publisher
    published = _published_schemas(run, pipeline, policy)
    package_check.check_gzip_option(run.descriptor, datapackage.package_tables(published))
    plan = load_plan(run.descriptor, published)  # a broken rule file fails before any work
    from terbuka.privacy.scanner import TextScanner  # Presidio: not needed when unchanged

    key, key_origin = hash_key(run.state)
    run.record["hash_key"] = key_origin
    redactor = Redactor(policy, TextScanner(extra_recognizers=tuple(plugins.recognizers())), key)
    validators = validators_for(published)
    context = work.WorkContext(pipeline, redactor, validators, published)
    run.build = swap.build_dir(run.out_dir, run.run_id)
    db_path = run.build / f"{run.descriptor.name}.db"
    db = database.open_database(db_path)
    database.create_tables(db, published)
    writer = database.Writer(db, published)
    # Row-level privacy and row checks stream with the transform, batch by batch; the
    # privacy and quality stages proper (disclosure control, the gate) start after it.
    _stage(run, "transform", progress)
    _transform(run, pipeline, staging, rejects, writer, context, progress)
    # Disclosure control changes published values, so it comes before the quality gate,
    # and before derived tables, which are computed from the rows as published; only
    # aggregates that need the exact values (``derive_exact``) are computed before it.
    _stage(run, "privacy", progress)
    _disclosure_and_derived(run, pipeline, writer, context, policy, published)
    _stage(run, "quality", progress)
    gate = _quality_gate(run, pipeline, plan, published, db, db_path, progress)
    coverage.apply(run.descriptor, db, published, pipeline.primary_table, run.record)
    writer.system("_privacy", report.table_rows(run.run_id, run.privacy))
    gate.raise_if_stopped()
    _stage(run, "package", progress)
    folder = _package(run, pipeline, published, db, gate, progress)
    _stage(run, "publish", progress)
    if run.dry_run:
        run.record["published"] = {}
        _end_stage(run)
        return
    _publish(run, folder)
    incremental.commit(run.reuse, run.state, run.descriptor.name)
    _stage(run, "record", progress)
    _notify(run)
    _end_stage(run)


def _pipeline(descriptor: Descriptor) -> Any:
    """The registered pipeline the descriptor names, bound to it."""
    pipeline = plugins.pipelines().get(descriptor.pipeline)
    if pipeline is None:
        raise UsageError(
            f"{descriptor.folder}/dataset.yml: unknown pipeline {descriptor.pipeline!r}"
        )
    return pipeline(descriptor)


def _read_inputs(run: Run, sources: list[str], retention_days: Any, force: bool) -> str:
    """Purge expired raw data, then resolve and hash the inputs.

    Returns "unchanged" when the last publication came from the same inputs, descriptor
    and software: the run then records that and does no further work.
    """
    record = run.record
    record["retention"] = retention.purge_expired(run.state, retention_days)
    run.inputs = resolve_inputs(sources, run)
    record["inputs"] = [i.as_record() for i in run.inputs]
    record["fingerprint"] = _fingerprint(run)
    previous = _published_record(run.out_dir, run.descriptor.name)
    if force or not previous or previous.get("fingerprint") != record["fingerprint"]:
        return "changed"
    counted = {i["sha256"]: i for i in previous.get("inputs", [])}
    for item in run.inputs:
        item.records = counted.get(item.sha256, {}).get("records", 0)
    record["inputs"] = [i.as_record() for i in run.inputs]
    record.update(status="unchanged", tables=previous.get("tables", {}), changes={})
    record["quality"] = previous.get("quality", {})
    record["previous_run_id"] = previous.get("run_id")
    return "unchanged"


def _extract(run: Run, pipeline: Any, progress: Progress) -> tuple[Any, Any]:
    """Read every input into a private staging database; rejected records come back."""
    attempts: list[Any] = []

    def attempt(inputs: list[Input]) -> tuple[Any, Any]:
        suffix = f"-{len(attempts)}" if attempts else ""
        run.staging_path, run.staging_fd = claim_staging(
            run.state, f"{run.descriptor.name.replace('/', '_')}-{run.run_id}{suffix}"
        )
        attempts.append(database.open_database(run.staging_path))
        with progress.task("extract", total=None) as advance:
            return attempts[-1], pipeline.extract(inputs, attempts[-1], advance)

    def reset() -> None:  # a broken file: throw away what was staged, read the rest again
        attempts[-1].close()
        if run.staging_path is not None and run.staging_fd is not None:
            release_staging(run.staging_path, run.staging_fd)
            run.staging_path = run.staging_fd = None

    inputs, empty = ingest.screen_empty(run.inputs, pipeline)
    run.inputs, staging, rejects, broken = ingest.extract_surviving(
        inputs, pipeline, attempt, reset
    )
    aside = run.record.setdefault("skipped_inputs", []) + empty + broken
    run.record["skipped_inputs"] = aside
    ingest.record_set_aside(rejects, pipeline.primary_table, aside)
    ingest.check_share(run.descriptor, len(broken), len(inputs))
    run.record["inputs"] = [i.as_record() for i in run.inputs]
    return staging, rejects


def _published_schemas(run: Run, pipeline: Any, policy: Any) -> dict[str, dict]:
    """Each output table's Table Schema without the columns the privacy policy drops."""
    descriptor = run.descriptor
    missing = [t for t in pipeline.tables if t not in descriptor.schemas]
    if missing:
        raise UsageError(f"{descriptor.folder}/schema: no Table Schema for {', '.join(missing)}")
    return {t: _published_schema(descriptor.schemas[t], t, policy) for t in pipeline.tables}


def _transform(
    run: Run,
    pipeline: Any,
    staging: Any,
    rejects: Any,
    writer: database.Writer,
    context: work.WorkContext,
    progress: Progress,
) -> None:
    """Transform staged records unit by unit, in worker processes when that pays off.

    Every batch goes through privacy and row-level quality before it is written.
    """
    redactor, validators = context.redactor, context.validators
    settled, sampled = column_plans.settle_plans(pipeline, redactor, staging, run.inputs)
    run.record["executor"] = dask_executor.executor_kind(run.executor)
    run.record["privacy_columns"] = {**settled, "columns": redactor.decisions()}
    _consume(run, writer, work.privacy_and_quality(rejects, redactor, validators))
    total = pipeline.count_units(staging)
    units = column_plans.with_sampled(pipeline.batches(staging, run.inputs), sampled)
    published_run_id = swap.published_run_id(run.out_dir, run.descriptor.name)
    run.reuse = incremental.start(run, pipeline, redactor, published_run_id)
    with progress.task("transform · privacy · quality", total=total) as advance:
        for size, batch in incremental.run_units(
            run.reuse, pipeline, units, lambda todo: _execute_units(run, context, todo, total)
        ):
            _consume(run, writer, batch)
            advance(size)
    run.record["incremental"] = run.reuse.summary()
    staging.close()
    _close_cluster(run)  # the serial stages need no cluster: its threads would compete


def _close_cluster(run: Run) -> None:
    """Shut down the cluster terbuka started, or disconnect from the scheduler."""
    if run.cluster is not None:
        run.cluster.close()
        run.cluster = None


def _execute_units(run: Run, context: work.WorkContext, units: Any, total: int) -> Any:
    """``(unit, batch)`` in order, from this machine's pool or a Dask cluster (``--executor``)."""
    if run.executor == "local":
        return work.run_units(context, units, total // BATCH_HINT, run.workers)
    return dask_executor.run_on_dask(context, units, run.executor, run.workers, run.cluster)


def _disclosure_and_derived(
    run: Run,
    pipeline: Any,
    writer: database.Writer,
    context: work.WorkContext,
    policy: Any,
    published: dict[str, dict],
) -> None:
    """Exact aggregates, disclosure control, then the derived tables.

    Derived texts the previous publication scanned (red flag details) are taken from the
    units store in an incremental run, not scanned again (``incremental.ScanMemo``).
    """
    redactor = context.redactor
    memo = incremental.scan_memo(run.reuse, redactor.hash_key)
    redactor.remember_scans(memo)
    _derive(run, pipeline, writer, context, "derive_exact")
    _disclosure(run, writer.db, policy, published)
    _derive(run, pipeline, writer, context)
    redactor.remember_scans(None)
    if memo is not None and memo.reuse.reason is None:
        run.record["incremental"]["scans"] = {"reused": memo.hits, "scanned": memo.misses}


def _derive(
    run: Run,
    pipeline: Any,
    writer: database.Writer,
    context: work.WorkContext,
    method: str = "derive",
) -> None:
    """Tables a pipeline computes from the published ones (KPIs), through privacy and quality."""
    for batch in getattr(pipeline, method, lambda db: iter(()))(writer.db):
        _consume(run, writer, work.privacy_and_quality(batch, context.redactor, context.validators))


def _disclosure(run: Run, db: Any, policy: Any, published: dict[str, dict]) -> None:
    """k-anonymity on the declared tables: the report, the privacy counts, the schema types.

    A timestamp generalised to its day or month is no longer a ``datetime``: the published
    Table Schema says what the column now holds, so the package still validates.
    """
    reports = disclosure.apply_k_anonymity(
        db, policy.quasi_identifiers, policy.k, policy.max_suppressed, policy.hierarchies
    )
    run.record["disclosure"] = reports
    run.privacy.update(disclosure.privacy_counts(reports))
    for entry in reports:
        generalised = entry.get("generalised") or {}
        suppressed = set(entry.get("suppressed_columns") or [])
        for field_ in published.get(entry.get("table", ""), {}).get("fields", []):
            name = field_["name"]
            if name in generalised or name in suppressed:
                disclosure.retype(field_, generalised.get(name, []), name in suppressed)


def _quality_gate(
    run: Run,
    pipeline: Any,
    plan: Any,
    published: dict,
    db: Any,
    db_path: Path,
    progress: Progress,
) -> Gate:
    """Run table-level rules on the built database.

    Fills the record's tables, privacy and quality sections; the caller raises if the
    gate stopped the run, after the privacy table is written.
    """
    descriptor, record = run.descriptor, run.record
    gate = Gate(plan, descriptor, published, run.run_id, pipeline.primary_table)
    with progress.task("quality gate", total=None):
        gate.check_data(db, db_path, run.counts, sum(i.records for i in run.inputs))
    run.quality.update(gate.quarantined)
    run.notes.update(gate.noted)
    record["tables"] = {
        table: {k: counts[k] for k in ("rows_in", "rows", "quarantined", "duplicates")}
        for table, counts in gate.tables.items()
    }
    record["privacy"] = _privacy_totals(run.privacy)
    record["privacy_detail"] = report.detail(run.privacy)
    record["notes"] = dict(run.notes)
    record["quality"] = {**_quality_summary(run), **gate.as_record()}
    return gate


def _package(
    run: Run,
    pipeline: Any,
    published: dict,
    db: Any,
    gate: Gate,
    progress: Progress,
) -> Path:
    """Finish the database and write everything published beside it.

    FTS and indexes, changes against the publication, the Data Package (validated), the
    privacy and quality reports and the site metadata.
    """
    descriptor, record = run.descriptor, run.record
    old_db = run.out_dir / f"{descriptor.name}.db"
    folder = run.build / descriptor.name
    with progress.task("package", total=None):
        database.finish(
            db,
            descriptor.tables,
            {t: [f["name"] for f in s["fields"]] for t, s in published.items()},
        )
        database.create_views(db, descriptor.get("views") or {})
        # the publication this one replaces (None for the first), compared in _changes
        record["previous_run_id"] = swap.published_run_id(run.out_dir, descriptor.name)
        record["changes"] = changes.row_changes(  # and every changed row into _changes
            db,
            old_db if old_db.exists() else None,
            {t: s.get("primaryKey", []) for t, s in published.items()},
            run.run_id,
            record["previous_run_id"],
            change_reason(record),
        )
        record["status"] = "published"
        _write_runs_table(db, old_db, record)
        folder.mkdir()
        report.write_report(folder, record)
        errors, rows = _write_data_package(run, pipeline, published, db, folder, gate)
    record["quality"].update(
        gate.as_record(), package_valid=not errors, package_check=package_check.describe(rows)
    )
    gate.raise_if_stopped()
    quality_report.write_both(folder, public_record(record), descriptor.get("title"))
    site.write_json(folder / site.FRAGMENT, site.database_metadata(descriptor, published, record))
    return folder


def _write_data_package(
    run: Run, pipeline: Any, published: dict, db: Any, folder: Path, gate: Gate
) -> tuple[list[str], int | None]:
    """The Data Package: the tables' CSVs, Frictionless' verdict on them, then ``_quality``.

    The gate judges the package before its ``_quality`` table exists, so that table, its
    CSV and its hash in ``datapackage.json`` are written once, with the verdict in them.
    Returns Frictionless' errors and the rows per table it read (``None``: all).
    """
    descriptor = run.descriptor
    tables = datapackage.package_tables(published)
    checked = {t: schema for t, schema in tables.items() if t != QUALITY_TABLE}
    gzipped = package_check.gzipped_tables(descriptor, tables, run.csv_gzip)
    resources = datapackage.write_resources(db, folder, descriptor, checked, gzipped)
    extra = pipeline.package_extra(published) if hasattr(pipeline, "package_extra") else None
    package = datapackage.package_descriptor(descriptor, list(resources.values()), extra)
    rows = package_check.sample_rows(descriptor, run.full_check)
    workers = run.workers or work.default_workers()
    errors = datapackage.validate_package(folder / "datapackage.json", workers, rows, package, db)
    gate.check_package(errors)
    write_quality_table(db, gate.rows())
    quality = {QUALITY_TABLE: tables[QUALITY_TABLE]}
    resources.update(datapackage.write_resources(db, folder, descriptor, quality, gzipped))
    db.close()
    package["resources"] = [resources[t] for t in tables]
    datapackage.write_descriptor(folder, package)
    gate.check_quality_resource(folder)
    return errors, rows


def _publish(run: Run, folder: Path) -> None:
    """Catalog files, the public run record, then the atomic swap into the output folder."""
    from terbuka.catalogs import write_catalog_files

    name = run.descriptor.name
    run.record["published"] = {
        "datasette": str(run.out_dir / f"{name}.db"),
        "datapackage": str(folder.relative_to(run.build) / "datapackage.json"),
    }
    write_catalog_files(run.descriptor, run.record, folder)
    site.write_json(folder / swap.RUN_FILE, public_record({**run.record, "finished": now()}))
    if run.lock is not None and not run.lock.held():
        raise EnvironmentFault(
            f"{run.lock.path}: the run lock was taken over (no heartbeat?); nothing published"
        )
    retention = kept_versions.Retention.from_descriptor(run.descriptor.get("versions"))
    swap.swap_in(
        run.build, run.out_dir, name, run.run_id, lambda o, d: kept_versions.prune(o, d, retention)
    )
    run.build = None


def _notify(run: Run) -> None:
    """Webhooks of the descriptor and the environment: the publication is live, say so."""
    from . import webhooks

    urls = webhooks.webhook_urls(run.descriptor.get("webhooks"))
    if urls:
        from terbuka.catalogs.mapping import site_url

        body = webhooks.payload({**public_record(run.record), "finished": now()}, site_url())
        run.record["webhooks"] = webhooks.deliver(urls, body)


# Transform, privacy and row checks stream batch by batch (timed together); the "privacy"
# and "quality" stages that follow are disclosure control + derived tables, and the gate.
TIMED = {
    "transform": "transform+privacy+quality",
    "privacy": "disclosure+derived",
    "quality": "quality gate",
}


def _stage(run: Run, name: str, progress: Progress) -> None:
    """The stage under way ends (nothing runs between two stages) and ``name`` starts."""
    _end_stage(run)
    run.stage = name
    timings.mark(run.record, TIMED.get(name, name))
    progress.stage(name)
    plugins.pm.hook.before_stage(stage=name, run=run)


def _end_stage(run: Run) -> None:
    """``after_stage`` for the stage under way, which has done all its work."""
    if run.stage is not None:
        stage, run.stage = run.stage, None
        plugins.pm.hook.after_stage(stage=stage, run=run)


def resolve_inputs(sources: list[str], run: Run) -> list[Input]:
    """Files, folders (every file below) and URLs (fetched into private state) to read."""
    if not sources:
        from .pull import declared_inputs

        return declared_inputs(run)  # the descriptor's `sources`, pulled and archived
    inputs = []
    for source in sources:
        if source.startswith(("http://", "https://")):
            from .fetch import fetch_to_state, redact_url

            path = fetch_to_state(source, run.state)
            inputs.append(Input(path=path, display=redact_url(source)))
            continue
        path = Path(source)
        if not path.exists():
            raise InputError(source, "no such file or folder")
        found, skipped = ingest.folder_files(path) if path.is_dir() else ([path], [])
        run.record.setdefault("skipped_inputs", []).extend(skipped)
        if path.is_dir() and not found:
            if skipped:
                raise ingest.no_data_left(skipped, source)
            raise InputError(source, "the folder contains no files")
        inputs.extend(Input(path=p, display=str(p)) for p in found)
    for item in inputs:
        item.sha256, item.size = hash_file(item.path, item.display)
    return inputs


def _fingerprint(run: Run) -> str:
    """Inputs, descriptor and software: when none changed, the publication would not either."""
    digest = hashlib.sha256()
    for item in sorted(run.inputs, key=lambda i: i.sha256):
        digest.update(item.sha256.encode())
    digest.update(run.descriptor.fingerprint.encode())
    digest.update(run.record["versions"].get("terbuka", "").encode())
    if run.csv_gzip:  # the flag changes the published files as a descriptor option would
        digest.update(b"--csv-gzip")
    return digest.hexdigest()


def _published_record(out_dir: Path, dataset: str) -> dict[str, Any] | None:
    path = out_dir / dataset / swap.RUN_FILE
    if not (path.exists() and (out_dir / f"{dataset}.db").exists()):
        return None
    try:
        return json.loads(path.read_text("utf-8"))
    except ValueError:
        return None


def _published_schema(schema: dict, table: str, policy: Any) -> dict:
    keep = set(policy.published_columns(table, [f["name"] for f in schema["fields"]]))
    published = {**schema, "fields": [f for f in schema["fields"] if f["name"] in keep]}
    if any(k not in keep for k in schema.get("primaryKey", [])):
        raise UsageError(f"privacy.yml drops a primary-key column of {table}")
    return published


def _consume(run: Run, writer: database.Writer, batch: Batch) -> None:
    """Write a finished batch: published rows, quarantine, notes, counters."""
    for table, rows in batch.tables.items():
        for row, reason in writer.insert(table, rows):
            validator_key = "/".join(str(row.get(k)) for k in writer.db[table].pks)
            batch.reject(table, validator_key, "duplicate-key", reason, row=row)
    writer.system("_quarantine", [_quarantine_row(run, q) for q in batch.quarantine])
    writer.system(
        "_quality_notes",
        [
            {**n, "run_id": run.run_id, "table_name": n["table"], "column_name": n["column"]}
            for n in batch.notes
        ],
    )
    run.counts.update(batch.counts)
    run.privacy.update(batch.privacy)
    run.notes.update(n["check_id"] for n in batch.notes)
    for entry in batch.quarantine:
        run.quality[entry["check_id"]] += 1


def _quarantine_row(run: Run, entry: dict[str, Any]) -> dict[str, Any]:
    source = entry.get("source")
    row_key, reason = entry["row_key"], entry["reason"]
    if source and row_key and source in row_key:
        row_key = row_key.replace(source, public_source(source))
    if source and reason and source in reason:  # a steward's folders are not published
        reason = reason.replace(source, public_source(source) or "")
    return {
        "run_id": run.run_id,
        "table_name": entry["table"],
        "row_key": row_key,
        "check_id": entry["check_id"],
        "column_name": entry["column"],
        "value": entry["value"],
        "reason": reason,
        "row": json.dumps(entry["row"], ensure_ascii=False, sort_keys=True, default=str)
        if entry["row"]
        else None,
        "source": public_source(source),
        "position": entry.get("position"),
    }


def _privacy_totals(report: Counter) -> dict[str, int]:
    totals: Counter = Counter()
    for (_, _, entity, _), count in report.items():
        totals[entity] += count
    return dict(sorted(totals.items()))


def _quality_summary(run: Run) -> dict[str, Any]:
    failed = {check: count for check, count in run.quality.items()}
    return {
        "checks": len(run.record.get("tables", {})) + len(failed),
        "failed": len(failed),
        "quarantined_by_check": dict(sorted(failed.items())),
        "notes_by_check": dict(sorted(run.notes.items())),
    }


def public_record(record: dict[str, Any]) -> dict[str, Any]:
    """The run record as published (``_runs``, ``run.json``): no local paths.

    Input names are published, so they are searched for identifiers like any kept text
    (a NIK in a file name, ``?nik=`` in a URL).
    """
    from terbuka.privacy.identifiers import scrub

    public = dict(record)
    public.pop("out", None)
    public["inputs"] = [
        {**i, "path": scrub(public_source(i.get("path")))} for i in record.get("inputs", [])
    ]
    if record.get("skipped_inputs"):
        public["skipped_inputs"] = [
            {**s, "path": scrub(public_source(s.get("path")))} for s in record["skipped_inputs"]
        ]
    if public.get("published"):
        public["published"] = {
            k: Path(v).name if k == "datasette" else v for k, v in public["published"].items()
        }
    return public


def _write_runs_table(db: Any, old_db: Path, record: RunRecord) -> None:
    """``_runs`` keeps the history of runs: the previous database's rows plus this one.

    A previous history that cannot be read is noted in the record (exit 3), not dropped
    in silence.
    """
    if old_db.exists():
        try:
            old = sqlite3.connect(f"file:{urllib.parse.quote(str(old_db))}?mode=ro", uri=True)
            rows = old.execute("select * from _runs").fetchall()
            columns = [d[0] for d in old.execute("select * from _runs limit 0").description]
            old.close()
            db["_runs"].insert_all([dict(zip(columns, r, strict=True)) for r in rows], alter=False)
        except sqlite3.Error as error:
            note_record_error(
                record, f"{old_db}: the history of runs (_runs) could not be carried over ({error})"
            )
    db["_runs"].insert(
        {
            "run_id": record["run_id"],
            "dataset": record["dataset"],
            "status": record["status"],
            "started": record["started"],
            "finished": now(),
            "inputs": len(record.get("inputs", [])),
            "rows": sum(t["rows"] for t in record.get("tables", {}).values()),
            "quarantined": sum(t["quarantined"] for t in record.get("tables", {}).values()),
            "record": json.dumps(public_record(record), ensure_ascii=False, sort_keys=True),
        }
    )
    db.conn.commit()


def _take_lock(run: Run, wait: bool) -> lock.RunLock:
    """The dataset's run lock in the output folder; a broken stale lock is noted."""
    taken = lock.RunLock(run.out_dir, run.descriptor.name, run.run_id)
    try:
        taken.acquire(wait=wait)
    except lock.LockHeld as error:
        raise EnvironmentFault(str(error)) from None
    if taken.broken:
        run.record["lock_broken"] = taken.broken
    if taken.waited_for:
        since = taken.waited_for["since"]
        run.record["waited_for_lock"] = {
            "run_id": taken.waited_for["run_id"],
            "seconds": round(time.time() - since, 1),
        }
    return taken


def _sweep(run: Run) -> list[str]:
    """What dead runs left: staging databases, build folders, unpublished publications."""
    swept = sweep_staging(run.state)
    swept += swap.sweep_builds(run.out_dir, lock.live_runs(run.out_dir))
    moved = withdraw.finish_withdrawals(  # before the sweep: a withdrawn folder is kept
        run.out_dir, run.descriptor.name, private_dir(run.state / "withdrawn")
    )
    swept += [f"withdrawn {run_id} (moved to the private state)" for run_id in moved]
    return swept + swap.sweep_unpublished(run.out_dir, run.descriptor.name)


def _cleanup(run: Run) -> None:
    _close_cluster(run)
    incremental.discard(run.reuse)
    if run.build is not None:
        swap.discard_build(run.build)
    if run.staging_path is not None and run.staging_fd is not None:
        release_staging(run.staging_path, run.staging_fd)
        run.staging_fd = None
