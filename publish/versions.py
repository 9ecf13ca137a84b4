"""Versions: every kept publication folder stays citable; retention decides how many are kept.

A publication folder ``DIR/.publications/<dataset>/<run_id>/`` never changes once written,
so it is served read-only at ``/-/terbuka/v/<dataset>/<run_id>/…`` for as long as it is
kept (``datasette_plugins/versions.py``). When retention prunes it or a withdraw takes it
down, a small tombstone ``DIR/.publications/<dataset>/.gone/<run_id>.json`` says when and
why, so its address answers **410 Gone** with that reason instead of an unexplained 404.

Retention comes from the descriptor's ``versions`` block (docs/site.md#versions)::

    versions:
      keep: 10                        # the newest 10 previous versions (or "all")
      keep_days: 90                   # ... and every version younger than 90 days
      keep_monthly_after_days: 365    # past that, the newest version of each month

A previous version is kept when any rule keeps it; the live publication is always kept.
The default is ``keep: 10``.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import swap

GONE = ".gone"
DEFAULT_KEEP = 10
PREFIX = "/-/terbuka/v"


def version_path(dataset: str, run_id: str, table: str | None = None, fmt: str = "") -> str:
    """The permanent path of a version (or of one of its tables), served by the site."""
    path = f"{PREFIX}/{quote(dataset)}/{quote(run_id)}"
    if table:
        path += f"/{quote(table)}"
    return path + (f".{fmt}" if fmt else "")


@dataclass(frozen=True)
class Retention:
    """How many previous versions a dataset keeps (``None``: that rule is not used)."""

    keep: int | None = DEFAULT_KEEP
    keep_days: int | None = None
    keep_monthly_after_days: int | None = None

    @classmethod
    def from_descriptor(cls, value: Any) -> Retention:
        """The descriptor's ``versions`` block (validated by the descriptor schema)."""
        if not value:
            return cls()
        keep = value.get("keep", DEFAULT_KEEP)
        return cls(
            keep=None if keep == "all" else int(keep),
            keep_days=value.get("keep_days"),
            keep_monthly_after_days=value.get("keep_monthly_after_days"),
        )

    @property
    def keeps_all(self) -> bool:
        """``keep: all``: nothing is ever pruned."""
        return self.keep is None and self.keep_days is None

    def describe(self) -> str:
        """The rule in words, for a tombstone's reason."""
        parts = []
        if self.keep is not None:
            parts.append(f"keep the newest {self.keep}")
        if self.keep_days is not None:
            parts.append(f"keep {self.keep_days} days")
        if self.keep_monthly_after_days is not None:
            parts.append(f"monthly after {self.keep_monthly_after_days} days")
        return ", ".join(parts) or "keep all"


def run_time(run_id: str) -> datetime | None:
    """When a run started, from its id (``20261205T065958Z-cbab30``)."""
    try:
        return datetime.strptime(run_id[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def to_prune(runs: list[str], retention: Retention, now: datetime) -> list[str]:
    """Which of the previous versions ``runs`` (oldest first) retention removes."""
    if retention.keeps_all:
        return []
    kept = set(runs[max(0, len(runs) - retention.keep) :]) if retention.keep else set()
    months_seen: set[str] = set()
    for run_id in reversed(runs):  # newest first: the first of a month is its newest
        when = run_time(run_id)
        age = now - when if when else timedelta(0)
        if retention.keep_days is not None and age <= timedelta(days=retention.keep_days):
            kept.add(run_id)
        monthly = retention.keep_monthly_after_days
        if monthly is not None and age > timedelta(days=monthly) and run_id[:6] not in months_seen:
            kept.add(run_id)
        months_seen.add(run_id[:6])
    return [r for r in runs if r not in kept]


def prune(
    out_dir: Path, dataset: str, retention: Retention, now: datetime | None = None
) -> list[str]:
    """Remove the previous versions retention does not keep; each leaves a tombstone."""
    now = now or datetime.now(UTC)
    removed = []
    for run_id in to_prune(swap.history(out_dir, dataset), retention, now):
        mark_gone(
            out_dir,
            dataset,
            run_id,
            "pruned",
            f"removed by the retention rule ({retention.describe()})",
        )
        shutil.rmtree(swap.publications_dir(out_dir, dataset) / run_id, ignore_errors=True)
        removed.append(run_id)
    return removed


def tombstone(out_dir: Path, dataset: str, run_id: str) -> Path:
    """``.publications/<dataset>/.gone/<run_id>.json``."""
    return swap.publications_dir(out_dir, dataset) / GONE / f"{run_id}.json"


def mark_gone(out_dir: Path, dataset: str, run_id: str, why: str, reason: str) -> None:
    """Record that a version is no longer served, and why (written before it goes)."""
    path = tombstone(out_dir, dataset, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "run_id": run_id,
        "status": why,
        "reason": reason,
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    tmp.replace(path)
    swap.fsync_dir(path.parent)


def gone(out_dir: Path, dataset: str, run_id: str) -> dict[str, Any] | None:
    """The tombstone of a version that is no longer served, or None."""
    try:
        data = json.loads(tombstone(out_dir, dataset, run_id).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def disk_usage(out_dir: Path, dataset: str) -> dict[str, int]:
    """Bytes per kept version (files shared between versions by hard links counted once)."""
    seen: set[tuple[int, int]] = set()
    usage = {}
    for run_id in swap.publications(out_dir, dataset):
        total = 0
        for path in (swap.publications_dir(out_dir, dataset) / run_id).rglob("*"):
            if path.is_file() and not path.is_symlink():
                stat = path.stat()
                if (stat.st_dev, stat.st_ino) not in seen:
                    seen.add((stat.st_dev, stat.st_ino))
                    total += stat.st_size
        usage[run_id] = total
    return usage


def data_tables(version: Path, dataset: str) -> dict[str, list[str]]:
    """The tables a version's run compared (its ``run.json`` changes) and their keys."""
    folder = version / dataset
    try:
        record = json.loads((folder / "run.json").read_text("utf-8"))
        package = json.loads((folder / "datapackage.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    keys = {}
    for resource in package.get("resources", []):
        key = resource.get("schema", {}).get("primaryKey") or []
        keys[resource["name"]] = [key] if isinstance(key, str) else list(key)
    return {t: keys.get(t, []) for t in record.get("changes") or {}}


def withdrawn_runs(out_dir: Path, dataset: str) -> set[str]:
    """Run ids of the versions withdrawn (not merely pruned) by the publisher."""
    folder = swap.publications_dir(out_dir, dataset) / GONE
    found = set()
    for path in folder.glob("*.json") if folder.is_dir() else []:
        data = gone(out_dir, dataset, path.stem)
        if data and data.get("status") == "withdrawn":
            found.add(path.stem)
    return found
