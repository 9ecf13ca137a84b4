"""Compute the switched-on indicators over the published tables, as derived tables.

``red_flag_indicators`` holds one row per indicator (id, bilingual title and definition,
methodology, the settings used, how many processes and organisations it flagged and
judged), ``red_flags`` one row per flagged contracting process and indicator, and
``red_flag_parties`` one row per flagged organisation and indicator. Cardinal's
indicators are also written in Cardinal's own result shape (``cardinal_results``), and
the risk score (``risk.py``) is computed from what every indicator flagged and judged.
All go through the privacy and quality stages like every other table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..batch import Batch
from .base import PartyFlag, RedFlag, RedFlagError
from .cardinal_bids import fold_together, folds_releases
from .cardinal_output import result_row
from .risk import Evidence, derive_risk, risk_settings
from .tables import CARDINAL_TABLE, PARTY_TABLE

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


def derive_red_flags(
    db: Any, indicators: list[RedFlag], risk: dict[str, Any] | None = None
) -> Iterator[Batch]:
    """Batches of flag rows, the ``red_flag_indicators`` summary, then the risk score.

    ``risk`` is the descriptor's ``risk_score`` as ``risk_settings`` returns it (weight 1
    for every applicable indicator when None).
    """
    counts: dict[str, list[int]] = {}
    evidence = Evidence()
    # One pass over the compiled releases for every indicator that folds them, not one each.
    fold_together([i for i in indicators if folds_releases(i)], db)
    for indicator in indicators:
        batch, counts[indicator.id] = Batch(), [0, 0]
        flags = indicator.finish() if folds_releases(indicator) else indicator.evaluate(db)  # type: ignore[attr-defined]
        for flag in flags:
            if isinstance(flag, PartyFlag):
                batch.add(PARTY_TABLE, party_row(indicator.id, flag))
                evidence.party_flagged[indicator.id].add((flag.role, flag.party_id))
                counts[indicator.id][1] += 1
            else:
                batch.add(RESULT_TABLE, {"flag_id": indicator.id, **flag._asdict()})
                evidence.flagged[indicator.id].add(flag.ocid)
                counts[indicator.id][0] += 1
            if indicator.origin == "cardinal":
                batch.add(CARDINAL_TABLE, result_row(indicator.id, flag))
            if sum(len(rows) for rows in batch.tables.values()) >= CHUNK:
                yield batch
                batch = Batch()
        if "tender" in indicator.subjects:
            evidence.judged[indicator.id] = indicator.judged
        if set(indicator.subjects) - {"tender"}:
            evidence.party_judged[indicator.id] = indicator.judged_parties
        if batch.tables:
            yield batch
    summary = Batch()
    for indicator in indicators:
        flagged, parties = counts[indicator.id]
        summary.add(INDICATOR_TABLE, indicator_row(indicator, flagged, parties))
    yield summary
    if risk is None:
        risk = risk_settings({}, indicators)
    yield from derive_risk(db, risk, evidence)


def party_row(flag_id: str, flag: PartyFlag) -> dict[str, Any]:
    """One ``red_flag_parties`` row."""
    return {
        "party_role": flag.role,
        "party_id": flag.party_id,
        "party_name": flag.name,
        "flag_id": flag_id,
        "value": flag.value,
        "measure": flag.measure,
        "threshold": flag.threshold,
        "processes": flag.processes,
        "detail": flag.detail,
    }


def indicator_row(indicator: RedFlag, flagged: int, parties: int = 0) -> dict[str, Any]:
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
        "measure_unit": indicator.measure_unit,
        "meta": json.dumps(indicator.meta, sort_keys=True) if indicator.meta else None,
        "settings": json.dumps(indicator.settings, ensure_ascii=False, sort_keys=True),
        "flagged": flagged,
        "flagged_parties": parties,
        "judged": None if indicator.judged is None else len(indicator.judged),
        "judged_parties": (
            None if indicator.judged_parties is None else len(indicator.judged_parties)
        ),
        "subjects": ",".join(indicator.subjects),
        # Where the rule comes from, which defaults no verified article sets, and ICW's match.
        "sources": _json([source.as_json() for source in indicator.sources]),
        "unverified": ",".join(indicator.unverified_defaults()) or None,
        "icw": _json(indicator.icw),
    }


def _json(value: Any) -> str | None:
    return json.dumps(value, ensure_ascii=False) if value else None
