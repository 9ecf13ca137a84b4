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

from presidio_analyzer import EntityRecognizer, RecognizerResult
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

    def checked(self, text: str, results: list) -> list:  # noqa: D102
        # Presidio's local part may hold "/", "?", "=" and "&": in a URL
        # (``…/u/budi@gmail.com``, ``?email=budi@…``) the address starts after the last.
        for item in results:
            local = text[item.start : item.end].rpartition("@")[0]
            cut = max(local.rfind(c) for c in "/?=&")
            if 0 <= cut < len(local) - 1:
                item.start += cut + 1
        return results


# ``budi [at] gmail [dot] com``, ``budi(at)gmail.com``, ``budi @ gmail . com``, ``budi at
# gmail dot com``: an address written so that spam robots miss it, which Presidio's
# pattern misses too; and a plain one run into a file extension (``budi@gmail.com.csv``),
# which Presidio's drops because ``com.csv`` is no domain. ``OBFUSCATED_AT`` is the
# scanner's cheap test for the written-out forms (a plain ``@`` is tested on its own).
_OPEN, _CLOSE = r"[\[({<]", r"[\])}>]"
_AT = rf"\s*{_OPEN}\s*(?:at|et|@)\s*{_CLOSE}\s*|\s*@\s*|\s+at\s+"
_DOT = rf"\s*{_OPEN}\s*(?:dot|titik|\.)\s*{_CLOSE}\s*|\s+(?:dot|titik)\s+|\s*\.\s*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_OBFUSCATED_AT = rf"{_OPEN}\s*(?:at|et|@)\s*{_CLOSE}|\s@|@\s|\bat\s+{_LABEL}\s+(?:dot|titik)\b"
OBFUSCATED_AT = re.compile(_OBFUSCATED_AT, re.IGNORECASE)


def may_hold_email(text: str) -> bool:
    """Cheap test: an ``@``, or one written out (``[at]``, ``(at)``, ``at … dot``)."""
    return "@" in text or OBFUSCATED_AT.search(text) is not None


_WRITTEN_EMAIL = re.compile(
    rf"(?i)(?<![\w.%+-])(?P<local>[A-Za-z0-9][\w.%+-]{{0,63}})(?P<at>{_AT})"
    rf"(?P<domain>{_LABEL}(?:(?:{_DOT}){_LABEL}){{1,5}})(?![\w-])"
)
_WRITTEN_DOT = re.compile(rf"(?i){_DOT}")
_DOT_IN_WORDS = re.compile(r"(?i)\s(?:dot|titik)\s")


def known_domain_end(domain: str) -> int:
    """Where the longest known domain at the start of ``domain`` ends (0: none).

    ``gmail [dot] com`` → its length; ``gmail.com.csv`` → the end of ``gmail.com``.
    """
    separators = list(_WRITTEN_DOT.finditer(domain))
    for end in [len(domain), *(m.start() for m in reversed(separators[1:]))]:
        if _known_domain(_WRITTEN_DOT.sub(".", domain[:end]).lower()):
            return end
    return 0


class ObfuscatedEmailRecognizer(WindowedMixin, EntityRecognizer):
    """E-mail addresses written around spam filters: ``nama [at] domain [dot] com``.

    Also a plain address that runs into more dotted text (``budi@gmail.com.csv``, a file
    name): the longest known domain at its start counts. A domain must end in a public
    suffix (as for plain addresses), and the bare words ``at`` and ``dot`` count only
    together. The pattern runs only around an ``@`` or an obfuscated one (``TRIGGER``).
    """

    TRIGGER = re.compile(rf"@|{_OBFUSCATED_AT}", re.IGNORECASE)
    BEFORE = 70
    AFTER = 140

    def __init__(self, supported_language: str = "id"):
        super().__init__(
            supported_entities=["EMAIL_ADDRESS"],
            supported_language=supported_language,
            name=type(self).__name__,
        )

    def load(self) -> None:  # noqa: D102 - nothing to load
        pass

    def analyze(self, text, entities, nlp_artifacts=None):  # noqa: D102
        return self.windowed(text, self._addresses)

    def _addresses(self, text: str) -> list[RecognizerResult]:
        found = []
        for match in _WRITTEN_EMAIL.finditer(text):
            domain = match.group("domain")
            if match.group("at").strip().lower() == "at" and not _DOT_IN_WORDS.search(domain):
                continue  # "rapat at Balai.Kota": not an address written out in words
            end = known_domain_end(domain)
            if end:
                stop = match.start("domain") + end
                found.append(RecognizerResult("EMAIL_ADDRESS", match.start(), stop, 0.85))
        return found


class IbanCodeRecognizer(IbanRecognizer):
    """Presidio's IBAN recognizer with its checksum (foreign bank accounts)."""

    def __init__(self, supported_language: str = "id"):
        super().__init__(supported_language=supported_language, name=type(self).__name__)
