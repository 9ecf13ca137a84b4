"""A composite risk score, 0–100, per tender, buyer (per year) and supplier.

Why this shape: opentender.eu publishes one corruption-risk index per tender, buyer and
supplier; a journalist needs one number to sort by, and a reader must be able to check
it. So every component is published with its value, weight and contribution
(``risk_components``), the weights are published (``risk_weights``), and

    score = 100 × Σ weight·value ÷ Σ weight   (over components whose value is not NULL)

which one SQL query over ``risk_components`` recomputes (docs/red-flags.md). A component
the data cannot judge (no bids, no dates, the rule does not apply) is NULL: it is left out
of both sums, never counted as clean, and ``coverage`` says how much weight was judged.

Component values: for a tender, 1 if the indicator flagged it, 0 if the indicator judged it
and did not; for a buyer in a year, the share of its judged tenders of that year that were
flagged; for a supplier, the share of its judged awarded processes that were flagged. An
indicator about organisations (R025, R038, R048) gives 1 or 0 to the organisations it
judged. Peers: buyers of the same kind (``buyer_peer_column`` of ``work_units``) and year;
tenders of the same procurement method and year; suppliers among all suppliers.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ..batch import Batch
from .base import RedFlag, RedFlagError
from .tables import COMPONENTS_TABLE, SCORES_TABLE, WEIGHTS_TABLE

KINDS = ("tender", "buyer", "supplier")
DEFAULTS: dict[str, Any] = {"weights": {}, "buyer_peer_column": "unit_type"}
# Which organisation role an organisation-level indicator speaks about, per subject kind.
PARTY_ROLE = {"buyer": "buyer", "supplier": "tenderer"}


def risk_settings(descriptor: Any, indicators: list[RedFlag]) -> dict[str, Any]:
    """The descriptor's ``risk_score`` with defaults: weight 1 for every applicable indicator.

    An indicator applies to tenders when it flags processes, to buyers and suppliers when
    it flags processes (as a share) or organisations of that role.
    """
    given = descriptor.get("risk_score") or {}
    folder = getattr(descriptor, "folder", "descriptor")
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise RedFlagError(f"{folder}/dataset.yml: risk_score: unknown key {unknown[0]!r}")
    ids = {i.id: i for i in indicators}
    weights: dict[str, dict[str, float]] = {}
    given_weights = given.get("weights") or {}
    for kind in given_weights:
        if kind not in KINDS:
            raise RedFlagError(
                f"{folder}/dataset.yml: risk_score.weights: unknown subject {kind!r}"
                f" (known: {', '.join(KINDS)})"
            )
    for kind in KINDS:
        if kind in given_weights:
            chosen = dict(given_weights[kind] or {})
            for flag_id, weight in chosen.items():
                if flag_id not in ids or not applies(ids[flag_id], kind):
                    raise RedFlagError(
                        f"{folder}/dataset.yml: risk_score.weights.{kind}: "
                        f"{flag_id!r} is not a switched-on indicator that judges a {kind}"
                    )
                if not isinstance(weight, int | float) or weight < 0:
                    raise RedFlagError(
                        f"{folder}/dataset.yml: risk_score.weights.{kind}.{flag_id}:"
                        " a weight is a number ≥ 0"
                    )
            weights[kind] = {k: float(v) for k, v in chosen.items()}
        else:
            weights[kind] = {i.id: 1.0 for i in indicators if applies(i, kind)}
    return {
        "weights": weights,
        "buyer_peer_column": given.get("buyer_peer_column", DEFAULTS["buyer_peer_column"]),
    }


def applies(indicator: RedFlag | type[RedFlag], kind: str) -> bool:
    """Whether ``indicator`` can give a component to a subject of ``kind``."""
    subjects = getattr(indicator, "subjects", ("tender",))
    if kind == "tender":
        return "tender" in subjects
    return "tender" in subjects or PARTY_ROLE[kind] in subjects


class Evidence:
    """What the indicators found, kept for the score: flagged and judged, per indicator."""

    def __init__(self) -> None:
        self.flagged: dict[str, set[str]] = defaultdict(set)
        self.judged: dict[str, set[str] | None] = {}
        self.party_flagged: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.party_judged: dict[str, set[tuple[str, str]] | None] = {}


def derive_risk(db: Any, settings: dict[str, Any], evidence: Evidence) -> Iterator[Batch]:
    """``risk_weights``, ``risk_components`` and ``risk_scores`` rows, in batches."""
    weights = settings["weights"]
    batch = Batch()
    for kind in KINDS:
        for component, weight in sorted(weights[kind].items()):
            batch.add(
                WEIGHTS_TABLE, {"subject_kind": kind, "component": component, "weight": weight}
            )
    yield batch
    tenders = _tenders(db)
    subjects = {
        "tender": {(o, t["year"]): [o] for o, t in tenders.items()},
        "buyer": _group(tenders, "buyer_id"),
        "supplier": _suppliers(db, tenders),
    }
    names = {
        "tender": {o: t["title"] for o, t in tenders.items()},
        "buyer": {t["buyer_id"]: t["buyer_name"] for t in tenders.values() if t["buyer_id"]},
        "supplier": _supplier_names(db),
    }
    peers = {
        "tender": {
            (o, t["year"]): f"{t['method'] or 'unknown'} {t['year']}" for o, t in tenders.items()
        },
        "buyer": _buyer_peers(db, subjects["buyer"], settings["buyer_peer_column"]),
        "supplier": {key: "all" for key in subjects["supplier"]},
    }
    for kind in KINDS:
        scores: dict[tuple[str, str], dict[str, Any]] = {}
        batch = Batch()
        for (subject, period), ocids in sorted(subjects[kind].items()):
            row = _score(kind, subject, period, ocids, weights[kind], evidence, batch)
            row["subject_name"] = names[kind].get(subject)
            row["peer_group"] = peers[kind].get((subject, period))
            scores[subject, period] = row
            if len(batch.tables.get(COMPONENTS_TABLE, [])) >= 5000:
                yield batch
                batch = Batch()
        _percentiles(scores)
        for row in scores.values():
            batch.add(SCORES_TABLE, row)
        yield batch


def _score(kind: str, subject: str, period: str, ocids: list[str], weights: dict[str, float],
           evidence: Evidence, batch: Batch) -> dict[str, Any]:  # fmt: skip
    """One subject's components (added to ``batch``) and its score row."""
    values: dict[str, tuple[float | None, int, int]] = {}
    for component in weights:
        values[component] = _value(kind, subject, ocids, component, evidence)
    judged_weight = sum(weights[c] for c, (v, _, _) in values.items() if v is not None)
    total_weight = sum(weights.values())
    score = None
    if judged_weight > 0:
        score = 100 * sum(weights[c] * v for c, (v, _, _) in values.items() if v is not None)
        score /= judged_weight
    for component, (value, judged, flagged) in sorted(values.items()):
        contribution = None
        if value is not None and judged_weight > 0:
            contribution = 100 * weights[component] * value / judged_weight
        batch.add(COMPONENTS_TABLE, {
            "subject_kind": kind, "subject_id": subject, "period": period,
            "component": component, "value": value, "weight": weights[component],
            "contribution": contribution, "judged": judged, "flagged": flagged,
        })  # fmt: skip
    return {
        "subject_kind": kind,
        "subject_id": subject,
        "period": period,
        "score": score,
        "coverage": judged_weight / total_weight if total_weight else None,
        "components_judged": sum(1 for v, _, _ in values.values() if v is not None),
        "components_missing": sum(1 for v, _, _ in values.values() if v is None),
    }


