"""NPWP: the taxpayer number (15 digits, formatted or bare; 16 digits since 2024)."""

from __future__ import annotations

from presidio_analyzer import Pattern

from .base import LONG_NUMBER_TRIGGER, IndonesianPatternRecognizer


class NpwpRecognizer(IndonesianPatternRecognizer):
    """Nomor Pokok Wajib Pajak: ``99.999.999.9-999.999``, or bare 15/16 digits near 'NPWP'.

    An individual's 16-digit NPWP is their NIK; bare numbers need a cue to count.
    """

    ENTITY = "NPWP"
    TRIGGER = LONG_NUMBER_TRIGGER
    PATTERNS = [
        Pattern("NPWP (formatted)", r"(?=\d)(?<!\d)(?<!\d\.)\d{2}\.\d{3}\.\d{3}\.\d[-.]\d{3}\.\d{3}(?![\d])", 0.85),
        Pattern("NPWP (spaced)", r"(?=\d)(?<!\d)(?<!\d\.)\d{2}[ -]\d{3}[ -]\d{3}[ -]\d[ -]\d{3}[ -]\d{3}(?![\d])", 0.45),
        Pattern("NPWP (15 digits)", r"(?=\d)(?<!\d)(?<!\d[.,])\d{15}(?![\d]|[.,]\d)", 0.2),
        Pattern("NPWP (16 digits)", r"(?=\d)(?<!\d)(?<!\d[.,])\d{16}(?![\d]|[.,]\d)", 0.2),
    ]  # fmt: skip
    CONTEXT = ["npwp", "nomor pokok wajib pajak", "wajib pajak", "tax id", "taxpayer", "tin"]
    NEGATIVE_CONTEXT = ["kode", "rup", "paket", "kode rekening", "kontrak"]
    # The formatted shape is unmistakable: a '.' right after it is the end of a sentence.
    REJECT_INSIDE_CODES = False
