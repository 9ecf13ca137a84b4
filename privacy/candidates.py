"""Which entities a text could hold, by cheap tests: Presidio is asked only for those.

Each test must let through whatever the recognizers of its entities could find (no digit
run, no ``@``, no honorific, name cue, street word or gazetteer name: nothing to ask for);
the address test is built from the address recognizer's own words for that reason.
``identifiers.py`` uses the same digit-run, bank and IP cues.
"""

from __future__ import annotations

import re

from .recognizers.address import STREET, STREET_SUFFIXES
from .recognizers.bank import BANKS, CUES
from .recognizers.english import may_hold_email
from .recognizers.ner import worth_modelling
from .recognizers.person import (
    _RUN,
    _WORD,
    HONORIFICS,
    LABELS,
    ROLES,
    VERBS,
    WEAK_CUES,
    family_names,
    given_names,
    lower_case_names,
    possessor_names,
)

DIGIT_RUN = re.compile(r"\d(?:[\s.()+-]{0,2}\d|\s-\s\d)*")  # " - " too: 0341 - 551234
IP_LIKE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9a-fA-F]{1,4}::?[0-9a-fA-F]{1,4}:")
BANK_CUE = re.compile(rf"(?i:{CUES})|{BANKS}")
# Every word the address recognizer starts from, in any case (its trigger is narrower).
_STREET_CUE = re.compile(rf"(?i:(?<![a-z])(?:{STREET}|rt|blok|{STREET_SUFFIXES})(?![a-z]))")
_PERSON_CUE = re.compile(
    rf"(?<![A-Za-z])(?:(?i:{HONORIFICS})\.?\s+[A-Z]|(?i:{ROLES})|(?i:{LABELS})\s*:"
    rf"|(?i:{WEAK_CUES})(?:\s*+[:,]\s++|\s++)[A-Z])|\s(?i:{VERBS})\b"
)
ID_NUMBERS = ("NIK", "KK", "NPWP", "NIP", "CREDIT_CARD", "IBAN_CODE")
# What ``candidates`` can rule out. Entities of plugin recognizers are not among them:
# they are always looked for, since no cheap test here knows what they match.
TRIGGERED = frozenset(
    (
        *ID_NUMBERS,
        "PHONE_NUMBER",
        "BANK_ACCOUNT",
        "EMAIL_ADDRESS",
        "IP_ADDRESS",
        "ADDRESS",
        "PERSON",
    )
)


def candidates(text: str, model: bool = False) -> list[str]:
    """The entities ``text`` could hold, by cheap tests; empty: nothing to look for.

    ``model``: the NER model is on, so a capitalised possible name is reason enough to
    look for PERSON.
    """
    found = []
    longest = longest_digit_run(text)
    if longest >= 7:
        found.append("PHONE_NUMBER")
        if longest >= 8 and BANK_CUE.search(text):
            found.append("BANK_ACCOUNT")
        if longest >= 13:
            found.extend(ID_NUMBERS)
    if may_hold_email(text):
        found.append("EMAIL_ADDRESS")
    if any(ch.isdigit() for ch in text):
        if IP_LIKE.search(text):
            found.append("IP_ADDRESS")
        if _STREET_CUE.search(text):
            found.append("ADDRESS")
    if (
        _PERSON_CUE.search(text)
        or _gazetteer_run(text)
        or (model and worth_modelling(text))
        or lower_case_names(text)
        or possessor_names(text)
    ):
        found.append("PERSON")
    return found


def longest_digit_run(text: str) -> int:
    """Digits in the longest run of ``text`` (separators of up to two characters allowed)."""
    return max((sum(ch.isdigit() for ch in run) for run in DIGIT_RUN.findall(text)), default=0)


def _gazetteer_run(text: str) -> bool:
    names = given_names()
    family = family_names()
    for run in _RUN.finditer(text):
        for word in _WORD.findall(run.group()):
            word = word.rstrip(".").lower()
            if word in names or word in family:
                return True
    return False
