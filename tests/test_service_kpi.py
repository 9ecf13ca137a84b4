"""The service-kpi pipeline on real NYC 311 requests, recomputed independently here.

The independent computation below reads the CSV with the csv module and datetime.strptime
and applies the rules as the issue states them: resolution = closed − created in hours; no
close time → open; negative → excluded and counted invalid; zero kept; midnight closes
flagged and kept; ordinary median; p90 by linear interpolation.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from conftest import nonempty, rows

from terbuka.pipelines.runner import run_dataset

NYC = "%m/%d/%Y %I:%M:%S %p"
K = 5  # metadata/service-kpi/privacy.yml


def plain_median(values):
    values = sorted(values)
    n = len(values)
    if n % 2 == 1:
        return values[n // 2]
    return (values[n // 2 - 1] + values[n // 2]) / 2


def plain_p90(values):
    values = sorted(values)
    position = (len(values) - 1) * 0.9
    below = math.floor(position)
    above = math.ceil(position)
    return values[below] + (values[above] - values[below]) * (position - below)


def independent_kpis(path: Path) -> dict[tuple[str, str], dict]:
    """Per (agency, month of creation): counts and statistics, computed plainly."""
    groups: dict[tuple[str, str], dict] = defaultdict(
        lambda: {"requests": 0, "open": 0, "closed": 0, "negative": 0, "midnight": 0, "hours": []}
    )
    with open(path, encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            created = datetime.strptime(record["Created Date"], NYC)
            group = groups[(record["Agency"], created.strftime("%Y-%m"))]
            group["requests"] += 1
            if not record["Closed Date"]:
                group["open"] += 1
                continue
            group["closed"] += 1
            closed = datetime.strptime(record["Closed Date"], NYC)
            if closed.hour == 0 and closed.minute == 0 and closed.second == 0:
                group["midnight"] += 1
            hours = (closed - created).total_seconds() / 3600
            if hours < 0:
                group["negative"] += 1
            else:
                group["hours"].append(hours)
    return groups


@pytest.fixture(scope="module")
def nyc(shared_data, tmp_path_factory, service_kpi_exact):
    # KPI arithmetic on exact rows: on this 1,000-row sample (101 complaint types) the
    # bundled k-anonymity stops the run, as it should (tests/test_service_kpi_kanon.py).
    path = shared_data / "service-kpi" / "nyc311_2018-2019_sample_41col.csv"
    out = tmp_path_factory.mktemp("nyc")
    record = run_dataset(service_kpi_exact, [str(path)], out, show_progress=False)
    assert record["status"] == "published", record.get("error")
    return path, out / "service-kpi.db", record


def test_kpis_equal_an_independent_computation(nyc):
    path, db, _ = nyc
    expected = independent_kpis(path)
    published = {(r["agency"], r["month"]): r for r in rows(db, "select * from kpi_agency_month")}
    assert set(published) == set(expected)
    compared = 0
    for key, group in expected.items():
        row = published[key]
        if group["requests"] < K:
            assert row["suppressed"] == 1
            assert row["requests"] is None and row["median_hours"] is None
            continue
        assert row["suppressed"] == 0
        assert row["requests"] == group["requests"]
        assert row["open"] == group["open"] and row["closed"] == group["closed"]
        assert row["negative_durations"] == group["negative"]
        assert row["invalid_timestamps"] == group["negative"]
        assert row["midnight_closes"] == group["midnight"]
        if group["hours"]:
            assert row["median_hours"] == pytest.approx(plain_median(group["hours"]), abs=1e-9)
            assert row["p90_hours"] == pytest.approx(plain_p90(group["hours"]), abs=1e-9)
            compared += 1
    assert compared >= 20


def test_bad_timestamps_are_counted(nyc):
    path, db, record = nyc
    totals = rows(
        db,
        "select sum(negative_durations) as negative, sum(midnight_closes) as midnight, "
        "sum(open) as open from kpi_agency",
    )[0]
    per_request = rows(
        db,
        "select count(*) filter (where timestamp_problem = 'negative-duration') as negative, "
        "sum(closed_at_midnight) as midnight, count(*) filter (where state = 'open') as open "
        "from requests",
    )[0]
    assert per_request == {"negative": 10, "midnight": 107, "open": 14}
    suppressed = [
        r["agency"] for r in rows(db, "select agency from kpi_agency where suppressed = 1")
    ]
    assert sorted(suppressed) == ["DCAS", "DFTA", "DOITT", "EDC"]  # fewer than k requests each
    hidden = rows(
        db,
        f"select count(*) filter (where state = 'open') as open from requests "
        f"where agency in ({', '.join('?' * len(suppressed))})",
        suppressed,
    )[0]
    assert totals["negative"] == 10 and totals["midnight"] == 107
    assert totals["open"] + hidden["open"] == 14
    assert record["quality"]["notes_by_check"]["negative-duration"] == 10
    zero = rows(db, "select count(*) as n from requests where resolution_hours = 0")[0]["n"]
    assert zero == 48  # zero durations are kept in the statistics


def test_negative_durations_stay_out_of_every_statistic(nyc):
    _, db, _ = nyc
    negative = rows(db, "select * from requests where timestamp_problem = 'negative-duration'")
    assert len(negative) == 10
    assert all(r["resolution_hours"] < 0 and r["within_sla"] is None for r in negative)
    for row in nonempty(rows(db, "select * from kpi_agency where suppressed = 0")):
        assert row["median_hours"] is None or row["median_hours"] >= 0


def test_category_and_overall_tables_agree(nyc):
    _, db, _ = nyc
    by_category = rows(
        db,
        "select agency, month, sum(requests) as requests from kpi_category_month "
        "where suppressed = 0 group by 1, 2",
    )
    monthly = {
        (r["agency"], r["month"]): r["requests"] for r in rows(db, "select * from kpi_agency_month")
    }
    for row in nonempty(by_category):
        assert row["requests"] <= monthly[(row["agency"], row["month"])]
    overall = {r["agency"]: r for r in rows(db, "select * from kpi_agency where suppressed = 0")}
    nypd = rows(db, "select count(*) as n from requests where agency = 'NYPD'")[0]["n"]
    assert overall["NYPD"]["requests"] == nypd == 347


def test_sla_share(nyc):
    _, db, _ = nyc
    hpd = rows(db, "select * from kpi_agency where agency = 'HPD'")[0]
    valid = rows(
        db,
        "select resolution_hours from requests where agency = 'HPD' and state = 'closed' "
        "and timestamp_problem is null",
    )
    within = sum(1 for r in valid if r["resolution_hours"] <= 120)  # the "*" standard: 120 h
    assert hpd["sla_measured"] == len(valid) and hpd["within_sla"] == within
    assert hpd["within_sla_pct"] == round(100 * within / len(valid), 2)


def test_personal_and_location_columns_are_not_published(nyc):
    _, db, record = nyc
    columns = {r["name"] for r in rows(db, "pragma table_info(requests)")}
    assert not columns & {"incident_address", "latitude", "longitude", "street_name", "location"}
    unmapped = record["inputs"][0]["unmapped_columns"]
    assert "Incident Address" in unmapped and "Latitude" in unmapped


def nyc_as_socrata_json(source: Path, target: Path) -> None:
    """The same requests as Socrata's API returns them: snake_case keys, ISO times, no empties."""
    records = []
    with open(source, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            record = {}
            for key, value in row.items():
                if not value:
                    continue
                name = key.lower().replace(" ", "_").replace("(", "").replace(")", "")
                if key in ("Created Date", "Closed Date", "Due Date"):
                    value = datetime.strptime(value, NYC).strftime("%Y-%m-%dT%H:%M:%S.000")
                record[name] = value
            records.append(record)
    target.write_text(json.dumps(records), encoding="utf-8")


OLD_53 = [
    "Unique Key", "Created Date", "Closed Date", "Agency", "Agency Name", "Complaint Type",
    "Descriptor", "Location Type", "Incident Zip", "Incident Address", "Street Name",
    "Cross Street 1", "Cross Street 2", "Intersection Street 1", "Intersection Street 2",
    "Address Type", "City", "Landmark", "Facility Type", "Status", "Due Date",
    "Resolution Description", "Resolution Action Updated Date", "Community Board", "Borough",
    "X Coordinate (State Plane)", "Y Coordinate (State Plane)", "Park Facility Name",
    "Park Borough", "School Name", "School Number", "School Region", "School Code",
    "School Phone Number", "School Address", "School City", "School State", "School Zip",
    "School Not Found", "School or Citywide Complaint", "Vehicle Type", "Taxi Company Borough",
    "Taxi Pick Up Location", "Bridge Highway Name", "Bridge Highway Direction", "Road Ramp",
    "Bridge Highway Segment", "Garage Lot Name", "Ferry Direction", "Ferry Terminal Name",
    "Latitude", "Longitude", "Location",
]  # fmt: skip


def nyc_as_old_layout(source: Path, target: Path) -> None:
    """The older 53-column export: school and ferry columns, no channel, other order."""
    with (
        open(source, encoding="utf-8", newline="") as handle,
        open(target, "w", encoding="utf-8", newline="") as out,
    ):
        writer = csv.DictWriter(out, OLD_53, extrasaction="ignore")
        writer.writeheader()
        for row in csv.DictReader(handle):
            writer.writerow({**row, "School Name": "Unspecified", "School Not Found": "N"})


@pytest.mark.parametrize("shape", ["socrata-json", "old-53-columns"])
def test_other_layouts_of_the_same_system_give_the_same_kpis(
    nyc, tmp_path, shape, service_kpi_exact
):
    path, db, _ = nyc
    if shape == "socrata-json":
        converted = tmp_path / "311.json"
        nyc_as_socrata_json(path, converted)
    else:
        converted = tmp_path / "311-old.csv"
        nyc_as_old_layout(path, converted)
        assert len(next(csv.reader(open(converted)))) == 53
    out = tmp_path / "site"
    record = run_dataset(service_kpi_exact, [str(converted)], out, show_progress=False)
    assert record["status"] == "published", record.get("error")
    assert record["inputs"][0]["layout"] == "nyc-311"
    statistics = "select agency, month, requests, open, median_hours, p90_hours, invalid_timestamps from kpi_agency_month order by 1, 2"
    assert rows(out / "service-kpi.db", statistics) == rows(db, statistics)
    requests = rows(out / "service-kpi.db", "select count(*) as n from requests")[0]["n"]
    assert requests == 1000


def test_suppression_is_reported_without_naming_the_groups(nyc):
    _, db, record = nyc
    notes = rows(db, "select * from _quality_notes where check_id = 'small-group-suppressed'")
    by_table = {n["table_name"]: n["message"] for n in notes}
    assert by_table["kpi_agency"].startswith("4 groups with fewer than 5")
    suppressed = rows(db, "select count(*) as n from kpi_agency_month where suppressed = 1")[0]["n"]
    assert by_table["kpi_agency_month"].startswith(f"{suppressed} groups")
    assert record["quality"]["notes_by_check"]["small-group-suppressed"] == 3
