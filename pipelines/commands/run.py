"""``terbuka run``: one dataset, or every dataset (``--all``) or the due ones (``--due``)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from terbuka.pipelines.errors import EXIT_BAD_INPUT, EXIT_OK
from terbuka.pipelines.record import RunRecord

from ..steward import metadata_option
from .options import command, echo, json_option, out_option
from .publish import publish_to_ckan


@dataclass(frozen=True)
class RunOptions:
    """What ``run`` was asked to do, handed as one value to the many-datasets path."""

    out_dir: Path
    as_json: bool = False
    dry_run: bool = False
    force: bool = False
    quiet: bool = False
    ckan_url: str | None = None
    workers: int | None = None
    wait: bool = False
    note: str | None = None  # --note: one reason for every dataset the command publishes
    full_check: bool = False
    csv_gzip: bool = False
    full: bool = False  # --full: reuse nothing of the previous publications
    executor: str = "local"


def _executor(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """The --executor value, checked before any work (dask is not imported here)."""
    from ..dask_executor import check_executor
    from ..errors import UsageError

    try:
        return check_executor(value)
    except UsageError as error:
        raise click.BadParameter(str(error).split(": ", 1)[1]) from None


@command()
@click.argument("dataset", required=False)
@click.option(
    "--source", "sources", multiple=True, help="A file, a folder or an http(s) URL; repeatable."
)
@out_option()
@json_option
@click.option("--dry-run", is_flag=True, help="Do everything but publish; show what would change.")
@click.option(
    "--force", is_flag=True, help="Rebuild even when nothing changed since the last publication."
)
@click.option("--full", is_flag=True, help="Rebuild all: reuse nothing (implies --force).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary on stderr.")
@click.option("--all", "run_all", is_flag=True, help="Every dataset that declares sources.")
@click.option("--due", is_flag=True, help="Every dataset due by its update_frequency (for cron).")
@click.option("--ckan", "ckan_url", metavar="URL", help="Then publish to this CKAN (see publish).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: one per core, up to 4).",
)
@click.option(
    "--executor",
    default="local",
    show_default=True,
    callback=_executor,
    metavar="local|dask|tcp://HOST:PORT",
    help="Where transform, privacy and row checks run: this machine's process pool, a new "
    "local Dask cluster of --workers processes, or a running Dask scheduler (pip install "
    "'terbuka[dask]'; see docs/scaling.md).",
)
@click.option(
    "--wait",
    is_flag=True,
    help="If another run holds the dataset's lock, wait for it (else exit 3).",
)
@metadata_option
@click.option(
    "--full-check",
    is_flag=True,
    help="Frictionless re-reads every published cell (default: structure and a sample).",
)
@click.option(
    "--csv-gzip",
    is_flag=True,
    help="Write the Data Package's CSVs gzipped (data/<table>.csv.gz).",
)
@click.option("--note", help="Why this publication changes the data (kept in _changes and feeds).")
@click.option(
    "--answers",
    metavar="REPORT_ID",
    help="The reader's report (terbuka feedback) this publication answers.",
)
def run(
    dataset: str | None,
    sources: tuple[str, ...],
    out_dir: Path,
    as_json: bool,
    dry_run: bool,
    force: bool,
    quiet: bool,
    run_all: bool = False,
    due: bool = False,
    ckan_url: str | None = None,
    workers: int | None = None,
    executor: str = "local",
    wait: bool = False,
    full_check: bool = False,
    csv_gzip: bool = False,
    note: str | None = None,
    answers: str | None = None,
    full: bool = False,
) -> None:
    """Run DATASET's pipeline on the sources and publish it into --out.

    DATASET is a descriptor name in metadata/ (procurement, ...) or a path to a
    descriptor folder. Without --source, the sources declared in its dataset.yml are
    pulled (only what changed is fetched). --all or --due run many datasets. Each run replaces the dataset's previous publication atomically;
    a failed or stopped run leaves it untouched. Procurement runs reuse unchanged processes
    (--full: rebuild all). --note and --answers give the reason
    for what changes (a correction ledger: see docs/site.md#versions); with --all or
    --due the note is recorded for every dataset published, and --answers is refused.
    """
    from terbuka.pipelines.runner import exit_code, run_dataset
    from terbuka.pipelines.summary import print_summary

    options = RunOptions(
        out_dir, as_json=as_json, dry_run=dry_run, force=force, quiet=quiet, ckan_url=ckan_url,
        workers=workers, wait=wait, note=note, full_check=full_check, csv_gzip=csv_gzip,
        full=full, executor=executor,
    )  # fmt: skip
    if run_all or due or not dataset:
        _check_many(dataset, sources, (run_all, due), as_json, answers)
        run_many("--due" if due else "--all", options)
    record = run_dataset(
        dataset, list(sources), out_dir, dry_run=dry_run, force=force, show_progress=not quiet,
        workers=workers, wait=wait, full_check=full_check, csv_gzip=csv_gzip, note=note,
        answers=answers, full=full, executor=executor,
    )  # fmt: skip
    code = exit_code(record)
    if ckan_url and code == EXIT_OK and not dry_run:
        record["catalogs"], code = publish_to_ckan(
            out_dir, [record["dataset"]], ckan_url, quiet=quiet
        )
    if as_json:
        echo(json.dumps(record, ensure_ascii=False, indent=2))
    if not quiet:
        print_summary(record)
    elif code != EXIT_OK:  # -q drops the summary, never the one error line
        echo(f"Error: {record['dataset']}: {_why(record)}", err=True)
    sys.exit(code)


def _why(record: RunRecord) -> str:
    """The one line a failed run ends with: its error, what was not recorded, or its status."""
    return record.get("error") or "; ".join(record.get("record_errors", [])) or record["status"]


def _check_many(
    dataset: str | None,
    sources: tuple[str, ...],
    which: tuple[bool, bool],
    as_json: bool,
    answers: str | None = None,
) -> None:
    """``--all``/``--due`` take no DATASET, --source or --answers, and not both; else a usage error.

    ``--answers`` names one reader's report, about one dataset: recorded on every dataset
    the command publishes, it would claim corrections the others did not make.
    """
    from ..errors import UsageError

    run_all, due = which
    problem = (
        "give a DATASET, or --all or --due"
        if not (run_all or due)
        else "give either --all or --due, not both"
        if run_all and due
        else "--all and --due use each dataset's declared sources: no DATASET or --source"
        if dataset or sources
        else "--answers names one reader's report about one dataset: give that DATASET, "
        "not --all or --due (--note applies to every dataset published)"
        if answers
        else None
    )
    if problem and as_json:  # the --json contract holds for usage errors too
        echo(json.dumps({"status": "failed", "error": problem, "exit_code": EXIT_BAD_INPUT}))
    if problem:
        raise UsageError(problem)


def run_many(which: str, options: RunOptions) -> None:
    """``run --all`` / ``run --due``: each dataset from its declared sources; one summary line."""
    from terbuka.pipelines.schedule import due_datasets

    entries = due_datasets(options.out_dir)
    due = which == "--due"
    chosen = [
        e
        for e in entries
        if e.get("error")
        or (e["due"] if due else not str(e.get("reason", "")).startswith("declares no sources"))
    ]
    records: list[RunRecord] = []
    failures: list[str] = []
    worst = EXIT_OK
    for entry in chosen:
        if entry.get("error"):
            failures.append(f"{entry['dataset']}: {entry['error']}")
            worst = max(worst, EXIT_BAD_INPUT)
            continue
        record, code = _run_one(entry["path"], options)
        records.append(record)
        worst = max(worst, code)
        if code != EXIT_OK:
            error = _why(record) if record.get("error") or record.get("record_errors") else ""
            error = error or "; ".join(c.get("error", "") for c in record.get("catalogs", []))
            failures.append(f"{record['dataset']}: {record['status']}: {error}")
    if options.as_json:
        echo(json.dumps(records, ensure_ascii=False, indent=2))
    _many_summary(which, len(chosen), records, failures, options.quiet)
    sys.exit(worst)


def _run_one(path: Any, options: RunOptions) -> tuple[RunRecord, int]:
    """One dataset of ``--all``/``--due``, then CKAN when asked; its record and exit code."""
    from terbuka.pipelines.runner import exit_code, run_dataset
    from terbuka.pipelines.summary import print_summary

    silent = options.quiet or options.as_json
    record = run_dataset(
        path, [], options.out_dir, dry_run=options.dry_run, force=options.force,
        show_progress=not silent, workers=options.workers, wait=options.wait, note=options.note,
        full_check=options.full_check, csv_gzip=options.csv_gzip, full=options.full,
        executor=options.executor,
    )  # fmt: skip
    if not silent:
        print_summary(record)
    code = exit_code(record)
    if options.ckan_url and code == EXIT_OK and not options.dry_run:
        record["catalogs"], code = publish_to_ckan(
            options.out_dir, [record["dataset"]], options.ckan_url, quiet=silent
        )
    return record, code


def _many_summary(
    which: str, chosen: int, records: list[RunRecord], failures: list[str], quiet: bool
) -> None:
    """The one line ``--all``/``--due`` ends with: the failures, or the counts by status."""
    counts: dict[str, int] = {}
    for record in records:
        counts[record["status"]] = counts.get(record["status"], 0) + 1
    done = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing to do"
    if failures:
        echo(
            f"terbuka run {which}: {len(failures)} of {chosen} dataset(s) failed — "
            + "; ".join(f.replace("\n", " ") for f in failures),
            err=True,
        )
    elif not quiet:
        echo(f"terbuka run {which}: {chosen} dataset(s): {done}", err=True)
