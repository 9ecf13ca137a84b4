"""The budget pipeline on the real DJPK exports and Fiscal Data Packages in ../shared/data.

The expected figures are recomputed here from the source files with plain code (csv,
Decimal), independently of the pipeline's parsers.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import invoke_cli, nonempty, rows

from terbuka.pipelines.runner import run_dataset


def source_rupiah(text: str) -> int | None:
    """The DJPK cell in rupiah, read plainly: "1.056,43 M" and "8660.40" are both miliar."""
    text = text.strip()
    if not text:
        return None
    if text.endswith(" M"):
        text = text[:-2].replace(".", "").replace(",", ".")
    value = Decimal(text) * 1_000_000_000
    assert value == int(value)
    return int(value)


@pytest.fixture(scope="module")
def djpk(shared_data, tmp_path_factory):
    folder = shared_data / "budget" / "apbd-jatim-djpk"
    out = tmp_path_factory.mktemp("budget-djpk")
    record = run_dataset("budget", [str(folder)], out, show_progress=False)
    assert record["status"] == "published", record.get("error")
    return folder, out / "budget.db", record


def test_every_source_line_is_published_with_the_sources_figures(djpk):
    folder, db, record = djpk
    published = {
        (r["fiscal_year"], r["source"], r["source_row"]): r
        for r in rows(db, "select * from budget_lines")
    }
    read = 0
    for path in sorted(folder.glob("*/*.csv")):
        with open(path, encoding="utf-8", newline="") as handle:
            for number, line in enumerate(csv.DictReader(handle), start=2):
                read += 1
                # published data names a file, never the steward's local path
                row = published[(int(path.parent.name), path.name, number)]
                assert row["source_account_name"] == " ".join(line["akun"].split())
                assert row["planned"] == source_rupiah(line["anggaran"]), (path, number)
                assert row["realised"] == source_rupiah(line["realisasi"]), (path, number)
    assert read == len(published) == record["tables"]["budget_lines"]["rows"] == 3891
    assert sum(i["records"] for i in record["inputs"]) == read


@pytest.mark.parametrize(
    "stem, region",
    [
        ("Kota_Malang", "Kota Malang"),
        ("Malang", "Kabupaten Malang"),
        ("Kota_Kediri", "Kota Kediri"),
        ("Kediri", "Kabupaten Kediri"),
        ("Surabaya", "Kota Surabaya"),  # no Kabupaten Surabaya exists
        ("Batu", "Kota Batu"),
    ],
)
def test_region_comes_from_the_file_name(djpk, stem, region):
    folder, db, _ = djpk
    found = {
        r["region"]
        for r in rows(db, "select distinct region, source from budget_lines")
        if Path(r["source"]).stem == stem
    }
    assert found == {region}


def test_three_years_for_38_regions(djpk):
    _, db, _ = djpk
    budgets = rows(db, "select region, fiscal_year from budget_lines group by 1, 2")
    assert len(budgets) == 114
    assert {b["fiscal_year"] for b in budgets} == {2021, 2022, 2023}
    assert len({b["region"] for b in budgets}) == 38


def test_same_named_child_sits_under_its_parent(djpk):
    _, db, _ = djpk
    lines = rows(
        db,
        "select * from budget_lines where region = 'Kota Malang' and fiscal_year = 2023 order by line_id",
    )
    by_id = {line["line_id"]: line for line in lines}
    pegawai = [line for line in lines if line["account_name"] == "Belanja Pegawai"]
    assert [p["level"] for p in pegawai] == [2, 3]
    assert pegawai[1]["parent_line_id"] == pegawai[0]["line_id"]
    assert by_id[pegawai[0]["parent_line_id"]]["account_name"] == "Belanja Daerah"
    assert pegawai[0]["is_leaf"] == 0 and pegawai[1]["is_leaf"] == 1


def test_mangled_names_are_repaired_and_the_original_kept(djpk):
    _, db, _ = djpk
    modal = rows(db, "select * from budget_lines where source_account_name = 'Belanjaodal'")
    assert modal and {m["account_name"] for m in modal} == {"Belanja Modal"}
    assert {m["fiscal_year"] for m in modal} == {2021}


def test_hierarchy_never_double_counts(djpk):
    """Leaves add up to every top-level total wherever the source agrees with itself."""
    _, db, _ = djpk
    lines = nonempty(rows(db, "select * from budget_lines"))
    by_id = {line["line_id"]: line for line in lines}
    children = defaultdict(list)
    for line in lines:
        if line["parent_line_id"]:
            parent = by_id[line["parent_line_id"]]
            assert parent["level"] == line["level"] - 1
            assert parent["budget_id"] == line["budget_id"]
            children[parent["line_id"]].append(line)
    checked = 0
    for line in lines:
        assert bool(line["is_leaf"]) == (
            line["kind"] == "account" and not children[line["line_id"]]
        )
        if line["level"] != 1 or line["kind"] != "account":
            continue
        subtree, stack = [], [line]
        while stack:
            node = stack.pop()
            subtree.append(node)
            stack.extend(children[node["line_id"]])
        if any(n["reconciles"] == 0 for n in subtree):
            continue
        leaves = [n for n in subtree if n["is_leaf"]]

        def signed(node):
            sign = 1
            while node["parent_line_id"]:
                sign *= node["sign"]
                node = by_id[node["parent_line_id"]]
            return sign

        total = sum(signed(n) * (n["planned"] or 0) for n in leaves)
        # rounding in the source: half a unit (Rp 10 juta) per figure
        assert abs(total - line["planned"]) <= 5_000_000 * len(subtree), line["line_id"]
        checked += 1
    assert checked > 200


def test_source_disagreements_are_marked_and_explained(djpk):
    _, db, record = djpk
    financing = rows(
        db,
        "select * from budget_lines where region = 'Kota Malang' and fiscal_year = 2023 "
        "and account_name = 'Pembiayaan Daerah'",
    )[0]
    # the source: "Pembiayaan Daerah" realised 0,00 M, receipts 460,23 M, payments 0,00 M
    assert financing["realised"] == 0
    assert financing["children_realised"] == 460_230_000_000
    assert financing["reconciles"] == 0
    notes = rows(
        db,
        "select * from _quality_notes where check_id = 'budget-children-sum' and row_key = ?",
        [financing["line_id"]],
    )
    assert notes and "460.230.000.000" in notes[0]["message"]
    assert record["quality"]["notes_by_check"]["budget-children-sum"] == len(
        rows(db, "select * from _quality_notes where check_id = 'budget-children-sum'")
    )
    kediri = rows(
        db,
        "select n.message from _quality_notes n join budget_lines l on l.line_id = n.row_key "
        "where n.check_id = 'budget-reported-absorption' and l.region = 'Kota Kediri' "
        "and l.fiscal_year = 2021 and l.account_name = 'Belanja Modal'",
    )
    assert kediri and "13077" in kediri[0]["message"]
    revenue_ok = rows(
        db,
        "select count(*) as n from budget_lines where reconciles = 0 and account_path like 'Pendapatan%'",
    )
    assert revenue_ok[0]["n"] == 0


def test_absorption_is_realised_over_planned(djpk):
    _, db, _ = djpk
    lines = rows(db, "select * from budget_lines where planned != 0 limit 500")
    assert lines, "no budget line with a planned amount to check"
    for line in lines:
        expected = round(float(Decimal(line["realised"]) * 100 / Decimal(line["planned"])), 2)
        assert line["absorption_pct"] == expected


def test_canned_questions_run(djpk):
    from terbuka.metadata import load_descriptor

    _, db, _ = djpk
    queries = load_descriptor("budget").get("queries")
    assert {"absorption_by_region_year", "largest_gaps", "year_on_year"} <= set(queries)
    results = {name: rows(db, query["sql"]) for name, query in queries.items()}
    absorption = results["absorption_by_region_year"]
    assert len(absorption) == 114 * 2  # revenue and spending per region-year, once each
    yoy = results["year_on_year"]
    assert {(r["previous_year"], r["fiscal_year"]) for r in yoy} == {(2021, 2022), (2022, 2023)}
    assert all(r["planned"] is not None for r in nonempty(results["largest_gaps"]))


def test_datapackage_carries_the_fiscal_model(djpk):
    _, db, record = djpk
    package = json.loads((db.parent / "budget" / "datapackage.json").read_text())
    model = package["model"]
    assert model["measures"]["planned"]["source"] == "planned"
    assert model["measures"]["realised"]["phase"] == "executed"
    assert model["measures"]["planned"]["currency"] == "IDR"
    fields = {
        f["name"]
        for r in package["resources"]
        if r["name"] == "budget_lines"
        for f in r["schema"]["fields"]
    }
    for dimension in model["dimensions"].values():
        for attribute in dimension["attributes"].values():
            assert attribute["source"] in fields
    assert record["quality"]["package_valid"] is True


# --- Fiscal Data Packages --------------------------------------------------------------


def test_fdp_rows_and_amounts_match_the_csv(shared_data, tmp_path):
    folder = shared_data / "budget" / "fdp-demos" / "eu-funds-absorption-rate-2007-2013"
    record = run_dataset("budget", [str(folder)], tmp_path, show_progress=False)
    assert record["status"] == "published", record.get("error")
    with open(next((folder / "data").glob("*.csv")), encoding="utf-8", newline="") as handle:
        source = list(csv.DictReader(handle))
    paid = defaultdict(Decimal)
    for line in source:
        paid[int(line["Year"][:4])] += Decimal(line["Total Paid"])
    published = rows(
        tmp_path / "budget.db",
        "select fiscal_year, sum(realised) as paid, count(*) as n, count(planned) as planned "
        "from budget_lines group by 1",
    )
    assert sum(r["n"] for r in published) == len(source)
    for row in nonempty(published):
        assert row["paid"] == pytest.approx(float(paid[row["fiscal_year"]]), rel=1e-12)
        assert row["planned"] == 0  # "advance" and "interim" are payments too: not the plan
    measures = record["inputs"][-1]
    assert measures["measures"] == {"total-paid": "realised"}
    assert sorted(measures["ignored_measures"]) == ["advance", "interim"]


def test_fdp_bom_semicolon_cyrillic(shared_data):
    """Macedonia: UTF-8 BOM, `;`, CRLF and Cyrillic — read through the package's model."""
    from terbuka.pipelines.domains import budget_fdp

    folder = shared_data / "budget" / "fdp-demos" / "openspending-macedonia"
    package = budget_fdp.load_package(folder / "datapackage.json", "macedonia")
    read = list(budget_fdp.read_rows(package, "macedonia"))
    with open(folder / "MFBudzetIRebalansNaRMmk-MK.csv", encoding="utf-8-sig", newline="") as h:
        source = [r for r in csv.reader(h, delimiter=";")][1:]
    source = [r for r in source if any(c.strip() for c in r)]
    assert len(read) == len(source)
    assert sum(Decimal(str(v)) for r in read for _, v in r.amounts) == sum(
        Decimal(r[-1]) for r in source
    )
    assert read[0].account[0] == ("40", "ПЛАТИ И НАДОМЕСТОЦИ")
    assert read[0].year == 2014 and read[0].admin_unit.startswith("ПРЕТСЕДАТЕЛ")


@pytest.mark.parametrize("package", ["boost-armenia", "boost-moldova", "boost-paraguay"])
def test_package_without_its_data_files_is_a_clear_error(shared_data, tmp_path, package):
    folder = shared_data / "budget" / "fdp-demos" / package
    record = run_dataset("budget", [str(folder)], tmp_path, show_progress=False)
    assert record["status"] == "failed" and record["exit_code"] == 2
    assert "datapackage.json" in record["error"] and "is missing" in record["error"]
    assert "\n" not in record["error"]


def test_missing_package_data_on_the_command_line(shared_data, tmp_path):
    folder = shared_data / "budget" / "fdp-demos" / "boost-peru-national"
    result = invoke_cli("run", "budget", "--source", str(folder), "--out", str(tmp_path), "--json")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    error = json.loads(result.stdout)["error"]
    assert "\n" not in error and "boost-peru-national/datapackage.json" in error
    assert "is missing" in error and "data/peru-boost-nacional-2012-2014-truncated.csv" in error
