"""Bank account numbers, recognised only next to a cue: 'rekening', 'no. rek', a bank's name."""

from __future__ import annotations

import re

from .base import DIGIT_TRIGGER, SpanRecognizer, first_chars

BANKS = (
    r"BCA|BRI|BNI|BTN|BSI|BJB|BPD(?:\s+[A-Z][A-Za-z]+)?|Mandiri|CIMB(?:\s+Niaga)?|Danamon|Permata"
    r"|Muamalat|Mega|OCBC(?:\s+NISP)?|Panin|Maybank|Sinarmas|Bukopin|Jatim|Jateng|DKI|Nagari"
    r"|Sumut|Kaltim|Kalbar|Sulselbar|Papua|Bank\s+[A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+)?"
)
# Banks only (no region names such as Jatim or DKI, which follow codes too), for a number
# written before its bank: ``transfer ke 1234567890 BCA``, ``1234567890 (Mandiri)``.
NATIONAL_BANKS = (
    r"BCA|BRI|BNI|BTN|BSI|BJB|Mandiri|CIMB(?:\s+Niaga)?|Danamon|Permata|Muamalat"
    r"|OCBC(?:\s+NISP)?|Maybank|Bukopin|Sinarmas|Bank\s+[A-Z][A-Za-z]+"
)
# Words that make the number before a bank's name a code or an amount, not an account.
CODE_WORDS = ("kode", "kd", "rup", "paket", "tender", "kontrak", "spk", "surat", "rp", "idr")
CUES = (
    r"(?:nomor|no\.?)?\s*rekening|no\.?\s?rek\.?|rek\.|rek\b|norek|a/c|acct\.?"
    r"|account(?:\s+(?:number|no\.?))?|bank\s+account"
)


class BankAccountRecognizer(SpanRecognizer):
    """Digits after rekening / no. rek / account / a bank's name — not 'kode rekening'.

    Budget account codes (``5.1.02.01.01.0024``) are written with dots between short
    groups and are preceded by 'kode rekening' or 'akun'; both are rejected.
    """

    ENTITY = "BANK_ACCOUNT"
    SCORE = 0.8
    TRIGGER = DIGIT_TRIGGER
    REGEX = re.compile(
        first_chars(CUES, BANKS, "nomor no")
        + rf"\b(?:(?i:{CUES})(?:\s+(?i:bank\s+)?(?i:{BANKS}))?|(?:{BANKS}))"
        r"\s*[:.,]?\s*(?i:(?:no\.?|nomor|rek\.?|rekening)\s*[:.]?\s*)?"
        r"(?P<value>\d[\d\s.-]{5,24}\d)(?![\d]|[.,]\d)",
    )
    CONTEXT = ["rekening", "rek", "norek", "account", "a/c", "acct", "bank", "bca", "bri", "bni",
               "btn", "bsi", "mandiri", "atas nama", "a.n."]  # fmt: skip
    NEGATIVE_CONTEXT = ["kode rekening", "kode", "akun", "kd", "rp", "idr", "sebesar", "nilai"]
    REJECT_INSIDE_CODES = True
    BANK_AFTER = re.compile(
        r"(?<![\w.,/-])(?P<value>\d[\d\s.-]{5,24}\d)(?![\d]|[.,]\d)"
        rf"(?=\s*\(?\s*(?:{NATIONAL_BANKS})(?![A-Za-z]))"
    )

    def more_spans(self, text: str) -> list[tuple[int, int]]:
        """Numbers written before their bank's name, not after code or amount words."""
        spans = []
        for match in self.BANK_AFTER.finditer(text):
            before = text[max(0, match.start() - 24) : match.start()].lower()
            if not set(re.findall(r"[a-z]+", before)) & set(CODE_WORDS) and self.accept(match):
                spans.append(match.span("value"))
        return spans

    def accept(self, match: re.Match) -> bool:  # noqa: D102
        value = match.group("value")
        digits = sum(ch.isdigit() for ch in value)
        if not 8 <= digits <= 20:
            return False
        # A budget code or an amount: several dots between short groups.
        if value.count(".") >= 2 and "-" not in value and " " not in value:
            return False
        before = match.string[max(0, match.start() - 12) : match.start()].lower()
        return "kode" not in before and "akun" not in before
