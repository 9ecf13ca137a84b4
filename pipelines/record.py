"""The run record's home: its type, where records live, and how they are written and read.

Every run — and every withdraw — leaves one JSON record in ``DIR/.runs/<dataset>/``;
the scheduler reads them to know a dataset's last success, and the quality report is
left beside them. The folder is named here and nowhere else. A record that cannot be
written is not a silent loss: the failure is kept in the record's ``record_errors``
(printed by ``--json`` and the summary) and the command exits 3 (the environment).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict, cast

RUNS_FOLDER = ".runs"


class RunRecord(TypedDict, total=False):
    """What one run (or withdraw) did; ``docs/cli.md`` describes each field."""

    run_id: str
    dataset: str
    status: str  # published, unchanged, stopped, failed, withdrawn, rolled_back
    started: str
    finished: str
    dry_run: bool
    out: str
    versions: dict[str, str]
    error: str
    exit_code: int
    inputs: list[dict[str, Any]]
    skipped_inputs: list[dict[str, Any]]  # files set aside by batch ingest (pipelines/ingest.py)
    fingerprint: str
    previous_run_id: str | None
    retention: Any
    swept: list[str]
    lock_broken: Any
    waited_for_lock: dict[str, Any]  # run --wait: the run it queued behind, and how long
    hash_key: str
    tables: dict[str, dict[str, int]]
    changes: dict[str, Any]
    privacy: dict[str, int]
    privacy_detail: Any
    disclosure: list[dict[str, Any]]
    notes: dict[str, int]
    quality: dict[str, Any]
    published: dict[str, str]
    webhooks: Any
    catalogs: list[dict[str, Any]]
    pull: dict[str, Any]
    publication: dict[str, Any]  # withdraw
    ckan: dict[str, Any]  # withdraw --ckan
    record_errors: list[str]  # what could not be written about this run
    note: str  # terbuka run --note: why this publication changes what it changes
    answers: str  # terbuka run --answers: the reader's report it answers
    reason: str  # both in words, as each _changes row of the run carries it


def runs_dir(out_dir: Path, dataset: str | None = None) -> Path:
    """``DIR/.runs``, or a dataset's folder in it (a ``/`` in the name becomes ``_``)."""
    folder = out_dir / RUNS_FOLDER
    return folder / dataset.replace("/", "_") if dataset is not None else folder


def record_path(out_dir: Path, record: RunRecord, suffix: str = "json") -> Path:
    """Where a record (``json``) or a file beside it (``quality.html``) goes."""
    dataset = str(record.get("dataset") or "unknown")
    return runs_dir(out_dir, dataset) / f"{record['run_id']}.{suffix}"


def write_record(out_dir: Path, record: RunRecord) -> str:
    """Leave the record in ``DIR/.runs/<dataset>/``; ``""``, or why it could not be written.

    Secrets are scrubbed from the record first (the caller's copy too: it is what
    ``--json`` prints). A failure is also noted in the caller's copy (``record_errors``).
    """
    from terbuka.catalogs.secrets import scrub_data

    record.update(cast(RunRecord, scrub_data(record)))
    path = record_path(out_dir, record)
    from terbuka.publish import site

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        site.write_json(path, record)
    except OSError as error:
        problem = f"{path}: the run record could not be written ({error.strerror or error})"
        note_record_error(record, problem)
        return problem
    return ""


def note_record_error(record: RunRecord, problem: str) -> None:
    """Keep a failure to write part of the record in the record itself."""
    record.setdefault("record_errors", []).append(problem)


def iter_records(out_dir: Path, dataset: str) -> Iterator[RunRecord]:
    """Run records of a dataset, oldest first."""
    folder = runs_dir(out_dir, dataset)
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        yield cast(RunRecord, json.loads(path.read_text("utf-8")))


def reason_fields(note: str | None, answers: str | None) -> dict[str, str]:
    """``note`` and ``answers`` for a run record (only those given, stripped).

    The note is published (``_changes``, ``_runs``, feeds), so identifiers in it are
    replaced like those in published input names (``privacy.identifiers.scrub``).
    """
    from terbuka.privacy.identifiers import scrub

    given = {"note": scrub((note or "").strip()) or "", "answers": (answers or "").strip()}
    fields = {k: v for k, v in given.items() if v}
    reason = change_reason(fields)
    return {**fields, "reason": reason} if reason else fields


def change_reason(record: RunRecord | dict[str, Any]) -> str | None:
    """The reason a run's ``_changes`` rows carry: its note and the report it answers."""
    note, answers = record.get("note"), record.get("answers")
    if answers:
        return f"{note} (answers report {answers})" if note else f"answers report {answers}"
    return note or None


def check_answers(out_dir: Path, answers: str | None) -> None:
    """``--answers`` must name a report in the feedback store, when there is one.

    Without a store (``DIR/.feedback/feedback.db`` absent: reports are kept elsewhere,
    or the site takes none) the id is recorded as given, unchecked.
    """
    if not answers:
        return
    from terbuka.datasette_plugins import feedback_store
    from terbuka.pipelines.errors import UsageError

    conn = feedback_store.connect(out_dir, create=False)
    if conn is None:
        return
    try:
        found = (
            answers.isdigit()
            and conn.execute("select 1 from reports where id = ?", [int(answers)]).fetchone()
        )
    finally:
        conn.close()
    if not found:
        raise UsageError(
            f"--answers {answers}: no such report in {feedback_store.path_for(out_dir)}"
        )
