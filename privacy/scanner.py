"""Find and replace personal data inside free text, fast enough for millions of cells.

Presidio's per-call overhead dominates on short texts, so values go through cheap steps
first: empty and already-seen values cost nothing (a bounded cache keyed by the text),
and a handful of compiled triggers decide which entities a text could hold at all (no
digit run, no ``@``, no honorific, street word or gazetteer name: nothing to ask for).
Presidio is then asked only for those entities, so only their recognizers run.
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from typing import Any

from .analyzer import PrivacyError, build_anonymizer, config, shared_analyzer
from .recognizers.bank import BANKS, CUES
from .recognizers.person import _RUN, _WORD, HONORIFICS, LABELS, ROLES, family_names, given_names

CACHE_SIZE = 200_000
_DIGIT_RUN = re.compile(r"\d(?:[\s.()+-]{0,2}\d)*")
_IP = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9a-fA-F]{1,4}::?[0-9a-fA-F]{1,4}:")
_BANK_CUE = re.compile(rf"(?i:{CUES})|{BANKS}")
_STREET_CUE = re.compile(
    r"(?i:(?<![a-z])(?:jl|jln|jalan|gg|gang|lr|lorong|komp\w*|perum\w*|griya|dusun|dsn|kp"
    r"|kampung|asrama|rt|blok|street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court"
    r"|ct|way|place|pl|terrace|square|highway|parkway|circle|trail|crescent|close|row|alley)"
    r"(?![a-z]))"
)
_PERSON_CUE = re.compile(
    rf"(?<![A-Za-z])(?:(?i:{HONORIFICS})\.?\s+[A-Z]|(?i:{ROLES})|(?i:{LABELS})\s*:)"
)
ID_NUMBERS = ("NIK", "KK", "NPWP", "NIP", "CREDIT_CARD", "IBAN_CODE")


def candidates(text: str) -> list[str]:
    """The entities ``text`` could hold, by cheap tests; empty: nothing to look for."""
    found = []
    longest = 0
    for run in _DIGIT_RUN.findall(text):
        digits = sum(ch.isdigit() for ch in run)
        longest = max(longest, digits)
    if longest >= 7:
        found.append("PHONE_NUMBER")
        if longest >= 8 and _BANK_CUE.search(text):
            found.append("BANK_ACCOUNT")
        if longest >= 13:
            found.extend(ID_NUMBERS)
    if "@" in text:
        found.append("EMAIL_ADDRESS")
    if any(ch.isdigit() for ch in text):
        if _IP.search(text):
            found.append("IP_ADDRESS")
        if _STREET_CUE.search(text):
            found.append("ADDRESS")
    if _PERSON_CUE.search(text) or _gazetteer_run(text):
        found.append("PERSON")
    return found


def _gazetteer_run(text: str) -> bool:
    names = given_names()
    family = family_names()
    for run in _RUN.finditer(text):
        for word in _WORD.findall(run.group()):
            word = word.rstrip(".").lower()
            if word in names or word in family:
                return True
    return False


class TextScanner:
    """Replaces each personal-data span in a text with ``<ENTITY_TYPE>``."""

    def __init__(
        self,
        analyzer: Any = None,
        anonymizer: Any = None,
        language: str = "id",
        keep: tuple[str, ...] = (),
    ):
        self.analyzer = analyzer or shared_analyzer()
        self.anonymizer = anonymizer or build_anonymizer()
        self.language = language
        self.entities = [e for e in config()["entities"] if e not in keep]
        self._wanted = set(self.entities)
        self._cache: OrderedDict[str, tuple[str, tuple[str, ...]]] = OrderedDict()

    def without(self, *entities: str) -> TextScanner:
        """A scanner sharing this one's engines that leaves ``entities`` in place.

        Used for officials' columns: their names stay, their NIP and phone do not.
        """
        return TextScanner(self.analyzer, self.anonymizer, self.language, keep=entities)

    def scan(self, value: str) -> tuple[str, tuple[str, ...]]:
        """The redacted text and the entity types found (one per replaced span)."""
        if not value:
            return value, ()
        cached = self._cache.get(value)
        if cached is not None:
            self._cache.move_to_end(value)
            return cached
        wanted = [e for e in candidates(value) if e in self._wanted]
        result = self._analyze(value, wanted) if wanted else (value, ())
        self._cache[value] = result
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return result

    def findings(self, value: str) -> list[Any]:
        """Presidio's results for a text (spans and scores), for column detection."""
        wanted = [e for e in candidates(value) if e in self._wanted]
        if not wanted:
            return []
        try:
            return self.analyzer.analyze(text=value, language=self.language, entities=wanted)
        except PrivacyError:
            raise
        except Exception as error:
            raise PrivacyError(
                f"personal-data scan failed: {type(error).__name__}: {error}"
            ) from error

    def _analyze(self, value: str, wanted: list[str]) -> tuple[str, tuple[str, ...]]:
        try:
            findings = self.analyzer.analyze(text=value, language=self.language, entities=wanted)
            if not findings:
                return value, ()
            redacted = self.anonymizer.anonymize(text=value, analyzer_results=findings)
        except PrivacyError:
            raise
        except Exception as error:
            raise PrivacyError(
                f"personal-data scan failed: {type(error).__name__}: {error}"
            ) from error
        kinds = tuple(item.entity_type for item in redacted.items)
        return redacted.text, kinds

    def count(self, value: str) -> Counter:
        """Entity counts in a text, without changing it (for ``terbuka scan``)."""
        _, kinds = self.scan(value)
        return Counter(kinds)
