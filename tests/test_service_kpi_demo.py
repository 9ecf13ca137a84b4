"""The bundled complaints and IKM generator, published by ``terbuka demo``.

KPIs are recomputed here from the published requests with plain code, and the IKM from
the generated survey file with the csv module.
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict

from conftest import DEMO_SEED, leaked, nonempty, published_text, rows

K = 5


def test_no_planted_personal_value_is_published(demo_site, tmp_path):
    from terbuka.pipelines.demo_services import generate_services

    out, _ = demo_site
    _, planted = generate_services(tmp_path / "again", DEMO_SEED)
    published = published_text(out)
    for kind in ("name", "phone", "nik", "email", "address"):
        assert planted.values.get(kind), kind
    assert leaked(planted.all(), published) == []


def test_complainants_columns_never_reach_a_table(demo_site):
    out, records = demo_site
    columns = {r["name"] for r in rows(out / "service-kpi.db", "pragma table_info(requests)")}
    assert not {c for c in columns if "pelapor" in c or "nik" in c}
    csv_input = next(
        i
        for i in records["service-kpi"]["inputs"]
        if i["path"].endswith(".csv") and i["layout"] == "lapor"
    )
    assert {
        "Nama Pelapor",
        "NIK Pelapor",
        "No HP Pelapor",
        "Email Pelapor",
        "Alamat Pelapor",
    } <= set(csv_input["unmapped_columns"])
    privacy = records["service-kpi"]["privacy"]
    assert privacy.get("PERSON") and privacy.get("PHONE_NUMBER") and privacy.get("NIK")


def test_every_record_is_accounted_for(demo_site):
    _, records = demo_site
    record = records["service-kpi"]
    read = sum(i["records"] for i in record["inputs"] if i["kind"] == "requests")
    table = record["tables"]["requests"]
    assert read == table["rows"] + table["quarantined"] + table["duplicates"]
    assert table["quarantined"] == 1  # the ticket the newer API updated supersedes its first copy


def test_demo_kpis_equal_a_recomputation_from_the_published_requests(demo_site):
    out, _ = demo_site
    db = out / "service-kpi.db"
    groups = defaultdict(list)
    for r in rows(db, "select * from requests where month is not null"):
        groups[(r["agency"], r["category"], r["month"])].append(r)
    published = {
        (r["agency"], r["category"], r["month"]): r
        for r in rows(db, "select * from kpi_category_month")
    }
    assert set(published) == set(groups)
    for key, members in nonempty(groups.items(), "groups"):
        row = published[key]
        if len(members) < K:
            assert row["suppressed"] == 1 and row["median_hours"] is None
            continue
        done = [m for m in members if m["state"] == "closed" and m["timestamp_problem"] is None]
        valid = [m["resolution_hours"] for m in done]
        assert row["requests"] == len(members)
        assert row["open"] == sum(1 for m in members if m["state"] == "open")
        assert row["invalid_timestamps"] == sum(1 for m in members if m["timestamp_problem"])
        assert row["median_hours"] == (statistics.median(valid) if valid else None)
        within = sum(1 for m in done if m["resolution_hours"] <= m["sla_hours"])
        assert row["within_sla"] == within
    unreadable = rows(
        db, "select count(*) as n from requests where timestamp_problem like 'unreadable%'"
    )[0]["n"]
    assert unreadable > 0


def test_ikm_equals_a_recomputation_from_the_survey_file(demo_site, tmp_path):
    from terbuka.pipelines.demo_services import generate_services

    out, _ = demo_site
    paths, _ = generate_services(tmp_path / "again", DEMO_SEED)
    survey = next(p for p in paths if p.name.startswith("skm"))
    scores = defaultdict(lambda: defaultdict(list))
    respondents = defaultdict(int)
    with open(survey, encoding="utf-8", newline="") as handle:
        for line in csv.DictReader(handle):
            respondents[line["Unit Layanan"]] += 1
            for i in range(1, 10):
                value = line[f"U{i}"]
                if value in ("1", "2", "3", "4"):
                    scores[line["Unit Layanan"]][i].append(int(value))
    published = {r["unit"]: r for r in rows(out / "service-kpi.db", "select * from ikm_units")}
    assert set(published) == set(respondents)
    for unit, elements in nonempty(scores.items(), "units"):
        row = published[unit]
        if respondents[unit] < K:
            assert row["suppressed"] == 1 and row["ikm"] is None
            continue
        index = sum(sum(v) / len(v) for v in elements.values()) / 9 * 25
        assert abs(row["ikm"] - index) <= 0.005 + 1e-9
        expected = (
            "A"
            if row["ikm"] >= 88.31
            else "B"
            if row["ikm"] >= 76.61
            else "C"
            if row["ikm"] >= 65
            else "D"
        )
        assert row["category"] == expected


def test_service_canned_questions_over_http(full_demo_client):
    for name in ("slowest_agencies", "sla_compliance_trend", "ikm_ranking"):
        data = full_demo_client.json(f"/service-kpi/{name}.json?_shape=objects")
        assert data["rows"], name
    ranking = full_demo_client.json("/service-kpi/ikm_ranking.json?_shape=objects")["rows"]
    assert [r["ikm"] for r in ranking] == sorted((r["ikm"] for r in ranking), reverse=True)
