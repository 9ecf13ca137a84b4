"""Shared behaviour of terbuka's recognizers: context words handled in the recognizer.

Without an NLP model there are no lemmas, so Presidio's own context enhancer never
fires. Each recognizer here therefore looks for its context words itself, in a window
of text before (and just after) the match: the nearest cue wins, so ``NIK`` right before
a number raises its score while ``kode RUP`` or ``kode rekening`` lowers it. Numbers that
are only part of a longer code (``5.1.02.01.01.0024``, ``027/SPK/DPU/2024``) are not
personal data and are rejected outright.

Context may raise confidence but must never switch off an identifier that is valid by
its structure: a negative cue only counts when it labels the candidate itself (``kode
RUP 3573…``, ``kontrak nomor …``), not when procurement wording happens to sit in an
earlier sentence or a few words away (``… kontrak nomor 603/SPK/DPU/2025. Beliau bisa
dihubungi di 0855…`` keeps nothing of the phone number).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import ClassVar

import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

from ..errors import RegexTimeout

# Joins windows (and the scanner's batches): not whitespace, not a word character, and
# wider than any context window, so no pattern or context rule reaches across it.
GAP = " \u2016" + " " * 48 + "\u2016\n"
WINDOW = 40
AFTER = 16
CONTEXT_BOOST = 0.35
NEGATIVE_PENALTY = 0.4
DIGITS = r"\d[\d\s.()/+-]{5,}\d"  # the shared trigger: 7+ digits, maybe separated

_CODE_BEFORE = re.compile(r"\d[./-]$|[A-Za-z]/$")
# A URL's host or path before a number (``wa.me/62…``, ``/ktp/3573…``) is not a code.
_URL_BEFORE = re.compile(r"(?:https?://|www\.|wa\.me/|\w\.\w{2,6}/)[^\s]*$", re.IGNORECASE)
# What may stand between a negative cue and the number it labels: a few words, no
# sentence break (abbreviations such as ``no.`` and ``rek.`` are not breaks).
_BREAK = re.compile(r"(?<![Nn]o)(?<![Rr]ek)(?<![Nn]om)(?<![Tt]gl)[.!?]\s|[;!?\n]")
_LABEL_WORDS = re.compile(r"[^\W\d_]{2,}")
ATTACHED_WORDS = 3
_CODE_AFTER = re.compile(r"^(?:[./-]\d|/[A-Za-z])")


def first_chars(*alternations: str) -> str:
    """A lookahead on the first letters of some alternations: lets ``re`` skip ahead fast.

    A pattern that starts with a lookbehind or an alternation of words is tried at every
    position; one that starts with a character class is searched with a fast scan.
    """
    letters = {
        c
        for alternation in alternations
        for word in re.findall(r"[A-Za-z0-9]+", alternation)
        for c in (word[0].lower(), word[0].upper())
    }
    return "(?=[" + "".join(sorted(letters)) + "])"


def words_re(words: list[str] | tuple[str, ...]) -> re.Pattern | None:
    """One case-insensitive regex for a list of cue words, whole words only."""
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![0-9A-Za-z])(?:{alternatives})(?![0-9A-Za-z])", re.IGNORECASE)


def _last(pattern: re.Pattern | None, text: str) -> int:
    """End position of the last match of ``pattern`` in ``text`` (-1 if none)."""
    if pattern is None:
        return -1
    end = -1
    for match in pattern.finditer(text):
        end = match.end()
    return end


# A file's name at the end of a path (``lampiran/3573…/surat.pdf``): no code ends so.
_FILE_AT_END = re.compile(
    r"\.(?:pdf|jpe?g|png|gif|webp|heic|tiff?|docx?|xlsx?|csv|odt|ods|zip|rar|txt)[)\].,;:'\"]*$",
    re.IGNORECASE,
)


def in_file_path(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a segment of a path that ends in a file's name."""
    left = max(text.rfind(" ", max(0, start - 200), start), text.rfind("\n", 0, start)) + 1
    right = text.find(" ", end, end + 200)
    token = text[left : right if right >= 0 else min(len(text), end + 200)].split("\n")[0]
    return "/" in token and bool(_FILE_AT_END.search(token))


