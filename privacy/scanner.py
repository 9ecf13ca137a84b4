"""Find and replace personal data inside free text, fast enough for millions of cells.

Presidio's per-call overhead dominates on short texts, so values go through cheap steps
first: empty and already-seen values cost nothing (a bounded cache keyed by the text),
and the cheap tests of ``candidates.py`` decide which entities a text could hold at all.
Presidio is then asked only for those entities, so only their recognizers run.

Recognizers see text normalised by ``normalise.py`` (zero-width characters removed,
full-width digits and odd spaces folded); their spans are mapped back, so the original
text is what the anonymizer edits.

With the shipped NER model on (``ner_model`` in ``presidio.yml``), a capitalised word that
is not a common, organisation or place word also lets a text be asked for PERSON; the
model reads all texts of one Presidio call in one ``nlp.pipe``, and the organisation and
place names it finds withdraw overlapping gazetteer/cue PERSON findings (``keep_named``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .analyzer import PrivacyError, build_anonymizer, config, shared_analyzer
from .candidates import TRIGGERED, candidates
from .normalise import Normalised, normalise, spells_digits
from .recognizers.base import GAP, holds_digest, inside_digest
from .recognizers.english import OBFUSCATED_AT
from .recognizers.ner import KEPT, joined_by_hyphen, keep_named, named_again, worth_modelling
from .recognizers.person import known_place, lower_case_names

CACHE_SIZE = 200_000
# Texts are analysed many at a time, joined by a separator no recognizer can match across
# and wider than any context window, so one Presidio call serves a whole batch.
SEPARATOR = GAP
BATCH_CHARS = 20_000
# Long texts are analysed in overlapping windows, never cut short: every character is
# searched, and each window runs in bounded time. The overlap is wider than any entity
# with its context words (a name run, an address with its RT/RW, 40 characters of cue),
# so whatever a cut splits is found whole in the window before or after it.
LONG_TEXT = 50_000
WINDOW_CHARS = 20_000
OVERLAP = 1_000
_MAYBE = re.compile(r"[0-9A-Z@]")


def _mapped(form: Normalised, findings: list[Any]) -> list[Any]:
    """Findings on ``form.text`` moved to the original text's coordinates."""
    if form.origin is not None:
        for finding in findings:
            finding.start, finding.end = form.span(finding.start, finding.end)
    return findings


