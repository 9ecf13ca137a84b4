"""Identifiers in columns published verbatim: ids, URLs, file names, codes.

A column privacy.yml keeps as is (``party_id``, ``kd_penyedia``, ``releases.source``, a
document URL) is still searched for identifiers: a supplier id that is an individual's
NIK, ``?nik=…`` in a link, ``wa.me/62…``, a NIK in a file name. What is found fails
closed, by policy:

- a span that is the whole cell, or any span in an ``identifier`` column, becomes its
  keyed pseudonym (HMAC, the ``hash`` operator's key) — the same number gives the same
  pseudonym in every table, so joins and "repeat winner" queries keep working;
- a span inside other text (a URL, a file name) becomes ``<ENTITY>`` as in free text.

The one identifier a role may allow is a company's NPWP (public business information):
see ``suppliers.py``. NIK, KK and NIP are never allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .candidates import BANK_CUE, ID_NUMBERS, IP_LIKE, longest_digit_run
from .hashing import hash_value
from .normalise import normalise
from .recognizers.english import may_hold_email

IDENTIFIERS = (
    "NIK",
    "KK",
    "NPWP",
    "NIP",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "BANK_ACCOUNT",
    "IBAN_CODE",
    "CREDIT_CARD",
    "IP_ADDRESS",
)
_NUMBERS = {"NIK", "KK", "NPWP", "NIP", "PHONE_NUMBER", "BANK_ACCOUNT", "CREDIT_CARD"}
FULL_CELL = 0.8
# Roles whose kept values may carry a company's NPWP.
NPWP_ROLES = ("identifier", "organisation")


# The scanner's triggers for identifiers alone (``candidates`` also looks for names and
# streets, which costs more than the rest of the check), a little sharper: kept values are
# mostly ids, dates and amounts with 7-12 digits, which can only be phone numbers or bank
# accounts — and a phone number starts with ``+``, ``(``, ``0`` or ``62``, or is written
# 3-3-4 (North American); an account needs a bank cue.
_PHONE_START = re.compile(r"[+(]\s?\d|(?<!\d)(?:0|62)\d|(?<!\d)\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}")


@lru_cache(maxsize=1 << 16)
def identifier_entities(value: str) -> tuple[str, ...]:
    """The identifiers ``value`` could hold, by cheap tests (empty: none).

    Cached: kept values (ids, dates, codes, amounts) recur in every document and table.
    """
    text = normalise(value).text
    found: list[str] = []
    longest = longest_digit_run(text)
    if longest >= 13:
        found.extend((*ID_NUMBERS, "PHONE_NUMBER"))
    elif longest >= 7 and _PHONE_START.search(text):
        found.append("PHONE_NUMBER")
    if longest >= 8 and BANK_CUE.search(text):
        found.append("BANK_ACCOUNT")
    if may_hold_email(text):
        found.append("EMAIL_ADDRESS")
    if longest >= 4 and IP_LIKE.search(text):
        found.append("IP_ADDRESS")
    return tuple(found)


def might_hold(value: str) -> bool:
    """Cheap test: could ``value`` hold any identifier at all?"""
    return bool(identifier_entities(value))


def pseudonym(entity: str, text: str, key: bytes) -> str:
    """The keyed pseudonym of an identifier, independent of how it was written.

    Numbers are hashed by their digits (``01.312.166.0-091.000`` and ``013121660091000``
    agree; a phone by its national number), other identifiers by their lower-cased text.
    """
    folded = normalise(text).text
    if entity in _NUMBERS:
        digits = "".join(ch for ch in folded if ch.isdigit())
        if entity == "PHONE_NUMBER":
            from .recognizers.phone import national_number

            digits = national_number(folded) or digits
        return hash_value(digits, key)
    return hash_value(folded.strip().lower(), key)


def _clusters(findings: list[Any]) -> list[tuple[int, int, list[Any]]]:
    """Overlapping findings merged: one span per place, with every entity seen there."""
    merged: list[tuple[int, int, list[Any]]] = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and finding.start < merged[-1][1]:
            start, end, items = merged[-1]
            merged[-1] = (start, max(end, finding.end), [*items, finding])
        else:
            merged.append((finding.start, finding.end, [finding]))
    return merged


def protect(
    value: str,
    findings: list[Any],
    key: bytes,
    *,
    allowed: Callable[[str, str], bool] = lambda entity, text: False,
    mode: str = "auto",
) -> tuple[str, list[tuple[str, str]]]:
    """``value`` with every identifier that is not ``allowed`` pseudonymised or replaced.

    ``mode``: ``hash`` pseudonymises every span, ``replace`` puts ``<ENTITY>`` in its
    place, ``auto`` pseudonymises a span that is (almost) the whole cell. Returns the new value and ``(entity, operator)`` for each span changed. Where
    recognizers overlap (a 16-digit number seen as NIK and NPWP), the span is allowed
    only if every reading is allowed.
    """
    changed: list[tuple[str, str]] = []
    out, position = [], 0
    text = value.strip()
    for start, end, items in _clusters([f for f in findings if f.entity_type in IDENTIFIERS]):
        span = value[start:end]
        if all(allowed(f.entity_type, span) for f in items):
            continue
        entity = max(items, key=lambda f: (f.score, f.end - f.start)).entity_type
        whole = text and (end - start) >= FULL_CELL * len(text)
        if mode == "hash" or (mode == "auto" and whole):
            out.append(value[position:start] + pseudonym(entity, span, key))
            changed.append((entity, "hash"))
        else:
            out.append(value[position:start] + f"<{entity}>")
            changed.append((entity, "replace"))
        position = end
    if not changed:
        return value, []
    out.append(value[position:])
    return "".join(out), changed


def scrub(text: str | None, scanner: Any = None) -> str | None:
    """``text`` (a file name, a URL) with every identifier replaced by ``<ENTITY>``.

    For strings published outside the tables' privacy stage (``_runs``' inputs).
    """
    if not text or not might_hold(text):
        return text
    if scanner is None:
        from .scanner import TextScanner

        scanner = TextScanner()
    findings = [
        f
        for f in scanner.findings_many([text], list(IDENTIFIERS))[0]
        if not server_address(text, f)
    ]
    return protect(text, findings, b"", mode="replace")[0] if findings else text


def server_address(text: str, finding: Any) -> bool:
    """An IP address that is a URL's host names a server, not a person: it stays."""
    if finding.entity_type != "IP_ADDRESS":
        return False
    match = re.match(r"[a-z][a-z0-9+.-]*://(?:[^@/?#]*@)?([^/?#]*)", text, re.I)
    return bool(match) and match.start(1) <= finding.start and finding.end <= match.end(1)


