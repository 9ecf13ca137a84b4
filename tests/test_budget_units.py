"""Small units of the budget pipeline: names, regions, years, codes, amounts and checks."""

from __future__ import annotations

import pytest

from terbuka.pipelines import plugins
from terbuka.pipelines.domains import budget_codes, budget_djpk
from terbuka.pipelines.domains.budget_checks import absorption, amount


@pytest.mark.parametrize(
    "stem, region, kind",
    [
        ("Kota_Malang", "Kota Malang", "Kota"),
        ("Kota Malang", "Kota Malang", "Kota"),
        ("Malang", "Kabupaten Malang", "Kabupaten"),
        ("Kab_Malang", "Kabupaten Malang", "Kabupaten"),
        ("Surabaya", "Kota Surabaya", "Kota"),
        ("Batu", "Kota Batu", "Kota"),
        # A Kota Banjar exists too: bare means Kabupaten.
        ("Banjar", "Kabupaten Banjar", "Kabupaten"),
        ("KOTA_PROBOLINGGO", "Kota Probolinggo", "Kota"),
        ("Prov_Jawa_Timur", "Provinsi Jawa Timur", "Provinsi"),
        ("Kota_Malang_2023", "Kota Malang", "Kota"),
        ("APBD_Tulungagung_2022", "Kabupaten Tulungagung", "Kabupaten"),
        ("Pemerintah Kota Malang", "Kota Malang", "Kota"),
        ("Pemkab Sidoarjo", "Kabupaten Sidoarjo", "Kabupaten"),
    ],
)
def test_region_from_file_stem(stem, region, kind):
    assert budget_djpk.region_from_stem(stem) == (region, kind)


@pytest.mark.parametrize(
    "path, year",
    [
        ("data/2023/Kota_Malang.csv", 2023),
        ("data/2021/sub/Kota_Malang.csv", 2021),
        ("exports/Kota_Malang_2022.csv", 2022),
        ("exports/Kota_Malang.csv", None),
        ("archive.zip!2020/Batu.csv", 2020),
    ],
)
def test_year_from_path(path, year):
    assert budget_djpk.year_from_path(path) == year


@pytest.mark.parametrize(
    "raw, name, known",
    [
        ("     Belanjaodal", "Belanja Modal", True),
        ("Penyertaanodal Daerah", "Penyertaan Modal Daerah", True),
        (" Belanja Barang Jasa", "Belanja Barang dan Jasa", True),
        ("Pembayaaran Pokok Utang", "Pembayaran Pokok Utang", True),
        ("SURPLUS / DEFISIT", "Surplus/(Defisit)", True),
        ("  Belanja   Lain  Lain ", "Belanja Lain Lain", False),
    ],
)
def test_account_names(raw, name, known):
    assert budget_djpk.account_name(raw) == (name, known)


def place(names: list[str]) -> list[budget_djpk.Placed]:
    return budget_djpk.place_lines(
        [budget_djpk.SourceLine(i + 2, n, len(n) - len(n.lstrip(" "))) for i, n in enumerate(names)]
    )


def test_indentation_decides_when_the_file_has_it():
    placed = place(
        [
            "Belanja Daerah",
            "     Belanja Lainnya",
            "         Belanja Baru Sekali",
            "     Belanja Modal",
        ]
    )
    assert [(p.level, p.parent) for p in placed] == [(1, None), (2, 0), (3, 1), (2, 0)]
    assert placed[2].problem == ""  # indentation placed it: nothing to report


def test_the_tree_decides_without_indentation():
    placed = place(
        [
            " Pembiayaan Daerah", " Penerimaan Pembiayaan Daerah",
            " Sisa Lebih Perhitungan Anggaran Tahun Sebelumnya", " Pengeluaran Pembiayaan Daerah",
            " Penyertaan Modal Daerah", " Penerimaan Pembiayaan Lainnya",
        ]
    )  # fmt: skip
    assert [p.level for p in placed] == [1, 2, 3, 2, 3, 3]
    # a receipt listed after the payments still goes under the receipts
    assert placed[5].parent == 1 and placed[4].parent == 3
    assert placed[3].sign == -1


