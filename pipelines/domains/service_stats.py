"""Service-request performance, by rules anyone can recompute.

- resolution time = closed − created, in hours;
- no close time → the request is still open;
- a negative duration (closed before created) is excluded from the statistics and counted
  as an invalid timestamp, as is a timestamp that cannot be read;
- a zero duration is kept;
- a close time of exactly midnight (00:00:00) is flagged as a possible placeholder, and kept;
- the median is the ordinary median (the mean of the two middle values for an even count);
- p90 interpolates linearly between the closest ranks: the value at rank (n − 1) × 0.9
  of the sorted durations, counting from 0;
- within the service standard: a valid duration no longer than its category's SLA hours.

Timestamps are read in the layout's time zone when it names one (durations are then real
elapsed time, across daylight-saving changes); without a zone they are taken as written
(Socrata's "floating" timestamps) and subtracted as written.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import cache
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..messages import shown
from ..parse import parse_datetime

UNSPECIFIED = "(unspecified)"
NULL_TOKENS = {"", "unspecified", "n/a", "na", "null", "none", "-", "tidak diketahui"}
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


def clean(value: Any) -> str | None:
    """A text value, with placeholders such as ``Unspecified`` and ``N/A`` read as missing."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return None if text.casefold() in NULL_TOKENS else text


@cache
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def read_time(
    value: Any, timezone: str | None, dayfirst: bool
) -> tuple[datetime | None, str | None]:
    """A timestamp as the local wall-clock time (aware when the zone is known).

    ``(None, None)`` for an empty cell, ``(None, reason)`` for one that cannot be read.
    """
    if isinstance(value, datetime):
        moment = value
    else:
        text = clean(value)
        if text is None:
            return None, None
        if _OFFSET.search(text.strip()):
            iso, problem = parse_datetime(text, None, dayfirst)
            if problem or iso is None:
                return None, problem or f"not a date: {shown(text)}"
            moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
            zone = _zone(timezone) if timezone else None
            return (moment.astimezone(zone) if zone else moment), None
        iso, problem = parse_datetime(text, None, dayfirst)
        if problem or iso is None:
            return None, problem or f"not a date: {shown(text)}"
        moment = datetime.fromisoformat(iso.replace("Z", "")).replace(tzinfo=None)
    if moment.tzinfo is None and timezone:
        zone = _zone(timezone)
        if zone is not None:
            moment = moment.replace(tzinfo=zone)
    return moment, None


def hours_between(created: datetime, closed: datetime) -> float:
    """Hours from created to closed (real elapsed time when both carry a zone)."""
    if created.tzinfo is not None and closed.tzinfo is not None:
        created, closed = created.astimezone(UTC), closed.astimezone(UTC)
    return (closed - created).total_seconds() / 3600


def is_midnight(moment: datetime) -> bool:
    """Exactly 00:00:00 on the local clock: often a date typed without its time."""
    return (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)


def iso_local(moment: datetime | None) -> str | None:
    """ISO 8601 as the local clock shows it, with the offset when the zone is known."""
    if moment is None:
        return None
    return moment.isoformat(timespec="seconds")


def median(values: list[float]) -> float | None:
    """The ordinary median; ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: list[float], share: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default ``linear`` method)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * share
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def sla_for(category: str | None, sla_hours: dict[str, float]) -> float | None:
    """The service standard of a category (case-insensitive), else the ``"*"`` default."""
    if category is not None:
        wanted = category.casefold()
        for name, hours in sla_hours.items():
            if name != "*" and name.casefold() == wanted:
                return float(hours)
    default = sla_hours.get("*")
    return None if default is None else float(default)


KPI_COUNTS = [
    "requests", "closed", "open", "invalid_timestamps", "negative_durations",
    "midnight_closes", "sla_measured", "within_sla",
]  # fmt: skip
KPI_STATS = ["median_hours", "p90_hours", "within_sla_pct"]


def kpi_rows(records: Iterable[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    """One row of KPIs per group of ``keys`` (missing group values read ``(unspecified)``).

    Each record needs ``state`` (open/closed), ``timestamp_problem``, ``resolution_hours``,
    ``closed_at_midnight`` and ``sla_hours``.
    """
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for record in records:
        groups[group_key(record, keys)].append(record)
    return [kpi_row(keys, key, groups[key]) for key in sorted(groups)]


def kpi_rows_sorted(records: Iterable[dict[str, Any]], keys: list[str]) -> Iterator[dict]:
    """Like ``kpi_rows`` for records already sorted by their group: one group in memory."""
    for key, members in groupby(records, key=lambda r: group_key(r, keys)):
        yield kpi_row(keys, key, list(members))


def group_key(record: dict[str, Any], keys: list[str]) -> tuple:
    """The record's group, with ``(unspecified)`` for a missing value."""
    return tuple(record.get(k) or UNSPECIFIED for k in keys)


def kpi_row(keys: list[str], key: tuple, members: list[dict[str, Any]]) -> dict[str, Any]:
    """The KPIs of one group of requests, by the rules above."""
    done = [r for r in members if r["state"] == "closed" and not r["timestamp_problem"]]
    valid = [r["resolution_hours"] for r in done if r["resolution_hours"] is not None]
    measured = [r for r in done if r.get("sla_hours") is not None]
    within = sum(1 for r in measured if r["resolution_hours"] <= r["sla_hours"])
    row = dict(zip(keys, key, strict=True))
    row.update(
        requests=len(members),
        closed=sum(1 for r in members if r["state"] == "closed"),
        open=sum(1 for r in members if r["state"] == "open"),
        invalid_timestamps=sum(1 for r in members if r["timestamp_problem"]),
        negative_durations=sum(1 for r in members if r["timestamp_problem"] == "negative-duration"),
        midnight_closes=sum(1 for r in members if r.get("closed_at_midnight")),
        median_hours=median(valid),
        p90_hours=percentile(valid, 0.9),
        sla_measured=len(measured),
        within_sla=within,
        within_sla_pct=round(100 * within / len(measured), 2) if measured else None,
        suppressed=False,
    )
    return row


def suppress_groups(rows: list[dict[str, Any]], k: int) -> int:
    """Blank every figure of groups with fewer than ``k`` requests (privacy.yml ``k``)."""
    from terbuka.privacy.disclosure import suppress_small_groups

    others = [c for c in KPI_COUNTS if c != "requests"] + KPI_STATS
    return suppress_small_groups(rows, "requests", k, others)
