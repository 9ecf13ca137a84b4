"""Compute the switched-on indicators over the published tables, as two derived tables.

``red_flag_indicators`` holds one row per indicator (id, bilingual title and definition,
methodology, the settings used, how many processes it flagged) and ``red_flags`` one row
per flagged contracting process and indicator. Both go through the privacy and quality
stages like every other table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..batch import Batch
from .base import RedFlag, RedFlagError

INDICATOR_TABLE = "red_flag_indicators"
RESULT_TABLE = "red_flags"
CHUNK = 5000


def enabled_indicators(descriptor: Any) -> list[RedFlag]:
    """Indicators the descriptor switches on (``red_flags`` key), configured; all if absent."""
    from .. import plugins

    registered = plugins.red_flags()
    wanted = descriptor.get("red_flags")
    if wanted is None:
        return [cls() for _, cls in sorted(registered.items())]
    indicators = []
    for flag_id, settings in wanted.items():
        if flag_id not in registered:
            known = ", ".join(sorted(registered))
            raise RedFlagError(
                f"{descriptor.folder}/dataset.yml: red_flags: unknown indicator {flag_id!r} "
                f"(known: {known})"
            )
        try:
            indicators.append(registered[flag_id](settings or {}))
        except RedFlagError as error:
            raise RedFlagError(f"{descriptor.folder}/dataset.yml: {error}") from None
    return indicators


def derive_red_flags(db: Any, indicators: list[RedFlag]) -> Iterator[Batch]:
    """Batches of ``red_flags`` rows, then the ``red_flag_indicators`` summary."""
    counts = {}
    for indicator in indicators:
        batch, counts[indicator.id] = Batch(), 0
        for flag in indicator.evaluate(db):
            batch.add(
                RESULT_TABLE,
                {"ocid": flag.ocid, "flag_id": indicator.id, **flag._asdict()},
            )
            counts[indicator.id] += 1
            if len(batch.tables[RESULT_TABLE]) >= CHUNK:
                yield batch
                batch = Batch()
        if batch.tables:
            yield batch
    summary = Batch()
    for indicator in indicators:
        summary.add(INDICATOR_TABLE, indicator_row(indicator, counts[indicator.id]))
    yield summary


def indicator_row(indicator: RedFlag, flagged: int) -> dict[str, Any]:
    """The published description of one indicator."""
    return {
        "flag_id": indicator.id,
        "origin": indicator.origin,
        "title": indicator.title["id"],
        "title_en": indicator.title["en"],
        "definition": indicator.definition["id"],
        "definition_en": indicator.definition["en"],
        "explain": indicator.explain["id"],
        "explain_en": indicator.explain["en"],
        "methodology_url": indicator.methodology_url or None,
        "settings": json.dumps(indicator.settings, ensure_ascii=False, sort_keys=True),
        "flagged": flagged,
    }