def test_repeated_name_is_the_only_child():
    placed = place([" Belanja Daerah", " Belanja Modal", " Belanja Modal", " Belanja Lainnya"])
    assert [(p.level, p.parent) for p in placed] == [(1, None), (2, 0), (3, 1), (2, 0)]


def test_unknown_name_is_placed_and_reported():
    placed = place(
        [" Belanja Daerah", " Belanja Lainnya", " Belanja Hibah", " Belanja Sesuatu Baru"]
    )
    assert (placed[3].level, placed[3].parent) == (3, 1)
    assert "not in the DJPK account tree" in placed[3].problem


def test_missing_parent_is_reported():
    placed = place([" Belanja Daerah", " Belanja Hibah"])
    assert placed[1].parent is None or placed[1].problem
    assert "Belanja Lainnya" in placed[1].problem


@pytest.mark.parametrize(
    "value, code",
    [
        ("5.1.02.01.01.0024", "5.1.02.01.01.0024"),
        ("5.1.2.1.1.24", "5.1.02.01.01.0024"),
        (" 5 . 1 . 02 ", "5.1.02"),
        ("510201010024", "5.1.02.01.01.0024"),
        ("5102010100024", None),
        (5, "5"),
        ("4.1.01", "4.1.01"),
        ("5.1.02.01.01.0024.7", None),
        ("5.1.002", None),
        ("Belanja", None),
        ("", None),
    ],
)
def test_account_codes(value, code):
    assert budget_codes.normalise_code(value)[0] == code


def test_code_hierarchy():
    assert budget_codes.level("5.1.02.01.01.0024") == 6
    assert budget_codes.ancestors("5.1.02.01") == ["5.1.02", "5.1", "5"]
    assert budget_codes.sign("6.2") == -1 and budget_codes.sign("6.1") == 1


@pytest.mark.parametrize(
    "value, unit, decimal, expected, precision",
    [
        ("4.372,86 M", None, None, 4_372_860_000_000, 10_000_000),
        ("0,00 M", None, None, 0, 10_000_000),
        ("8660.40", "M", ".", 8_660_400_000_000, 10_000_000),
        ("0.00", "M", ".", 0, 10_000_000),
        ("2.5", "M", ".", 2_500_000_000, 100_000_000),
        ("1.250.000,00", None, None, 1_250_000, 0.01),
        ("1,5 T", None, None, 1_500_000_000_000, 100_000_000_000),
        ("250 jt", None, None, 250_000_000, 1_000_000),
        (18400000000, None, None, 18_400_000_000, 1),
        ("-1167.99", "M", ".", -1_167_990_000_000, 10_000_000),
        ("", "M", ".", None, None),
    ],
)
def test_amounts_are_exact(value, unit, decimal, expected, precision):
    got, got_precision, problem = amount(value, unit, decimal)
    assert problem is None
    assert got == expected and (got is None or isinstance(got, int))
    assert got_precision == precision


@pytest.mark.parametrize("value", ["nfp", "12,3,4", "1.2.3,4.5 M", "5 X"])
def test_unreadable_amounts_give_a_reason(value):
    got, _, problem = amount(value, None, None)
    assert got is None and problem


def test_absorption():
    assert absorption(2_561_830_000_000, 1_564_020_000_000) == 61.05
    assert absorption(0, 5) is None and absorption(None, 5) is None


def line(line_id, planned, realised, parent=None, sign=1, precision=10_000_000, **extra):
    return {
        "line_id": line_id, "parent_line_id": parent, "planned": planned, "realised": realised,
        "sign": sign, "precision": precision, "region": "Kota Contoh", "fiscal_year": 2024,
        "account_name": line_id, "level": 2 if parent else 1, "kind": "account", **extra,
    }  # fmt: skip


