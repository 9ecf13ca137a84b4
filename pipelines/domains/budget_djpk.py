"""The DJPK local-budget realisation export: region, year and account tree from a bare table.

The Ministry of Finance's DJPK portal exports one file per region and year with four
columns — ``akun, anggaran, realisasi, persentase`` — and no account codes. The hierarchy
has to be recovered: older exports indent child rows with spaces; newer ones put one space
before every name and repeat a parent's name for its only child ("Belanja Pegawai" under
"Belanja Pegawai"). Some names arrive mangled (the scraper removed every " M":
"Belanjaodal" is "Belanja Modal"). The known DJPK account tree below settles all of that;
a name it does not know is placed by its indentation or its neighbours and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# (name, default level, parents it may sit under, sign in the parent's total, spellings)
# DJPK's own grouping (which differs from Permendagri 90: transfers between regions sit
# under "Pendapatan Lainnya"), plus the groupings older and provincial exports use
# (Belanja Operasi/Transfer, Belanja Tidak Langsung/Langsung, Dana Perimbangan): a line
# goes under the latest of its possible parents in the file, one level below it. Financing
# is net: receipts minus payments. "Surplus/(Defisit)" is a balance line
# (revenue − expenditure), not an account: it never enters a total.
_REVENUE_TRANSFERS = ("Pendapatan Transfer Pemerintah Pusat", "Dana Perimbangan", "TKDD")
_OPERATING = ("Belanja Lainnya", "Belanja Operasi", "Belanja Tidak Langsung")
_TRANSFERS = ("Belanja Lainnya", "Belanja Transfer", "Belanja Tidak Langsung")
DJPK_ACCOUNTS: list[tuple[str, int, tuple[str, ...], int, tuple[str, ...]]] = [
    ("Pendapatan Daerah", 1, (), 1, ("Pendapatan",)),
    ("PAD", 2, ("Pendapatan Daerah",), 1, ("Pendapatan Asli Daerah",)),
    ("Pajak Daerah", 3, ("PAD",), 1, ()),
    ("Retribusi Daerah", 3, ("PAD",), 1, ()),
    ("Hasil Pengelolaan Kekayaan Daerah yang Dipisahkan", 3, ("PAD",), 1, ()),
    ("Lain-Lain PAD yang Sah", 3, ("PAD",), 1, ("Lain-lain Pendapatan Asli Daerah yang Sah",)),
    ("TKDD", 2, ("Pendapatan Daerah",), 1, ("Pendapatan Transfer", "Transfer ke Daerah dan Dana Desa")),
    ("Pendapatan Transfer Pemerintah Pusat", 3, ("TKDD",), 1, ()),
    ("Dana Perimbangan", 2, ("Pendapatan Daerah",), 1, ()),
    ("Dana Bagi Hasil", 3, _REVENUE_TRANSFERS, 1, ("Dana Bagi Hasil Pajak dan Bukan Pajak",)),
    ("Dana Alokasi Umum", 3, _REVENUE_TRANSFERS, 1, ()),
    ("Dana Alokasi Khusus", 3, _REVENUE_TRANSFERS, 1, ()),
    ("Dana Alokasi Khusus Fisik", 3, ("Dana Alokasi Khusus", *_REVENUE_TRANSFERS), 1, ()),
    ("Dana Alokasi Khusus Non Fisik", 3, ("Dana Alokasi Khusus", *_REVENUE_TRANSFERS), 1, ()),
    ("Dana Insentif Daerah", 3, _REVENUE_TRANSFERS, 1, ("Insentif Fiskal",)),
    ("Dana Desa", 3, _REVENUE_TRANSFERS, 1, ()),
    ("Dana Otonomi Khusus", 3, _REVENUE_TRANSFERS, 1, ()),
    ("Dana Keistimewaan", 3, _REVENUE_TRANSFERS, 1, ()),
    ("Pendapatan Lainnya", 2, ("Pendapatan Daerah",), 1, ("Lain-lain Pendapatan Daerah yang Sah",)),
    ("Pendapatan Transfer Antar Daerah", 3, ("Pendapatan Lainnya", "TKDD"), 1, ()),
    ("Pendapatan Hibah", 3, ("Pendapatan Lainnya",), 1, ()),
    ("Dana Darurat", 3, ("Pendapatan Lainnya",), 1, ()),
    ("Lain-lain Pendapatan Sesuai dengan Ketentuan Peraturan Perundang-Undangan", 3, ("Pendapatan Lainnya",), 1, ()),
    ("Belanja Daerah", 1, (), 1, ("Belanja",)),
    ("Belanja Operasi", 2, ("Belanja Daerah",), 1, ()),
    ("Belanja Tidak Langsung", 2, ("Belanja Daerah",), 1, ()),
    ("Belanja Langsung", 2, ("Belanja Daerah",), 1, ()),
    ("Belanja Transfer", 2, ("Belanja Daerah",), 1, ()),
    ("Belanja Pegawai", 2, ("Belanja Operasi", "Belanja Tidak Langsung", "Belanja Langsung", "Belanja Daerah"), 1, ()),
    ("Belanja Barang dan Jasa", 2, ("Belanja Operasi", "Belanja Langsung", "Belanja Daerah"), 1, ("Belanja Barang Jasa",)),
    ("Belanja Modal", 2, ("Belanja Langsung", "Belanja Daerah"), 1, ()),
    ("Belanja Lainnya", 2, ("Belanja Daerah",), 1, ()),
    ("Belanja Bunga", 3, _OPERATING, 1, ()),
    ("Belanja Subsidi", 3, _OPERATING, 1, ()),
    ("Belanja Hibah", 3, _OPERATING, 1, ()),
    ("Belanja Bantuan Sosial", 3, _OPERATING, 1, ()),
    ("Belanja Tidak Terduga", 3, ("Belanja Lainnya", "Belanja Tidak Langsung", "Belanja Daerah"), 1, ()),
    ("Belanja Bagi Hasil", 3, _TRANSFERS, 1, ()),
    ("Belanja Bantuan Keuangan", 3, _TRANSFERS, 1, ()),
    ("Surplus/(Defisit)", 1, (), 1, ("Surplus/Defisit", "Surplus (Defisit)", "Surplus / (Defisit)")),
    ("Pembiayaan Daerah", 1, (), 1, ("Pembiayaan", "Pembiayaan Netto")),
    ("Penerimaan Pembiayaan Daerah", 2, ("Pembiayaan Daerah",), 1, ("Penerimaan Pembiayaan",)),
    ("Sisa Lebih Perhitungan Anggaran Tahun Sebelumnya", 3, ("Penerimaan Pembiayaan Daerah",), 1, ("SiLPA",)),
    ("Pencairan Dana Cadangan", 3, ("Penerimaan Pembiayaan Daerah",), 1, ()),
    ("Penjualan Kekayaan Daerah yang Dipisahkan", 3, ("Penerimaan Pembiayaan Daerah",), 1, ("Hasil Penjualan Kekayaan Daerah yang Dipisahkan",)),
    ("Penerimaan Pinjaman Daerah", 3, ("Penerimaan Pembiayaan Daerah",), 1, ()),
    ("Penerimaan Kembali Pemberian Pinjaman Daerah", 3, ("Penerimaan Pembiayaan Daerah",), 1, ()),
    ("Penerimaan Pembiayaan Lainnya Sesuai dengan Ketentuan Peraturan Perundang-Undangan", 3, ("Penerimaan Pembiayaan Daerah",), 1, ()),
    ("Penerimaan Pembiayaan Lainnya", 3, ("Penerimaan Pembiayaan Daerah",), 1, ()),
    ("Pengeluaran Pembiayaan Daerah", 2, ("Pembiayaan Daerah",), -1, ("Pengeluaran Pembiayaan",)),
    ("Pembentukan Dana Cadangan", 3, ("Pengeluaran Pembiayaan Daerah",), 1, ()),
    ("Penyertaan Modal Daerah", 3, ("Pengeluaran Pembiayaan Daerah",), 1, ()),
    ("Penyertaan Modal", 3, ("Pengeluaran Pembiayaan Daerah",), 1, ()),
    ("Pembayaran Cicilan Pokok Utang yang Jatuh Tempo", 3, ("Pengeluaran Pembiayaan Daerah",), 1, ()),
    ("Pembayaran Pokok Utang", 3, ("Pengeluaran Pembiayaan Daerah",), 1, ("Pembayaaran Pokok Utang",)),
    ("Pemberian Pinjaman Daerah", 3, ("Pengeluaran Pembiayaan Daerah",), 1, ()),
    ("Pengeluaran Pembiayaan Lainnya Sesuai dengan Ketentuan Peraturan Perundang-Undangan", 3, ("Pengeluaran Pembiayaan Daerah",), 1, ()),
    ("Pengeluaran Pembiayaan Lainnya", 3, ("Pengeluaran Pembiayaan Daerah",), 1, ()),
]  # fmt: skip
BALANCE = "Surplus/(Defisit)"

# Cities (Kota) whose name no regency (Kabupaten) shares: a bare file name "Surabaya" can
# only mean Kota Surabaya. Every other bare name is the Kabupaten, as DJPK names files.
UNAMBIGUOUS_CITIES = {
    "Banda Aceh", "Sabang", "Langsa", "Lhokseumawe", "Subulussalam", "Medan", "Binjai",
    "Pematangsiantar", "Pematang Siantar", "Tanjungbalai", "Tanjung Balai", "Tebing Tinggi",
    "Sibolga", "Padangsidimpuan", "Padang Sidempuan", "Gunungsitoli", "Padang", "Bukittinggi",
    "Padang Panjang", "Payakumbuh", "Pariaman", "Sawahlunto", "Pekanbaru", "Dumai", "Batam",
    "Tanjungpinang", "Tanjung Pinang", "Jambi", "Sungai Penuh", "Palembang", "Lubuklinggau",
    "Lubuk Linggau", "Pagar Alam", "Pagaralam", "Prabumulih", "Bengkulu", "Bandar Lampung",
    "Metro", "Pangkalpinang", "Pangkal Pinang", "Jakarta Pusat", "Jakarta Utara",
    "Jakarta Barat", "Jakarta Selatan", "Jakarta Timur", "Cimahi", "Depok", "Cilegon",
    "Tangerang Selatan", "Salatiga", "Surakarta", "Yogyakarta", "Batu", "Surabaya",
    "Denpasar", "Mataram", "Pontianak", "Singkawang", "Palangka Raya", "Palangkaraya",
    "Banjarbaru", "Banjarmasin", "Balikpapan", "Bontang", "Samarinda", "Tarakan", "Bitung",
    "Kotamobagu", "Manado", "Tomohon", "Palu", "Makassar", "Palopo", "Parepare", "Baubau",
    "Kendari", "Ambon", "Tual", "Ternate", "Tidore Kepulauan",
}  # fmt: skip
_PREFIXES = {
    "kota": "Kota",
    "kab": "Kabupaten",
    "kab.": "Kabupaten",
    "kabupaten": "Kabupaten",
    "prov": "Provinsi",
    "prov.": "Provinsi",
    "provinsi": "Provinsi",
    "pemkot": "Kota",
    "pemkab": "Kabupaten",
    "pemprov": "Provinsi",
}
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d|21\d\d)(?!\d)")


@dataclass(frozen=True)
class Account:
    """One account of the DJPK tree."""

    name: str
    level: int
    parents: tuple[str, ...]
    sign: int


ACCOUNTS = {
    name: Account(name, level, parent, sign) for name, level, parent, sign, _ in DJPK_ACCOUNTS
}


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", name.casefold())


def _aliases() -> dict[str, str]:
    """Every spelling (and its " M"-mangled form) → the account's name."""
    found: dict[str, str] = {}
    for name, _, _, _, others in DJPK_ACCOUNTS:
        for spelling in (name, *others):
            found[_key(spelling)] = name
    # The scraper behind these files removed every " M" ("Belanja Modal" → "Belanjaodal").
    for name in set(found.values()):
        for original in [name, *(o for n, *_, os in DJPK_ACCOUNTS if n == name for o in os)]:
            if " M" in original:
                found.setdefault(_key(original.replace(" M", "")), name)
    return found


