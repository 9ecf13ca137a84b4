"""The composite risk score: recomputable with one SQL query, missing never counted as clean.

The demo site's INAPROC database (the national feeds' shape) is scored; one query over the
published ``risk_components`` and ``risk_weights`` must give every published score, and the
components must agree with the published flags (plain Python, not the scoring code).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict

import pytest
import sqlite_utils

from terbuka.metadata import load_descriptor
from terbuka.pipelines import plugins
from terbuka.pipelines.red_flags import derive_red_flags
from terbuka.pipelines.red_flags.base import RedFlagError
from terbuka.pipelines.red_flags.risk import risk_settings
from terbuka.publish.database import create_tables

RECOMPUTE = """
select c.subject_kind, c.subject_id, c.period,
  100.0 * sum(w.weight * c.value) / sum(case when c.value is not null then w.weight end) as score
from risk_components c
join risk_weights w on w.subject_kind = c.subject_kind and w.component = c.component
group by c.subject_kind, c.subject_id, c.period
"""


@pytest.fixture(scope="module")
def published(demo_site):
    """The INAPROC database of the session's demo site (``terbuka demo``), read-only."""
    out, _ = demo_site
    db = sqlite3.connect(f"file:{out / 'inaproc.db'}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    yield db
    db.close()


def test_one_query_recomputes_every_published_score(published):
    recomputed = {(r[0], r[1], r[2]): r[3] for r in published.execute(RECOMPUTE)}
    scores = {
        (r["subject_kind"], r["subject_id"], r["period"]): r["score"]
        for r in published.execute("select * from risk_scores")
    }
    assert set(recomputed) == set(scores)
    assert {k[0] for k in scores} == {"tender", "buyer", "supplier"}
    for key, score in scores.items():
        if score is None:
            assert recomputed[key] is None, key
        else:
            assert recomputed[key] == pytest.approx(score), key
            assert 0 <= score <= 100
    assert any(s is not None and s > 0 for s in scores.values())


def test_contributions_add_up_to_the_score(published):
    sums = defaultdict(float)
    for r in published.execute("select * from risk_components where contribution is not null"):
        sums[r["subject_kind"], r["subject_id"], r["period"]] += r["contribution"]
    for r in published.execute("select * from risk_scores where score is not null"):
        assert sums[r["subject_kind"], r["subject_id"], r["period"]] == pytest.approx(r["score"])


def test_weights_are_the_descriptors(published):
    weights = load_descriptor("inaproc").get("risk_score")["weights"]
    published_weights = {
        (r["subject_kind"], r["component"]): r["weight"]
        for r in published.execute("select * from risk_weights")
    }
    assert published_weights == {
        (k, c): float(w) for k, ws in weights.items() for c, w in ws.items()
    }


def test_tender_components_are_the_flags_and_missing_is_null(published):
    flagged = {(r["ocid"], r["flag_id"]) for r in published.execute("select * from red_flags")}
    judged = {
        r["flag_id"]: r["judged"] for r in published.execute("select * from red_flag_indicators")
    }
    seen_missing = 0
    for r in published.execute("select * from risk_components where subject_kind = 'tender'"):
        if (r["subject_id"], r["component"]) in flagged:
            assert r["value"] == 1.0
        elif r["value"] is None:
            seen_missing += 1
            assert r["contribution"] is None and r["judged"] == 0
        else:
            assert r["value"] == 0.0 and r["judged"] == 1
    assert seen_missing > 0, "the demo has processes some indicators cannot judge"
    # An indicator that judged nothing leaves every tender's component missing, not clean.
    for flag_id, count in judged.items():
        if count == 0:
            values = {
                r[0]
                for r in published.execute(
                    "select value from risk_components where subject_kind = 'tender'"
                    " and component = ?",
                    [flag_id],
                )
            }
            assert values <= {None}


def test_buyer_components_are_shares_of_judged_tenders(published):
    """Plain Python over the tenders' published components: the buyer's share per year.

    A tender's period is its year (the tender period's start, else the process's date), as
    published with its components.
    """
    tenders = {r["ocid"]: r["buyer_id"] for r in published.execute("select * from tenders")}
    judged, flagged = defaultdict(int), defaultdict(int)
    for r in published.execute("select * from risk_components where subject_kind = 'tender'"):
        if r["value"] is None or r["subject_id"] not in tenders:
            continue
        buyer = tenders[r["subject_id"]]
        judged[buyer, r["period"], r["component"]] += 1
        flagged[buyer, r["period"], r["component"]] += int(r["value"] == 1.0)
    checked = 0
    for r in published.execute("select * from risk_components where subject_kind = 'buyer'"):
        key = (r["subject_id"], r["period"], r["component"])
        if key in judged:
            assert r["value"] == pytest.approx(flagged[key] / judged[key])
            checked += 1
    assert checked > 0


def test_peers_are_work_units_of_the_same_kind_and_year(published):
    kinds = {
        r["work_unit_id"]: r["unit_type"] for r in published.execute("select * from work_units")
    }
    for r in published.execute("select * from risk_scores where subject_kind = 'buyer'"):
        kind = kinds.get(r["subject_id"].removeprefix("ID-SATKER-"))
        assert r["peer_group"] == f"{kind or 'all'} {r['period']}"
        if r["score"] is not None:
            peers = [
                p[0]
                for p in published.execute(
                    "select score from risk_scores where subject_kind = 'buyer' and peer_group = ?"
                    " and score is not null",
                    [r["peer_group"]],
                )
            ]
            assert r["peer_count"] == len(peers)
            assert r["peer_percentile"] == pytest.approx(
                100 * sum(p < r["score"] for p in peers) / len(peers)
            )


# --- hand-made: what a missing component does -------------------------------------------


def ocds_row(ocid, **release):
    return {"ocid": ocid, "release": json.dumps({"ocid": ocid, **release})}


def test_a_component_that_cannot_be_judged_is_null_and_left_out(tmp_path):
    descriptor = load_descriptor("procurement")
    db = sqlite_utils.Database(tmp_path / "risk.db")
    create_tables(db, descriptor.schemas)
    db["tenders"].insert_all([
        {"ocid": "one-bidder", "status": "active", "procurement_method": "open",
         "number_of_tenderers": 1, "buyer_id": "B", "tender_period_start": "2024-01-01T00:00:00Z"},
        {"ocid": "no-data", "status": "active", "procurement_method": "open", "buyer_id": "B",
         "tender_period_start": "2024-02-01T00:00:00Z"},
        {"ocid": "two-bidders", "status": "active", "procurement_method": "open",
         "number_of_tenderers": 2, "buyer_id": "B", "tender_period_start": "2024-03-01T00:00:00Z"},
    ])  # fmt: skip
    db["compiled_releases"].insert_all([
        ocds_row("one-bidder", bids={"details": [
            {"status": "valid", "tenderers": [{"id": "S"}], "value": {"amount": 5, "currency": "IDR"}}
        ]}),
        ocds_row("no-data"),
        ocds_row("two-bidders"),
    ])  # fmt: skip
    indicators = [plugins.red_flags()["R018"]({}), plugins.red_flags()["R028"]({})]

    class Settings(dict):
        folder = "procurement"

    risk = risk_settings(
        Settings(risk_score={"weights": {"tender": {"R018": 3, "R028": 1}}}), indicators
    )
    rows = defaultdict(list)
    for batch in derive_red_flags(db, indicators, risk):
        for table, found in batch.tables.items():
            rows[table].extend(found)
    components = {
        (r["subject_id"], r["component"]): r
        for r in rows["risk_components"]
        if r["subject_kind"] == "tender"
    }
    scores = {r["subject_id"]: r for r in rows["risk_scores"] if r["subject_kind"] == "tender"}
    # one-bidder: R018 flagged (1), R028 judged (one priced bid) and clean (0): 100·3/4.
    assert components["one-bidder", "R018"]["value"] == 1.0
    assert components["one-bidder", "R028"]["value"] == 0.0
    assert scores["one-bidder"]["score"] == pytest.approx(75.0)
    assert scores["one-bidder"]["coverage"] == 1.0
    # two-bidders: R018 judged clean, R028 missing (no bids): score 0 on a quarter of the weight missing.
    assert components["two-bidders", "R028"]["value"] is None
    assert components["two-bidders", "R028"]["contribution"] is None
    assert scores["two-bidders"]["score"] == 0.0
    assert scores["two-bidders"]["coverage"] == pytest.approx(0.75)
    assert scores["two-bidders"]["components_missing"] == 1
    # no-data: nothing could be judged: no score at all, not a clean 0.
    assert scores["no-data"]["score"] is None
    assert scores["no-data"]["components_judged"] == 0
    # the buyer: R018 flagged one of its two judged tenders.
    buyer = {r["component"]: r for r in rows["risk_components"] if r["subject_kind"] == "buyer"}
    assert buyer["R018"]["value"] == 0.5 and buyer["R018"]["judged"] == 2


@pytest.mark.parametrize(
    ("risk_score", "message"),
    [
        ({"weights": {"tender": {"R999": 1}}}, "'R999' is not a switched-on indicator"),
        (
            {"weights": {"tender": {"R025": 1}}},
            "'R025' is not a switched-on indicator that judges a tender",
        ),
        ({"weights": {"tender": {"R018": -1}}}, "a weight is a number"),
        ({"weights": {"agency": {"R018": 1}}}, "unknown subject 'agency'"),
        ({"peers": "x"}, "unknown key 'peers'"),
    ],
)
def test_risk_settings_are_checked(risk_score, message):
    indicators = [plugins.red_flags()[i]({}) for i in ("R018", "R025")]

    class Settings(dict):
        folder = "procurement"

    with pytest.raises(RedFlagError, match=message):
        risk_settings(Settings(risk_score=risk_score), indicators)


def test_peer_percentiles_count_strictly_lower_scores_with_ties_and_missing_scores():
    import random

    from terbuka.pipelines.red_flags.risk import _percentiles

    rng = random.Random(3)
    scores = {
        (f"s{i}", "2025"): {
            "score": rng.choice([None, 0.0, 12.5, 50.0, 50.0, rng.uniform(0, 100)]),
            "peer_group": rng.choice(["a", "b", None]),
        }
        for i in range(2000)
    }
    _percentiles(scores)
    for row in scores.values():
        peers = [
            r["score"]
            for r in scores.values()
            if r["peer_group"] == row["peer_group"] and r["score"] is not None
        ]
        assert row["peer_count"] == len(peers)
        if row["score"] is None:
            assert row["peer_percentile"] is None
        else:
            expected = 100 * sum(p < row["score"] for p in peers) / len(peers)
            assert row["peer_percentile"] == expected
