"""NIK and KK: the 16-digit numbers on every KTP (identity card) and Kartu Keluarga."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from presidio_analyzer import Pattern

from .base import LONG_NUMBER_TRIGGER, IndonesianPatternRecognizer

# Province codes (two first digits), including the Papua provinces created in 2022.
PROVINCES = {
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53,
    61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96, 97,
}  # fmt: skip
_SIXTEEN = r"(?=\d)(?<![\d,])\d{16}(?!\d|[.,]\d)"
_GROUPED = r"(?=\d)(?<![\d/-])(?<!\d[.,])\d{4}[ .-]\d{4}[ .-]\d{4}[ .-]\d{4}(?!\d)"
# Any other split into groups of 2+ digits (``35.73.01.450890.0003``, ``357301 450890
# 0003``): the whole run must hold exactly 16 digits and not be written as an amount.
_SEPARATED = r"(?=\d)(?<![\d/-])(?<!\d[.,])\d{2,6}(?:[ .-]\d{2,6}){1,7}(?!\d|[ .,/-]\d)"
_AMOUNT = re.compile(r"^\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*$")
NIK_CUES = ["nik", "ktp", "e-ktp", "nomor induk kependudukan", "no. ktp", "identitas", "nomor identitas", "id card"]  # fmt: skip
KK_CUES = ["kk", "no. kk", "no kk", "nomor kk", "nkk", "kartu keluarga", "family card"]
NOT_PERSONAL = ["kode", "kd", "rup", "paket", "tender", "id paket", "kode rekening", "kontrak", "spk", "invoice", "faktur", "resi", "tagihan", "pelanggan", "meter", "idpel"]  # fmt: skip


def _region_ok(digits: str) -> bool:
    province, regency, district = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    # Regencies are numbered 01-69 and cities 71-79; no district is numbered 00.
    return province in PROVINCES and 1 <= regency <= 79 and district != 0


def valid_nik(digits: str) -> bool:
    """Province, regency and district codes, a birth date (+40 for women), a serial."""
    if len(digits) != 16 or not digits.isdigit() or not _region_ok(digits):
        return False
    day, month, serial = int(digits[6:8]), int(digits[8:10]), int(digits[12:16])
    if day > 40:
        day -= 40
    return 1 <= day <= 31 and 1 <= month <= 12 and serial != 0


def valid_kk(digits: str) -> bool:
    """Region codes, the issue date (DDMMYY) and a non-zero serial."""
    if len(digits) != 16 or not digits.isdigit() or not _region_ok(digits):
        return False
    day, month, serial = int(digits[6:8]), int(digits[8:10]), int(digits[12:16])
    return 1 <= day <= 31 and 1 <= month <= 12 and serial != 0


def _digits(text: str) -> str:
    """The digits of a number written with or without separators (never an amount)."""
    if _AMOUNT.match(text.replace(" ", ".")):
        return ""  # ``3.573.014.508.900.003``: thousands separators, not a split id
    return "".join(ch for ch in text if ch.isdigit())


def sixteen_digit_patterns(name: str, whole: float, split: float) -> list[Pattern]:
    """The three ways a NIK or KK is written: 16 digits, four groups of four, other splits."""
    return [
        Pattern(f"{name} (16 digits)", _SIXTEEN, whole),
        Pattern(f"{name} (grouped)", _GROUPED, split),
        Pattern(f"{name} (separated)", _SEPARATED, split),
    ]


class SixteenDigitRecognizer(IndonesianPatternRecognizer):
    """A NIK or a KK, however split, kept only when ``valid`` accepts its 16 digits.

    An impossible number is rejected; a valid structure keeps the pattern's score.
    Returning ``True`` would make Presidio score the match 1.0, which no negative context
    word could bring back under the threshold: a package code that happens to look like a
    NIK must still be able to survive.
    """

    TRIGGER = LONG_NUMBER_TRIGGER
    valid: ClassVar[Callable[[str], bool]]

    def validate_result(self, pattern_text: str) -> bool | None:  # noqa: D102
        return None if type(self).valid(_digits(pattern_text)) else False


class NikRecognizer(SixteenDigitRecognizer):
    """Nomor Induk Kependudukan, validated by its structure (it has no check digit)."""

    ENTITY = "NIK"
    PATTERNS = sixteen_digit_patterns("NIK", 0.6, 0.55)
    CONTEXT = NIK_CUES
    NEGATIVE_CONTEXT = [*NOT_PERSONAL, *KK_CUES]
    valid = staticmethod(valid_nik)


class KkRecognizer(SixteenDigitRecognizer):
    """Nomor Kartu Keluarga: same shape as a NIK, so it counts only next to a KK cue."""

    ENTITY = "KK"
    PATTERNS = sixteen_digit_patterns("KK", 0.3, 0.3)
    CONTEXT = KK_CUES
    NEGATIVE_CONTEXT = [*NOT_PERSONAL, *NIK_CUES]
    valid = staticmethod(valid_kk)
    # A KK cue must be close: the boost lifts 0.3 to 0.9, above a NIK's 0.6.
    BOOST = 0.6

    def _adjust(self, text, results):  # noqa: D102
        boosted = []
        for item in super()._adjust(text, results):
            if item.score > 0.3:  # the shared boost fired: a KK cue is near
                item.score = min(1.0, item.score - 0.35 + self.BOOST)
            boosted.append(item)
        return boosted
