"""The quality gate end to end on procurement data: rules quarantine or warn as the policy
says, every table reconciles, the score and report are published — and a gate that stops
publication leaves the last good one byte for byte intact."""

import json
import re
import shutil
from pathlib import Path

import pytest
import sqlite_utils
import yaml
from conftest import invoke_cli, query, tree_digest

from terbuka.pipelines import plugins
from terbuka.pipelines.runner import run_dataset
from terbuka.publish import database, datapackage

ROOT = Path(__file__).resolve().parents[1]
SUPPLIER = {"id": "S1", "name": "PT Maju Jaya"}


def release(number, start, award_date, amount):
    return {
        "ocid": f"ocds-abc123-{number}",
        "id": "1",
        "date": start,
        "tag": ["tender", "award"],
        "initiationType": "tender",
        "buyer": {"id": "B1", "name": "Dinas PU"},
        "parties": [
            {"id": "B1", "name": "Dinas PU", "roles": ["buyer"]},
            {**SUPPLIER, "roles": ["supplier"]},
        ],
        "tender": {
            "id": f"T{number}",
            "title": f"Paket {number}",
            "status": "complete",
            "value": {"amount": 1000, "currency": "IDR"},
            "tenderPeriod": {"startDate": start, "endDate": "2024-12-31T00:00:00Z"},
        },
        "awards": [
            {
                "id": f"A{number}",
                "date": award_date,
                "status": "active",
                "value": {"amount": amount, "currency": "IDR"},
                "suppliers": [SUPPLIER],
            }
        ],
    }


GOOD = [release(3, "2024-03-03T00:00:00Z", "2024-04-02T00:00:00Z", 250)]
AWARD_BEFORE_TENDER = release(1, "2024-03-01T00:00:00Z", "2024-02-01T00:00:00Z", 90)
NEGATIVE_AWARD = release(2, "2024-03-02T00:00:00Z", "2024-04-01T00:00:00Z", -50)


def package(tmp_path, name, releases):
    path = tmp_path / name
    path.write_text(json.dumps({"uri": "x", "publisher": {"name": "t"}, "releases": releases}))
    return path


def descriptor_copy(tmp_path, policy=None, **data):
    """The bundled procurement descriptor in a folder of its own, with changes."""
    folder = tmp_path / "procurement"
    shutil.copytree(ROOT / "metadata" / "procurement", folder)
    dataset = yaml.safe_load((folder / "dataset.yml").read_text())
    if policy is not None:
        dataset["quality"] = {**dataset["quality"], **policy}
    dataset.update(data)
    (folder / "dataset.yml").write_text(
        yaml.safe_dump(dataset, allow_unicode=True, sort_keys=False)
    )
    return folder


def assert_reconciles(record):
    for table, counts in record["tables"].items():
        assert counts["rows_in"] == counts["rows"] + counts["quarantined"] + counts["duplicates"], (
            table
        )
    assert all(not c["unaccounted"] for c in record["quality"]["reconciliation"].values())


def assert_offline_html(path):
    html = path.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and "</html>" in html
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.IGNORECASE)
    assert "@import" not in html and "url(" not in html
    return html