def text_windows(length: int, text: str = "") -> list[tuple[int, int]]:
    """``(start, end)`` of overlapping windows covering ``text``, cut at spaces where possible."""
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        end = min(length, start + WINDOW_CHARS)
        if end < length and text:
            space = max(text.rfind(" ", end - OVERLAP // 4, end), text.rfind("\n", end - 250, end))
            end = space if space > start else end
        spans.append((start, end))
        if end >= length:
            return spans
        start = end - OVERLAP
        if text:
            space = text.find(" ", start, start + OVERLAP // 4)
            start = space + 1 if space >= 0 else start


def merge_results(found: list[Any]) -> list[Any]:
    """Results of overlapping windows as one list: spans of one entity that meet become one.

    A span cut by a window's edge and the same span found whole merge into the whole; a
    run longer than a window is covered by the union of its pieces.
    """
    merged: list[Any] = []
    last: dict[str, Any] = {}
    for item in sorted(found, key=lambda r: (r.entity_type, r.start, -r.end)):
        previous = last.get(item.entity_type)
        if previous is not None and item.start <= previous.end:
            previous.end = max(previous.end, item.end)
            previous.score = max(previous.score, item.score)
            continue
        last[item.entity_type] = item
        merged.append(item)
    return sorted(merged, key=lambda r: r.start)


def analyze_text(analyzer: Any, text: str, language: str, entities: list[str]) -> list[Any]:
    """``analyzer.analyze`` on a text of any length: long ones in overlapping windows."""
    if len(text) <= LONG_TEXT:
        return analyzer.analyze(text=text, language=language, entities=entities)
    found = []
    for start, end in text_windows(len(text), text):
        for item in analyzer.analyze(text=text[start:end], language=language, entities=entities):
            item.start += start
            item.end += start
            found.append(item)
    return merge_results(found)


@contextmanager
def failing_closed() -> Iterator[None]:
    """Any failure of Presidio or spaCy becomes a ``PrivacyError``: the run fails closed."""
    try:
        yield
    except PrivacyError:
        raise
    except Exception as error:
        raise PrivacyError(f"personal-data scan failed: {type(error).__name__}: {error}") from error


class TextScanner:
    """Replaces each personal-data span in a text with ``<ENTITY_TYPE>``."""

    def __init__(
        self,
        analyzer: Any = None,
        anonymizer: Any = None,
        language: str = "id",
        keep: tuple[str, ...] = (),
        extra_recognizers: tuple = (),
    ):
        self.analyzer = analyzer or shared_analyzer(tuple(extra_recognizers))
        self.anonymizer = anonymizer or build_anonymizer()
        self.language = language
        configured = list(config()["entities"])
        # Entities of plugin recognizers (``register_recognizers``) are looked for too.
        supported = self.analyzer.get_supported_entities(language=language)
        # The model's organisation and place spans are asked for with PERSON, never replaced.
        self.model = all(e in supported for e in KEPT)
        self.entities = [
            e
            for e in [*configured, *sorted(set(supported) - set(configured))]
            if e not in keep and e not in KEPT
        ]
        self._wanted = set(self.entities)
        self._always = [e for e in self.entities if e not in TRIGGERED]
        self._cache: OrderedDict[str, tuple[str, tuple[str, ...]]] = OrderedDict()
        # Results kept from the previous publication (pipelines/incremental.py ScanMemo):
        # ``get(scanner, text)`` / ``put(scanner, text, result)``; None: none kept.
        self.memo: Any = None
        self.memo_key = ",".join(self.entities) + (" model" if self.model else "")

    def without(self, *entities: str) -> TextScanner:
        """A scanner sharing this one's engines that leaves ``entities`` in place.

        Used for officials' columns: their names stay, their NIP and phone do not.
        """
        return TextScanner(self.analyzer, self.anonymizer, self.language, keep=entities)

    def wanted(self, value: str) -> list[str]:
        """The entities worth asking Presidio for in ``value`` (empty: none)."""
        return [e for e in candidates(value, self.model) if e in self._wanted] + self._always

    def scan(self, value: str) -> tuple[str, tuple[str, ...]]:
        """The redacted text and the entity types found (one per replaced span)."""
        if not value:
            return value, ()
        cached = self._cache.get(value)
        if cached is not None:
            self._cache.move_to_end(value)
            return cached
        form = normalise(value)
        wanted = self.wanted(form.text)
        result = self._analyze(value, wanted, form) if wanted else (value, ())
        self._remember(value, result)
        return result

    def scan_many(self, values: list[str]) -> list[tuple[str, tuple[str, ...]]]:
        """``scan`` for many texts, with one Presidio call per batch of new texts."""
        results: list[tuple[str, tuple[str, ...]] | None] = [None] * len(values)
        todo: dict[str, list[int]] = {}
        for index, value in enumerate(values):
            if not value or (
                not self._always
                and value.isascii()
                and not _MAYBE.search(value)
                and not OBFUSCATED_AT.search(value)
                and not spells_digits(value)
                and not lower_case_names(value)
                and not (self.model and "PERSON" in self._wanted and worth_modelling(value))
            ):
                results[index] = (value, ())
                continue
            cached = self._cache.get(value)
            if self.memo is not None:
                if cached is None:
                    cached = self.memo.get(self.memo_key, value)
                    if cached is not None:
                        self._remember(value, cached)
                else:  # scanned earlier in this run: the next run needs it too
                    self.memo.put(self.memo_key, value, cached)
            if cached is not None:
                results[index] = cached
                continue
            todo.setdefault(value, []).append(index)
        batch: list[str] = []
        size = 0
        for value in [*todo, None]:
            if value is not None:
                batch.append(value)
                size += len(value)
                if size < BATCH_CHARS:
                    continue
            if batch:
                for text, found in zip(batch, self._analyze_batch(batch), strict=True):
                    self._remember(text, found)
                    if self.memo is not None:
                        self.memo.put(self.memo_key, text, found)
                    for index in todo[text]:
                        results[index] = found
            batch, size = [], 0
        return results  # type: ignore[return-value]

    def _remember(self, value: str, result: tuple[str, tuple[str, ...]]) -> None:
        self._cache[value] = result
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def _analyze_batch(self, texts: list[str]) -> list[tuple[str, tuple[str, ...]]]:
        """Analyse texts joined by ``SEPARATOR``; fall back to one by one if a span crosses."""
        if len(texts) == 1:
            return [self._analyze(texts[0], self.entities)]
        forms = [normalise(text) for text in texts]
        joined = SEPARATOR.join(texts)
        starts, norm_starts, position, norm_position = [], [], 0, 0
        for text, form in zip(texts, forms, strict=True):
            starts.append(position)
            norm_starts.append(norm_position)
            position += len(text) + len(SEPARATOR)
            norm_position += len(form.text) + len(SEPARATOR)
        with failing_closed():
            findings = self._find(SEPARATOR.join(f.text for f in forms), self.entities)
            if not findings:
                return [(text, ()) for text in texts]
            segment = [bisect_right(norm_starts, f.start) - 1 for f in findings]
            if any(
                f.end > norm_starts[i] + len(forms[i].text)
                for f, i in zip(findings, segment, strict=True)
            ):
                return [self._analyze(text, self.entities) for text in texts]
            for finding, i in zip(findings, segment, strict=True):
                start, end = forms[i].span(
                    finding.start - norm_starts[i], finding.end - norm_starts[i]
                )
                finding.start, finding.end = starts[i] + start, starts[i] + end
            redacted = self.anonymizer.anonymize(text=joined, analyzer_results=findings)
        parts = redacted.text.split(SEPARATOR)
        if len(parts) != len(texts):
            return [self._analyze(text, self.entities) for text in texts]
        out_starts, position = [], 0
        for part in parts:
            out_starts.append(position)
            position += len(part) + len(SEPARATOR)
        kinds: list[list[str]] = [[] for _ in texts]
        for item in sorted(redacted.items, key=lambda i: i.start):
            kinds[bisect_right(out_starts, item.start) - 1].append(item.entity_type)
        return [(part, tuple(k)) for part, k in zip(parts, kinds, strict=True)]

    def findings_many(
        self, values: list[str], entities: list[str] | None = None
    ) -> list[list[Any]]:
        """Presidio's results for many texts (one call per batch), in each text's coordinates.

        ``entities`` narrows the search (the identifier check of kept columns asks only
        for identifiers); by default every entity this scanner looks for.
        """
        wanted = [e for e in (entities or self.entities) if e in self._wanted]
        out: list[list[Any]] = [[] for _ in values]
        if not wanted:
            return out
        batch: list[int] = []
        size = 0
        for index in [*range(len(values)), None]:
            if index is not None:
                batch.append(index)
                size += len(values[index])
                if size < BATCH_CHARS:
                    continue
            if not batch:
                continue
            forms = [normalise(values[i]) for i in batch]
            joined = SEPARATOR.join(f.text for f in forms)
            starts, position = [], 0
            for form in forms:
                starts.append(position)
                position += len(form.text) + len(SEPARATOR)
            with failing_closed():
                found = self._find(joined, wanted)
            for item in found:
                segment = bisect_right(starts, item.start) - 1
                item.start, item.end = forms[segment].span(
                    item.start - starts[segment], item.end - starts[segment]
                )
                out[batch[segment]].append(item)
            batch, size = [], 0
        return out

    def findings(self, value: str) -> list[Any]:
        """Presidio's results for a text (spans and scores), for column detection."""
        form = normalise(value)
        wanted = self.wanted(form.text)
        if not wanted:
            return []
        with failing_closed():
            return _mapped(form, self._find(form.text, wanted))

    def _find(self, text: str, entities: list[str]) -> list[Any]:
        """Presidio's findings; with PERSON asked, kept organisation/place spans applied.

        Digits inside a hex digest are dropped here, where the whole text is seen: the
        recognizers read windows that may cut a digest short. So is a "person" that is,
        whole, a known country or province: every person recognizer then keeps it.
        """
        if self.model and "PERSON" in entities:
            asked = [*entities, *KEPT]
            everything = analyze_text(self.analyzer, text, self.language, asked)
            found = keep_named(everything, text)
            found = joined_by_hyphen(found + named_again(found, text, everything), text)
        else:
            found = analyze_text(self.analyzer, text, self.language, entities)
            found += named_again(found, text, found)
        digests = holds_digest(text)  # most batches hold none: no finding is inside one
        return [
            f
            for f in found
            if not (digests and inside_digest(text, f.start, f.end))
            and not (f.entity_type == "PERSON" and known_place(text[f.start : f.end]))
        ]

    def _analyze(
        self, value: str, wanted: list[str], form: Normalised | None = None
    ) -> tuple[str, tuple[str, ...]]:
        form = normalise(value) if form is None else form
        with failing_closed():
            findings = _mapped(form, self._find(form.text, wanted))
            if not findings:
                return value, ()
            redacted = self.anonymizer.anonymize(text=value, analyzer_results=findings)
        kinds = tuple(item.entity_type for item in redacted.items)
        return redacted.text, kinds

    def count(self, value: str) -> Counter:
        """Entity counts in a text, without changing it (for ``terbuka scan``)."""
        _, kinds = self.scan(value)
        return Counter(kinds)
