"""Service sources that are off in the ways real ones are: each gives a clear answer.

Tests that publish a handful of rows use the descriptor without quasi-identifiers
(``service_kpi_exact``): so few complaints can never be k-anonymous, and the bundled
policy rightly stops such runs.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import rows

from terbuka.pipelines.runner import run_dataset

HEADER = "Nomor Tiket;Tanggal Laporan;Tanggal Selesai;Instansi Tujuan;Kategori;Isi Laporan;Nama Pelapor\n"


def run(tmp_path: Path, *files: tuple[str, str], descriptor: str = "service-kpi") -> dict:
    paths = []
    for name, text in files:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    return run_dataset(descriptor, paths, tmp_path / "out", show_progress=False)


def test_a_file_no_layout_matches_is_a_clear_error(tmp_path):
    record = run(tmp_path, ("other.csv", "a;b;c\n1;2;3\n"))
    assert record["status"] == "failed" and record["exit_code"] == 2
    assert "other.csv" in record["error"] and "service_kpi.layouts" in record["error"]


def test_records_without_an_id_are_quarantined(tmp_path, service_kpi_exact):
    text = HEADER + (
        "LPR-1;2024-03-01 08:00:00;2024-03-01 10:30:00;Dinas A;Air Bersih;Air mati;Agus Santoso\n"
        ";2024-03-02 08:00:00;;Dinas A;Air Bersih;Air keruh;Dewi Lestari\n"
    )
    record = run(tmp_path, ("pengaduan.csv", text), descriptor=service_kpi_exact)
    assert record["tables"]["requests"]["rows"] == 1
    assert record["quality"]["quarantined_by_check"] == {"missing-id": 1}
    db = tmp_path / "out" / "service-kpi.db"
    assert "Dewi Lestari" not in json.dumps(rows(db, "select * from _quarantine"))
    request = rows(db, "select * from requests")[0]
    assert request["created"] == "2024-03-01T08:00:00+07:00" and request["resolution_hours"] == 2.5


def test_a_later_copy_supersedes_the_earlier(tmp_path, service_kpi_exact):
    first = HEADER + "LPR-1;2024-03-01 08:00:00;;Dinas A;Air Bersih;Air mati;Agus Santoso\n"
    later = [{"nomor_tiket": "LPR-1", "tanggal_laporan": "2024-03-01 08:00:00",
              "tanggal_selesai": "2024-03-03 08:00:00", "instansi_tujuan": "Dinas A",
              "kategori": "Air Bersih", "isi_laporan": "Air mati"}]  # fmt: skip
    record = run(
        tmp_path, ("a.csv", first), ("b.json", json.dumps(later)), descriptor=service_kpi_exact
    )
    assert record["tables"]["requests"]["rows"] == 1
    assert record["quality"]["quarantined_by_check"] == {"superseded": 1}
    request = rows(tmp_path / "out" / "service-kpi.db", "select * from requests")[0]
    assert request["state"] == "closed" and request["resolution_hours"] == 48
    assert request["within_sla"] == 1 and request["sla_hours"] == 48  # Air Bersih: 48 h


def test_every_record_has_a_place(tmp_path, service_kpi_exact):
    text = (
        HEADER
        + "".join(
            f"LPR-{i};2024-0{1 + i % 3}-01 08:00:00;2024-0{1 + i % 3}-01 09:00:00;Dinas A;Kesehatan;-;-\n"
            for i in range(13)
        )
        + "LPR-1;2024-02-01 08:00:00;2024-02-01 09:00:00;Dinas A;Kesehatan;-;-\n"
    )
    record = run(tmp_path, ("p.csv", text), descriptor=service_kpi_exact)
    table = record["tables"]["requests"]
    assert table["rows"] + table["quarantined"] + table["duplicates"] == 14
    assert table["duplicates"] == 1
    kpis = rows(tmp_path / "out" / "service-kpi.db", "select * from kpi_agency_month")
    assert [(k["month"], k["requests"], k["suppressed"]) for k in kpis] == [
        ("2024-01", 5, 0),
        ("2024-02", None, 1),
        ("2024-03", None, 1),
    ]


def test_a_survey_on_its_own_is_published(tmp_path):
    text = (
        "No Responden,Tanggal Survei,Unit Layanan,"
        + ",".join(f"U{i}" for i in range(1, 10))
        + ",Saran\n"
    )
    text += "".join(
        f"R{i},0{1 + i % 9}/06/2024,Loket A,"
        + ",".join(str(1 + (i + j) % 4) for j in range(9))
        + ",-\n"
        for i in range(6)
    )
    record = run(tmp_path, ("skm.csv", text))
    assert record["status"] == "published", record.get("error")
    assert (
        record["tables"]["ikm_responses"]["rows"] == 6 and record["tables"]["requests"]["rows"] == 0
    )
    unit = rows(tmp_path / "out" / "service-kpi.db", "select * from ikm_units")[0]
    assert unit["respondents"] == 6 and unit["ikm"] is not None and unit["period"] == "2024"


def test_a_key_the_api_leaves_out_of_the_first_records_is_still_read(tmp_path):
    records = [
        {"nomor_tiket": f"LPR-{i}", "tanggal_laporan": "2024-03-01 08:00:00", "instansi_tujuan": "Dinas A"}
        for i in range(150)
    ] + [{"nomor_tiket": "LPR-X", "tanggal_laporan": "2024-03-01 08:00:00",
          "tanggal_selesai": "2024-03-01 12:00:00", "instansi_tujuan": "Dinas A"}]  # fmt: skip
    record = run(tmp_path, ("api.json", json.dumps(records)))
    assert record["inputs"][0]["reader"] == "json-rows"
    closed = rows(
        tmp_path / "out" / "service-kpi.db", "select * from requests where state = 'closed'"
    )
    assert [(r["request_id"], r["resolution_hours"]) for r in closed] == [("LPR-X", 4.0)]