# Every registered check, with a budget that passes and one that fails it.
CASES = {
    "budget-children-sum": (
        [line("p", 3 * 10**11, 10**11), line("a", 10**11, 5 * 10**10, "p"), line("b", 2 * 10**11, 5 * 10**10, "p")],
        [line("p", 3 * 10**11, 0), line("a", 10**11, 5 * 10**10, "p"), line("b", 2 * 10**11, 5 * 10**10, "p")],
    ),
    "budget-balance": (
        [
            line("Pendapatan Daerah", 1000, 900), line("Belanja Daerah", 1200, 800),
            line("s", -200, 100, kind="balance"),
        ],
        [
            line("Pendapatan Daerah", 1000, 900), line("Belanja Daerah", 1200, 800),
            line("s", -200, 100_000_000, kind="balance"),
        ],
    ),
    "budget-reported-absorption": (
        [line("x", 8_152_000_000, 10_661_000_000, reported_absorption_pct=130.77)],
        [line("x", 8_152_000_000, 10_661_000_000, reported_absorption_pct=13077.0)],
    ),
}  # fmt: skip


def test_every_registered_check_has_cases():
    assert set(CASES) <= set(plugins.checks())


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_registered_check(check_id):
    check = plugins.checks()[check_id]
    good, bad = CASES[check_id]
    for lines in (good, bad):
        for item in lines:
            if item["kind"] == "balance":
                item["account_name"] = "Surplus/(Defisit)"
    assert list(check.run(good)) == []
    notes = list(check.run(bad))
    assert len(notes) == 1 and notes[0]["message"]
    assert check.table == "budget_lines"


def test_children_sum_allows_the_sources_rounding():
    check = plugins.checks()["budget-children-sum"]
    # 0,01 M precision: three rounded figures may differ by up to 1,5 × Rp 10 juta
    lines = [line("p", 30_000_000, 0), line("a", 10_000_000, 0, "p"), line("b", 30_000_000, 0, "p")]
    assert list(check.run(lines)) == [] and lines[0]["children_planned"] == 40_000_000
    lines[2]["planned"] = 40_000_000
    assert len(list(check.run(lines))) == 1 and lines[0]["reconciles"] is False


def test_financing_is_net_of_payments():
    check = plugins.checks()["budget-children-sum"]
    lines = [
        line("f", 10**11, 0),
        line("in", 15 * 10**10, 0, "f"),
        line("out", 5 * 10**10, 0, "f", sign=-1),
    ]
    assert list(check.run(lines)) == [] and lines[0]["children_planned"] == 10**11
    lines[2]["sign"] = 1
    assert len(list(check.run(lines))) == 1


def test_older_groupings_place_accounts_under_the_latest_possible_parent():
    placed = place(
        [
            " Pendapatan Daerah", " Dana Perimbangan", " Dana Alokasi Umum",
            " Belanja Daerah", " Belanja Tidak Langsung", " Belanja Pegawai", " Belanja Hibah",
            " Belanja Langsung", " Belanja Pegawai", " Belanja Barang dan Jasa", " Belanja Modal",
        ]
    )  # fmt: skip
    parents = [placed[p.parent].name if p.parent is not None else None for p in placed]
    assert parents == [
        None, "Pendapatan Daerah", "Dana Perimbangan",
        None, "Belanja Daerah", "Belanja Tidak Langsung", "Belanja Tidak Langsung",
        "Belanja Daerah", "Belanja Langsung", "Belanja Langsung", "Belanja Langsung",
    ]  # fmt: skip
    assert [p.level for p in placed] == [1, 2, 3, 1, 2, 3, 3, 2, 3, 3, 3]
    assert not any(p.problem for p in placed)


def test_djpk_plain_numbers_use_a_decimal_point_and_suffixed_ones_a_comma():
    assert amount("1.250", "M", ".", ",")[0] == 1_250_000_000  # 1,25 miliar, not 1.250 miliar
    assert amount("1.250,50 M", "M", ".", ",")[0] == 1_250_500_000_000
