"""Out-of-range numbers and wrong-typed dates quarantine their row, in every domain.

Issue 13: a 400-digit amount, ``1e309``, an integer past 64 bits, or a date written as a
number or an object must not empty one cell and publish the row: the row goes to
``_quarantine`` with a reason naming the file, the row, the column and the kind of
value, never the value, and the rest of the file is published.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terbuka.pipelines.demo_inaproc import generate_inaproc
from terbuka.pipelines.parse import parse_datetime, parse_number
from terbuka.pipelines.runner import run_dataset
from terbuka.pipelines.unusable import (
    _usable,
    _walk,
    first_unusable,
    first_unusable_json,
    quarantines,
)

BIG = "9" * 400


def quarantine(db: Path) -> list[dict]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in connection.execute("select * from _quarantine")]
    finally:
        connection.close()


def unusable(db: Path) -> list[dict]:
    return [r for r in quarantine(db) if r["check_id"] == "unusable-value"]


def assert_no_value(rows: list[dict], *values: str) -> None:
    text = json.dumps(rows)
    for value in values:
        assert value[:12] not in text, value[:12]


@pytest.mark.parametrize(
    "value", [BIG, "1e309", str(2**64), 10**400, float("inf"), Decimal("1e400")]
)
def test_out_of_range_numbers_quarantine_their_row(value):
    number, problem = parse_number(value)
    assert number is None and quarantines(problem)


@pytest.mark.parametrize("value", [12345, 1.7e9, {"date": "2024-01-01"}, ["2024"], True])
def test_dates_of_the_wrong_type_quarantine_their_row(value):
    date, problem = parse_datetime(value)
    assert date is None and quarantines(problem) and "a date written as" in problem


@pytest.mark.parametrize("value", ["seratus", "1.2.3,4", "32/13/2024", "Maret"])
def test_ordinary_unreadable_cells_stay_notes(value):
    assert not quarantines(parse_number(value)[1])
    assert not quarantines(parse_datetime(value)[1])


def test_the_first_unusable_value_is_named_by_its_path():
    release = {"ocid": "x", "tender": {"tenderPeriod": {"startDate": 17}, "value": {"amount": 1}}}
    assert first_unusable_json(release)[0] == "tender.tenderPeriod.startDate"
    assert first_unusable_json({"awards": [{"value": {"amount": 2**64}}]})[0] == (
        "awards.0.value.amount"
    )
    assert first_unusable_json({"ocid": "x", "date": "2024-01-01", "n": 3}) is None
    assert first_unusable({"tgl_kontrak": 1700000000, "nama": "x"})[0] == "tgl_kontrak"
    assert first_unusable({"a": 1, "b": "2024"}, dates=["b"]) is None


LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=3),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
)
TREES = st.recursive(
    LEAVES,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["date", "endDate", "tgl_x", "amount", "id"]), children)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(tree=TREES)
def test_the_fast_check_agrees_with_the_walk(tree):
    assert _usable(tree) == (next(_walk(tree, ""), None) is None)


SPSE = "kd_tender;nama_paket;hps;pagu;tgl_pengumuman_tender;status_tender;kd_satker;nama_satker\n"


def test_procurement_csv(tmp_path):
    source = tmp_path / "angka.csv"
    source.write_text(
        SPSE
        + "9001;Jalan Desa;1.250.000,00;2.000.000,00;12/03/2024;Selesai;S1;Dinas PU\n"
        + f"9002;Jembatan;{BIG};2.000.000,00;12/03/2024;Aktif;S1;X\n"
        + "9003;Gedung;1e309;2.000.000,00;13/03/2024;Aktif;S1;X\n"
        + f"9004;Pasar;1.000,00;{2**64};13/03/2024;Aktif;S1;X\n"
    )
    record = run_dataset("procurement", [str(source)], tmp_path / "site", show_progress=False)
    assert record["status"] == "published", record.get("error")
    table = record["tables"]["releases"]
    assert (table["rows"], table["quarantined"]) == (1, 3)
    rows = unusable(tmp_path / "site" / "procurement.db")
    reasons = sorted(r["reason"] for r in rows)
    assert [r.split(",")[0] for r in reasons] == [
        "angka.csv row 3",
        "angka.csv row 4",
        "angka.csv row 5",
    ]
    assert "column hps: a number with more than 30 digits" in reasons[0]
    assert "column hps: a number out of range" in reasons[1]
    assert "column pagu: an integer too large to store" in reasons[2]
    assert all(r["value"] is None for r in rows)
    assert_no_value(rows, BIG, str(2**64))


def _release(number: int, **extra) -> dict:
    return {
        "ocid": f"ocds-abc123-{number}",
        "id": "1",
        "date": "2024-01-01T00:00:00Z",
        "tender": {"id": str(number), "title": f"Paket {number}"},
        **extra,
    }


def test_procurement_ocds(tmp_path):
    releases = [
        _release(1),
        _release(2, tender={"id": "2", "value": {"amount": 10**400, "currency": "IDR"}}),
        _release(3, awards=[{"id": "a", "value": {"amount": 2**64}}]),
        {**_release(4), "date": 1704067200},
        {**_release(5), "date": {"$date": "2024-01-01"}},
        _release(6, tender={"id": "6", "tenderPeriod": {"startDate": ["2024"]}}),
        _release(7),
    ]
    # 1e309 cannot be written by json.dumps: put it into release 1 by hand
    text = json.dumps({"uri": "x", "releases": releases}).replace(
        '"title": "Paket 1"}', '"title": "Paket 1", "value": {"amount": 1e309}}', 1
    )
    source = tmp_path / "rilis.json"
    source.write_text(text)
    record = run_dataset("procurement", [str(source)], tmp_path / "site", show_progress=False)
    assert record["status"] == "published", record.get("error")
    rows = unusable(tmp_path / "site" / "procurement.db")
    by_key = {r["row_key"]: r["reason"] for r in rows}
    assert set(by_key) == {f"ocds-abc123-{n}/1" for n in range(1, 7)}
    assert (
        "rilis.json item 0, column tender.value.amount: not a finite number"
        in by_key["ocds-abc123-1/1"]
    )
    assert "column tender.value.amount: an integer too large" in by_key["ocds-abc123-2/1"]
    assert "column awards.0.value.amount" in by_key["ocds-abc123-3/1"]
    assert "column date: a date written as a number" in by_key["ocds-abc123-4/1"]
    assert "column date: a date written as an object" in by_key["ocds-abc123-5/1"]
    assert (
        "column tender.tenderPeriod.startDate: a date written as a list"
        in by_key["ocds-abc123-6/1"]
    )
    assert record["tables"]["releases"]["rows"] == 1
    assert_no_value(rows, "1" + "0" * 30, str(2**64), "1704067200")


def test_budget(tmp_path):
    source = tmp_path / "src" / "2024" / "Kota_Contoh.csv"
    source.parent.mkdir(parents=True)
    source.write_text(
        "akun,anggaran,realisasi,persentase\n"
        '" Belanja Daerah","300,00 M","150,00 M",50.00\n'
        f'" Belanja Hibah","{BIG}","100,00 M",50.00\n'
    )
    record = run_dataset("budget", [str(tmp_path / "src")], tmp_path / "out", show_progress=False)
    assert record["status"] == "published", record.get("error")
    assert record["tables"]["budget_lines"]["quarantined"] == 1
    [row] = unusable(tmp_path / "out" / "budget.db")
    assert row["reason"].startswith("Kota_Contoh.csv row 3, column planned: a number with more")
    assert row["column_name"] == "planned" and row["value"] is None
    assert_no_value([row], BIG)


def test_service_kpi_socrata_dates(tmp_path, service_kpi_exact):
    records = [
        {"unique_key": "1", "created_date": "2024-03-01T08:00:00.000", "agency": "DOT",
         "complaint_type": "Noise", "closed_date": "2024-03-01T10:00:00.000"},
        {"unique_key": "2", "created_date": 1709280000, "agency": "DOT", "complaint_type": "Noise"},
        {"unique_key": "3", "created_date": "2024-03-01T08:00:00.000", "agency": "DOT",
         "complaint_type": "Noise", "closed_date": {"$date": 1709280000}},
    ]  # fmt: skip
    source = tmp_path / "311.json"
    source.write_text(json.dumps(records))
    record = run_dataset(service_kpi_exact, [str(source)], tmp_path / "out", show_progress=False)
    assert record["status"] == "published", record.get("error")
    assert (record["tables"]["requests"]["rows"], record["tables"]["requests"]["quarantined"]) == (
        1,
        2,
    )
    rows = sorted(unusable(tmp_path / "out" / "service-kpi.db"), key=lambda r: r["reason"])
    assert rows[0]["reason"] == (
        "311.json row 2, column created_date: a date written as a number, not as text"
    )
    assert rows[1]["reason"] == (
        "311.json row 3, column closed_date: a date written as an object, not as text"
    )
    assert_no_value(rows, "1709280000")


def test_inaproc(tmp_path):
    folder = tmp_path / "snapshot"
    paths, _ = generate_inaproc(folder, seed=5, tenders=3)
    announced = next(p for p in paths if "_1013_" in p.name)
    rows = json.loads(announced.read_text())
    assert len(rows) >= 2
    rows[0]["hps"] = BIG  # an amount the mapper reads: the whole process waits
    rows[1]["tgl_pengumuman_tender"] = 1709280000  # a typed date: the feed row is quarantined
    announced.write_text(json.dumps(rows))
    record = run_dataset("inaproc", [str(folder)], tmp_path / "site", show_progress=False)
    assert record["status"] == "published", record.get("error")
    found = unusable(tmp_path / "site" / "inaproc.db")
    reasons = sorted(r["reason"] for r in found)
    assert len(reasons) == 2, reasons
    assert any(
        "row 2, column tgl_pengumuman_tender: a date written as a number" in r for r in reasons
    ), reasons
    assert any("row 1, column hps: a number with more than 30 digits" in r for r in reasons)
    assert all(announced.name in r for r in reasons), reasons
    assert_no_value(found, BIG, "1709280000")


def _budget(cell: str, percent: str = "50.00") -> str:
    return (
        "akun,anggaran,realisasi,persentase\n"
        '" Belanja Daerah","300,00 M","150,00 M",50.00\n'
        f'" Belanja Hibah",{cell},"100,00 M",{percent}\n'
    )


def _survey(score: str) -> str:
    header = "No Responden,Tanggal Survei,Unit Layanan," + ",".join(f"U{i}" for i in range(1, 10))
    # Six good responses in one unit and month: k = 5 holds once the bad one is quarantined.
    good = [f"R{i},0{1 + i}/06/2024,Loket A," for i in range(6)]
    lines = [g + ",".join(str(1 + (i + j) % 4) for j in range(9)) for i, g in enumerate(good)]
    lines.append("R9,05/06/2024,Loket A," + ",".join([score] + ["3"] * 8))
    return "\n".join([header, *lines]) + "\n"


# (domain, file name, text, table, the reason expected for the row after the good ones)
WHOLE_ROWS = {
    "procurement integer 1e25": (
        "procurement", "angka.csv", SPSE.replace("\n", ";jumlah_peserta\n")
        + "9001;Jalan Desa;1.000,00;2.000,00;12/03/2024;Selesai;S1;Dinas PU;3\n"
        + "9002;Jembatan;1.000,00;2.000,00;12/03/2024;Aktif;S1;X;1e25\n",
        "releases", "angka.csv row 3, column jumlah_peserta: an integer too large to store",
    ),
    "budget amount past 64 bits with its unit": (
        "budget", "2024/Kota_Contoh.csv", _budget('"999999999999999999 T"'),
        "budget_lines", "Kota_Contoh.csv row 3, column planned: an integer too large to store",
    ),
    "budget 1e25 (once misread as 125)": (
        "budget", "2024/Kota_Contoh.csv", _budget("1e25"),
        "budget_lines", "Kota_Contoh.csv row 3, column planned: an integer too large to store",
    ),
    "budget percentage 1e309": (
        "budget", "2024/Kota_Contoh.csv", _budget('"100,00 M"', "1e309"),
        "budget_lines", "row 3, column reported_absorption_pct: a number out of range",
    ),
    "service-kpi survey score 1e309": (
        "service-kpi", "skm.csv", _survey("1e309"),
        "ikm_responses", "skm.csv row 8, column U1: a number out of range",
    ),
    "service-kpi survey score of 400 digits": (
        "service-kpi", "skm.csv", _survey(BIG),
        "ikm_responses", "skm.csv row 8, column U1: a number with more than 30 digits",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", WHOLE_ROWS)
def test_an_unusable_number_quarantines_its_row_in_every_domain(tmp_path, case):
    domain, name, text, table, expected = WHOLE_ROWS[case]
    source = tmp_path / "src" / name
    source.parent.mkdir(parents=True)
    source.write_text(text)
    record = run_dataset(domain, [str(tmp_path / "src")], tmp_path / "out", show_progress=False)
    assert record["status"] == "published", record.get("error")
    counts = record["tables"][table]
    assert counts["quarantined"] == 1 and counts["rows"] >= 1, counts
    [row] = unusable(tmp_path / "out" / f"{domain}.db")
    assert expected in row["reason"] and row["value"] is None, row
    assert_no_value([row], "1e25", "1e309", "999999999999999999", BIG)
