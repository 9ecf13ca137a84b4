"""A deterministic generator of realistic, synthetic regional budgets (planned vs realised).

It writes what a steward downloads from the DJPK portal — one file per region and year in
a folder named after the year — in both of the portal's layouts: the older one (child
rows indented with spaces, plain numbers in miliar, "Belanja Modal" mangled to
"Belanjaodal" by the scraper) and the newer one (``" Belanja Pegawai","1.056,43 M"``,
a parent's only child repeating its name). It also writes a line-item budget on the
Permendagri 90 chart of accounts (an Excel workbook, one row per account level), whose
grant lines name their recipients and bank accounts — personal data that must not be
published. The source disagrees with itself where real ones do (a financing total left at
zero). Every planted personal value is returned.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from .demo import Generator, Planted

REGIONS = [("Kota_Contoh", 1.0), ("Sukamaju", 1.6), ("Kota Mekarsari", 0.7)]
YEARS = (2022, 2023, 2024)

# (name, children) with leaf budgets in miliar (before the region's scale).
TREE = [
    ("Pendapatan Daerah", [
        ("PAD", [("Pajak Daerah", 310), ("Retribusi Daerah", 42), ("Hasil Pengelolaan Kekayaan Daerah yang Dipisahkan", 18), ("Lain-Lain PAD yang Sah", 95)]),
        ("TKDD", [("Pendapatan Transfer Pemerintah Pusat", 980)]),
        ("Pendapatan Lainnya", [("Pendapatan Transfer Antar Daerah", 120), ("Pendapatan Hibah", 6), ("Lain-lain Pendapatan Sesuai dengan Ketentuan Peraturan Perundang-Undangan", 0)]),
    ]),
    ("Belanja Daerah", [
        ("Belanja Pegawai", 690),
        ("Belanja Barang dan Jasa", 560),
        ("Belanja Modal", 260),
        ("Belanja Lainnya", [("Belanja Hibah", 95), ("Belanja Bantuan Sosial", 12), ("Belanja Tidak Terduga", 15), ("Belanja Bagi Hasil", 8), ("Belanja Bantuan Keuangan", 20)]),
    ]),
    ("Pembiayaan Daerah", [
        ("Penerimaan Pembiayaan Daerah", [("Sisa Lebih Perhitungan Anggaran Tahun Sebelumnya", 140), ("Pencairan Dana Cadangan", 0)]),
        ("Pengeluaran Pembiayaan Daerah", [("Penyertaan Modal Daerah", 12), ("Pembayaran Cicilan Pokok Utang yang Jatuh Tempo", 9)]),
    ]),
]  # fmt: skip
REPEATED = {"Belanja Pegawai", "Belanja Barang dan Jasa", "Belanja Modal"}


def generate_budget(folder: Path, seed: int = 2024) -> tuple[list[Path], Planted]:
    """Write ``djpk/<year>/<region>.csv`` and ``rincian-apbd-kota-contoh-2024.xlsx``."""
    folder.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed)
    rng = gen.rng
    djpk = folder / "djpk"
    for year in YEARS:
        (djpk / str(year)).mkdir(parents=True, exist_ok=True)
        for stem, scale in REGIONS:
            growth = 1 + 0.06 * (year - YEARS[0])
            lines = _budget_lines(rng, scale * growth)
            if year == 2024 and stem == "Sukamaju":
                # As on the real portal: the financing total's realisation left at zero.
                for line in lines:
                    if line["name"] == "Pembiayaan Daerah":
                        line["realised"] = 0
            path = djpk / str(year) / f"{stem}.csv"
            if year == YEARS[0]:
                _write_old(path, lines)
            else:
                _write_new(path, lines)
    items = folder / "rincian-apbd-kota-contoh-2024.xlsx"
    _line_items(gen, items)
    return [djpk, items], gen.planted


def _budget_lines(rng: random.Random, scale: float) -> list[dict]:
    """Planned and realised in units of 0,01 miliar (Rp 10 juta): sums are exact."""
    lines: list[dict] = []

    def walk(name: str, node, level: int) -> tuple[int, int]:
        index = len(lines)
        lines.append({"name": name, "level": level})
        if isinstance(node, list):
            planned = realised = 0
            for child_name, child in node:
                p, r = walk(child_name, child, level + 1)
                sign = -1 if child_name == "Pengeluaran Pembiayaan Daerah" else 1
                planned += sign * p
                realised += sign * r
        else:
            planned = int(node * scale * rng.uniform(0.85, 1.15) * 100)
            realised = int(planned * rng.uniform(0.55, 1.08))
        lines[index].update(planned=planned, realised=realised, leaf=not isinstance(node, list))
        return planned, realised

    totals = {}
    for name, node in TREE:
        totals[name] = walk(name, node, 1)
    surplus = tuple(
        a - b for a, b in zip(totals["Pendapatan Daerah"], totals["Belanja Daerah"], strict=True)
    )
    at = next(i for i, line in enumerate(lines) if line["name"] == "Pembiayaan Daerah")
    lines.insert(
        at,
        {
            "name": "Surplus/(Defisit)",
            "level": 1,
            "planned": surplus[0],
            "realised": surplus[1],
            "balance": True,
        },
    )
    return lines


def _pct(line: dict) -> str:
    return "0" if not line["planned"] else f"{100 * line['realised'] / line['planned']:.2f}"


def _write_old(path: Path, lines: list[dict]) -> None:
    """The portal's older layout: indentation, plain numbers in miliar, mangled names."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["akun", "anggaran", "realisasi", "persentase"])
        for line in lines:
            name = line["name"].replace(" M", "")  # the scraper's mangling
            name = name.replace("Belanja Barang dan Jasa", "Belanja Barang Jasa")
            indent = {1: "", 2: " " * 5, 3: " " * 9}[line["level"]]
            if line["name"] == "Pencairan Dana Cadangan":
                writer.writerow([indent + name, "", "", ""])  # the portal leaves some rows empty
                continue
            writer.writerow(
                [
                    indent + name,
                    f"{line['planned'] / 100:.2f}",
                    f"{line['realised'] / 100:.2f}",
                    _pct(line),
                ]
            )


