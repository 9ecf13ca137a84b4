"""NIP: the 18-digit id of a civil servant — never published, not even for officials."""

from __future__ import annotations

from datetime import date

from presidio_analyzer import Pattern

from .base import LONG_NUMBER_TRIGGER, IndonesianPatternRecognizer


def valid_nip(digits: str) -> bool:
    """Birth date (YYYYMMDD), appointment (YYYYMM, adult), sex digit (1/2), serial."""
    if len(digits) != 18 or not digits.isdigit():
        return False
    try:
        birth = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    appointed, month = int(digits[8:12]), int(digits[12:14])
    sex, serial = digits[14], int(digits[15:18])
    return (
        1930 <= birth.year <= 2012
        and birth.year + 15 <= appointed <= 2040
        and 1 <= month <= 12
        and sex in "12"
        and serial != 0
    )


class NipRecognizer(IndonesianPatternRecognizer):
    """Nomor Induk Pegawai: ``196508121990031002`` or ``19650812 199003 1 002``."""

    ENTITY = "NIP"
    TRIGGER = LONG_NUMBER_TRIGGER
    PATTERNS = [
        Pattern("NIP (18 digits)", r"(?=\d)(?<!\d)(?<!\d[.,])\d{18}(?![\d]|[.,]\d)", 0.75),
        Pattern(
            "NIP (grouped)", r"(?=\d)(?<!\d)(?<!\d[.,])\d{8}[ .]\d{6}[ .]\d[ .]\d{3}(?!\d)", 0.8
        ),
    ]
    CONTEXT = ["nip", "nomor induk pegawai", "pegawai", "pns", "asn", "ppk", "pejabat", "pokja"]
    NEGATIVE_CONTEXT = ["kode", "rup", "paket", "kode rekening"]

    def validate_result(self, pattern_text: str) -> bool | None:  # noqa: D102
        return None if valid_nip("".join(c for c in pattern_text if c.isdigit())) else False
