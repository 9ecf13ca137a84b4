"""The run record's home: where records live and how they are written and read back.

Every run — and every withdraw — leaves one JSON record in ``DIR/.runs/<dataset>/``;
the scheduler reads them to know a dataset's last success. The folder is named here
and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RUNS_FOLDER = ".runs"


def runs_dir(out_dir: Path, dataset: str | None = None) -> Path:
    """``DIR/.runs``, or a dataset's folder in it (a ``/`` in the name becomes ``_``)."""
    folder = out_dir / RUNS_FOLDER
    return folder / dataset.replace("/", "_") if dataset is not None else folder


def write_record(out_dir: Path, record: dict[str, Any]) -> None:
    """Every run, whatever its status, leaves its record in ``DIR/.runs/<dataset>/``.

    Secrets are scrubbed from the record first (the caller's copy too: it is what
    ``--json`` prints).
    """
    from terbuka.catalogs.secrets import scrub_data
    from terbuka.publish import site

    record.update(scrub_data(record))
    try:
        folder = runs_dir(out_dir, record["dataset"])
        folder.mkdir(parents=True, exist_ok=True)
        site.write_json(folder / f"{record['run_id']}.json", record)
    except OSError:
        pass


def iter_records(out_dir: Path, dataset: str) -> Iterator[dict[str, Any]]:
    """Run records of a dataset, oldest first."""
    folder = runs_dir(out_dir) / dataset
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        yield json.loads(path.read_text("utf-8"))
