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


# Digits spelt out, in Indonesian and English: ``nol delapan satu dua 3456 7890``.
DIGIT_WORDS = {
    "nol": "0", "kosong": "0", "satu": "1", "dua": "2", "tiga": "3", "empat": "4", "lima": "5",
    "enam": "6", "tujuh": "7", "delapan": "8", "sembilan": "9", "zero": "0", "one": "1",
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9",
}  # fmt: skip
_DIGIT_WORD = "|".join(sorted(DIGIT_WORDS, key=len, reverse=True))
# Four or more in a row: fewer are counts and dates ("dua tiga hari"), not a number.
_SPELT_DIGITS = re.compile(
    rf"(?i)(?<![A-Za-z])(?:{_DIGIT_WORD})(?:[ -]+(?:{_DIGIT_WORD})){{3,}}(?![A-Za-z])"
)
_ONE_DIGIT_WORD = re.compile(rf"(?i)(?:{_DIGIT_WORD})(?![A-Za-z])")


def spells_digits(text: str) -> bool:
    """Whether ``text`` spells out four or more digits in a row (``nol delapan satu dua``)."""
    return _SPELT_DIGITS.search(text) is not None


def _spelt(text: str) -> tuple[dict[int, tuple[int, str]], set[int]]:
    """Digit words of runs of four or more, and the separators between them.

    ``{start: (end, digit)}`` for each word; the separators are dropped, so the digits
    read as one number.
    """
    words: dict[int, tuple[int, str]] = {}
    between: set[int] = set()
    for run in _SPELT_DIGITS.finditer(text):
        previous = -1
        for word in _ONE_DIGIT_WORD.finditer(text, run.start(), run.end()):
            words[word.start()] = (word.end(), DIGIT_WORDS[word.group().lower()])
            if previous >= 0:
                between.update(range(previous, word.start()))
            previous = word.end()
    return words, between


def normalise(text: str) -> Normalised:
    """Fold odd digits, spaces, dashes and percent-encoding to ASCII; drop invisibles.

    Spaces inside a run of single spaced digits are dropped too, and four or more digits
    spelt out in words become digits.
    """
    encoded = "%" in text and _PERCENT.search(text) is not None
    spaced = {
        index
        for run in _SPACED_DIGITS.finditer(text)
        for index in range(run.start() + 1, run.end(), 2)
    }
    words, between = _spelt(text)
    spaced |= between
    if text.isascii() and not encoded and not spaced and not words:
        return Normalised(text)
    out: list[str] = []
    origin: list[int] = []
    ends: list[int] = []
    index, length = 0, len(text)
    while index < length:
        ch = text[index]
        if index in words:
            end, digit = words[index]
            out.append(digit)
            origin.append(index)
            ends.append(end)
            index = end
            continue
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
