"""Flags judged on the descriptor: licence, documentation, update frequency, freshness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ...messages import shown
from .base import FREQUENCY_DAYS, Flag, Judgement, flag, quote

DOCUMENTED_SHARE = 0.8  # of the published columns, for column-descriptions


@flag("licence", "Open licence declared")
def LicenceFlag(context: Any) -> Judgement:
    """An open licence is declared (SPDX id known to the registry)."""
    licence = context.descriptor.licence
    if licence.open:
        return "pass", 1, f"{licence.spdx}: {licence.title}"
    return "fail", 0, f"{licence.spdx} is not an open licence"


@flag("description", "Dataset described")
def DescriptionFlag(context: Any) -> Judgement:
    """The dataset says what it holds (a description of at least a sentence)."""
    texts = [context.descriptor.text("description", lang) for lang in ("id", "en")]
    longest = max((len(t) for t in texts), default=0)
    if longest >= 40:
        return "pass", longest, f"description of {longest} characters"
    return "fail", longest, "no description, or one shorter than 40 characters"


@flag("column-descriptions", "Columns documented")
def ColumnDescriptionsFlag(context: Any) -> Judgement:
    """Most published columns have a description (shown in Datasette and the package)."""
    fields = [f for s in context.schemas.values() for f in s["fields"]]
    if not fields:
        return "skip", None, "no published columns"
    share = sum(1 for f in fields if (f.get("description") or "").strip()) / len(fields)
    message = f"{share:.0%} of {len(fields)} columns have a description"
    return Flag.graded(share >= DOCUMENTED_SHARE, share, message)


@flag("update-frequency", "Update frequency declared")
def UpdateFrequencyFlag(context: Any) -> Judgement:
    """The descriptor says how often the dataset is updated."""
    frequency = context.descriptor.get("update_frequency")
    if frequency:
        return "pass", None, f"updated {frequency}"
    return "fail", None, "no update_frequency in dataset.yml"


@flag("up-to-date", "Up to date")
def UpToDateFlag(context: Any) -> Judgement:
    """The newest record is not older than the declared update frequency allows."""
    frequency = context.descriptor.get("update_frequency")
    if frequency not in FREQUENCY_DAYS:
        return "skip", None, f"no regular update frequency ({frequency or 'none declared'})"
    location = context.freshness_column()
    if location is None:
        return "skip", None, "no date column to judge freshness (set quality.freshness)"
    table, column = location
    ceiling = (context.now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    newest = context.db.execute(
        f"select max({quote(column)}) from {quote(table)} where {quote(column)} <= ?", [ceiling]
    ).fetchone()[0]
    if not newest:
        return "fail", None, f"no dates in {table}.{column}"
    try:
        when = datetime.fromisoformat(str(newest).replace("Z", "+00:00"))
    except ValueError:
        return "fail", None, f"{table}.{column} holds {shown(newest)}, not a date"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    age = (context.now - when).total_seconds() / 86400
    period = FREQUENCY_DAYS[frequency]
    allowed = period + max(1.0, period * 0.25)
    status = "pass" if age <= allowed else "fail"
    return (
        status,
        round(age, 1),
        f"newest {table}.{column} is {newest} ({age:.0f} days old; {frequency} allows {allowed:.0f})",
    )