ALIASES = _aliases()


def account_name(raw: str) -> tuple[str, bool]:
    """The tree's name for a source name and whether it is known; unknown names are tidied."""
    tidy = " ".join(raw.split())
    known = ALIASES.get(_key(tidy))
    return (known, True) if known else (tidy, False)


def region_from_stem(stem: str) -> tuple[str, str | None]:
    """``Kota_Malang`` → (Kota Malang, Kota); ``Malang`` → (Kabupaten Malang, Kabupaten).

    A bare name is the Kabupaten, as DJPK names its files, unless no Kabupaten has that
    name (``Surabaya``, ``Batu``): then it is the Kota.
    """
    text = _YEAR.sub(" ", stem.replace("_", " ").replace("-", " "))
    noise = {"apbd", "realisasi", "djpk", "pemerintah", "pemda"}
    words = [w for w in text.split() if w.casefold() not in noise]
    if not words:
        return "", None
    kind = _PREFIXES.get(words[0].casefold())
    if kind:
        words = words[1:]
    name = " ".join(_capitalise(w) for w in words)
    if not name:
        return "", None
    if kind is None:
        kind = "Kota" if name in UNAMBIGUOUS_CITIES else "Kabupaten"
    return f"{kind} {name}", kind


def _capitalise(word: str) -> str:
    return word.capitalize() if word.isupper() or word.islower() else word


