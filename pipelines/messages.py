"""What an error message may say about a value: its kind, or the value when harmless.

Error lines, quarantine reasons and quality notes reach stderr, ``--json``, run records
and the published ``_quarantine`` table. A cell that fails to parse is exactly where a
NIK, a phone number or a name ends up by mistake, so a message never quotes a value
unless it is plainly harmless: short, with few digits (a date, a small count, a code)
and no word but month names, units, time zones and placeholders. Anything else is
described by its kind ("a 16-digit number", "text of 23 characters with 12 digits").
This fails closed without the privacy stage: no recognizer has to catch the value.
"""

from __future__ import annotations

import re
from typing import Any

MAX_QUOTED = 40  # characters of a harmless value that are quoted
MAX_DIGITS = 8  # a date has 8; a phone number 9 or more, a NIK 16
_WORD = re.compile(r"[^\W\d_]+")
_PLACEHOLDERS = {
    "n", "a", "na", "null", "none", "nil", "nan", "inf", "infinity", "tidak", "ada", "belum",
    "kosong", "tbd", "wib", "wita", "wit", "utc", "gmt", "am", "pm", "t", "z", "rp", "idr",
    "e", "x", "true", "false", "ya", "yes", "no",
}  # fmt: skip


_HARMLESS = set(_PLACEHOLDERS)


def harmless_words(*vocabularies: Any) -> None:
    """Add words a message may quote (``parse`` adds its month names and unit suffixes).

    Registered rather than imported: ``parse`` uses this module, not the other way round.
    """
    for words in vocabularies:
        _HARMLESS.update(str(w).lower() for w in words)


def shown(value: Any) -> str:
    """``value`` quoted when it cannot be personal data, otherwise its kind."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return repr(value)
    text = " ".join(str(value).split())
    if not text:
        return "an empty value"
    digits = sum(c.isdigit() for c in text)
    words = [w.lower() for w in _WORD.findall(text)]
    harmless = (
        len(text) <= MAX_QUOTED
        and digits <= MAX_DIGITS
        and "@" not in text
        and all(w in _HARMLESS for w in words)
    )
    if harmless:
        return repr(text)
    return kind_of(text, digits, bool(words))


def kind_of(text: str, digits: int, letters: bool) -> str:
    """A description of ``text`` that names no part of it."""
    if not letters and digits:
        return f"a {digits}-digit number" if digits == len(text) else f"a {digits}-digit value"
    if "@" in text:
        return f"text of {len(text)} characters with an '@'"
    if digits:
        return f"text of {len(text)} characters with {digits} digits"
    return f"text of {len(text)} characters"
