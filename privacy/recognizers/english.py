"""Presidio's own offline recognizers, with terbuka's context handling where they need it.

Presidio's predefined recognizers work offline (they are patterns and checksums), but
rely on lemma-based context that a blank pipeline never produces, and some collide with
Indonesian public-finance numbers: 16-digit package codes pass the Luhn check about one
time in ten, and dotted budget codes look like IP addresses. These subclasses keep
Presidio's patterns and validation and add terbuka's context rules.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
)

from .base import LONG_NUMBER_TRIGGER, ContextMixin, WindowedMixin

CODE_CUES = ["kode", "kd", "rup", "paket", "tender", "kode rekening", "akun", "kontrak", "spk",
             "versi", "version", "nomor surat", "no. surat"]  # fmt: skip


class PresidioWindowed(WindowedMixin):
    """A Presidio recognizer named after its terbuka class, run on the trigger's windows.

    Subclasses put this first and Presidio's recognizer last among their bases;
    ``checked`` is where they adjust what Presidio found (context, scores).
    """

    def __init__(self, supported_language: str = "id"):
        super().__init__(supported_language=supported_language, name=type(self).__name__)

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # noqa: D102
        presidio = super()
        found = self.windowed(
            text, lambda part: presidio.analyze(part, entities, None, regex_flags)
        )
        return self.checked(text, found)

    def checked(self, text: str, results: list) -> list:
        """What Presidio found, as kept (all of it unless a subclass says otherwise)."""
        return results


class CreditCardNumberRecognizer(PresidioWindowed, ContextMixin, CreditCardRecognizer):
    """Presidio's Luhn-checked card numbers; 16 bare digits need a card cue to count."""

    TRIGGER = LONG_NUMBER_TRIGGER
    CONTEXT = ["card", "kartu", "kredit", "credit", "debit", "visa", "mastercard", "amex", "cc"]
    NEGATIVE_CONTEXT = CODE_CUES
    REJECT_INSIDE_CODES = True

    def checked(self, text: str, results: list) -> list:  # noqa: D102
        for item in results:
            if text[item.start : item.end].isdigit():  # no separators: maybe a package code
                item.score = min(item.score, 0.3)
        return self._adjust(text, results)


class IpTrigger:
    """Runs of hex digits, dots and colons that could be an IPv4 or IPv6 address."""

    _RUN = re.compile(r"[0-9A-Fa-f][0-9A-Fa-f:.]{6,}")
    _V4 = re.compile(
        r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    )

    def spans(self, text: str) -> list[tuple[int, int]]:  # noqa: D102 - see windows()
        return [
            m.span()
            for m in self._RUN.finditer(text)
            if m.group().count(":") >= 3 or self._V4.search(m.group())
        ]


class IpAddressRecognizer(PresidioWindowed, ContextMixin, IpRecognizer):
    """Presidio's IPv4/IPv6 recognizer, minus dotted budget and work-unit codes."""

    TRIGGER = IpTrigger()
    BEFORE = 60
    CONTEXT = ["ip", "ip address", "alamat ip", "host", "server"]
    NEGATIVE_CONTEXT = CODE_CUES
    REJECT_INSIDE_CODES = True

    def checked(self, text: str, results: list) -> list:  # noqa: D102
        return self._adjust(text, results)


@cache
def _offline_extract():
    """Tldextract with its bundled public-suffix snapshot: it never fetches the list.

    (With ``cache_dir=None`` tldextract rebuilds its suffix trie on every call: ~0.5 ms.)
    """
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=())


@lru_cache(maxsize=50_000)
def _known_domain(domain: str) -> bool:
    """Whether a domain ends in a public suffix; once per domain (``gmail.com`` recurs)."""
    return _offline_extract()(domain).fqdn != ""


class EmailAddressRecognizer(PresidioWindowed, EmailRecognizer):
    """Presidio's e-mail pattern, validated with an offline public-suffix list.

    Presidio's e-mail regex is slow on long text; it runs only around each ``@``.
    """

    TRIGGER = re.compile("@")
    BEFORE = 80
    AFTER = 120

    def validate_result(self, pattern_text: str) -> bool:  # noqa: D102
        return _known_domain(pattern_text.rpartition("@")[2])


class IbanCodeRecognizer(IbanRecognizer):
    """Presidio's IBAN recognizer with its checksum (foreign bank accounts)."""

    def __init__(self, supported_language: str = "id"):
        super().__init__(supported_language=supported_language, name=type(self).__name__)
