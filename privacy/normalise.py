"""Text as the recognizers should see it, with a map back to the original characters.

Identifiers hide behind characters a reader never notices: a NIK split by zero-width
spaces (``3573\u200b0145…``), full-width digits pasted from a phone (``３５７３…``), a
non-breaking space or a typographic dash between digit groups, and percent-encoding in
URLs and file names (``budi%40gmail.com``, ``file%203573…``). The recognizers run on
the normalised text; every span they find is mapped back through ``Normalised.span`` so
the anonymizer replaces the right characters of the original (invisible ones included).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Removed: zero-width space, non-joiner, joiner, BOM, word joiner, soft hyphen, Mongolian
# vowel separator, invisible times/separator/plus.
INVISIBLE = frozenset("\u200b\u200c\u200d\ufeff\u2060\u00ad\u180e\u2062\u2063\u2064")
# Replaced one for one: spaces and dashes of every width, full-width ASCII.
_SPACES = "\u00a0\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
# A percent-encoded space or punctuation mark (``%40`` is ``@``, ``%20`` a space); not
# digits or letters, which nobody encodes and ``naik 70%35`` would make out of thin air.
_PERCENT = re.compile(r"%(?:2[0-9A-Fa-f]|3[A-Fa-f]|40|5[BDFbdf]|7[Ee])")


def _fold(ch: str) -> str:
    """One character folded to ASCII where it is a digit, space, dash or full-width sign."""
    if ch in _SPACES:
        return " "
    if ch in _DASHES:
        return "-"
    if "\uff01" <= ch <= "\uff5e":  # full-width ASCII block
        return chr(ord(ch) - 0xFEE0)
    if ch.isdecimal():
        return str(unicodedata.decimal(ch))
    return ch


@dataclass(frozen=True)
class Normalised:
    """The normalised text and, when it differs in length, each character's origin."""

    text: str
    origin: tuple[int, ...] | None = None  # origin[i]: index in the original of text[i]
    ends: tuple[int, ...] | None = None  # ends[i]: where text[i]'s original characters end

    def span(self, start: int, end: int) -> tuple[int, int]:
        """``text[start:end]`` as a span of the original (invisible characters inside kept)."""
        if self.origin is None or self.ends is None:
            return start, end
        if end <= start:
            position = self.origin[start] if start < len(self.origin) else self.ends[-1]
            return position, position
        return self.origin[start], self.ends[end - 1]


# Digits written one by one with a space between (``0 8 1 2 3 4 5 6 7 8 9 0``): eight or
# more, and no other digit or word glued to the run. The spaces go, as invisibles do.
_SPACED_DIGITS = re.compile(r"(?<![\w.,])\d(?: \d){7,}(?![\w.,])")


def normalise(text: str) -> Normalised:
    """Fold odd digits, spaces, dashes and percent-encoding to ASCII; drop invisibles.

    Spaces inside a run of single spaced digits are dropped too.
    """
    encoded = "%" in text and _PERCENT.search(text) is not None
    spaced = frozenset(
        index
        for run in _SPACED_DIGITS.finditer(text)
        for index in range(run.start() + 1, run.end(), 2)
    )
    if text.isascii() and not encoded and not spaced:
        return Normalised(text)
    out: list[str] = []
    origin: list[int] = []
    ends: list[int] = []
    index, length = 0, len(text)
    while index < length:
        ch = text[index]
        if encoded and ch == "%" and _PERCENT.match(text, index):
            out.append(chr(int(text[index + 1 : index + 3], 16)))
            origin.append(index)
            ends.append(index + 3)
            index += 3
            continue
        if ch not in INVISIBLE and index not in spaced:
            out.append(_fold(ch) if not ch.isascii() else ch)
            origin.append(index)
            ends.append(index + 1)
        index += 1
    folded = "".join(out)
    if len(origin) == len(text):
        return Normalised(folded)
    return Normalised(folded, tuple(origin), tuple(ends))
