"""Telephone numbers: Indonesian mobiles and landlines, and international forms."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from .base import IndonesianPatternRecognizer

_END = r"(?![\d]|[.,]\d)"
# Between digit groups: a space, a dash, or a dash with spaces (``0341 - 551234``).
_SEP = r"(?:\s?-\s?|\s)"
# A mobile number as written next to another with a slash between (``0812-3456-7890/0813…``).
_SLASHED_MOBILE = r"(?:\+?62|0)[\s.-]?8[1-9]\d(?:[\s.-]?\d{3,4}){1,2}(?:[\s.-]?\d{1,4})?"
# Indonesian mobile numbers: 0 (or +62) then 8, then 8 to 11 more digits (10-13 with the 0).
MOBILE_DIGITS = range(9, 13)
# Operators' prefixes (0811-0899) are not used to reject: new ranges open every few
# years, and a number with an unknown prefix must still be removed (fail closed).
# Landlines: 0 + area code (2-3 digits, first 2-7 or 9) + subscriber: 9-12 digits with the 0.
# (06x is northern Sumatra and Aceh: Medan is 061.)
LANDLINE_DIGITS = range(8, 12)
AREA_CODE_STARTS = "2345679"
DIALLED_DIGITS = range(LANDLINE_DIGITS.start, MOBILE_DIGITS.stop)
# A number in a WhatsApp or dialling link is a phone, whatever its prefix or area code.
LINKS = {"wa.me link": r"wa\.me/", "tel: link": "tel:", "phone= link": "phone="}
_DIALLING_FORM = re.compile(r"\(?\+|\(0\d{2,3}\)")


def national_number(text: str) -> str | None:
    """The digits after the trunk ``0`` or country code ``62``; ``None`` if not Indonesian."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.lstrip("( ").startswith("+") and not digits.startswith("62"):
        return None  # another country's number
    if digits.startswith("620"):
        return digits[3:]  # +62 (0)812…
    if digits.startswith("62"):
        return digits[2:]
    if digits.startswith("0"):
        return digits[1:]
    return None


def dialling_form(text: str) -> bool:
    """Whether ``text`` is written as a telephone number: ``+62 …`` or ``(0xx) …``.

    No code, amount or date is written so; the punctuation alone makes it a phone.
    """
    return bool(_DIALLING_FORM.match(text))


def valid_indonesian(text: str) -> bool | None:
    """Prefix and length rules; ``None`` when the number is not Indonesian (no opinion).

    A number in dialling form needs only a plausible length: an area code missing from
    today's plan is treated like an unknown operator prefix (removed, fail closed).
    """
    number = national_number(text)
    if number is None:
        return None
    if dialling_form(text):
        return len(number) in DIALLED_DIGITS
    if number.startswith("8"):
        return len(number) in MOBILE_DIGITS
    return number[:1] in AREA_CODE_STARTS and len(number) in LANDLINE_DIGITS


class IndonesianPhoneRecognizer(IndonesianPatternRecognizer):
    """Mobile numbers are distinctive; bare landlines need a context word to count."""

    ENTITY = "PHONE_NUMBER"
    PATTERNS = [
        Pattern(
            "mobile",
            # Dots only between groups of 3-4 digits, so `628374971.27` stays an amount.
            r"(?=[(+60])(?<!\d)(?<!\d[.,])(?:\(?\+62\)?|\(?62\)?|0)[\s.-]?(?:\(0\)\s?)?8[1-9]\d"
            rf"(?:{_SEP}?\d{{3,4}}|\.\d{{3,4}}){{1,2}}(?:(?:{_SEP}?\d{{1,4}}){{1,2}}|\.\d{{3,4}})?"
            + _END,
            0.75,
        ),
        Pattern(
            # Two or more mobiles joined by a slash (``0812…/0813…``): no code's piece.
            "mobiles joined by a slash",
            rf"(?=[+06])(?<![\d/])(?<!\d[.,]){_SLASHED_MOBILE}(?:\s?/\s?{_SLASHED_MOBILE})+" + _END,
            0.75,
        ),
        # Each starts with its literal, which ``regex`` finds fast; ``\K`` leaves it out.
        *(
            Pattern(name, rf"{prefix}\K\+?\d{{7,15}}" + _END, 0.85)
            for name, prefix in LINKS.items()
        ),
        Pattern(
            "landline (area code in parentheses)",
            r"(?=\()(?<![\d/])(?<!\d[.,])\((?:0|\+62\s?)\d{1,3}\)[\s.-]?\d{3,4}[\s.-]?\d{2,5}"
            + _END,
            0.65,
        ),
        Pattern(
            "landline (+62)",
            r"(?=[(+])(?<![\d/])(?<!\d[.,])\(?\+62\)?[\s.-]?\(?\d{1,4}\)?[\s.-]?\d{3,4}[\s.-]?\d{2,5}"
            + _END,
            0.65,
        ),
        Pattern(
            "landline (separated)",
            rf"(?=0)(?<![\d/])(?<!\d[.,])0\d{{2,3}}{_SEP}\d{{3,4}}{_SEP}?\d{{3,5}}" + _END,
            0.5,
        ),
        Pattern("landline (bare)", r"(?=0)(?<![\d/])(?<!\d[.,])0[2-9]\d{7,10}" + _END, 0.35),
        Pattern(
            "international",
            r"(?=\+)(?<![\w.,/+])\+(?:[1-57-9]\d{0,2}|6[013-9]\d?)[\s.-]?(?:\(0\)\s?)?\(?\d{1,4}\)?"
            r"(?:[\s.-]?\d{2,4}){2,4}" + _END,
            0.6,
        ),
        Pattern(
            "North American",
            r"(?=[(1-9])(?<![\d/])(?<!\d[.,])(?:1[\s.-])?(?:\([2-9]\d{2}\)[\s.-]?|[2-9]\d{2}[\s.-])\d{3}[\s.-]\d{4}"
            r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?" + _END,
            0.55,
        ),
    ]
    UNCHECKED = frozenset(LINKS)
    CONTEXT = ["telp", "telepon", "tlp", "telpon", "hp", "no. hp", "no hp", "handphone", "ponsel",
               "wa", "whatsapp", "hubungi", "dihubungi", "menghubungi", "kontak", "phone", "tel", "fax", "faks", "call",
               "mobile", "cell", "sms", "reach", "contact"]  # fmt: skip
    NEGATIVE_CONTEXT = ["kode", "rup", "paket", "rekening", "rek", "npwp", "nik", "kontrak",
                        "spk", "surat", "rp", "idr", "nilai", "pagu", "hps", "tanggal", "tgl"]  # fmt: skip

    def validate_result(self, pattern_text: str) -> bool | None:
        """Impossible Indonesian numbers (wrong length) are not phones.

        Valid ones keep the pattern's score, so a cue that labels a same-shaped code can
        still lower it.
        """
        parts = pattern_text.split("/")  # mobiles joined by a slash: each must be valid
        return None if all(valid_indonesian(p) is not False for p in parts) else False
