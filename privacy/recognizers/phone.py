"""Indonesian telephone numbers: mobile (08…, 62 8…, +62 8…) and landlines."""

from __future__ import annotations

from presidio_analyzer import Pattern

from .base import IndonesianPatternRecognizer

_END = r"(?![\d]|[.,]\d)"


class IndonesianPhoneRecognizer(IndonesianPatternRecognizer):
    """Mobile numbers are distinctive; landlines need a context word to count."""

    ENTITY = "PHONE_NUMBER"
    PATTERNS = [
        Pattern(
            "mobile",
            # Dots only between groups of 3-4 digits, so `628374971.27` stays an amount.
            r"(?<![\d.,])(?:\(?\+62\)?|62|0)[\s.-]?8[1-9]\d(?:[\s-]?\d{3,4}|\.\d{3,4}){1,2}"
            r"(?:[\s-]?\d{1,4}|\.\d{3,4})?" + _END,
            0.75,
        ),
        Pattern(
            "landline",
            r"(?<![\d.,/])(?:\(0\d{2,3}\)|0\d{2,3}|\(?\+62\)?[\s.-]?\d{2,3})[\s.-]?\d{3,4}[\s.-]?\d{2,5}"
            + _END,
            0.35,
        ),
    ]
    CONTEXT = ["telp", "telepon", "tlp", "hp", "no. hp", "wa", "whatsapp", "hubungi", "kontak",
               "phone", "tel", "fax", "faks", "call", "nomor", "no."]  # fmt: skip