def test_rules_quarantine_warn_and_every_table_reconciles(tmp_path):
    source = package(tmp_path, "releases.json", [AWARD_BEFORE_TENDER, NEGATIVE_AWARD, *GOOD])
    out = tmp_path / "site"
    record = run_dataset("procurement", [str(source)], out, show_progress=False)
    assert record["status"] == "published", record.get("error")
    db = out / "procurement.db"
    # quarantine: the negative award, and its supplier row through the foreign key
    assert query(
        db, "select table_name, row_key, check_id, value from _quarantine order by table_name"
    ) == [
        ("award_suppliers", "ocds-abc123-2/A2/0", "parent-quarantined", None),
        ("awards", "ocds-abc123-2/A2", "award-amount-not-negative", "-50.0"),
    ]
    assert query(db, "select award_id from awards order by award_id") == [("A1",), ("A3",)]
    assert query(db, "select count(*) from award_suppliers where award_id = 'A2'") == [(0,)]
    # warn: the award dated before its tender opened stays published, with a note
    assert query(
        db, "select row_key from _quality_notes where check_id = 'award-after-tender'"
    ) == [("ocds-abc123-1/A1",)]
    rules = {r["id"]: r for r in record["quality"]["rules"]}
    assert (
        rules["award-amount-not-negative"]["status"],
        rules["award-amount-not-negative"]["quarantined"],
    ) == ("quarantined", 1)
    assert (rules["award-after-tender"]["status"], rules["award-after-tender"]["unexpected"]) == (
        "fail",
        1,
    )
    assert rules["within-budget"]["status"] == "pass"
    assert_reconciles(record)
    assert record["tables"]["awards"] == {
        "rows_in": 3,
        "rows": 2,
        "quarantined": 1,
        "duplicates": 0,
    }
    # the score and every finding are published with the data, and validate
    score = record["quality"]["score"]
    assert isinstance(score, int) and 0 < score < 100
    assert query(db, "select value from _quality where check_id = 'score'") == [(score,)]
    flags = {
        r[0]: r[1] for r in query(db, "select check_id, status from _quality where kind = 'flag'")
    }
    registered = {k for k, c in plugins.checks().items() if getattr(c, "kind", "") == "flag"}
    assert (
        set(flags) == registered
        and flags["schema-valid"] == "pass"
        and flags["up-to-date"] == "fail"
    )
    from frictionless import Package, system

    folder = out / "procurement"
    with system.use_context(trusted=True):
        report = Package(str(folder / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "message"])[:3]
    names = [r["name"] for r in json.loads((folder / "datapackage.json").read_text())["resources"]]
    assert "_quality" in names and "_quarantine" in names
    quality_csv = (folder / "data" / "_quality.csv").read_text()
    assert "schema-valid" in quality_csv and "award-after-tender" in quality_csv
    html = assert_offline_html(folder / "quality.html")
    assert "award-after-tender" in html and f"{score}<small>/100" in html
    fragment = json.loads((folder / "datasette.json").read_text())["plugins"]["terbuka"]
    assert (
        fragment["quality_score"] == score
        and fragment["quality_report"] == "procurement/quality.html"
    )
    assert "_quality" in database.SYSTEM_TABLES


def test_a_stopping_rule_leaves_the_last_good_publication_intact(tmp_path):
    folder = descriptor_copy(tmp_path, {"stop": ["award-after-tender"], "warn": ["within-budget"]})
    out = tmp_path / "site"
    good = package(tmp_path, "good.json", GOOD)
    first = invoke_cli(
        "run", str(folder), "--source", str(good), "--out", str(out), "--json", "--quiet"
    )
    assert first.returncode == 0, first.stderr
    before = tree_digest(out)
    bad = package(tmp_path, "bad.json", [*GOOD, AWARD_BEFORE_TENDER])
    result = invoke_cli("run", str(folder), "--source", str(bad), "--out", str(out), "--json")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    record = json.loads(result.stdout)
    assert record["status"] == "stopped"
    assert record["error"].startswith("quality gate: rule award-after-tender on awards failed")
    assert record["quality"]["gate"]["decision"] == "stop"
    assert tree_digest(out) == before, "the previous publication is untouched, byte for byte"
    assert not list(out.glob(".build-*"))
    report = out / ".runs" / "procurement" / f"{record['run_id']}.quality.html"
    html = assert_offline_html(report)
    assert "stopped" in html and "award-after-tender" in html
    assert "quality gate stopped" in result.stderr or "Error: quality gate" in result.stderr