def inside_code(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is only a piece of a longer dotted or slashed code.

    A number in a URL's path (``wa.me/6281…``, ``…/ktp/3573….pdf``) is not: URLs are
    scanned like any text, and the slash before it is only the path's separator. Nor is
    one in a path that ends in a file's name (``/uploads/0812…/foto.jpg``).
    """
    if in_file_path(text, start, end):
        return False
    if _CODE_BEFORE.search(text[max(0, start - 2) : start]):
        return not _URL_BEFORE.search(text[max(0, start - 200) : start])
    return bool(_CODE_AFTER.search(text[end : end + 2]))


_TOKEN = re.compile(r"[0-9A-Za-z]+")
# 32 (MD5's) to 128 (SHA-512's) hex digits, letters among them, in one case
DIGEST_LENGTH, LONGEST_DIGEST = 32, 128
_HEX_DIGEST = re.compile(
    rf"(?=[0-9a-f]*[a-f])[0-9a-f]{{{DIGEST_LENGTH},{LONGEST_DIGEST}}}"
    rf"|(?=[0-9A-F]*[A-F])[0-9A-F]{{{DIGEST_LENGTH},{LONGEST_DIGEST}}}"
)


_HEX_RUN = re.compile(rf"[0-9A-Fa-f]{{{DIGEST_LENGTH}}}")


def holds_digest(text: str) -> bool:
    """Whether ``text`` could hold a digest at all: a run of 32 hex digits somewhere.

    One search over the text: without such a run ``inside_digest`` is false everywhere.
    """
    return _HEX_RUN.search(text) is not None


def inside_digest(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` begins or ends inside a hexadecimal digest.

    A SHA-256 (a source file's ``source_sha256``, an archive key) is 64 hex digits, 40 %
    of them letters; runs of digits between the letters take every shape (``…f8b0812345
    67890d1…`` is a mobile number's), so about one digest in 200 held a "phone" or "NIK",
    and a pattern that allows spaces between groups can run on into the next line's
    digest. A token of 32 or more hex digits, letters among them, is a digest; a match
    that starts or ends in one is a piece of it, not an identifier written in text.
    """
    return _digest_around(text, start) or _digest_around(text, end - 1)


def _digest_around(text: str, position: int) -> bool:
    """Whether the letters-and-digits token at ``position`` is a hex digest.

    Only ``LONGEST_DIGEST`` characters each way are read, so a megabyte without a space
    costs each finding the same small window (a token running past it is no digest).
    """
    low = max(0, position - LONGEST_DIGEST - 1)
    high = min(len(text), position + LONGEST_DIGEST + 2)
    for token in _TOKEN.finditer(text, low, high):
        if token.end() <= position:
            continue
        if token.start() > position:
            return False  # ``position`` is not on a token
        if (token.start() == low > 0) or (token.end() == high < len(text)):
            return False  # it runs past the window: longer than any digest
        return bool(_HEX_DIGEST.fullmatch(token.group()))
    return False


def attached(between: str) -> bool:
    """Whether a cue ending just before ``between`` labels the number right after it.

    ``kode RUP: 3573…``, ``nomor kontrak 027/…`` and ``Rp 1.250.000`` are attached;
    ``… SPK/DPU/2025. Beliau bisa dihubungi di 0855…`` is not (a sentence lies between),
    nor is ``kontrak 603/SPK/DPU/2025 0855…``: the cue labels the number it reaches first.
    """
    return (
        not _BREAK.search(between)
        and len(_LABEL_WORDS.findall(between)) <= ATTACHED_WORDS
        and not labels_another_number(between)
    )


# A short digit group right before a number may be its own first group (``NIK 3573 0145 …``).
_OWN_GROUP = re.compile(r"(?<![\d./,-])\d{1,6}$")


def labels_another_number(between: str) -> bool:
    """Whether a number (or a code with digits) stands between a cue and the candidate."""
    head = _OWN_GROUP.sub("", between.rstrip())
    return any(ch.isdigit() for ch in head)


_DIGIT_GROUPS = re.compile(r"\d+")
_RUN = re.compile(r"\d[\d\s.()/+-]*")  # finditer resumes after a run: runs are maximal


class DigitRuns:
    """A trigger for runs of at least ``digits`` digits (separators allowed between them).

    Scans each run once (a regex with a repeated class would retry at every digit), and
    remembers the runs of the last text: every number recognizer asks about the same text.
    """

    _last: tuple[str, list[tuple[int, int, int]]] = ("", [])

    def __init__(self, digits: int):
        self.digits = digits

    def spans(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of every run with enough digits."""
        if DigitRuns._last[0] is not text:
            runs = []
            for match in _RUN.finditer(text):
                value = match.group()
                digits = len(value) - len(_DIGIT_GROUPS.sub("", value))
                runs.append((match.start(), match.end(), digits))
            DigitRuns._last = (text, runs)
        return [(s, e) for s, e, n in DigitRuns._last[1] if n >= self.digits]


def windows(trigger, text: str, before: int, after: int) -> list[tuple[int, int]]:
    """Merged ``(start, end)`` windows around every match of ``trigger``."""
    spans: list[tuple[int, int]] = []
    if hasattr(trigger, "spans"):
        found = trigger.spans(text)
    else:
        found = [(m.start(), m.end()) for m in trigger.finditer(text)]
    for match_start, match_end in found:
        start, end = max(0, match_start - before), min(len(text), match_end + after)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


class WindowedMixin:
    """Run an expensive recognizer only on windows of text around a cheap trigger.

    Long texts (and batches of texts) are mostly words without digits; a recognizer of
    numbers need not search them. ``TRIGGER`` is a fast regex (starting with a character
    class, so ``re`` can skip ahead); the recognizer's own patterns then run on each
    window with ``BEFORE``/``AFTER`` characters of context around the trigger, and the
    results are shifted back. Context rules still see the whole text.
    """

    TRIGGER: ClassVar[re.Pattern | DigitRuns | None] = None
    BEFORE: ClassVar[int] = 100
    AFTER: ClassVar[int] = 40

    def windowed(self, text: str, analyze) -> list[RecognizerResult]:
        """``analyze`` on the windows, joined into one text; results in ``text`` coordinates.

        Windows are joined with ``GAP`` (no pattern matches across it) so the
        recognizer is called once, not once per window.
        """
        if self.TRIGGER is None:
            return analyze(text)
        spans = windows(self.TRIGGER, text, self.BEFORE, self.AFTER)
        if not spans:
            return []
        if sum(e - s for s, e in spans) > 0.7 * len(text):
            return analyze(text)
        offsets, parts, position = [], [], 0
        for start, end in spans:
            offsets.append((position, start))
            parts.append(text[start:end])
            position += end - start + len(GAP)
        found = []
        keys = [o[0] for o in offsets]
        for item in analyze(GAP.join(parts)):
            index = bisect_right(keys, item.start) - 1
            shift = offsets[index][1] - offsets[index][0]
            item.start += shift
            item.end += shift
            found.append(item)
        return found


DIGIT_TRIGGER = DigitRuns(7)
LONG_NUMBER_TRIGGER = DigitRuns(13)


class ContextMixin:
    """Adjust scores by the nearest context word before a match (or a cue just after it)."""

    CONTEXT: ClassVar[list[str]] = []
    NEGATIVE_CONTEXT: ClassVar[list[str]] = []
    REJECT_INSIDE_CODES: ClassVar[bool] = False
    _positive: ClassVar[re.Pattern | None]
    _negative: ClassVar[re.Pattern | None]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._positive = words_re(cls.CONTEXT)
        cls._negative = words_re(cls.NEGATIVE_CONTEXT)

    def _adjust(self, text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
        kept = []
        for result in results:
            if self.REJECT_INSIDE_CODES and inside_code(text, result.start, result.end):
                continue
            before = text[max(0, result.start - WINDOW) : result.start]
            positive = _last(self._positive, before)
            negative = _last(self._negative, before)
            if negative > positive and attached(before[negative:]):
                result.score = max(0.0, result.score - NEGATIVE_PENALTY)
            elif positive >= 0 or (
                self._positive is not None
                and self._positive.search(text[result.end : result.end + AFTER])
            ):
                result.score = min(1.0, result.score + CONTEXT_BOOST)
            kept.append(result)
        return kept


class IndonesianPatternRecognizer(WindowedMixin, ContextMixin, PatternRecognizer):
    """A pattern recognizer with class-level ``PATTERNS``, ``CONTEXT`` and ``ENTITY``."""

    ENTITY: ClassVar[str] = ""
    PATTERNS: ClassVar[list[Pattern]] = []
    # Names of patterns whose match is evidence enough: ``validate_result`` is not asked.
    UNCHECKED: ClassVar[frozenset[str]] = frozenset()
    REJECT_INSIDE_CODES = True
    TRIGGER = DIGIT_TRIGGER

    def __init__(self, supported_language: str = "id", **kwargs):
        # Number patterns need no case folding, and the `regex` module is much faster
        # without it; Presidio's default flags include IGNORECASE.
        kwargs.setdefault("global_regex_flags", regex.DOTALL | regex.MULTILINE)
        super().__init__(
            supported_entity=self.ENTITY,
            patterns=[Pattern(p.name, p.regex, p.score) for p in self.PATTERNS],
            context=self.CONTEXT,
            supported_language=supported_language,
            name=type(self).__name__,
            **kwargs,
        )

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # noqa: D102
        if entities and self.ENTITY not in entities:
            return []
        return self._adjust(text, self.windowed(text, self._patterns))

    def _patterns(self, text: str) -> list[RecognizerResult]:
        """Presidio's pattern loop without its per-match explanation objects.

        Building an ``AnalysisExplanation`` for every candidate match was the largest
        single cost of a scan. Scores and validation follow Presidio's loop; a regex that
        times out raises ``RegexTimeout`` (Presidio would log it and skip the pattern).
        """
        from presidio_analyzer import pattern_recognizer

        flags = self.global_regex_flags
        found = []
        for pattern in self.patterns:
            if pattern.compiled_regex is None or pattern.compiled_with_flags != flags:
                pattern.compiled_with_flags = flags
                pattern.compiled_regex = regex.compile(pattern.regex, flags=flags)
            try:
                for match in pattern.compiled_regex.finditer(
                    text, timeout=pattern_recognizer.REGEX_TIMEOUT_SECONDS
                ):
                    start, end = match.span()
                    if start == end:
                        continue
                    matched = text[start:end]
                    score = pattern.score
                    valid = (
                        None if pattern.name in self.UNCHECKED else self.validate_result(matched)
                    )
                    if valid is not None:
                        score = 1.0 if valid else 0.0
                    if self.invalidate_result(matched):
                        score = 0.0
                    if score > 0:
                        found.append(result(self, self.ENTITY, start, end, score))
            except TimeoutError:
                raise RegexTimeout(
                    f"personal-data detection timed out on pattern {pattern.name!r} of "
                    f"{self.name}; the text was not fully searched"
                ) from None
        return EntityRecognizer.remove_duplicates(found)


def result(recognizer: EntityRecognizer, entity: str, start: int, end: int, score: float):
    """A ``RecognizerResult`` that names the recognizer that found it."""
    return RecognizerResult(
        entity,
        start,
        end,
        score,
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        },
    )


class SpanRecognizer(WindowedMixin, ContextMixin, EntityRecognizer):
    """A regex recognizer that reports only the named group ``value`` of each match.

    Used where the cue is part of the match (``a.n. Budi``, ``no. rek 123``) but only
    the personal part must be replaced.
    """

    ENTITY: ClassVar[str] = ""
    REGEX: ClassVar[re.Pattern]
    SCORE: ClassVar[float] = 0.7

    def __init__(self, supported_language: str = "id"):
        super().__init__(
            supported_entities=[self.ENTITY],
            supported_language=supported_language,
            name=type(self).__name__,
        )

    def load(self) -> None:  # noqa: D102
        pass

    def accept(self, match: re.Match) -> bool:
        """Whether a match is really personal data (override to exclude known non-names)."""
        return True

    def analyze(self, text, entities, nlp_artifacts=None):  # noqa: D102
        if entities and self.ENTITY not in entities:
            return []
        return self._adjust(text, self.windowed(text, self._matches))

    def more_spans(self, text: str) -> list[tuple[int, int]]:
        """Spans found another way than ``REGEX`` (none unless a subclass says)."""
        return []

    def _matches(self, text: str) -> list[RecognizerResult]:
        found = []
        for match in self.REGEX.finditer(text):
            if not self.accept(match):
                continue
            start, end = match.span("value")
            found.append(result(self, self.ENTITY, start, end, self.SCORE))
        seen = {(r.start, r.end) for r in found}
        for start, end in self.more_spans(text):
            if (start, end) not in seen:
                found.append(result(self, self.ENTITY, start, end, self.SCORE))
        return found
