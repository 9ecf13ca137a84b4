"""k-anonymity of the row-level tables the service-kpi demo publishes (issue 14, item 4).

The demo pipeline runs in-process on the bundled generator's complaints; the published
database is then measured with plain SQL, and the panel read through Datasette in-process.
"""

from __future__ import annotations

import asyncio
import csv
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import DEMO_SEED, database_datasette, demo_copy, nonempty, rows, tree_digest

from terbuka.metadata import load_descriptor
from terbuka.privacy.policy import load_policy

ROOT = Path(__file__).resolve().parents[1]
# The bundled descriptors' row-level tables whose rows describe members of the public
# (complaints, survey responses): each must declare quasi-identifiers and publish k >= 5.
# Procurement and budget rows are about public bodies and companies.
PERSON_ROWS = {"service-kpi": ("requests", "ikm_responses")}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from terbuka.pipelines.demo_services import generate_services
    from terbuka.pipelines.runner import run_dataset

    folder = tmp_path_factory.mktemp("kanon")
    paths, _ = generate_services(folder / "sources", DEMO_SEED)
    out = folder / "site"
    record = run_dataset("service-kpi", [str(p) for p in paths], out, show_progress=False)
    assert record["status"] == "published", record.get("error")
    return out, record


def min_group(db: Path, table: str, columns: list[str]) -> int:
    """The smallest group over the quasi-identifiers, rows all suppressed left out."""
    names = ", ".join(f"[{c}]" for c in columns)
    some = " or ".join(f"[{c}] is not null" for c in columns)
    (found,) = rows(
        db,
        f"select min(n) as n from (select count(*) n from [{table}] where {some} group by {names})",
    )
    return found["n"]


def table_report(record: dict, table: str) -> dict:
    """The run record's disclosure report for ``table``."""
    (report,) = [r for r in record["disclosure"] if r["table"] == table]
    return report


def test_every_bundled_table_about_people_declares_quasi_identifiers():
    from terbuka.metadata import list_datasets

    declared = {
        name: tuple(load_policy(load_descriptor(name).privacy).quasi_identifiers)
        for name in list_datasets()
    }
    assert {name: tables for name, tables in declared.items() if tables} == PERSON_ROWS


@pytest.mark.parametrize(
    "table", [t for tables in PERSON_ROWS.values() for t in tables], ids=lambda t: t
)
def test_k_is_at_least_5_on_every_published_row_level_table(demo_run, table):
    out, record = demo_run
    policy = load_policy(load_descriptor("service-kpi").privacy)
    quasi = [q.column for q in policy.quasi_identifiers[table]]
    db = out / "service-kpi.db"
    published = rows(db, f"select count(*) as n from [{table}]")[0]["n"]
    assert published > 500  # the demo's 1,500 complaints and 563 survey responses
    report = table_report(record, table)
    assert report["smallest_group"] < 5 <= min_group(db, table, quasi) == report["k_achieved"]
    assert report["suppressed_rows"] <= 0.05 * published


def test_every_row_level_complaint_table_is_k_anonymous(demo_run):
    out, record = demo_run
    policy = load_policy(load_descriptor("service-kpi").privacy)
    assert "requests" in policy.quasi_identifiers and policy.k == 5
    db = out / "service-kpi.db"
    for table, quasi in policy.quasi_identifiers.items():
        assert min_group(db, table, [q.column for q in quasi]) >= policy.k, table
    report = table_report(record, "requests")
    assert report["smallest_group"] == 1  # exact timestamps single every complaint out
    assert report["k_achieved"] >= 5
    assert report["k_achieved"] == min_group(db, "requests", ["created", "area", "category"])


def test_timestamps_are_generalised_before_any_row_is_suppressed(demo_run):
    out, record = demo_run
    db = out / "service-kpi.db"
    report = table_report(record, "requests")
    assert report["generalised"]["created"] == ["date", "month"]
    for column in ("created", "closed", "due"):  # closed and due would give created back
        values = {r["v"] for r in rows(db, f"select [{column}] as v from requests")} - {None}
        assert values and all(re.fullmatch(r"\d{4}-\d{2}", v) for v in values), column
    published = rows(db, "select count(*) as n from requests")[0]["n"]
    assert report["rows"] == published  # suppression keeps the rows, blanks their QIs
    suppressed = rows(
        db, "select count(*) as n from requests where category is null and area is null"
    )
    assert 0 < report["suppressed_rows"] == suppressed[0]["n"] <= 0.05 * published
    blanked = rows(db, "select * from requests where category is null and area is null")
    assert all(r["agency"] is None and r["created"] is None for r in nonempty(blanked))
    assert all(r["request_id"] and r["state"] for r in blanked)  # the row and its measures stay
    schema = json.loads((out / "service-kpi" / "datapackage.json").read_text())
    fields = {
        f["name"]: f
        for r in schema["resources"]
        if r["name"] == "requests"
        for f in r["schema"]["fields"]
    }
    assert (
        fields["created"]["type"] == "yearmonth"
        and "k-anonymity" in fields["created"]["description"]
    )