def _value(kind: str, subject: str, ocids: list[str], component: str,
           evidence: Evidence) -> tuple[float | None, int, int]:  # fmt: skip
    """(value, judged, flagged) of one component; value None when nothing was judged."""
    if kind != "tender" and component in evidence.party_judged and component not in evidence.judged:
        judged_parties = evidence.party_judged[component]
        key = (PARTY_ROLE[kind], subject)
        if key in evidence.party_flagged[component]:
            return 1.0, 1, 1
        if judged_parties is not None and key in judged_parties:
            return 0.0, 1, 0
        return None, 0, 0
    flagged_set = evidence.flagged.get(component, set())
    judged_set = evidence.judged.get(component)
    judged = flagged = 0
    for ocid in ocids:
        if ocid in flagged_set:
            judged += 1
            flagged += 1
        elif judged_set is not None and ocid in judged_set:
            judged += 1
    if not judged:
        return None, 0, 0
    return flagged / judged, judged, flagged


def _percentiles(scores: dict[tuple[str, str], dict[str, Any]]) -> None:
    """``peer_count`` and ``peer_percentile``: share of scored peers with a lower score.

    Each group's scores are sorted once and a row's lower peers found by bisection, so a
    national peer group of 100,000 tenders costs n log n, not n² comparisons.
    """
    groups: dict[str | None, list[float]] = defaultdict(list)
    for row in scores.values():
        if row["score"] is not None:
            groups[row["peer_group"]].append(row["score"])
    for peers in groups.values():
        peers.sort()
    for row in scores.values():
        peers = groups.get(row["peer_group"], [])
        row["peer_count"] = len(peers)
        row["peer_percentile"] = None
        if row["score"] is not None and peers:
            lower = bisect.bisect_left(peers, row["score"])
            row["peer_percentile"] = 100 * lower / len(peers)


