"""When a dataset is due, and running many datasets at once (cron, systemd timers).

``update_frequency`` is read as a calendar period in the dataset's time zone: a
``daily`` dataset is due when today has no successful run yet, a ``monthly`` one when
this month has none. Calendar periods, not elapsed hours, so a cron job that runs at
02:00 every day never skips a day because yesterday's run finished at 02:00:05.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from terbuka.metadata import (
    METADATA_PATH_ENV,
    Descriptor,
    DescriptorError,
    list_datasets,
    own_datasets,
)

from . import descriptors
from .coverage import overdue as data_overdue
from .record import iter_records

__all__ = ["METADATA_PATH_ENV", "due_datasets", "due_status", "known_datasets"]
SUCCESS = ("published", "unchanged")


def period(frequency: str | None, when: datetime) -> str | None:
    """The calendar period ``when`` falls in; ``None`` when the frequency has none."""
    if frequency == "daily":
        return when.strftime("%Y-%m-%d")
    if frequency == "weekly":
        year, week, _ = when.isocalendar()
        return f"{year}-W{week:02d}"
    if frequency == "monthly":
        return when.strftime("%Y-%m")
    if frequency == "quarterly":
        return f"{when.year}-Q{(when.month - 1) // 3 + 1}"
    if frequency == "biannual":
        return f"{when.year}-H{(when.month - 1) // 6 + 1}"
    if frequency == "annual":
        return str(when.year)
    return None


def known_datasets() -> list[str]:
    """Descriptor folders under ``$TERBUKA_METADATA_PATH``, then bundled ones they do not shadow."""
    own = own_datasets()
    shadowed = {folder.name for folder in own}
    return [n for n in list_datasets() if n not in shadowed] + [str(folder) for folder in own]


def last_success(out_dir: Path, dataset: str) -> datetime | None:
    """When the dataset last published or was confirmed unchanged (dry runs excluded)."""
    latest = None
    for record in iter_records(out_dir, dataset):
        if record.get("status") in SUCCESS and not record.get("dry_run"):
            stamp = record.get("finished") or record.get("started")
            if stamp:
                latest = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return latest


def data_until(out_dir: Path, dataset: str) -> str | None:
    """The latest date of the data last published (its ``coverage``), if it had dates."""
    until = None
    for record in iter_records(out_dir, dataset):
        if record.get("status") == "published" and not record.get("dry_run"):
            until = (record.get("coverage") or {}).get("end") or until
    return until


def due_status(
    descriptor: Descriptor, out_dir: Path, now: datetime | None = None
) -> dict[str, Any]:
    """Whether ``descriptor`` is due in ``out_dir`` now, and why."""
    now = now or datetime.now(UTC)
    frequency = descriptor.get("update_frequency")
    entry: dict[str, Any] = {
        "dataset": descriptor.name,
        "path": str(descriptor.folder),
        "update_frequency": frequency,
        "last_success": None,
        "due": False,
    }
    last = last_success(out_dir, descriptor.name)
    if last:
        entry["last_success"] = last.strftime("%Y-%m-%dT%H:%M:%SZ")
    # Freshness from the data: how old the published data itself is (pipelines/coverage.py).
    entry["data_until"] = data_until(out_dir, descriptor.name)
    entry["data_overdue"] = data_overdue(entry["data_until"], frequency, now)
    zone = _zone(descriptor.get("timezone"))
    if not descriptor.get("sources"):
        # Published by hand with --source: never run by the scheduler, but it can be late.
        this_period = period(frequency, now.astimezone(zone))
        overdue = this_period is not None and (
            last is None or this_period != period(frequency, last.astimezone(zone))
        )
        entry["overdue"] = overdue
        entry["reason"] = "declares no sources: publish it with --source" + (
            f" ({frequency}: no successful run this period)" if overdue else ""
        )
        return entry
    if last is None:
        entry.update(due=True, reason="never run successfully")
    elif frequency == "continuous":
        entry.update(due=True, reason="continuous")
    elif frequency in (None, "irregular"):
        entry["reason"] = f"{frequency or 'no update_frequency'}: run it by hand"
    elif period(frequency, now.astimezone(zone)) != period(frequency, last.astimezone(zone)):
        entry.update(due=True, reason=f"{frequency}: no successful run this period")
    else:
        entry["reason"] = f"{frequency}: already ran this period"
    return entry


def due_datasets(out_dir: Path, now: datetime | None = None) -> list[dict[str, Any]]:
    """The due status of every known dataset."""
    found = []
    for name in known_datasets():
        try:
            found.append(due_status(descriptors.load(name), out_dir, now))
        except DescriptorError as error:
            found.append({"dataset": name, "due": False, "error": str(error)})
    return found


def _zone(name: str | None) -> Any:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
