"""Account codes of the Permendagri 90 chart of accounts (``5.1.02.01.01.0024``).

A code's segments are its hierarchy: akun (1 digit), kelompok (1), jenis (2), objek (2),
rincian objek (2), sub rincian objek (4). Exports write them padded or not
(``5.1.2.1.1.24``), with or without dots; they are normalised to the padded, dotted form
so that the same account always has the same code. The names of the first three levels
are bundled, so a file that lists only the leaves still rolls up under named parents.
"""

from __future__ import annotations

import re

from ..messages import shown

WIDTHS = (1, 1, 2, 2, 2, 4)

# Levels 1–3 (akun, kelompok, jenis): code → name. Financing payments (6.2) count
# negatively in net financing (6).
CHART = {
    "4": "Pendapatan Daerah",
    "4.1": "Pendapatan Asli Daerah (PAD)",
    "4.1.01": "Pajak Daerah",
    "4.1.02": "Retribusi Daerah",
    "4.1.03": "Hasil Pengelolaan Kekayaan Daerah yang Dipisahkan",
    "4.1.04": "Lain-lain PAD yang Sah",
    "4.2": "Pendapatan Transfer",
    "4.2.01": "Pendapatan Transfer Pemerintah Pusat",
    "4.2.02": "Pendapatan Transfer Antar Daerah",
    "4.3": "Lain-lain Pendapatan Daerah yang Sah",
    "4.3.01": "Pendapatan Hibah",
    "4.3.02": "Dana Darurat",
    "4.3.03": "Lain-lain Pendapatan Sesuai dengan Ketentuan Peraturan Perundang-Undangan",
    "5": "Belanja Daerah",
    "5.1": "Belanja Operasi",
    "5.1.01": "Belanja Pegawai",
    "5.1.02": "Belanja Barang dan Jasa",
    "5.1.03": "Belanja Bunga",
    "5.1.04": "Belanja Subsidi",
    "5.1.05": "Belanja Hibah",
    "5.1.06": "Belanja Bantuan Sosial",
    "5.2": "Belanja Modal",
    "5.2.01": "Belanja Modal Tanah",
    "5.2.02": "Belanja Modal Peralatan dan Mesin",
    "5.2.03": "Belanja Modal Gedung dan Bangunan",
    "5.2.04": "Belanja Modal Jalan, Jaringan, dan Irigasi",
    "5.2.05": "Belanja Modal Aset Tetap Lainnya",
    "5.2.06": "Belanja Modal Aset Lainnya",
    "5.3": "Belanja Tidak Terduga",
    "5.3.01": "Belanja Tidak Terduga",
    "5.4": "Belanja Transfer",
    "5.4.01": "Belanja Bagi Hasil",
    "5.4.02": "Belanja Bantuan Keuangan",
    "6": "Pembiayaan Daerah",
    "6.1": "Penerimaan Pembiayaan",
    "6.1.01": "Sisa Lebih Perhitungan Anggaran Tahun Sebelumnya",
    "6.1.02": "Pencairan Dana Cadangan",
    "6.1.03": "Hasil Penjualan Kekayaan Daerah yang Dipisahkan",
    "6.1.04": "Penerimaan Pinjaman Daerah",
    "6.1.05": "Penerimaan Kembali Pemberian Pinjaman Daerah",
    "6.1.06": "Penerimaan Pembiayaan Lainnya Sesuai dengan Ketentuan Peraturan Perundang-Undangan",
    "6.2": "Pengeluaran Pembiayaan",
    "6.2.01": "Pembentukan Dana Cadangan",
    "6.2.02": "Penyertaan Modal Daerah",
    "6.2.03": "Pembayaran Cicilan Pokok Utang yang Jatuh Tempo",
    "6.2.04": "Pemberian Pinjaman Daerah",
    "6.2.05": "Pengeluaran Pembiayaan Lainnya Sesuai dengan Ketentuan Peraturan Perundang-Undangan",
}
NEGATIVE = {"6.2"}


def normalise_code(value: object) -> tuple[str | None, str | None]:
    """``5.1.2.1.1.24`` → ``5.1.02.01.01.0024``; ``(None, reason)`` when it is not a code."""
    if value is None:
        return None, None
    text = str(value).strip()
    if not text:
        return None, None
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    parts = [p for p in re.split(r"[.\s]+", text) if p]
    if not parts or not all(p.isdigit() for p in parts):
        return None, f"not an account code: {shown(text)}"
    if len(parts) == 1 and len(parts[0]) > 1:
        digits, parts = parts[0], []
        for width in WIDTHS:
            if not digits:
                break
            parts.append(digits[:width])
            digits = digits[width:]
        if digits:
            return None, f"not an account code: {shown(text)}"
    if len(parts) > len(WIDTHS):
        return None, f"account code has more than {len(WIDTHS)} levels: {shown(text)}"
    padded = []
    for part, width in zip(parts, WIDTHS, strict=False):
        if len(part) > width:
            return None, f"segment {shown(part)} is too long in {shown(text)}"
        padded.append(part.zfill(width))
    return ".".join(padded), None


def level(code: str) -> int:
    """1 for ``5``, 6 for ``5.1.02.01.01.0024``."""
    return code.count(".") + 1


def parent(code: str) -> str | None:
    """The code one level up, or ``None`` at the top."""
    return code.rsplit(".", 1)[0] if "." in code else None


def ancestors(code: str) -> list[str]:
    """Every code above ``code``, nearest first."""
    found = []
    current = parent(code)
    while current:
        found.append(current)
        current = parent(current)
    return found


def sign(code: str) -> int:
    """How an account counts in its parent's total (financing payments subtract)."""
    return -1 if code in NEGATIVE else 1