def _tenders(db: Any) -> dict[str, dict[str, Any]]:
    """Every published process: title, buyer, method and year (the tender's, else the process's)."""
    names = set(db.table_names())
    if "tenders" not in names:
        return {}
    joined = (
        "left join compiled_releases c on c.ocid = t.ocid" if "compiled_releases" in names else ""
    )
    date = "coalesce(t.tender_period_start, c.date)" if joined else "t.tender_period_start"
    rows = db.execute(
        f"""
        select t.ocid, t.title, t.buyer_id, t.buyer_name, t.procurement_method,
            substr({date}, 1, 4) as year
        from tenders t {joined}
        """
    )
    return {
        ocid: {
            "title": title,
            "buyer_id": buyer_id,
            "buyer_name": buyer_name,
            "method": method,
            "year": year if year and year.isdigit() else "unknown",
        }  # fmt: skip
        for ocid, title, buyer_id, buyer_name, method, year in rows
    }


def _group(tenders: dict[str, dict[str, Any]], key: str) -> dict[tuple[str, str], list[str]]:
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for ocid, tender in tenders.items():
        if tender[key]:
            grouped[tender[key], tender["year"]].append(ocid)
    return dict(grouped)


def _suppliers(db: Any, tenders: dict[str, dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """Processes each supplier was awarded (``award_suppliers``), all years together."""
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    if "award_suppliers" in db.table_names():
        rows = db.execute(
            "select distinct coalesce(supplier_id, supplier_name), ocid from award_suppliers"
            " where coalesce(supplier_id, supplier_name) is not null order by 1, 2"
        )
        for supplier, ocid in rows:
            if ocid in tenders:
                grouped[supplier, "all"].append(ocid)
    return dict(grouped)


def _supplier_names(db: Any) -> dict[str, str]:
    if "award_suppliers" not in db.table_names():
        return {}
    rows = db.execute(
        "select coalesce(supplier_id, supplier_name), max(supplier_name) from award_suppliers"
        " group by 1"
    )
    return {s: n for s, n in rows if s is not None}


def _buyer_peers(db: Any, buyers: dict[tuple[str, str], list[str]], column: str) -> dict:
    """Peer group per (buyer, year): the work unit's kind (``column``) and the year."""
    kinds: dict[str, str] = {}
    if "work_units" in db.table_names():
        columns = {c.name for c in db["work_units"].columns}
        if column not in columns:
            raise RedFlagError(f"risk_score.buyer_peer_column: work_units has no column {column!r}")
        for unit, kind in db.execute(f"select work_unit_id, [{column}] from work_units"):
            if unit is not None and kind:
                kinds[str(unit)] = str(kind)
    peers = {}
    for buyer, year in buyers:
        kind = kinds.get(buyer) or kinds.get(buyer.removeprefix("ID-SATKER-")) or "all"
        peers[buyer, year] = f"{kind} {year}"
    return peers
