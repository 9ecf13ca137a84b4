"""NPWP: the taxpayer number (15 digits, formatted or bare; 16 digits since 2024)."""

from __future__ import annotations

from presidio_analyzer import Pattern

from .base import IndonesianPatternRecognizer


class NpwpRecognizer(IndonesianPatternRecognizer):
    """Nomor Pokok Wajib Pajak, in the ``99.999.999.9-999.999`` form or bare near 'NPWP'."""

    ENTITY = "NPWP"
    PATTERNS = [
        Pattern("NPWP (formatted)", r"(?<!\d)\d{2}\.\d{3}\.\d{3}\.\d[-.]\d{3}\.\d{3}(?!\d)", 0.85),
        Pattern("NPWP (15 digits)", r"(?<![\d.])\d{15}(?![\d])", 0.2),
    ]
    CONTEXT = ["npwp", "nomor pokok wajib pajak", "wajib pajak", "pajak"]
