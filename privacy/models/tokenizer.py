"""spaCy's Indonesian tokenizer, built in a hundredth of the time, tokenizing alike.

spaCy's Indonesian exceptions are ~16,000 strings, 15,614 of them hyphenated words kept
whole (``anak-anak``, ``Kupu-Kupu``, ``TUNE-UP``). Building the tokenizer adds each one
as a special case: a fused token, its parts' lexemes and a phrase-matcher pattern. That
took 3–4 of the 5 seconds every process paid to load the NER model (each ``terbuka``
command that scans text, each Dask worker), before it had read a word.

:class:`IndonesianTokenizer` builds spaCy's tokenizer with the other exceptions only and
keeps the hyphenated words in a set. After spaCy's own pass it re-joins them the way
spaCy's special-case matcher does (:meth:`IndonesianTokenizer.join_hyphenated`): any run
of tokens that reads as one of the words, longest first, then leftmost. The work is done
only on texts with a hyphen between two letters. ``tests/test_ner_model.py`` checks that both tokenizers split
real sentences and generated hyphen chains the same way, so the shipped model, trained
with spaCy's default, reads the same tokens.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from spacy.lang.id import Indonesian
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex, registry

ORTH = 65  # spaCy's attribute id of a token's text
JOINED_BY_HYPHEN = re.compile(r"\w-\w")
REGISTERED_NAME = "terbuka.IndonesianTokenizer.v1"


@cache
def hyphenated_words() -> frozenset[str]:
    """The exceptions that only keep a hyphenated word whole (one token, text only)."""
    return frozenset(
        text
        for text, tokens in Indonesian.Defaults.tokenizer_exceptions.items()
        if "-" in text
        and text.replace("-", "").isalnum()  # not emoticons (``:-)``) nor ``Dr.-Ing``
        and len(tokens) == 1
        and set(tokens[0]) == {ORTH}
    )


class IndonesianTokenizer(Tokenizer):
    """spaCy's Indonesian tokenizer with the hyphenated exceptions re-joined afterwards."""

    longest = 8  # tokens in the longest hyphenated word's pattern (7 in spaCy 3.8)

    def __call__(self, text: str) -> Doc:  # type: ignore[override]
        doc = super().__call__(text)
        if JOINED_BY_HYPHEN.search(text):  # every word has one, letters on both sides
            self.join_hyphenated(doc)
        return doc

    def pipe(self, texts: Any, batch_size: int = 1000) -> Any:  # type: ignore[override]
        for text in texts:
            yield self(text)

    def join_hyphenated(self, doc: Doc) -> None:
        """Merge runs of tokens that read as a hyphenated word, as spaCy's matcher would.

        The matcher finds every run of tokens equal to a word's own tokenization, spaces
        between them or not; it keeps the longest runs first (leftmost among equals),
        drops a run whose first or last token an earlier one took, and joins the kept runs
        that are the word itself (no space inside).
        """
        words = hyphenated_words()
        orths = [token.text for token in doc]
        hyphens = [i for i, orth in enumerate(orths) if orth == "-"]
        starts = sorted({s for i in hyphens for s in range(max(0, i - self.longest), i)})
        found = []
        for start in starts:
            joined = ""
            for end in range(start, min(len(orths), start + self.longest)):
                joined += orths[end]
                if joined in words and self._pattern(joined) == tuple(orths[start : end + 1]):
                    found.append((start, end + 1))
        if not found:
            return
        found.sort(key=lambda span: (span[1] - span[0], -span[0]))
        taken: set[int] = set()
        kept = []
        for start, end in reversed(found):
            if start not in taken and end - 1 not in taken:
                kept.append((start, end))
            taken.update(range(start, end))
        with doc.retokenize() as retokenizer:
            for start, end in kept:
                if end - start > 1 and doc[start:end].text in words:
                    retokenizer.merge(doc[start:end])

    def _pattern(self, word: str) -> tuple[str, ...]:
        """How spaCy's affix rules alone split ``word`` (its special-case pattern)."""
        state = self.__dict__
        if "_plain" not in state:  # the same rules, without exceptions or whole words
            state["_plain"] = Tokenizer(
                self.vocab,
                prefix_search=self.prefix_search,
                suffix_search=self.suffix_search,
                infix_finditer=self.infix_finditer,
                url_match=self.url_match,
            )
            state["_patterns"] = {}
        patterns = state["_patterns"]
        if word not in patterns:
            patterns[word] = tuple(token.text for token in state["_plain"](word))
        return patterns[word]


@registry.tokenizers(REGISTERED_NAME)
def create_indonesian_tokenizer() -> Any:
    """The config entry point: ``[nlp.tokenizer] @tokenizers = "terbuka.IndonesianTokenizer.v1"``."""

    def make(nlp: Any) -> IndonesianTokenizer:
        defaults = Indonesian.Defaults
        words = hyphenated_words()
        rules = {k: v for k, v in defaults.tokenizer_exceptions.items() if k not in words}
        return IndonesianTokenizer(
            nlp.vocab,
            rules=rules,
            prefix_search=compile_prefix_regex(defaults.prefixes).search,
            suffix_search=compile_suffix_regex(defaults.suffixes).search,
            infix_finditer=compile_infix_regex(defaults.infixes).finditer,
            token_match=words.__contains__,  # a whole word, as its special case was
            url_match=defaults.url_match,
        )

    return make