def test_a_score_below_the_minimum_stops(tmp_path):
    folder = descriptor_copy(tmp_path, {"min_score": 100})
    record = run_dataset(
        str(folder),
        [str(package(tmp_path, "r.json", GOOD))],
        tmp_path / "site",
        show_progress=False,
    )
    assert record["status"] == "stopped" and "below the minimum of 100" in record["error"]
    assert not (tmp_path / "site" / "procurement.db").exists()


SPSE_HEADER = (
    "kd_tender;nama_paket;hps;pagu;tgl_pengumuman_tender;status_tender;kd_satker;nama_satker"
)


def spse(tmp_path, lines, name="spse.csv"):
    path = tmp_path / name
    path.write_text("\n".join([SPSE_HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_an_upstream_check_can_stop_publication(tmp_path):
    rows = [
        "9001;Jalan Desa;1.250.000;2.000.000;12/03/2024;Selesai;S1;Dinas PU",
        "9002;Gedung;3.000.000;4.000.000;13/03/2024;Selesai;S1;Dinas PU;extra",
    ]
    source = spse(tmp_path, rows)
    relaxed = run_dataset("procurement", [str(source)], tmp_path / "relaxed", show_progress=False)
    assert relaxed["status"] == "published"
    assert query(
        tmp_path / "relaxed" / "procurement.db", "select check_id, position from _quarantine"
    ) == [("ragged-row", 3)]
    assert relaxed["tables"]["releases"]["rows_in"] == relaxed["inputs"][0]["records"] == 2
    folder = descriptor_copy(tmp_path, {"stop": ["ragged-row"]})
    strict = run_dataset(str(folder), [str(source)], tmp_path / "strict", show_progress=False)
    assert strict["status"] == "stopped"
    assert "1 rows quarantined by ragged-row" in strict["error"]


def test_reader_options_in_the_descriptor_decide_ambiguous_numbers(tmp_path):
    source = spse(tmp_path, ["9001;Jalan;1.250;2.500;12/03/2024;Selesai;S1;Dinas PU"])
    detected = run_dataset("procurement", [str(source)], tmp_path / "a", show_progress=False)
    assert detected["inputs"][0]["locales"]["hps"] == {"kind": "number", "decimal": None}
    assert query(
        tmp_path / "a" / "procurement.db", "select value_amount, budget_amount from tenders"
    ) == [(1250, 2500)]
    folder = descriptor_copy(tmp_path, reader_options=[{"match": "spse*.csv", "decimal": "."}])
    told = run_dataset(str(folder), [str(source)], tmp_path / "b", show_progress=False)
    assert told["status"] == "published", told.get("error")
    assert query(
        tmp_path / "b" / "procurement.db", "select value_amount, budget_amount from tenders"
    ) == [(1.25, 2.5)]
    assert told["inputs"][0]["locales"]["hps"] == {"kind": "number", "decimal": "."}


def test_a_lost_row_is_caught_by_reconciliation(tmp_path, monkeypatch):
    original = database.Writer.insert

    def leaky(self, table, rows):
        if table == "award_suppliers" and rows:
            rows = rows[:-1]  # a bug that silently drops a row
        return original(self, table, rows)

    monkeypatch.setattr(database.Writer, "insert", leaky)
    source = package(
        tmp_path, "r.json", [*GOOD, release(4, "2024-03-04T00:00:00Z", "2024-04-04T00:00:00Z", 10)]
    )
    record = run_dataset("procurement", [str(source)], tmp_path / "site", show_progress=False)
    assert record["status"] == "stopped"
    assert record["error"].startswith(
        "quality gate: reconciled: award_suppliers: 2 rows in but 1 published + 0 quarantined"
    ), record["error"]
    assert not (tmp_path / "site" / "procurement.db").exists()


def test_a_broken_rule_file_is_one_line_with_its_line_number(tmp_path):
    folder = descriptor_copy(tmp_path)
    (folder / "expectations.yml").write_text(
        "tables:\n  awards:\n    - check: between\n      column: nilai\n      min: 0\n"
    )
    result = invoke_cli(
        "run",
        str(folder),
        "--source",
        str(package(tmp_path, "r.json", GOOD)),
        "--out",
        str(tmp_path / "s"),
        "--json",
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    error = json.loads(result.stdout)["error"]
    assert "expectations.yml:3:" in error and "no published column 'nilai'" in error


def test_the_published_demo_carries_its_quality(published_demo):
    out, record = published_demo
    assert_reconciles(record)
    releases = record["tables"]["releases"]
    assert releases["rows_in"] == sum(i["records"] for i in record["inputs"])
    quality = record["quality"]
    assert quality["gate"]["decision"] == "publish" and quality["score"] >= 50
    assert {f["id"] for f in quality["flags"]} == {
        k for k, c in plugins.checks().items() if getattr(c, "kind", "") == "flag"
    }
    db = out / "procurement.db"
    assert query(db, "select value from _quality where check_id = 'score'") == [(quality["score"],)]
    per_table = query(db, "select table_name, status from _quality where kind = 'rows'")
    assert {t for t, _ in per_table} == set(record["tables"]) and {s for _, s in per_table} == {
        "pass"
    }
    assert query(db, "select count(*) from _quality where kind = 'completeness'")[0][0] > 50
    assert_offline_html(out / "procurement" / "quality.html")
    csv_input = next(i for i in record["inputs"] if i["path"].endswith(".csv"))
    assert csv_input["locales"], "per-column number and date locales are in the run record"


@pytest.mark.parametrize("flag", ["reconciled", "schema-valid"])
def test_fixed_stops_cannot_be_downgraded(tmp_path, flag):
    folder = descriptor_copy(tmp_path, {"warn": [flag]})
    record = run_dataset(
        str(folder), [str(package(tmp_path, "r.json", GOOD))], tmp_path / "s", show_progress=False
    )
    assert record["status"] == "failed" and "cannot be downgraded" in record["error"]


class QualityWitness:
    """The ``_quality`` rows in the build database when the gate's stage ends."""

    rows_when_gate_ends = None

    @plugins.hookspecs.hookimpl
    def after_stage(self, stage, run):
        if stage == "quality":
            built = sqlite_utils.Database(run.build / f"{run.descriptor.name}.db")
            self.rows_when_gate_ends = built.execute("select count(*) from _quality").fetchone()[0]
            built.close()


def test_the_package_writes_quality_once_after_the_gate_decided(tmp_path, monkeypatch):
    written = []
    real_write_csv = datapackage.write_csv

    def recording_write_csv(db, table, *args, **kwargs):
        written.append(table)
        return real_write_csv(db, table, *args, **kwargs)

    monkeypatch.setattr(datapackage, "write_csv", recording_write_csv)
    witness = QualityWitness()
    plugins.pm.register(witness)
    try:
        record = run_dataset(
            str(descriptor_copy(tmp_path)),
            [str(package(tmp_path, "r.json", GOOD))],
            tmp_path / "site",
            show_progress=False,
        )
    finally:
        plugins.pm.unregister(witness)
    assert record["status"] == "published", record.get("error")
    assert witness.rows_when_gate_ends == 0, "the gate computes; packaging writes _quality"
    assert written.count("_quality") == 1 and len(written) == len(set(written))
    folder = tmp_path / "site" / "procurement"
    resource = next(
        r
        for r in json.loads((folder / "datapackage.json").read_text())["resources"]
        if r["name"] == "_quality"
    )
    assert {k: resource[k] for k in ("bytes", "hash")} == datapackage.integrity(
        folder / resource["path"]
    )
    verdict = query(
        tmp_path / "site" / "procurement.db",
        "select status from _quality where check_id = 'schema-valid'",
    )
    assert verdict == [("pass",)], "Frictionless' verdict on the package is in its _quality"
    assert record["quality"]["package_valid"] is True
