"""Budget sources that are off in the ways real ones are: each gives a clear answer."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from conftest import rows

from terbuka.metadata.descriptor import metadata_root
from terbuka.pipelines.runner import run_dataset

HEADER = "akun,anggaran,realisasi,persentase\n"
SMALL = (
    '" Belanja Daerah","300,00 M","150,00 M",50.00\n'
    '" Belanja Lainnya","300,00 M","150,00 M",50.00\n'
    '" Belanja Hibah","200,00 M","100,00 M",50.00\n'
    '" Belanja Sesuatu Yang Baru","100,00 M","50,00 M",50.00\n'
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def descriptor_with(tmp_path: Path, **budget) -> Path:
    folder = tmp_path / "budget-descriptor"
    shutil.copytree(metadata_root() / "budget", folder)
    data = yaml.safe_load((folder / "dataset.yml").read_text())
    data["budget"].update(budget)
    (folder / "dataset.yml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return folder


def test_unknown_account_is_published_and_reported(tmp_path):
    write(tmp_path / "src" / "2024" / "Kota_Contoh.csv", HEADER + SMALL)
    record = run_dataset("budget", [str(tmp_path / "src")], tmp_path / "out", show_progress=False)
    assert record["status"] == "published"
    db = tmp_path / "out" / "budget.db"
    new = rows(db, "select * from budget_lines where account_name = 'Belanja Sesuatu Yang Baru'")[0]
    assert new["level"] == 3 and new["planned"] == 100_000_000_000
    notes = rows(db, "select * from _quality_notes where check_id = 'budget-hierarchy'")
    assert len(notes) == 1 and notes[0]["row_key"] == new["line_id"]
    parent = rows(db, "select * from budget_lines where account_name = 'Belanja Lainnya'")[0]
    assert parent["reconciles"] == 1 and new["parent_line_id"] == parent["line_id"]


def test_a_file_without_a_year_is_a_clear_error(tmp_path):
    source = write(tmp_path / "Kota_Contoh.csv", HEADER + SMALL)
    record = run_dataset("budget", [str(source)], tmp_path / "out", show_progress=False)
    assert record["status"] == "failed" and record["exit_code"] == 2
    assert "Kota_Contoh.csv" in record["error"] and "fiscal year" in record["error"]


def test_descriptor_overrides_region_and_year(tmp_path):
    descriptor = descriptor_with(
        tmp_path, files={"exports/apbd-*.csv": {"region": "Kota Contoh", "fiscal_year": 2019}}
    )
    source = write(tmp_path / "exports" / "apbd-terakhir.csv", HEADER + SMALL)
    record = run_dataset(str(descriptor), [str(source)], tmp_path / "out", show_progress=False)
    assert record["status"] == "published", record.get("error")
    budgets = rows(
        tmp_path / "out" / "budget.db",
        "select distinct region, fiscal_year, region_type from budget_lines",
    )
    assert budgets == [{"region": "Kota Contoh", "fiscal_year": 2019, "region_type": "Kota"}]


def test_a_second_file_for_the_same_budget_is_quarantined(tmp_path):
    write(tmp_path / "src" / "2024" / "Kota_Contoh.csv", HEADER + SMALL)
    write(tmp_path / "src" / "2024" / "Kota Contoh.csv", HEADER + SMALL.replace("300,00", "301,00"))
    record = run_dataset("budget", [str(tmp_path / "src")], tmp_path / "out", show_progress=False)
    table = record["tables"]["budget_lines"]
    assert (table["rows"], table["quarantined"]) == (4, 4)
    assert record["quality"]["quarantined_by_check"] == {"duplicate-budget": 4}
    assert sum(i["records"] for i in record["inputs"]) == 8


def test_unreadable_amount_is_empty_and_noted(tmp_path):
    text = HEADER + '" Belanja Daerah","300,00 M","seratus",50.00\n'
    write(tmp_path / "src" / "2024" / "Kota_Contoh.csv", text)
    record = run_dataset("budget", [str(tmp_path / "src")], tmp_path / "out", show_progress=False)
    db = tmp_path / "out" / "budget.db"
    line = rows(db, "select * from budget_lines")[0]
    assert line["planned"] == 300_000_000_000 and line["realised"] is None
    assert record["quality"]["notes_by_check"] == {"unreadable-amount": 1}


LEAVES = """tahun;pemda;nama_skpd;kode_rekening;uraian;anggaran;realisasi
2024;Kota Contoh;Dinas Kesehatan;5.1.2.1.1.40;Belanja Obat-Obatan;1.250.000.000,00;1.000.000.000,50
2024;Kota Contoh;Dinas Kesehatan;5.1.02.01.01.0042;Belanja Bahan Medis Habis Pakai;250.000.000,00;0,00
2024;Kota Contoh;Dinas Kesehatan;;Belanja tanpa kode;5.000,00;0,00
2024;Kota Contoh;Dinas Kesehatan;6.2.02.01.01.0001;Penyertaan Modal BUMD;1.000.000,00;1.000.000,00
"""


def test_leaf_only_line_items_roll_up_under_named_accounts(tmp_path):
    source = write(tmp_path / "rincian.csv", LEAVES)
    record = run_dataset("budget", [str(source)], tmp_path / "out", show_progress=False)
    assert record["status"] == "published", record.get("error")
    db = tmp_path / "out" / "budget.db"
    lines = rows(db, "select * from budget_lines order by line_id")
    assert [line["account_code"] for line in lines] == [
        "5.1.02.01.01.0040",
        "5.1.02.01.01.0042",
        "6.2.02.01.01.0001",
    ]
    assert lines[0]["planned"] == 1_250_000_000 and lines[0]["realised"] == 1_000_000_000.5
    assert all(line["is_leaf"] == 1 and line["parent_line_id"] is None for line in lines)
    accounts = {a["account_id"]: a for a in rows(db, "select * from budget_accounts")}
    assert accounts["p90:5.1.02"]["account_name"] == "Belanja Barang dan Jasa"
    assert accounts["p90:6.2"]["sign"] == -1
    quarantined = rows(db, "select check_id, position from _quarantine")
    assert quarantined == [{"check_id": "bad-account-code", "position": 4}]
    assert record["inputs"][0]["layout"] == "permendagri-90"


def test_plain_whole_rupiah_are_not_read_as_miliar(tmp_path):
    text = (
        HEADER + " Belanja Daerah,300000000000,150000000000.50,50\n Belanja Modal,1.000.000,0,0\n"
    )
    write(tmp_path / "src" / "2024" / "Kota_Contoh.csv", text)
    record = run_dataset("budget", [str(tmp_path / "src")], tmp_path / "out", show_progress=False)
    lines = rows(
        tmp_path / "out" / "budget.db",
        "select planned, realised from budget_lines order by line_id",
    )
    assert lines == [
        {"planned": 300_000_000_000, "realised": 150_000_000_000.5},
        {"planned": 1_000_000, "realised": 0},
    ]
    assert record["inputs"][0]["plain_numbers_in"] == "rupiah"