def test_the_privacy_report_and_table_say_what_was_generalised(demo_run):
    out, record = demo_run
    report = table_report(record, "requests")
    written = json.loads((out / "service-kpi" / "privacy.json").read_text())
    assert written["disclosure"] == record["disclosure"]
    published = {
        (r["column_name"], r["operator"]): r["count"]
        for r in rows(
            out / "service-kpi.db", "select * from _privacy where entity = 'QUASI_IDENTIFIER'"
        )
    }
    assert published[("created", "generalise")] == report["generalised_values"]["created"] > 1000
    assert published[("area", "generalise")] == report["generalised_values"]["area"]
    assert published[("*", "suppress")] == report["suppressed_rows"]


def test_the_panel_shows_the_k_reached_and_the_steps(demo_run, tmp_path):
    _, record = demo_run
    folder = demo_copy(demo_run, tmp_path / "site", ".*")

    async def fetch(path):
        ds = database_datasette(folder, "service-kpi")
        await ds.invoke_startup()
        return await ds.client.get(path)

    report = table_report(record, "requests")
    page = asyncio.run(fetch("/service-kpi/requests?_lang=en"))
    assert page.status_code == 200
    expected = (
        f"requests: k = {report['k_achieved']} (target 5): every row shares created, area, category"
    )
    assert expected in page.text
    assert "generalised: created → date → month, area → wilayah" in page.text
    assert f"quasi-identifiers suppressed in {report['suppressed_rows']} rows" in page.text
    other = asyncio.run(fetch("/service-kpi/kpi_agency?_lang=en"))
    assert "k = " not in other.text  # the KPI table is aggregated, not k-anonymised


def test_k_out_of_reach_stops_the_run_and_keeps_the_publication(tmp_path):
    from terbuka.pipelines.demo_services import generate_services
    from terbuka.pipelines.runner import run_dataset

    paths, _ = generate_services(tmp_path / "sources", DEMO_SEED, complaints=120, responses=10)
    sources = [str(p) for p in paths]
    open_descriptor = tmp_path / "service-kpi"
    shutil.copytree(ROOT / "metadata" / "service-kpi", open_descriptor)
    privacy = open_descriptor / "privacy.yml"
    text = privacy.read_text()
    privacy.write_text(re.sub(r"\nquasi_identifiers:\n(  .*\n)+", "\n", text))
    out = tmp_path / "site"
    first = run_dataset(str(open_descriptor), sources, out, show_progress=False)
    assert first["status"] == "published", first.get("error")
    before = tree_digest(out)
    # The bundled policy on 120 complaints: a month and the whole city still leave most
    # category × month groups below 5, far more than 5 % of the rows.
    privacy.write_text(text)
    second = run_dataset(str(open_descriptor), sources, out, force=True, show_progress=False)
    assert second["status"] == "stopped" and second["exit_code"] == 1
    error = second["error"]
    assert "\n" not in error and error.startswith("k-anonymity: requests: k=5 not reached")
    assert "created to month" in error and "area to wilayah" in error
    assert "at most 5% may be suppressed" in error
    assert tree_digest(out) == before


def test_the_bundled_policy_stops_on_a_sample_too_small_for_k(shared_data, tmp_path):
    """Real NYC 311 rows: 1,000 requests of 101 complaint types over two years. Months and
    no area still leave 418 rows in category × month groups below 5: the run stops."""
    from terbuka.pipelines.runner import run_dataset

    path = shared_data / "service-kpi" / "nyc311_2018-2019_sample_41col.csv"
    record = run_dataset("service-kpi", [str(path)], tmp_path / "site", show_progress=False)
    assert record["status"] == "stopped" and record["exit_code"] == 1
    assert record["error"].startswith("k-anonymity: requests: k=5 not reached")
    assert "418 of 1000 rows (41.8%)" in record["error"]
    assert not (tmp_path / "site" / "service-kpi.db").exists()


def test_survey_dates_go_to_the_month_and_the_ikm_counts_every_respondent(demo_run):
    out, record = demo_run
    db = out / "service-kpi.db"
    report = table_report(record, "ikm_responses")
    assert report["generalised"]["survey_date"] == ["month"]
    dates = {r["v"] for r in rows(db, "select survey_date as v from ikm_responses")} - {None}
    assert dates and all(re.fullmatch(r"\d{4}-\d{2}", v) for v in dates)
    blanked = rows(db, "select * from ikm_responses where unit is null")
    assert len(blanked) == report["suppressed_rows"] > 0
    assert all(r["survey_date"] is None and r["period"] is None for r in blanked)
    # The index per unit is computed before k-anonymity: a suppressed response still
    # counts in its own unit, and no "(unspecified)" unit appears.
    (survey,) = (out.parent / "sources").glob("skm-*.csv")
    with open(survey, encoding="utf-8", newline="") as handle:
        answered = Counter(line["Unit Layanan"] for line in csv.DictReader(handle))
    units = {u["unit"]: u["respondents"] for u in rows(db, "select * from ikm_units")}
    assert set(units) == set(answered)
    for unit, respondents in answered.items():
        assert units[unit] == (respondents if respondents >= 5 else None), unit
