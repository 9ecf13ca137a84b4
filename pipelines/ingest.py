"""Batch ingest that survives one bad file: what is not data is skipped, what is broken is set aside.

A source folder of hundreds of exports often holds a README, a ``.DS_Store``, a 0-byte
download that failed, or one truncated file. None of them should cost the steward the
whole run, and none may disappear without a word. So, for a run with more than one input:

- files that are not data by their name (``README*``, ``*.md``, ``.DS_Store``, ``Thumbs.db``,
  Office lock files, hidden files) are **skipped** with a note;
- a 0-byte file is **empty** — skipped with a note — unless the pipeline reads empty files
  itself (``empty_inputs = True``: a national-feed endpoint with no rows is not broken);
- a file the pipeline cannot read (wrong format, corrupt, truncated: an ``InputError``
  naming it) is **quarantined as a file**, with its reason and SHA-256, and extract starts
  again without it. A broken file thus costs one re-read of the files before it.

Each of them is one entry in the run record's ``skipped_inputs`` (one line in the run
summary) and one ``_quarantine`` (broken) or ``_quality_notes`` (skipped, empty) row naming
it. A single file given alone is still bad input (exit 2), and so is a folder where every
file is bad. The share of broken files may stop publication: ``quality.max_broken_files``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .batch import Batch
from .errors import GateStopped, InputError
from .readers import Input, public_source

# Names that are never data, whatever their content (compared case-insensitively).
NOT_DATA = (
    "readme", "readme.*", "license", "license.*", "licence", "licence.*", "changelog",
    "changelog.*", "*.md", "*.rst", "*.pdf", "*.doc", "*.docx", "thumbs.db", "desktop.ini",
    "~$*", "*.tmp", "*.part", "*.crdownload",
)  # fmt: skip
CHECK_SKIPPED = "file-skipped"
CHECK_EMPTY = "file-empty"
CHECK_BROKEN = "broken-file"


def not_data(relative: Path) -> str | None:
    """Why a file below a source folder is not data (by its name), or None when it may be."""
    if any(part.startswith(".") for part in relative.parts):
        return "a hidden file (system or editor metadata), not data"
    name = relative.name.lower()
    for pattern in NOT_DATA:
        if fnmatch.fnmatch(name, pattern):
            return f"not data by its name ({pattern})"
    return None


def folder_files(folder: Path) -> tuple[list[Path], list[dict[str, Any]]]:
    """Every file below ``folder`` in a stable order, and the ones skipped as not data.

    Anything that is not a folder is listed (FIFOs and devices too, so that hashing
    refuses them by name instead of skipping them silently).
    """
    files, skipped = [], []
    for path in sorted(folder.rglob("*")):
        if path.is_dir():
            continue
        reason = not_data(path.relative_to(folder))
        if reason is None:
            files.append(path)
        else:
            skipped.append(_entry(path, str(path), "skipped", reason))
    return files, skipped


def _entry(path: Path, display: str, status: str, reason: str, sha256: str = "") -> dict[str, Any]:
    size = path.stat().st_size if path.is_file() else 0
    return {"path": display, "status": status, "reason": reason, "sha256": sha256, "bytes": size}


def screen_empty(inputs: list[Input], pipeline: Any) -> tuple[list[Input], list[dict[str, Any]]]:
    """Set 0-byte files aside as empty (in a batch), unless the pipeline reads them itself."""
    if len(inputs) < 2 or getattr(pipeline, "empty_inputs", False):
        return inputs, []
    kept = [i for i in inputs if i.size > 0]
    empty = [
        _entry(i.path, i.display, "empty", "the file is empty (0 bytes)", i.sha256)
        for i in inputs
        if i.size == 0
    ]
    if not kept:
        raise no_data_left(empty, inputs[0].display)
    return kept, empty


def culprit(error: InputError, inputs: list[Input]) -> Input | None:
    """The input an ``InputError`` names (itself, or a member ``file!inner`` of it)."""
    for item in inputs:
        if error.path == item.display or error.path.startswith(f"{item.display}!"):
            return item
    return None


def extract_surviving(
    inputs: list[Input],
    pipeline: Any,
    attempt: Callable[[list[Input]], tuple[Any, Batch]],
    reset: Callable[[], None],
) -> tuple[list[Input], Any, Batch, list[dict[str, Any]]]:
    """Run ``attempt(inputs)`` (the pipeline's extract), setting broken files aside.

    On an ``InputError`` that names one of several inputs, that input is recorded as
    broken, ``reset()`` throws away what was staged, and extract runs again on the rest.
    Returns the inputs read, the staging database, the rejects and the broken files.
    """
    broken: list[dict[str, Any]] = []
    saved = {id(i): (i.records, i.kind, i.reader, dict(i.extra)) for i in inputs}
    remaining = list(inputs)
    while True:
        try:
            staging, rejects = attempt(remaining)
            return remaining, staging, rejects, broken
        except InputError as error:
            bad = culprit(error, remaining)
            if bad is None or len(inputs) < 2:
                raise
            broken.append(_entry(bad.path, bad.display, "broken", _reason(error), bad.sha256))
            remaining = [i for i in remaining if i is not bad]
            if not remaining:
                raise InputError(
                    bad.display,
                    f"every one of the {len(inputs)} input files is unreadable "
                    f"(this one: {_reason(error)})",
                ) from None
            for item in remaining:
                item.records, item.kind, item.reader, extra = saved[id(item)]
                item.extra = dict(extra)
            reset()


def _reason(error: InputError) -> str:
    where = ""
    if error.row is not None:
        where += f"row {error.row}: "
    if error.column:
        where += f"column {error.column!r}: "
    return where + error.message.removeprefix(f"{error.path}: ")


def no_data_left(skipped: list[dict[str, Any]], source: str) -> InputError:
    """The error for a folder where nothing is data: every file was skipped or empty."""
    shown = "; ".join(f"{public_source(s['path'])}: {s['reason']}" for s in skipped[:3])
    more = f" (and {len(skipped) - 3} more)" if len(skipped) > 3 else ""
    return InputError(source, f"no data file in the folder: {shown}{more}")


def record_set_aside(rejects: Batch, table: str, entries: list[dict[str, Any]]) -> None:
    """A ``_quarantine`` row per broken file, a ``_quality_notes`` row per skipped one.

    The quarantine row carries no row counters: a file is not a row of the table.
    """
    from terbuka.privacy.identifiers import scrub

    for entry in entries:
        name = scrub(public_source(entry["path"]) or entry["path"])
        if entry["status"] == "broken":
            rejects.quarantine.append(
                {
                    "table": table,
                    "row_key": name,
                    "check_id": CHECK_BROKEN,
                    "column": "",
                    "value": None,
                    "reason": f"file set aside: {entry['reason']}",
                    "row": {"file": name, "sha256": entry["sha256"], "bytes": entry["bytes"]},
                    "source": entry["path"],
                    "position": None,
                }
            )
        else:
            check = CHECK_EMPTY if entry["status"] == "empty" else CHECK_SKIPPED
            rejects.note(table, name, check, f"file {entry['status']}: {entry['reason']}")


def check_share(descriptor: Any, broken: int, total: int) -> None:
    """Stop publication (exit 1) when more broken files than ``quality.max_broken_files``."""
    limit = (descriptor.get("quality") or {}).get("max_broken_files")
    if limit is None or not total or broken / total <= limit:
        return
    raise GateStopped(
        f"quality gate: {broken} of {total} input files are broken ({broken / total:.0%}; "
        f"quality.max_broken_files allows {limit:.0%})"
    )
