"""Names without honorifics, found by terbuka's own Indonesian NER model.

The gazetteer and cue recognizers (``person.py``) only see names that a cue or a known
name announces. The shipped spaCy model (``privacy/models/id_ner``) reads the sentence
and finds PERSON, ORGANIZATION and LOCATION spans. PERSON spans are personal data; the
other two are reported as *kept* spans (``KEPT``): ``keep_named`` uses them to withdraw
weaker PERSON findings that overlap a supplier, school or place name (``BANGUN PUTRA
PRATAMA``, ``SMPS MATHLAUL ANWAR``, ``Jackson Heights``), and then drops them, so they
are never replaced. Only PERSON findings are ever withdrawn: identifiers found by
structure (NIK, phone, …) stay, whatever the model thinks of the words around them.

The model is slow next to a regex, so it sees only texts a cheap test lets through
(``worth_modelling``: a capitalised word that is not a common, organisation or place
word), and the texts of one Presidio call go through ``nlp.pipe`` together.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache, lru_cache
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from .base import GAP, result
from .nik import KkRecognizer, NikRecognizer
from .nip import NipRecognizer
from .npwp import NpwpRecognizer
from .person import (
    HONORIFICS,
    INSTITUTIONS,
    NOT_NAMES,
    NOT_PERSON_WORDS,
    ORGANISATION_KINDS,
    ORGANISATION_OR_PLACE,
    ROLES,
    TITLES,
    VERBS,
    WEAK_CUES,
    HonorificNameRecognizer,
    common_words,
    cue_words,
    family_names,
    gazetteer,
    given_names,
    known_place,
    place_or_company_before,
)
from .phone import IndonesianPhoneRecognizer

# Entities the model reports only so that they can be kept (never replaced).
KEPT = ("ORGANIZATION", "LOCATION")
# PERSON findings that a kept span never withdraws: a name after an honorific or a role
# word ("Bapak Budi", "a.n. Siti") is a person even inside what looks like a place.
STRONG = frozenset({"HonorificNameRecognizer"})
BATCH_SIZE = 64

_CAPITALISED = re.compile(r"[A-Z][A-Za-z'’-]*")
# What ends a run of capitalised words: punctuation or digits, or a lower-case word other
# than a connector inside a name (``Dinas Pekerjaan Umum dan Penataan Ruang``).
_SEPARATED = re.compile(r"[^\sA-Za-z'’-]|(?<![A-Za-z])(?!(?:dan|and|of|the|de|da|van|der)\b)[a-z]+")
_IN_CODE = re.compile(r"[/0-9_]")
_UPPER = re.compile(r"[A-Z]")
_LOWER_WORD = re.compile(r"[a-z]{3,}")
# A sentence ends after a word of three lower-case letters or more, but not after a
# capitalised abbreviation of four letters (``Jl. Jend. Sudirman``, ``Kapt. Tendean``).
_SENTENCE_END = re.compile(r"(?<=[a-z]{3})(?<!\b[A-Z][a-z]{3})[.!?]+\s+|\n+")
# Words the model sometimes pulls into a name at its edges (sentence starts, reporting
# words); the gazetteer's common words count too.
EDGE_WORDS = frozenset(
    "menurut kemarin kata ujar sementara namun tetapi tapi sedangkan bahkan selain adapun "
    "lalu kemudian saat ketika sejak hingga yakni yaitu tersebut sebelumnya selanjutnya "
    "hari ini tadi pagi siang sore malam juga pun said says according".split()
)
# A word of a span without the punctuation around it ("Santoso," -> "Santoso").
_TOKEN = re.compile(r"[^\s,;:()\"“”]+(?<![.,;:'’-])|[A-Z]\.")
_TITLE_WORD = re.compile(
    rf"(?:{TITLES}|{HONORIFICS}|S\.[A-Za-z]{{1,4}}|M\.[A-Za-z]{{1,4}})\.?", re.IGNORECASE
)


@cache
def _names() -> frozenset[str]:
    return given_names() | family_names()


@cache
def plain_words() -> frozenset[str]:
    """Words that, capitalised, do not by themselves send a text to the model.

    The hand-made common words (less the given names among them), the everyday words of
    the NER training splits (``news-words.txt``: never inside a person span there, never a
    gazetteer name) and the one-word cues and reporting verbs (``Hubungi``, ``Menurut``).
    """
    return (common_words() - given_names()) | gazetteer("news-words") | cue_words()


# Abbreviations that keep a run of capitalised words going over their dot: ``Jl. Jend.
# Sudirman``, ``Gg. H. Juanda``, ``Kec. Klojen`` (the run's owner word stays its owner).
_RUN_ABBREVIATIONS = frozenset(
    "jend kol letjen mayjen brigjen laks kapt ir dr prof h hj kh".split()
)
# Pieces of an academic degree after a name (``S.I.Kom.``, ``S.Ked``, ``A.Md``).
_DEGREE = re.compile(
    r"(?<=[A-Z]\.)(?:Kom|Ked|Farm|Gz|Ak|Sos|Kes|Pd|Si|Psi|Hum|Ag|Pt|Kep|Sn|Ds|Pi|Kel|Hut|Tr|Md"
    r"|Th|Ars|Mat|Fil|Stat|Keb|Ikom|Sy|Hi|Ling|Kar|Adm|AP|MM|Eng)\b"
)
_MONTHS = "januari|februari|maret|april|mei|juni|juli|agustus|september|oktober|november|desember"
_DATE = re.compile(rf"\b\d{{1,2}}\s+(?i:{_MONTHS})\s+\d{{4}}\b")


def _explained(text: str) -> list[tuple[int, int]]:
    """Spans whose capitalised words need no model.

    Names after an honorific or role (``Ibu Darman Simbolon``: the honorific recognizer's),
    degrees (``S.Kom``) and months inside dates (``20 Juli 2024``).
    """
    spans = [m.span("value") for m in HonorificNameRecognizer.REGEX.finditer(text)]
    spans += [m.span() for m in _DEGREE.finditer(text)]
    spans += [m.span() for m in _DATE.finditer(text)]
    return spans


def _lower_case_worth(text: str) -> bool:
    """Lower-cased text: a gazetteer name, or three words that are not common words."""
    common = common_words()
    words = _LOWER_WORD.findall(text)
    names = _names()
    return any(w in names for w in words) or (
        sum(w not in common and w not in NOT_NAMES for w in words) >= 3
    )


def worth_modelling(text: str) -> bool:
    """Whether a text could name a person the model would find: the cheap pre-filter.

    The contract: the model is asked when the text has a capitalised word that is not a
    plain word (``plain_words``; a gazetteer given name always counts), not an acronym
    or a piece of a code, not explained by an honorific or role before it, a degree or a
    date, and that no organisation or place word earlier in the same run of capitalised
    words owns (``Kecamatan Klojen``, ``CV Budi Jaya``, ``Jl. Jend. Sudirman``). Text
    without any capital letter is lower-cased text, where capitals cannot tell names
    apart: it goes to the model when one of its words is a given or family name of the
    gazetteer, or when it is a sentence (three or more words that are not common words).
    """
    if not _UPPER.search(text):
        return _lower_case_worth(text)
    explained = sorted(_explained(text))
    next_span, reach = 0, -1  # spans starting at or before the word, and their furthest end
    plain = plain_words()
    mixed_case = not text.isupper()  # once: per capitalised word it made a window quadratic
    owned, last_end, previous = False, -1, ""
    for match in _CAPITALISED.finditer(text):
        gap = text[last_end : match.start()] if last_end >= 0 else "."
        if _SEPARATED.search(gap) and not (owned and _continues(previous, gap)):
            owned = False  # a new run of capitalised words
        last_end, raw = match.end(), match.group()
        previous = word = raw.lower().strip("'’-")
        while next_span < len(explained) and explained[next_span][0] <= match.start():
            reach = max(reach, explained[next_span][1])
            next_span += 1
        if match.end() <= reach:  # inside an explained span (one pass: words come in order)
            continue
        if word in ORGANISATION_OR_PLACE or word in INSTITUTIONS:
            owned = True
            continue
        if _IN_CODE.search(text, max(0, match.start() - 1), match.start()) or _IN_CODE.match(
            text, match.end()
        ):
            continue  # a piece of a code: 027/SPK/DPU/2024
        if raw.isupper() and len(raw) <= 4 and mixed_case:
            continue  # an acronym (RUP, NIK, BRI) in mixed-case text
        if owned or word in NOT_NAMES or word in plain:
            continue
        return True
    return False


def _continues(previous: str, gap: str) -> bool:
    """An abbreviation's or initial's dot inside a run (``Jl. S. Parman``), not an end."""
    return gap.rstrip() == "." and (
        previous in ORGANISATION_OR_PLACE or previous in _RUN_ABBREVIATIONS or len(previous) == 1
    )


def sentences(text: str) -> list[tuple[int, str]]:
    """``(offset, sentence)`` pieces of ``text``: split at ``GAP`` and at sentence ends.

    A sentence ends at ``.``, ``!`` or ``?`` after a word of three or more lower-case
    letters, so abbreviations (``Jl.``, ``Gg.``, ``S.E.``, ``R.``) do not end one; the
    end marks themselves are left out.
    """
    out, position = [], 0
    for part in text.split(GAP):
        start = 0
        for end in _SENTENCE_END.finditer(part):
            out.append((position + start, part[start : end.start()]))
            start = end.end()
        out.append((position + start, part[start:]))
        position += len(part) + len(GAP)
    return [
        (offset + start, window)
        for offset, piece in out
        if piece
        for start, window in _windows(piece)
    ]


def model_parts(text: str) -> list[tuple[int, str]]:
    """``(offset, sentence)``: the pieces of ``text`` the model reads, each its own doc.

    The scanner joins many texts with GAP; each of their sentences that could name a
    person goes through the model (it was trained on sentences). A lone word has no
    context to read (``Sari`` is a name and a word): like the gazetteer, the model needs
    a sentence. No piece is longer than ``LONGEST_SENTENCE`` and the pieces overlap only
    by ``WINDOW_OVERLAP``, so the model's work grows linearly with the text.
    """
    return [
        (offset, part)
        for offset, part in sentences(text)
        if " " in part.strip() and worth_modelling(part)
    ]


LONGEST_SENTENCE = 4000  # a "sentence" longer than this (no end marks) goes in windows
WINDOW_OVERLAP = 200  # wider than any name, so a name on an edge is whole in one window


def _windows(piece: str) -> list[tuple[int, str]]:
    """A long piece in overlapping windows cut at spaces (spaCy refuses huge texts)."""
    if len(piece) <= LONGEST_SENTENCE:
        return [(0, piece)]
    found, start = [], 0
    while start < len(piece):
        end = min(len(piece), start + LONGEST_SENTENCE)
        if end < len(piece):
            space = piece.rfind(" ", start + LONGEST_SENTENCE // 2, end)
            end = space if space > start else end
        found.append((start, piece[start:end]))
        if end >= len(piece):
            break
        start = max(start + 1, end - WINDOW_OVERLAP)
    return found


def keep_named(findings: list[Any], text: str = "") -> list[Any]:
    """Drop PERSON findings inside kept organisation/place spans, then the kept spans.

    A person cue wins over the model in mixed-case text: a name right after ``dari``,
    ``oleh``, ``Salam,``, ``Hormat saya,`` or before ``melaporkan`` stays a person even
    where the model reads an organisation (it does so for unusual names in short
    sentences). All-capitals names (``oleh BANGUN PUTRA PRATAMA``) are how suppliers are
    written, so there the model's organisation is kept.
    """
    kept = [f for f in findings if f.entity_type in KEPT]
    if not kept:
        return findings
    out = []
    for finding in findings:
        if finding.entity_type in KEPT:
            continue
        overlapping = [k for k in kept if k.start < finding.end and finding.start < k.end]
        if (
            finding.entity_type == "PERSON"
            and _recognizer(finding) not in STRONG
            and overlapping
            and not _cued(text, finding.start, finding.end)
            and not _known_name_outside(text, finding, overlapping)
        ):
            continue
        out.append(finding)
    return out


def _known_name_outside(text: str, finding: Any, kept: list[Any]) -> bool:
    """Whether a PERSON finding is a kept word next to a gazetteer name, and nothing else.

    ``lapor ke Tigor Simanjuntak``: the model reads ``Tigor`` as a place, but
    ``Simanjuntak`` is a family name beside it; the person stays a person. A finding with
    any other word (``Perdana Menteri Malaysia Najib``) or a known place inside
    (``Muslim Mumbai``) is left to the kept span, as before.
    """
    if not text or any(known_place(text[k.start : k.end]) for k in kept):
        return False
    names, outside = _names(), False
    for word in re.finditer(r"[A-Za-z'’]+", text[finding.start : finding.end]):
        start, end = finding.start + word.start(), finding.start + word.end()
        if any(k.start <= start and end <= k.end for k in kept):
            continue
        if word.group().lower() not in names:
            return False
        outside = True
    return outside


def _cued(text: str, start: int, end: int) -> bool:
    """A mixed-case span right after a person cue or right before a reporting verb."""
    span = text[start:end]
    if not span or span.isupper():
        return False
    return bool(_CUE_END.search(text, max(0, start - 40), start) or _VERB_START.match(text, end))


def _recognizer(finding: Any) -> str:
    metadata = finding.recognition_metadata or {}
    return metadata.get(RecognizerResult.RECOGNIZER_NAME_KEY, "")


class IndonesianNerRecognizer(EntityRecognizer):
    """PERSON from the shipped Indonesian NER model; ORGANIZATION/LOCATION as kept spans."""

    ENTITY = "PERSON"
    SCORE = 0.85
    LABELS = {"PERSON": "PERSON", "ORGANIZATION": "ORGANIZATION", "LOCATION": "LOCATION"}

    def __init__(self, supported_language: str = "id"):
        super().__init__(
            supported_entities=[self.ENTITY, *KEPT],
            supported_language=supported_language,
            name=type(self).__name__,
        )

    def load(self) -> None:
        """Nothing here: the model is loaded on first use (``load_ner`` caches it)."""

    def analyze(self, text, entities, nlp_artifacts=None):  # noqa: D102
        wanted = set(entities or self.supported_entities) & set(self.supported_entities)
        # The model is trained on Indonesian, and only PERSON is a reason to run it.
        if self.ENTITY not in wanted or self.supported_language != "id":
            return []
        parts = model_parts(text)
        if not parts:
            return []
        from ..models import load_ner
        from ..settings import config

        nlp = load_ner(config().get("ner_model") or "id_ner")
        found = []
        docs = nlp.pipe((part for _, part in parts), batch_size=BATCH_SIZE)
        for (offset, part), doc in zip(parts, docs, strict=True):
            ents, spans = list(doc.ents), []
            for index, ent in enumerate(ents):
                label = self.LABELS.get(ent.label_)
                if label is None or label not in wanted:
                    continue
                start, end = ent.start_char, ent.end_char
                if label == self.ENTITY:
                    start, end = _widened(doc, ent.start, ent.end)
                    if _organisation_or_place(part, start, end):
                        # A company, school or street named after someone (CV Budi Jaya,
                        # SMPS Mathlaul Anwar, Jl. Ahmad Yani): kept, like the model's own.
                        label = "ORGANIZATION"
                    elif _listed_among_places(part, ents, index):
                        label = "LOCATION"
                    else:
                        start, end = _trim(part, *_after_kind(part, start, end))
                        if not _name_like(part[start:end]):
                            continue
                        suffix = _GENERATION.match(part, end)
                        end = suffix.end() if suffix else end
                spans.append((label, start, end))
            found += [
                result(self, label, offset + start, offset + end, self.SCORE)
                for label, start, end in _bracketed_among_people(
                    _listed_among_people(_joined_over_particles(spans, part), part), part
                )
            ]
        return found


# Particles inside a name (``Georg Ludwig von Trapp``, ``Najib bin Razak``, ``Minamoto no
# Yoshitsune``).
NAME_PARTICLES = frozenset("von van der den de da di bin binti al el la le du no".split())
# A generation after a name is part of it: ``Harold Belafonte, Jr.``, ``… Sr .``.
_GENERATION = re.compile(r"\s*,?\s*(?:Jr|Sr|Jnr|Snr)\b(?:\s?\.)?")
# What separates the items of a list: ``Cililitan, Kramat Jati, Jakarta Timur``.
_LIST_GAP = re.compile(r"\s*(?:,|;|dan|and|serta)\s*")
_PARTICLE_GAP = re.compile(rf"\s+(?:{'|'.join(sorted(NAME_PARTICLES))})\s+")


def _joined_over_particles(
    spans: list[tuple[str, int, int]], text: str
) -> list[tuple[str, int, int]]:
    """Two PERSON spans with only a particle between them are one name.

    The model reads ``Minamoto no Yoshitsune`` as two people; the particle between them
    would otherwise stay in the text, and with it the name's shape.
    """
    out: list[tuple[str, int, int]] = []
    for label, start, end in spans:
        if (
            out
            and label == out[-1][0] == "PERSON"
            and _PARTICLE_GAP.fullmatch(text, out[-1][2], start)
        ):
            out[-1] = (label, out[-1][1], end)
            continue
        out.append((label, start, end))
    return out


_LISTED_NAME = re.compile(
    r"\s*,\s*(?P<name>[A-Z][A-Za-z'’-]+(?:\s+[A-Z][A-Za-z'’-]+){0,3})\s*(?:,\s*(?:dan|and)?|dan|and)\s*"
)


# The last item of a list of people: ``Lee Byung Hun dan Song Hye Kyo``. Two to four
# words, so a lone word after ``dan`` (often a place or a thing) is not taken.
_LAST_LISTED = re.compile(
    r"\s+(?:dan|and|serta|&)\s+(?P<name>[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){1,3})(?![\w'’-]|\s+[A-Z])"
)
# Kinds of school and hospital that are organisation words only written in capitals
# (``MI Al Falah``); ``Sun Mi`` is a name.
_ACRONYM_KINDS = frozenset("sd sdn smp smpn sma sman smk smkn mi mts ma rs rsud rsia rsj".split())


def _kind_word(word: str) -> bool:
    """An organisation's or a place's word, or one no name holds; title-case acronyms aside."""
    lowered = word.lower()
    if lowered in _ACRONYM_KINDS and not word.isupper():
        return False
    return lowered in NOT_PERSON_WORDS or lowered in ORGANISATION_KINDS


def _as_people(
    spans: list[tuple[str, int, int]], listed: set[tuple[int, int]]
) -> list[tuple[str, int, int]]:
    """``spans`` with each ``(start, end)`` of ``listed`` a PERSON span (replacing its own)."""
    if not listed:
        return spans
    kept = [s for s in spans if (s[1], s[2]) not in listed]
    return sorted(kept + [("PERSON", *span) for span in listed], key=lambda s: s[1])


def _listed_among_people(
    spans: list[tuple[str, int, int]], text: str
) -> list[tuple[str, int, int]]:
    """The item between two people of a list is a person.

    ``Abdullah Gobel, Dadai Gobel dan Abdul Gobel``, ``Ye Eun, Sun Mi, dan So Hee``: the
    model tends to miss the middle one, or to call it a place or an organisation. The
    item is one to four capitalised words, none of them an organisation's or a place's
    word, with nothing but list punctuation around it.
    """
    people = [s for s in spans if s[0] == "PERSON"]
    listed = set()
    for (_, _, end), (_, start, _) in zip(people, people[1:], strict=False):
        match = _LISTED_NAME.fullmatch(text, end, start)
        if match and not any(_kind_word(w) for w in match.group("name").split()):
            listed.add(match.span("name"))
    for _, _, end in people:
        last = _LAST_LISTED.match(text, end)
        if (
            last
            and all(
                (s[1], s[2]) == last.span("name")
                for s in spans
                if s[1] < last.end("name") and last.start("name") < s[2]
            )
            and all(_capitalised_name(w) for w in last.group("name").split())
            and not known_place(last.group("name"))
        ):
            listed.add(last.span("name"))
    return _as_people(spans, listed)


_BRACKETED = re.compile(r"\(\s*(?P<name>[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){0,3})\s*\)")


def _bracketed_among_people(
    spans: list[tuple[str, int, int]], text: str
) -> list[tuple[str, int, int]]:
    """A name in brackets where two or more other bracketed names are people.

    ``Tegar ( Rossa ) , Bicara Cinta ( Ruth Sahanaya ) , Kembali ( Anggun )``: songs or
    roles, each with its singer or actor in brackets; the model finds most of them and
    misses a short or unusual one. The item is one to four name words, no known place,
    and no other finding but one the same size.
    """
    items = list(_BRACKETED.finditer(text))
    if len(items) < 3:
        return spans
    people = {(s, e) for label, s, e in spans if label == "PERSON"}
    if sum(item.span("name") in people for item in items) < 2:
        return spans
    listed = set()
    for item in items:
        start, end = item.span("name")
        if (start, end) in people or known_place(item.group("name")):
            continue
        if any(s < end and start < e and (s, e) != (start, end) for _, s, e in spans):
            continue
        if all(_capitalised_name(w) for w in item.group("name").split()):
            listed.add((start, end))
    return _as_people(spans, listed)


def _listed_among_places(text: str, ents: list[Any], index: int) -> bool:
    """Whether the model's PERSON ``ents[index]`` is an item of a list of places.

    In ``…, Cililitan, Kramat Jati, Jakarta Timur`` the model reads the middle item as a
    person; an item whose neighbours on both sides are places, one of them after a comma,
    is a place too. Both neighbours are needed: a person is often named next to one place
    (``warga Malang, Budi Santoso, melapor``); and a word the gazetteer knows as a name
    keeps the item a person, wherever it stands (privacy fails closed).
    """
    if index == 0 or index + 1 >= len(ents):
        return False
    before, ent, after = ents[index - 1], ents[index], ents[index + 1]
    if before.label_ != "LOCATION" or after.label_ != "LOCATION":
        return False
    if any(token.text.lower() in _names() for token in ent):
        return False
    gaps = (text[before.end_char : ent.start_char], text[ent.end_char : after.start_char])
    return all(_LIST_GAP.fullmatch(g) for g in gaps) and any("," in g for g in gaps)


def _widened(doc: Any, first: int, last: int) -> tuple[int, int]:
    """A model PERSON span grown over the name words next to it that the model left out.

    The model often finds only part of a long or foreign name (``Pierre [Njanka]``,
    ``Georg Ludwig [von Trapp]``); redaction needs all of it. A neighbouring token joins
    when the model gave it no entity and it is a capitalised name-like word (not a title,
    common, organisation or place word) or a particle between two such words. Returns
    character offsets in the doc. A span with no word of a name in it (a URL, a number
    the model mislabelled) is not grown: its neighbours would be redacted for nothing.
    """
    if any(doc[i].text.isalpha() and not _edge_word(doc[i].text) for i in range(first, last)):
        mixed_case = not doc.text.isupper()
        while first > 0 and _name_word(doc, first - 1, first - 2, mixed_case):
            first -= 1
        while last < len(doc) and _name_word(doc, last, last + 1, mixed_case):
            last += 1
        if first > 0 and _balinese(doc[first - 1].text, doc[first].text):
            first -= 1  # ``I Made Mudharta``, ``Ni Luh Putu``: the prefix is part of the name
    span = doc[first:last]
    return span.start_char, span.end_char


# Balinese birth-order names, after the ``I`` (men) or ``Ni`` (women) that starts a name.
BALINESE_ORDER = frozenset(
    "Wayan Made Nyoman Ketut Putu Kadek Komang Nengah Gede Gusti Luh Ngurah".split()
)


def _balinese(prefix: str, word: str) -> bool:
    """``I Made``, ``Ni Luh``: a Balinese name's prefix before a birth-order name."""
    return prefix in ("I", "Ni") and word in BALINESE_ORDER


def joined_by_hyphen(findings: list[Any], text: str) -> list[Any]:
    """Two PERSON findings with only a hyphen between them are one (``Jokowi-Kalla``).

    A pair of running mates or partners is written as one word; left as two findings the
    hyphen between them stays, with the pair's shape.
    """
    people = sorted((f for f in findings if f.entity_type == "PERSON"), key=lambda f: f.start)
    gone: set[int] = set()
    for first, second in zip(people, people[1:], strict=False):
        if id(first) in gone:
            continue
        if first.end < second.start and _HYPHEN_GAP.fullmatch(text, first.end, second.start):
            second.start = first.start
            gone.add(id(first))
    return [f for f in findings if id(f) not in gone] if gone else findings


_HYPHEN_GAP = re.compile(r"[^\S\n]?[-–][^\S\n]?")


def _name_word(doc: Any, index: int, beyond: int, mixed_case: bool) -> bool:
    """Whether ``doc[index]`` continues a name.

    ``beyond``: the token past it, outwards; ``mixed_case``: the doc is not all capitals,
    so an all-capitals word there is an acronym, not a name.
    """
    token = doc[index]
    if token.ent_iob_ != "O":
        return False
    if token.text.lower() in NAME_PARTICLES and 0 <= beyond < len(doc):
        return token.text.islower() and _capitalised_name(doc[beyond].text)
    return _capitalised_name(token.text) and not (token.text.isupper() and mixed_case)


@lru_cache(maxsize=65_536)  # asked for every capitalised word of every finding
def _capitalised_name(word: str) -> bool:
    lowered = word.lower()
    return (
        word[:1].isupper()
        and word.isalpha()
        and len(word) > 1
        and not _edge_word(word)
        and lowered not in ORGANISATION_OR_PLACE
        and lowered not in ORGANISATION_KINDS
        and lowered not in INSTITUTIONS
        and (lowered in _names() or lowered not in plain_words())
    )


def _after_kind(text: str, start: int, end: int) -> tuple[int, int]:
    """A span of three or more words after a kind of organisation, less its first word.

    ``Partai [Demokrat Rachlan Nasidik]``: the model ran the party's name into the
    person's after it; the word after ``Partai`` (or ``Klub``, ``Kerajaan`` …) is the
    organisation's and stays.
    """
    words = list(re.finditer(r"\S+", text[start:end]))
    if len(words) >= 3 and _word_before(text, start) in ORGANISATION_KINDS:
        return start + words[1].start(), end
    return start, end


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Leave honorifics, titles, common words and punctuation at a PERSON span's edges.

    The model sometimes takes the word before a name into it (``Menurut Siti``,
    ``Tertanda Budi``); only the name is personal data, and the tests of titles kept in
    the text apply here too. A cue leaves at the start only (``Abdul Salam`` is a name).
    """
    words = [(start + m.start(), start + m.end()) for m in _TOKEN.finditer(text[start:end])]
    while words and _leading_edge(text[words[0][0] : words[0][1]]):
        if len(words) > 1 and _balinese(text[words[0][0] : words[0][1]], text[slice(*words[1])]):
            break
        words.pop(0)
    while words and _edge_word(text[words[-1][0] : words[-1][1]]):
        words.pop()
    if not words:
        return start, start
    return words[0][0], words[-1][1]


URL_WORDS = frozenset({"http", "https", "www", "mailto"})


@cache
def identifier_cues() -> frozenset[str]:
    """One-word cues of the identifier recognizers (``Telp``, ``HP``, ``NPWP``): labels, not names."""
    recognizers = (IndonesianPhoneRecognizer, NikRecognizer, KkRecognizer, NpwpRecognizer,
                   NipRecognizer)  # fmt: skip
    words = {w for r in recognizers for w in r.CONTEXT if w.isalpha()}
    return frozenset(words - given_names())


def _leading_edge(word: str) -> bool:
    """An edge word, or a cue (``Tertanda``): left before a name, never after one."""
    return _edge_word(word) or word.lower() in cue_words()


def _edge_word(word: str) -> bool:
    if _TITLE_WORD.fullmatch(word) or any(ch.isdigit() for ch in word):
        return True
    if word.lower().rstrip(".") in identifier_cues() or word.lower() in URL_WORDS:
        return True
    lowered = word.lower().rstrip(".")
    if lowered in NOT_NAMES:
        return True
    return (lowered in EDGE_WORDS or lowered in common_words()) and lowered not in given_names()


_CUE_END = re.compile(
    rf"(?<![A-Za-z])(?i:{WEAK_CUES}|{ROLES}|{HONORIFICS})\.?\s*[:,]?\s*"
    rf"(?:(?:{TITLES})\.\s*)*$"
)
_VERB_START = re.compile(rf"(?:,?\s+[A-Z][A-Za-z.]{{0,6}})*,?\s+(?i:{VERBS})\b")
_RUN_BEFORE = re.compile(r"(?:[A-Z][A-Za-z'’-]*\.?\s+){1,2}$")
_SCHOOL = re.compile(r"(?:SD|SMP|SMA|SMK|SLB|MI|MTS|MA|TK|PAUD)[A-Z]{0,2}", re.IGNORECASE)
# Words of place names that also follow a region before a person's name ("Gubernur Jawa
# Barat Ridwan Kamil"): they do not make the next words a place.
_GEOGRAPHIC = frozenset(
    "timur barat utara selatan tengah raya baru lama pusat indonesia nusantara".split()
)


def _organisation_or_place(text: str, start: int, end: int) -> bool:
    """Whether a PERSON span of the model really names an organisation or a place.

    An organisation or place word inside it (``CV Budi Jaya``), a street or company cue
    just before it (``Jl. Ahmad Yani``), or a school's type one or two words before it
    (``SMPS MATHLAUL ANWAR``). A region before a name (``Menteri BUMN Erick Thohir``,
    ``Gubernur Jawa Barat Ridwan Kamil``) does not count: the name is a person's.
    """
    if place_or_company_before(text, start):
        return True
    if any(
        (w.lower() in ORGANISATION_OR_PLACE and w.lower() not in _GEOGRAPHIC)
        or w.lower() in ORGANISATION_KINDS
        for w in re.findall(r"[A-Za-z'’-]+", text[start:end])
    ):
        return True
    run = _RUN_BEFORE.search(text, max(0, start - 40), start)
    return bool(run) and any(_SCHOOL.fullmatch(w) for w in run.group().split())


def _name_like(span: str) -> bool:
    """Not a title or institution the model took for a person (``Kepala Dinas``)."""
    words = re.findall(r"[a-z'’]+", span.lower())
    common = common_words()
    return bool(words) and not all(w in NOT_PERSON_WORDS or w in common for w in words)


_NAME_WORD = re.compile(r"(?<![A-Za-z'’-])[A-Z][a-z'’]+(?![A-Za-z'’])")
_JOINED_MENTION = re.compile(r"\s*-?\s*")


def named_again(findings: list[Any], text: str, covering: list[Any]) -> list[Any]:
    """The words of a person's full name, where the same text uses them alone.

    News and complaints name someone in full once and then by one part (``Poppy
    Dharsono … Poppy``, ``Kenneth Ray Rogers … Ray``); the model reads the short mention
    without the context that made the full one a name. A capitalised word of a PERSON
    finding of two or more words is a person wherever it stands alone in the same text
    (each text of a scanner batch on its own, between ``GAP``s), unless a finding of
    ``covering`` (an organisation, a place, any other entity) already covers it. Only
    words that could be a name count (not common, organisation or place words). Returns
    the new findings, which name the recognizer of the full name.
    """
    people = [f for f in findings if f.entity_type == "PERSON"]
    if not people or text.isupper():
        return []
    gaps = _gap_starts(text)
    sources: dict[int, dict[str, Any]] = {}  # segment -> name word -> its full name
    for finding in people:
        words = _NAME_WORD.findall(text, finding.start, finding.end)
        if len(re.findall(r"[A-Za-z'’]+", text[finding.start : finding.end])) < 2:
            continue
        segment = bisect_right(gaps, finding.start)
        for word in words:
            if len(word) >= 3 and _capitalised_name(word):
                sources.setdefault(segment, {}).setdefault(word, finding)
    covers: dict[int, list[tuple[int, int]]] = {}
    for f in covering:
        segment = bisect_right(gaps, f.start)
        if segment in sources:
            covers.setdefault(segment, []).append((f.start, f.end))
    added: list[Any] = []
    for segment, names in sources.items():
        first = gaps[segment - 1] + len(GAP) if segment else 0
        last = gaps[segment] if segment < len(gaps) else len(text)
        covered = covers.get(segment, [])
        spans: list[list[Any]] = []
        for match in _NAME_WORD.finditer(text, first, last):
            source = names.get(match.group())
            if source is None or any(s < match.end() and match.start() < e for s, e in covered):
                continue
            if _kind_before(text, match.start()) or _organisation_or_place(
                text, *_capitalised_run(text, match.start(), match.end())
            ):
                continue  # ``distrik Isa``, ``CV Maju Santoso``: a place's or a company's
            if spans and _JOINED_MENTION.fullmatch(text, spans[-1][1], match.start()):
                spans[-1][1] = match.end()  # ``Eun - Hye``: one mention
                continue
            spans.append([match.start(), match.end(), source])
        added += [
            RecognizerResult(
                "PERSON", start, end, source.score,
                recognition_metadata=dict(source.recognition_metadata or {}),
            )
            for start, end, source in spans
        ]  # fmt: skip
    return added


_RUN_LEFT = re.compile(r"(?:[A-Z][A-Za-z'’-]*\.?[^\S\n]+)+$")
_RUN_RIGHT = re.compile(r"(?:[^\S\n]+[A-Z][A-Za-z'’-]*)+")


def _capitalised_run(text: str, start: int, end: int) -> tuple[int, int]:
    """The run of capitalised words around ``text[start:end]`` (``CV Maju Santoso``)."""
    left = _RUN_LEFT.search(text, max(0, start - 80), start)
    right = _RUN_RIGHT.match(text, end)
    return (left.start() if left else start), (right.end() if right else end)


_WORD_BEFORE = re.compile(r"([A-Za-z]+)\.?\s+$")


def _word_before(text: str, start: int) -> str:
    """The word right before ``start``, lower-cased (``""`` when there is none)."""
    before = _WORD_BEFORE.search(text, max(0, start - 30), start)
    return before.group(1).lower() if before else ""


def _kind_before(text: str, start: int) -> bool:
    """Whether the word before ``start`` is a kind of organisation or place (``distrik``)."""
    word = _word_before(text, start)
    return word in ORGANISATION_OR_PLACE or word in ORGANISATION_KINDS or word in INSTITUTIONS


def _gap_starts(text: str) -> list[int]:
    """Where each ``GAP`` between the texts of a scanner batch starts."""
    starts, at = [], text.find(GAP)
    while at >= 0:
        starts.append(at)
        at = text.find(GAP, at + len(GAP))
    return starts