def year_from_path(path: Path | str) -> int | None:
    """A four-digit year in the file name, else in the nearest parent folder's name."""
    path = Path(str(path).split("!")[-1]) if "!" in str(path) else Path(path)
    match = _YEAR.search(path.stem)
    if match:
        return int(match.group(1))
    for parent in path.parents:
        if re.fullmatch(r"(19[5-9]\d|20\d\d|21\d\d)", parent.name):
            return int(parent.name)
    return None


@dataclass
class SourceLine:
    """One row of an export, as read: the name with its indentation, and the raw cells."""

    row: int
    raw_name: str
    indent: int
    cells: dict[str, object] = field(default_factory=dict)


@dataclass
class Placed:
    """A source line with its place in the tree."""

    line: SourceLine
    name: str
    level: int
    parent: int | None  # index of the parent line in the same budget
    sign: int
    kind: str  # "account" or "balance"
    known: bool
    path: tuple[str, ...] = ()
    problem: str = ""


def place_lines(lines: list[SourceLine]) -> list[Placed]:
    """Recover the hierarchy of one budget's lines.

    Indentation decides when the file has it; otherwise the DJPK tree does: a known name
    goes under the latest line of its parent account, a name repeated right after itself
    is its only child, and an unknown name follows its neighbours (and is reported).
    """
    indents = sorted({line.indent for line in lines})
    by_indent = {width: rank + 1 for rank, width in enumerate(indents)} if len(indents) > 1 else {}
    placed: list[Placed] = []
    for line in lines:
        name, known = account_name(line.raw_name)
        account = ACCOUNTS.get(name)
        kind = "balance" if name == BALANCE else "account"
        sign = account.sign if account else 1
        previous = placed[-1] if placed else None
        problem = ""
        if kind == "balance":
            level, parent = 1, None
        elif by_indent:
            level = by_indent[line.indent]
            parent = _latest(placed, below=level)
            if parent is not None and placed[parent].level != level - 1:
                level = placed[parent].level + 1
        elif account is not None:
            if (
                previous is not None
                and previous.name == name
                and previous.kind == "account"
                and previous.level >= 2
            ):
                level, parent = previous.level + 1, len(placed) - 1
            elif not account.parents:
                level, parent = 1, None
            else:
                parent = _latest_of(placed, account.parents)
                if parent is None:
                    level = account.level
                    parent = _latest(placed, below=level, exact=True)
                    problem = (
                        f"parent account {' or '.join(repr(p) for p in account.parents)} "
                        "not found in the file"
                    )
                else:
                    level = placed[parent].level + 1
        else:
            if previous is None or previous.kind == "balance":
                level, parent = 1, None
            elif previous.level <= 2:
                level, parent = previous.level + 1, len(placed) - 1
            else:
                level, parent = previous.level, previous.parent
            problem = "account name not in the DJPK account tree; placed after its neighbours"
        path = (*placed[parent].path, name) if parent is not None else (name,)
        placed.append(Placed(line, name, level, parent, sign, kind, known, path, problem))
    return placed


def _latest(placed: list[Placed], below: int, exact: bool = False) -> int | None:
    """The latest account line above level ``below`` (exactly one level up if ``exact``)."""
    for index in range(len(placed) - 1, -1, -1):
        item = placed[index]
        if item.kind != "account" or item.level >= below:
            continue
        if exact and item.level != below - 1:
            continue
        return index
    return None


def _latest_of(placed: list[Placed], names: tuple[str, ...]) -> int | None:
    """The latest line named one of ``names``, within the current top-level section."""
    for index in range(len(placed) - 1, -1, -1):
        item = placed[index]
        if item.kind == "account" and item.name in names:
            return index
        if item.level == 1:
            return None
    return None
