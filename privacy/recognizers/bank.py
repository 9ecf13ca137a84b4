"""Bank account numbers, recognised only next to a cue such as 'rekening' or 'no. rek'."""

from __future__ import annotations

import re

from .base import SpanRecognizer


class BankAccountRecognizer(SpanRecognizer):
    """Digits after rekening / no. rek / norek / account — but not after 'kode rekening'."""

    ENTITY = "BANK_ACCOUNT"
    SCORE = 0.8
    REGEX = re.compile(
        r"(?<!kode )(?<!kode\s)(?:rekening|no\.?\s?rek\.?|norek|nomor rekening|account(?: number| no\.?)?)"
        r"(?:\s+(?:bank\s+)?[A-Z][A-Za-z]+)?\s*[:.]?\s*(?:no\.?\s*)?(?P<value>\d[\d\s.-]{5,22}\d)(?!\d)",
        re.IGNORECASE,
    )
