"""Telephone numbers: Indonesian mobiles and landlines, and international forms."""

from __future__ import annotations

from presidio_analyzer import Pattern

from .base import IndonesianPatternRecognizer

_END = r"(?![\d]|[.,]\d)"


class IndonesianPhoneRecognizer(IndonesianPatternRecognizer):
    """Mobile numbers are distinctive; bare landlines need a context word to count."""

    ENTITY = "PHONE_NUMBER"
    PATTERNS = [
        Pattern(
            "mobile",
            # Dots only between groups of 3-4 digits, so `628374971.27` stays an amount.
            r"(?=[(+60])(?<![\d.,])(?:\(?\+62\)?|\(?62\)?|0)[\s.-]?(?:\(0\)\s?)?8[1-9]\d(?:[\s-]?\d{3,4}|\.\d{3,4}){1,2}"
            r"(?:[\s-]?\d{1,4}|\.\d{3,4})?" + _END,
            0.75,
        ),
        Pattern(
            "landline (area code in parentheses)",
            r"(?=\()(?<![\d.,/])\((?:0|\+62\s?)\d{1,3}\)[\s.-]?\d{3,4}[\s.-]?\d{2,5}" + _END,
            0.65,
        ),
        Pattern(
            "landline (+62)",
            r"(?=[(+])(?<![\d.,/])\(?\+62\)?[\s.-]?\(?\d{1,4}\)?[\s.-]?\d{3,4}[\s.-]?\d{2,5}"
            + _END,
            0.65,
        ),
        Pattern(
            "landline (separated)",
            r"(?=0)(?<![\d.,/])0\d{2,3}[\s-]\d{3,4}[\s-]?\d{3,5}" + _END,
            0.5,
        ),
        Pattern("landline (bare)", r"(?=0)(?<![\d.,/])0[2-9]\d{7,10}" + _END, 0.35),
        Pattern(
            "international",
            r"(?=\+)(?<![\w.,/+])\+(?:[1-57-9]\d{0,2}|6[013-9]\d?)[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}"
            + _END,
            0.6,
        ),
        Pattern(
            "North American",
            r"(?=[(1-9])(?<![\d.,/])(?:1[\s.-])?\(?[2-9]\d{2}\)?[\s.-]\d{3}[\s.-]\d{4}(?:\s?(?:x|ext\.?)\s?\d{1,5})?"
            + _END,
            0.55,
        ),
    ]
    CONTEXT = ["telp", "telepon", "tlp", "telpon", "hp", "no. hp", "no hp", "handphone", "ponsel",
               "wa", "whatsapp", "hubungi", "kontak", "phone", "tel", "fax", "faks", "call",
               "mobile", "cell", "sms"]  # fmt: skip
    NEGATIVE_CONTEXT = ["kode", "rup", "paket", "rekening", "rek", "npwp", "nik", "kontrak",
                        "spk", "surat", "rp", "idr", "nilai", "pagu", "hps", "tanggal", "tgl"]  # fmt: skip
