"""Cardinal's indicators on the worked examples of Cardinal's own documentation.

Each fixture in ``tests/data/cardinal/`` is the *Demonstration* input of an indicator's
page (``docs/cli/indicators/R/NNN.md`` in open-contracting/cardinal-rs; see the README
there); the test publishes it as compiled releases in a real SQLite database, computes
the indicator, and compares the Cardinal-shaped output with the output the page documents.
"""

import json
from pathlib import Path

import pytest
import sqlite_utils

from terbuka.metadata import load_descriptor
from terbuka.pipelines import plugins
from terbuka.pipelines.red_flags.base import Flag, PartyFlag
from terbuka.pipelines.red_flags.cardinal_bids import quantile
from terbuka.pipelines.red_flags.cardinal_output import as_json, result_row
from terbuka.publish.database import create_tables

HERE = Path(__file__).parent / "data" / "cardinal"
EXPECTED = json.loads((HERE / "expected.json").read_text())
DESCRIPTOR = load_descriptor("procurement")


def publish(tmp_path, lines):
    """The releases as the published ``compiled_releases`` table."""
    db = sqlite_utils.Database(tmp_path / "cardinal.db")
    create_tables(db, DESCRIPTOR.schemas)
    db["compiled_releases"].insert_all({"ocid": r["ocid"], "release": json.dumps(r)} for r in lines)
    return db


def releases(code):
    text = (HERE / f"{code}.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_every_cardinal_indicator_of_the_issue_is_registered():
    wanted = {"R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038",
              "R048", "R058"}  # fmt: skip
    registered = plugins.red_flags()
    assert wanted <= set(registered)
    for code in wanted:
        assert registered[code].origin == "cardinal"
        assert registered[code].methodology_url.endswith(f"/R/{code[1:]}.md")


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_documented_worked_example(tmp_path, code):
    case = EXPECTED[code]
    indicator = plugins.red_flags()[code](case["settings"])
    flags = list(indicator.evaluate(publish(tmp_path, releases(code))))
    assert as_json(result_row(code, f) for f in flags) == case["output"]
    for flag in flags:
        assert flag.detail
        assert isinstance(flag, Flag | PartyFlag)


@pytest.mark.parametrize(
    ("values", "q1", "q3"),
    [
        # statrs (Hyndman–Fan type 8), by hand: h = (n + 1/3)·τ + 1/3.
        ([1, 99, 99, 99, 99], 1 + (2 / 3) * 98, 99),
        ([1, 1, 1, 1, 99], 1, 1 + (1 / 3) * 98),
        ([0.5], 0.5, 0.5),
    ],
)
def test_quartiles_are_statrs(values, q1, q3):
    assert quantile(values, 0.25) == pytest.approx(q1)
    assert quantile(values, 0.75) == pytest.approx(q3)


def test_no_data_gives_no_fence_and_no_flags(tmp_path):
    assert quantile([], 0.25) != quantile([], 0.25)  # NaN, as statrs
    db = publish(tmp_path, [])
    for code in EXPECTED:
        assert list(plugins.red_flags()[code]({}).evaluate(db)) == []


def test_fixed_threshold_replaces_the_fence(tmp_path):
    # R024 with threshold 0.5: F (1.0) is above it, so nothing; with 1.0, F is flagged.
    db = publish(tmp_path, releases("R024"))
    r024 = plugins.red_flags()["R024"]
    assert [f for f in r024({"threshold": 0.5}).evaluate(db) if isinstance(f, Flag)] == []
    flagged = [f.ocid for f in r024({"threshold": 1.0}).evaluate(db) if isinstance(f, Flag)]
    assert flagged == ["F"]


def test_price_comparison_methods_exclude_processes(tmp_path):
    lines = releases("R028")
    lines[0]["tender"] = {"procurementMethodDetails": "Random Selection"}
    db = publish(tmp_path, lines)
    r028 = plugins.red_flags()["R028"]
    assert (
        list(r028({"no_price_comparison_procurement_methods": "Random Selection"}).evaluate(db))
        == []
    )
    assert (
        list(r028({"price_comparison_procurement_methods": "Reverse Auction"}).evaluate(db)) == []
    )
    assert [f.ocid for f in r028({}).evaluate(db) if isinstance(f, Flag)] == ["F"]


def test_cancelled_and_excluded_processes_are_skipped(tmp_path):
    lines = releases("R030")
    cancelled = json.loads(json.dumps(lines[0]))
    cancelled["tender"]["status"] = "cancelled"
    db = publish(tmp_path, [cancelled])
    assert list(plugins.red_flags()["R030"]({}).evaluate(db)) == []
    lines[0]["tender"]["procurementMethodDetails"] = "Sorteo"
    (tmp_path / "x").mkdir()
    db2 = publish(tmp_path / "x", lines)
    r030 = plugins.red_flags()["R030"]
    assert list(r030({"exclusions": {"procurement_method_details": "Sorteo"}}).evaluate(db2)) == []
    assert len(list(r030({}).evaluate(db2))) == 2
