"""Shared behaviour of terbuka's recognizers: context words handled in the recognizer.

Without an NLP model there are no lemmas, so Presidio's own context enhancer never
fires. Each recognizer here therefore looks for its context words itself, in a window
of text before the match, and lowers its score near words that mark a non-personal
number (``kode``, ``paket``, ``rekening`` in ``kode rekening``).
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

WINDOW = 48
CONTEXT_BOOST = 0.35
NEGATIVE_PENALTY = 0.4


def _words_re(words: list[str]) -> re.Pattern | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![0-9A-Za-z])(?:{alternatives})(?![0-9A-Za-z])", re.IGNORECASE)


class ContextMixin:
    """Adjust scores by context words found just before (or just after) a match."""

    CONTEXT: ClassVar[list[str]] = []
    NEGATIVE_CONTEXT: ClassVar[list[str]] = []

    def _adjust(self, text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
        positive = _words_re(self.CONTEXT)
        negative = _words_re(self.NEGATIVE_CONTEXT)
        for result in results:
            before = text[max(0, result.start - WINDOW) : result.start]
            after = text[result.end : result.end + 16]
            if positive and (positive.search(before) or positive.search(after)):
                result.score = min(1.0, result.score + CONTEXT_BOOST)
            if negative and negative.search(before):
                result.score = max(0.0, result.score - NEGATIVE_PENALTY)
        return results


class IndonesianPatternRecognizer(ContextMixin, PatternRecognizer):
    """A pattern recognizer with class-level ``PATTERNS``, ``CONTEXT`` and ``ENTITY``."""

    ENTITY: ClassVar[str] = ""
    PATTERNS: ClassVar[list[Pattern]] = []

    def __init__(self, supported_language: str = "id", **kwargs):
        super().__init__(
            supported_entity=self.ENTITY,
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
            name=type(self).__name__,
            **kwargs,
        )

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # noqa: D102
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return self._adjust(text, results)


class SpanRecognizer(ContextMixin, EntityRecognizer):
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
        results = []
        for match in self.REGEX.finditer(text):
            if not self.accept(match):
                continue
            start, end = match.span("value")
            results.append(
                RecognizerResult(
                    self.ENTITY,
                    start,
                    end,
                    self.SCORE,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    },
                )
            )
        return self._adjust(text, results)
