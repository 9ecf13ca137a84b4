"""Publish several datasets to one catalog and record every attempt.

The record — ``DIR/.catalogs/<dataset>.json``, one entry per catalog address — says
what the last attempt did, or why it failed, so a steward (and the next scheduled run)
can see that a catalog entry is incomplete. Nothing secret goes into it: it is
scrubbed of tokens and readable by its owner only (0600).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .published import CatalogError, load_published
from .secrets import write_private_json

RECORD_FOLDER = ".catalogs"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def publish_datasets(
    out_dir: Path,
    names: list[str],
    publisher: Any,
    guard: Callable[[str], AbstractContextManager[Any]] | None = None,
) -> list[dict[str, Any]]:
    """Publish each dataset; a failure is recorded and the others still go.

    ``guard(name)`` is held while one dataset is read and published (the CLI passes the
    dataset's run lock, so a run cannot switch the publication underneath).
    """
    results = []
    for name in names:
        started = _now()
        run_id = None
        try:
            with guard(name) if guard else nullcontext():
                published = load_published(out_dir, name)
                run_id = published.run.get("run_id")
                result = publisher.publish(published)
        except CatalogError as error:
            result = {
                "dataset": name,
                "status": "failed",
                "run_id": run_id,
                "error": str(error),
                "exit_code": error.exit_code,
                "writes": len(getattr(publisher, "writes", [])),
            }
        result.update(publisher=publisher.id, target=publisher.target, started=started)
        result["finished"] = _now()
        record_attempt(out_dir, name, result)
        results.append(result)
    return results


def record_attempt(out_dir: Path, dataset: str, result: dict[str, Any]) -> None:
    """Keep the last attempt per catalog address in ``DIR/.catalogs/<dataset>.json``."""
    folder = Path(out_dir) / RECORD_FOLDER
    try:
        folder.mkdir(exist_ok=True)
        path = folder / f"{dataset}.json"
        attempts = json.loads(path.read_text("utf-8")) if path.exists() else {}
        attempts[result["target"]] = result
        write_private_json(path, attempts)
    except (OSError, ValueError):
        pass


def exit_code(results: list[dict[str, Any]]) -> int:
    """0 when every dataset was published (or unchanged), else the worst failure's code."""
    return max([r.get("exit_code", 0) for r in results if r["status"] == "failed"] or [0])
