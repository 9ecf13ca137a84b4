"""NIK: the 16-digit national identity number on every KTP."""

from __future__ import annotations

from presidio_analyzer import Pattern

from .base import IndonesianPatternRecognizer

# Province codes (two first digits), including the Papua provinces created in 2022.
PROVINCES = {
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53,
    61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96,
}  # fmt: skip


def valid_nik(digits: str) -> bool:
    """Province, regency and district codes, a birth date (+40 for women), a serial."""
    if len(digits) != 16 or not digits.isdigit():
        return False
    province, regency, district = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    day, month, serial = int(digits[6:8]), int(digits[8:10]), int(digits[12:16])
    # Regencies are numbered 01-69 and cities 71-79; no district is numbered 00.
    if province not in PROVINCES or not 1 <= regency <= 79 or district == 0:
        return False
    if day > 40:
        day -= 40
    return 1 <= day <= 31 and 1 <= month <= 12 and serial != 0


class NikRecognizer(IndonesianPatternRecognizer):
    """Nomor Induk Kependudukan, validated by its structure."""

    ENTITY = "NIK"
    PATTERNS = [
        Pattern("NIK (16 digits)", r"(?<![\d.,/-])\d{16}(?![\d.,/-]?\d)", 0.6),
        Pattern("NIK (grouped)", r"(?<![\d.,/-])\d{4}[ .-]\d{4}[ .-]\d{4}[ .-]\d{4}(?![\d])", 0.5),
    ]
    CONTEXT = ["nik", "ktp", "nomor induk kependudukan", "no. ktp", "identitas", "e-ktp"]
    NEGATIVE_CONTEXT = [
        "kode",
        "rup",
        "paket",
        "tender",
        "id paket",
        "kode rekening",
        "no. kontrak",
        "kd",
    ]

    def validate_result(self, pattern_text: str) -> bool | None:
        """Reject impossible NIKs; a valid structure keeps the pattern's score.

        Returning ``True`` would make Presidio score the match 1.0, which no negative
        context word could bring back under the threshold: a package code that happens
        to look like a NIK must still be able to survive.
        """
        return None if valid_nik("".join(ch for ch in pattern_text if ch.isdigit())) else False