def _write_new(path: Path, lines: list[dict]) -> None:
    """The newer layout: one leading space, ``1.234,56 M``, repeated names, no balance line."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
        handle.write("akun,anggaran,realisasi,persentase\n")
        for line in lines:
            if line.get("balance"):
                continue
            row = [
                " " + line["name"],
                _miliar(line["planned"]),
                _miliar(line["realised"]),
                float(_pct(line)),
            ]
            writer.writerow(row)
            if line["name"] in REPEATED:
                writer.writerow(row)


def _miliar(units: int) -> str:
    """Units of 0,01 miliar → ``"1.056,43 M"``."""
    whole, cents = divmod(abs(units), 100)
    text = f"{whole:,}".replace(",", ".") + f",{cents:02d} M"
    return "-" + text if units < 0 else text


ITEMS = [
    ("Dinas Pendidikan", "Penyediaan Gaji dan Tunjangan ASN", "5.1.01.01.01.0001", "Belanja Gaji Pokok PNS", 18_400_000_000),
    ("Dinas Pendidikan", "Penyediaan Gaji dan Tunjangan ASN", "5.1.01.01.02.0001", "Belanja Tunjangan Keluarga PNS", 1_650_000_000),
    ("Dinas Pendidikan", "Penyediaan Bahan Ajar", "5.1.02.01.01.0024", "Belanja Alat/Bahan untuk Kegiatan Kantor-Alat Tulis Kantor", 420_000_000),
    ("Dinas Pendidikan", "Penyediaan Bahan Ajar", "5.1.02.01.01.0026", "Belanja Alat/Bahan untuk Kegiatan Kantor-Bahan Cetak", 310_500_000),
    ("Dinas Pendidikan", "Pembangunan Ruang Kelas Baru", "5.2.03.01.01.0001", "Belanja Modal Bangunan Gedung Tempat Pendidikan", 7_250_000_000),
    ("Dinas Kesehatan", "Penyediaan Obat dan BMHP", "5.1.02.01.01.0040", "Belanja Obat-Obatan", 3_980_000_000),
    ("Dinas Kesehatan", "Penyediaan Obat dan BMHP", "5.1.02.01.01.0042", "Belanja Bahan Medis Habis Pakai", 1_275_250_000),
    ("Dinas Kesehatan", "Pengadaan Alat Kesehatan", "5.2.02.07.01.0001", "Belanja Modal Alat Kedokteran Umum", 2_640_000_000),
    ("Dinas Sosial", "Bantuan Kelompok Masyarakat", "5.1.05.05.01.0001", "Belanja Hibah Uang kepada Kelompok Masyarakat", 900_000_000),
    ("Dinas Sosial", "Bantuan Sosial Keluarga Miskin", "5.1.06.01.01.0001", "Belanja Bantuan Sosial Uang kepada Individu", 1_120_000_000),
]  # fmt: skip


OBJECTS = {
    "5.1.01.01": "Belanja Gaji dan Tunjangan ASN",
    "5.1.01.01.01": "Belanja Gaji Pokok ASN",
    "5.1.01.01.02": "Belanja Tunjangan Keluarga ASN",
    "5.1.02.01": "Belanja Barang",
    "5.1.02.01.01": "Belanja Barang Pakai Habis",
    "5.1.05.05": "Belanja Hibah kepada Badan, Lembaga, Organisasi Kemasyarakatan",
    "5.1.05.05.01": "Belanja Hibah Uang kepada Badan dan Lembaga Nirlaba",
    "5.1.06.01": "Belanja Bantuan Sosial Uang yang Direncanakan",
    "5.1.06.01.01": "Belanja Bantuan Sosial Uang kepada Individu",
    "5.2.02.07": "Belanja Modal Alat Kedokteran dan Kesehatan",
    "5.2.02.07.01": "Belanja Modal Alat Kedokteran",
    "5.2.03.01": "Belanja Modal Bangunan Gedung",
    "5.2.03.01.01": "Belanja Modal Bangunan Gedung Tempat Pendidikan",
}


def _line_items(gen: Generator, path: Path) -> None:
    """Rows for every level of each unit's accounts; grant lines name their recipients."""
    import openpyxl

    rng = gen.rng
    leaves = []
    for unit, activity, code, name, planned in ITEMS:
        realised = int(planned * rng.uniform(0.5, 1.0)) // 1000 * 1000
        leaves.append([unit, activity, code, name, planned, realised])
        if "Hibah" in name or "Individu" in name:
            # Recipients get their own sub rincian objek, as RKA-SKPD exports list them.
            for serial in (2, 3):
                person = gen.person()
                account = gen.planted.add(
                    "bank_account", str(rng.randint(1_000_000_000, 9_999_999_999))
                )
                share = planned // 10
                leaves.append(
                    [unit, activity, f"{code[:-4]}{serial:04d}",
                     f"{name} a.n. {person}, rekening Bank Jatim {account}",
                     share, int(share * rng.uniform(0.6, 1.0)) // 1000 * 1000]
                )  # fmt: skip
    rows: dict[tuple, list] = {}
    for unit, activity, code, name, planned, realised in leaves:
        key = (unit, code, name)
        rows[key] = [unit, activity, code, name, planned, realised]
        parts = code.split(".")
        for depth in range(1, 6):
            parent = ".".join(parts[:depth])
            entry = rows.setdefault((unit, parent, None), [unit, None, parent, None, 0, 0])
            entry[4] += planned
            entry[5] += realised
    from .domains.budget_codes import CHART

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Rincian APBD"
    sheet.append(["LAPORAN REALISASI ANGGARAN PER RINCIAN OBJEK — KOTA CONTOH TA 2024"])
    sheet.append([])
    sheet.append(
        [
            "tahun",
            "pemda",
            "nama_skpd",
            "sub_kegiatan",
            "kode_rekening",
            "uraian",
            "anggaran",
            "realisasi",
            "persentase",
        ]
    )
    for (unit, code, _), (_, activity, _, name, planned, realised) in sorted(
        rows.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "")
    ):
        label = name or CHART.get(code) or OBJECTS[code]
        pct = round(100 * realised / planned, 2) if planned else 0
        money = (planned, realised) if rng.random() < 0.5 else (_rupiah(planned), _rupiah(realised))
        sheet.append([2024, "Kota Contoh", unit, activity, code, label, *money, pct])
    workbook.save(path)


def _rupiah(amount: int) -> str:
    return f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