_TAX_NUMBER = re.compile(r"(?<![\d])\d(?:[ .-]?\d){14,15}(?![\d]|[ .-]\d)")


@dataclass
class Finding:
    """A span found by structure alone, shaped like Presidio's ``RecognizerResult``."""

    entity_type: str
    start: int
    end: int
    score: float = 1.0


def npwp_by_structure(value: str) -> list[Finding]:
    """Bare 15- or 16-digit numbers that are NPWPs by their own structure.

    In an ``identifier`` column nothing cues a bare ``093121663091000`` (the NPWP
    recognizer needs a cue for bare digits); a valid check digit and taxpayer type do.
    """
    from .suppliers import npwp_kind

    return [
        Finding("NPWP", m.start(), m.end())
        for m in _TAX_NUMBER.finditer(value)
        if npwp_kind(m.group()) != "unknown"
    ]


def pseudonymise_numbers(value: Any, key: bytes, whole: bool = False) -> tuple[Any, int]:
    """Every 15- or 16-digit number in ``value`` (an NPWP or NIK) as its pseudonym.

    The pseudonym is the one ``protect`` gives the same number anywhere else, so an
    individual supplier's NPWP hashed here still joins its ``party_id`` in another
    table. With ``whole`` (the NPWP column itself), a value holding no such number is
    hashed whole: whatever it is, it was meant to be an NPWP.
    """
    if value in (None, ""):
        return value, 0
    text = str(value)
    out, count = _TAX_NUMBER.subn(lambda m: pseudonym("NPWP", m.group(), key), text)
    if count:
        return out, count
    if whole:
        return hash_value(text, key), 1
    return value, 0
