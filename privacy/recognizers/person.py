"""Person names: after an honorific or a role, and two name-like words from the gazetteer.

Without an NER model (none can be downloaded here), names are found three ways: a
capitalised name after Bapak/Ibu/Sdr./a.n./pelapor/nama: and similar cues (titles such as
Ir., Tgk. or Dt. in between stay); runs of two or more capitalised words that the names
gazetteer (``privacy/data/*.txt``, curated by this project) or Indonesian name endings
(-wati, -ningsih, -yanto …) mark as a name; and runs after weaker cues (dari, oleh,
Hormat saya, cc:) or before a reporting verb (melaporkan) that hold no organisation,
place, institution or common word.
Company and place names (``CV Budi Jaya``, ``PT Hasan Putra``, ``Jalan Ahmad Yani``,
``Taman Bunga Indah``) are rejected by the organisation and place words around them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib import resources

from .base import SpanRecognizer, first_chars, result

# Words after an honorific that make it a title or a place, not a person's name.
NOT_NAMES = {
    "kota", "presiden", "menteri", "gubernur", "bupati", "walikota", "wali", "camat", "lurah",
    "kepala", "ketua", "rt", "rw", "direktur", "dinas", "negara", "pertiwi", "guru", "dokter",
    "hakim", "jaksa", "kapolres", "kapolda", "sekda", "sekretaris", "pejabat", "ppk", "pokja",
    "kades", "dan", "atau", "yang", "the", "of", "bapak", "ibu", "pimpinan", "panitia",
    "cv", "pt", "ud", "pd", "toko", "koperasi", "yayasan", "bank", "firma", "perum", "tbk",
    "dprd", "dpr", "kadis", "kabid", "kasi", "staf", "pengelola", "bendahara", "penyedia",
    "pemilik", "pemenang", "saudara", "anda", "kami", "kita", "mereka", "rumah", "sakit",
    "president", "minister", "governor", "mayor", "director", "chairman", "secretary",
    "jl", "jln", "jalan", "gg", "gang", "kp", "kampung", "perumahan", "komplek",
    "kompleks", "blok", "dusun", "desa", "kelurahan", "kel", "kecamatan", "kec", "alamat",
    "penerima", "peserta", "kelompok", "warga", "masyarakat", "pengguna", "pelanggan", "nasabah",
}  # fmt: skip
ORGANISATION_OR_PLACE = {
    "cv", "pt", "ud", "pd", "fa", "firma", "toko", "koperasi", "kop", "yayasan", "bank", "tbk",
    "persero", "perum", "perumda", "bumd", "bumn", "kso", "jl", "jln", "jalan", "gg", "gang",
    "desa", "dusun", "kelurahan", "kel", "kecamatan", "kec", "kabupaten", "kab", "kota",
    "provinsi", "kampung", "perumahan", "griya", "graha", "villa", "taman", "pasar", "gedung",
    "masjid", "musholla", "mushola", "gereja", "pura", "vihara", "klenteng", "sd", "sdn", "smp",
    "smpn", "sma", "sman", "smk", "smkn", "mi", "mts", "ma", "madrasah", "pondok", "pesantren",
    "universitas", "institut", "sekolah", "akademi", "politeknik", "rs", "rsud", "rsia",
    "puskesmas", "klinik", "apotek", "hotel", "wisma", "restoran", "rumah", "warung", "kantor",
    "dinas", "badan", "lembaga", "stadion", "lapangan", "terminal", "stasiun", "bandara",
    "pelabuhan", "sungai", "kali", "gunung", "pantai", "pulau", "danau", "bukit", "lingkungan",
    "blok", "komplek", "kompleks", "asrama", "street", "st", "road", "avenue", "university",
    "hospital", "company", "inc", "ltd", "corp", "group", "konstruksi", "kontraktor", "teknik",
    "abadi", "sentosa", "makmur", "sejahtera", "perkasa", "mandiri", "karya", "persada",
    "nusantara", "cipta", "sarana", "mitra", "utama", "engineering", "consultant", "konsultan",
    "trading", "tour", "travel", "motor", "farma", "medika", "husada", "sehat", "indonesia",
    "raya", "baru", "lama", "timur", "barat", "utara", "selatan", "tengah", "pusat", "monumen",
    "museum", "tugu", "alun", "lapas", "polres", "polsek", "kodim", "koramil", "rsj", "bpjs",
}  # fmt: skip
# Kinds of organisation and place that are nobody's name, Indonesian and English: a model
# PERSON span or a cued name holding one is an organisation or a place, and a name never
# grows over one. Not for the pre-filter, where they would own the rest of their run of
# capitals: a person's name often follows an organisation's ("Ketua Umum Partai Golkar
# Aburizal Bakrie").
ORGANISATION_KINDS = frozenset(
    """
    partai puncak himpunan persatuan perhimpunan perserikatan ikatan asosiasi federasi paguyuban
    organisasi klub prefektur kerajaan kesultanan republik kepulauan bendungan waduk keraton
    kraton candi istana distrik resort party club fc sv ec afc orchestra systems alliance
    association foundation institute college council agency airlines airways airport heights
    quay county district
    province kingdom republic federation league committee ministry department corporation
    holdings limited llc plc gmbh studios productions entertainment records magazine journal
    times tribune herald gazette services investors gletser glacier
""".split()
)
# More words of government and business that no name contains (besides NOT_NAMES,
# ORGANISATION_OR_PLACE and the common words).
INSTITUTIONS = {
    "kementerian", "kementrian", "pemerintah", "pemkot", "pemkab", "pemprov", "direktorat",
    "balai", "komisi", "dewan", "majelis", "mahkamah", "pengadilan", "kejaksaan", "kepolisian",
    "satpol", "perusahaan", "pihak", "kontraktor", "konsultan", "petugas", "saksi", "tetangga",
    "keterangan", "undang", "peraturan", "keputusan", "surat", "website", "aplikasi", "media",
    "hasil", "evaluasi", "pemeriksaan", "audit", "rapat", "survei", "survey", "data", "sistem",
    "portal", "kanal", "call", "center", "centre", "customer", "service", "support", "admin",
    "google", "maps", "microsoft", "teams", "zoom", "whatsapp", "facebook", "instagram",
    "twitter", "youtube", "telegram", "email", "telepon", "sms", "radio", "televisi", "koran",
}  # fmt: skip
# Words no person's name holds: a name with one is a title, an organisation or a place.
NOT_PERSON_WORDS = frozenset(NOT_NAMES | ORGANISATION_OR_PLACE | ORGANISATION_KINDS | INSTITUTIONS)
NAME_ENDINGS = re.compile(
    r"(?:wati|yati|ningsih|ningrum|ningtyas|yanto|yanti|yono|iyah|udin|uddin|ullah|wan|arto"
    r"|arno|anto|anti|ono|adi|ardi|arni|asih|yadi|yani)$",
    re.IGNORECASE,
)
# Words people are addressed by; a capitalised name after one is a person's. Religious
# teachers' titles count too ("Pimpinan Ustadz Syamsi Dukha", "Kyai Ageng").
HONORIFICS = (
    r"Bapak|Bpk|Ibu|Ibunda|Pak|Bu|Sdr|Sdri|Saudara|Saudari|Tn|Tuan|Ny|Nyonya|Nn|Nona|Mas|Mbak"
    r"|Kak|Bang|Hj|H|Alm|Almh|Almarhum|Almarhumah|Dr|Drg|Drs|Dra|Ir|Prof|Tgk|Teuku|Raden|Mr|Mrs"
    r"|Ms|Miss|Sir|Madam|R\.M|R\.A|R\.Ay|Rr|R"
    r"|Ustadz|Ustadzah|Ustad|Ustazah|Kyai|Kiai|KH|Syekh|Syeikh|Buya|Tengku"
)
# Cues that introduce a name by themselves, and labels that do only with a colon
# ("Nama Paket: ..." names a package, "Nama: ..." a person).
ROLES = (
    r"a\.\s?n\.|a/n|an\.|atas nama|pelapor|pengadu|bernama|nama lengkap|nama pelapor|nama pemohon"
    r"|nama pemilik|nama ibu|nama ayah|nama wali|dilaporkan oleh|diadukan oleh|disampaikan oleh"
    r"|reported by|full name|saya|sy|nama saya|my name is|i am"
)
LABELS = r"nama|name|narahubung|kontak|contact person|pemohon|penerima|pengirim|contact"
# Academic, religious and noble titles that may stand between an honorific or a cue and
# the name ("Bapak Ir. H. Budi", "Saya Sdr. Tgk. Ulya", "a.n. Cut Meutia", "Pelapor:
# Dt. Rajo Hitam"), and the neighbourhood heads and religious teachers people are called
# by ("Pak RT Darmaji", "Ustadz Ahmad"). They stay in the text; the name after them goes.
TITLES = (
    r"Hj|H|KH|Dr|dr|Drg|drg|Drs|Dra|Ir|Prof|Tgk|Teuku|Tengku|T|Raden|Rr|R\.M|R\.A|R\.Ay|R"
    r"|Mas|Dt|Datuk|Sutan|Cut|Puti|Gusti|RT|RW|Ustadz|Ustad|Kyai|Kiai"
)
# Runs of spaces are taken possessively (``\s++``): what follows never starts with a
# space, and giving spaces back one by one made a cue before 1 MB of spaces quadratic.
_TITLE = rf"(?:(?:{TITLES})\.\s*+|(?:{TITLES})\s++(?=[A-Z]))"
# A capitalised word. It starts only where a word starts and never gives letters back
# (an atomic group): on a run of 300,000 capitals the old form was tried at every letter
# and backtracked through every length, quadratic time.
# ``O'Brien``, ``McDonald``, ``DeVito`` are one word: a capital after an apostrophe or
# inside the word does not start a new one (the second half would be left readable).
_TOKEN = (
    r"(?<![A-Za-z'’])(?>[A-Z](?:['’][A-Z])?[a-z'’]+(?:[A-Z][a-z'’]+)?(?:-[A-Za-z][a-z'’]+)?"
    r"|[A-Z]{2,}|[A-Z]\.)"
)
# A name may wrap onto the next line, but a line that starts with a form's label
# (``Nama: Eko Prasetyo`` then ``Alamat: …`` or ``No HP: …``) is not its continuation.
_LABEL_LINE = r"\s*\n[^\S\n]*(?:[A-Za-z.]+[^\S\n]*){1,3}:"
_NAME = (
    rf"(?P<value>{_TOKEN}(?:(?!{_LABEL_LINE})\s++(?:{_TOKEN}|bin|binti|van|de|al))*"
    r"(?:,?\s++[A-Z][A-Za-z.]{0,6}\.(?![A-Za-z]))*)"
)


@cache
def gazetteer(name: str) -> frozenset[str]:
    """Names shipped in ``privacy/data/<name>.txt`` (lower case, comments stripped)."""
    text = resources.files("terbuka.privacy").joinpath("data", f"{name}.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def common_words() -> frozenset[str]:
    """Capitalised words that are not names (sentence starts, package titles)."""
    return gazetteer("common-words")


@cache
def known_places() -> frozenset[str]:
    """Countries, territories and provinces (``places.txt``) that are not also given names."""
    return gazetteer("places") - given_names()


_SPAN_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def known_place(span: str) -> bool:
    """Whether a found name is, whole, a known place (``Amerika Serikat``, ``Sri Lanka``)."""
    words = _SPAN_EDGES.sub("", span).split()
    return " ".join(words).lower() in known_places()


def given_names() -> frozenset[str]:
    """Given names of the gazetteer."""
    return gazetteer("given-names")


def family_names() -> frozenset[str]:
    """Family and second names of the gazetteer."""
    return gazetteer("family-names")


# Complaints typed in lower case: ``laporan bu siti``, ``ibu sumiati warga rt 2``. Only a
# word the gazetteer knows as a given name counts (``ibu kota``, ``ibu hamil`` do not).
_LOWER_HONORIFIC = re.compile(
    r"(?<![a-z])(?:bapak|bpk|ibu|bu|pak|mas|mbak|sdr|sdri|saudara|saudari|kak|bang|sy|saya)"
    r"\.?,?\s+"
    r"(?P<value>[a-z][a-z'’]+)(?:\s+(?P<second>[a-z][a-z'’]+))?"
)


# Whose house, land or spouse: "rumah Suparman", "tanah milik Sutrisno", "istri Bambang".
# Only a given name the gazetteer knows counts ("Rumah Adat", "Rumah Susun" are kinds).
_POSSESSOR = re.compile(
    r"(?<![A-Za-z])(?i:rumah|milik|istri|suami|tetangga)\s+"
    r"(?P<value>[A-Za-z][a-z'’]+)(?:\s+(?P<second>[A-Z][a-z'’]+))?"
)


def possessor_names(text: str) -> list[tuple[int, int]]:
    """Spans of a known given name (and the capitalised name word after it) after a possessive."""
    common = common_words()
    return _given_name_spans(
        _POSSESSOR, text, lambda second: second not in common and second not in NOT_PERSON_WORDS
    )


def lower_case_names(text: str) -> list[tuple[int, int]]:
    """Spans of given names (and a known second name) after a lower-case honorific."""
    given, family, common = given_names(), family_names(), common_words()
    return _given_name_spans(
        _LOWER_HONORIFIC,
        text,
        lambda second: (second in given or second in family) and second not in common,
    )


def _given_name_spans(
    pattern: re.Pattern, text: str, second_counts: Callable[[str], bool]
) -> list[tuple[int, int]]:
    """A gazetteer given name after ``pattern``'s cue, with the ``second`` word if it counts.

    The first word must be a given name that is not a common word (``ibu kota``, ``Rumah
    Adat`` are not people); ``second_counts`` gets the next word in lower case.
    """
    given, common = given_names(), common_words()
    spans = []
    for match in pattern.finditer(text):
        first = match.group("value").lower()
        if first not in given or first in common or first in NOT_NAMES:
            continue
        end = match.end("value")
        second = match.group("second")
        if second and second_counts(second.lower()):
            end = match.end("second")
        spans.append((match.start("value"), end))
    return spans


class HonorificNameRecognizer(SpanRecognizer):
    """A capitalised name after Bapak/Ibu/Pak/Bu/Sdr./Sdri./H./Hj./Mr./Mrs./a.n./pelapor/nama:."""

    ENTITY = "PERSON"
    SCORE = 0.75
    TRIGGER = None
    REGEX = re.compile(
        first_chars(HONORIFICS, ROLES, LABELS) + rf"(?:\b(?i:{HONORIFICS})\.?\s++{_TITLE}*"
        rf"|\b(?:(?i:{ROLES})\s*+[:.=(,]?|(?i:{LABELS})\s*+[:=])\s*+(?:(?i:{HONORIFICS})\.?\s++|{_TITLE})*)"
        + _NAME
    )

    def more_spans(self, text: str) -> list[tuple[int, int]]:
        """Names after a lower-case honorific (``laporan bu siti``) or a possessive."""
        return lower_case_names(text) + possessor_names(text)

    def accept(self, match: re.Match) -> bool:
        """A name, not a title or a common word.

        A common word that is also a given name counts when a word that is not common
        follows: ``Saya Hari Saptono`` is a name, ``Saya Hari Senin`` is not;
        ``Saya Mohon Bantuan`` would need a known name after it.
        """
        words = re.findall(r"[a-z'’]+", match.group("value").lower())
        if not words or words[0] in NOT_NAMES or words[0] in INSTITUTIONS:
            return False
        if words[0] in ORGANISATION_KINDS:
            return False  # "bernama Puncak Datuk Panglima Husin": a peak, not a person
        if named_after(match.string, match.start()):
            return False  # RSUD Dr. Saiful Anwar, Jl. KH. Hasyim Asyari: a place's name
        common = common_words()
        if words[0] not in common:
            return True
        rest = [w for w in words[1:] if w not in common and w not in NOT_NAMES]
        given, family = given_names(), family_names()
        return bool(rest) and (
            words[0] in given
            or any(w in given or w in family or NAME_ENDINGS.search(w) for w in rest)
        )


_RUN = re.compile(rf"{_TOKEN}(?:\s++(?:{_TOKEN}|bin|binti))+")
_WORD = re.compile(r"[A-Za-z'’]+(?:-[A-Za-z'’]+)?\.?")
_CUE_BEFORE = re.compile(
    r"(?i:\b(?:jl|jln|jalan|gg|gang|desa|dusun|kelurahan|kel|kecamatan|kec|kota|kabupaten|kab"
    r"|cv|pt|ud|toko|perumahan|taman|masjid|gedung|sekolah|universitas|bank|hotel|pasar|komplek"
    r"|kompleks|rs|rsud)\.?\s*)$"
)


# What places and institutions named after a (titled) person start with: ``RSUD Dr. Saiful
# Anwar``, ``Jl. KH. Hasyim Asyari``, ``Bandara Sultan Hasanuddin``. Capitalised, as a
# name's first word is (``… turun ke jalan. Saya Bapak Agus`` is a sentence's end), and not
# villages or districts: ``Kepala Desa H. Ahmad`` is a person.
_NAMED_AFTER_ABBREVIATIONS = "Jl|Jln|JL|JLN|Gg|GG|RS|RSU|RSUD|RSUP|RSIA|Univ"
_NAMED_AFTER_WORDS = "|".join(
    f"{word}|{word.upper()}"
    for word in (
        r"Jalan Gang Rumah\s+Sakit Puskesmas Universitas Institut Akademi Politeknik Stadion"
        r" Bandara Pelabuhan Terminal Museum Lapangan Yayasan Kampus Pesantren Madrasah Masjid"
        r" Sekolah Gedung"
    ).split()
)
_NAMED_AFTER_BEFORE = re.compile(
    rf"\b(?:(?:{_NAMED_AFTER_ABBREVIATIONS})\.?\s*|(?:{_NAMED_AFTER_WORDS}|GOR)\s+)(?:{_TITLE})*$"
)


def named_after(text: str, start: int) -> bool:
    """Whether the name at ``start`` is part of a place's or institution's name."""
    return bool(_NAMED_AFTER_BEFORE.search(text, max(0, start - 40), start))


def place_or_company_before(text: str, start: int) -> bool:
    """Whether the name words at ``start`` belong to a place's or a company's name.

    A street, place or company word right before them (``Jl. Ahmad Yani``, ``CV Budi
    Jaya``), or a place named after a titled person (``RSUD Dr. Saiful Anwar``). After
    the head of a place (``Kepala desa Slamet Riyadi``) a known given name is the head's.
    """
    if _CUE_BEFORE.search(text[max(0, start - 14) : start]):
        return not _office_holder(text, start)
    return named_after(text, start)


_HEAD_OF_PLACE = re.compile(
    r"(?i:\b(?:kepala|kades|lurah|camat)\s+(?:desa|kelurahan|kel|dusun|kampung|kecamatan|kec)\.?\s*)$"
)
_FIRST_WORD = re.compile(r"[A-Za-z'’]+")


def _office_holder(text: str, start: int) -> bool:
    """``Kepala desa Slamet Riyadi``: a given name after the head of a village or district.

    ``Kepala Desa Sukamaju`` stays the village's name (``Sukamaju`` is nobody's name).
    """
    if not _HEAD_OF_PLACE.search(text[max(0, start - 30) : start]):
        return False
    word = _FIRST_WORD.match(text, start)
    return bool(word) and word.group().lower() in given_names()


class GazetteerNameRecognizer(SpanRecognizer):
    """Two or more capitalised name-like words in a row, at least one from the gazetteer."""

    ENTITY = "PERSON"
    SCORE = 0.6
    TRIGGER = None
    CONTEXT = ["nama", "pelapor", "oleh", "bernama", "warga", "saya", "kepada", "dari", "name"]

    def analyze(self, text, entities, nlp_artifacts=None):  # noqa: D102
        if entities and self.ENTITY not in entities:
            return []
        given, family, common = given_names(), family_names(), common_words()
        found = []
        for run in _RUN.finditer(text):
            words = [
                (m.start() + run.start(), m.group().rstrip("."))
                for m in _WORD.finditer(run.group())
            ]
            if any(w.lower() in ORGANISATION_OR_PLACE for _, w in words):
                continue
            if place_or_company_before(text, run.start()):
                continue
            span: list[tuple[int, str]] = []
            for item in [*words, (0, "")]:
                word = item[1].lower()
                if word and word not in common and (len(word) > 1 or word in given):
                    span.append(item)
                    continue
                found.extend(self._name(span, given, family))
                span = []
        return self._adjust(text, found)

    def _name(self, span, given, family):
        """A name: two or more words, one of them a known name, most of them name-like."""
        if len(span) < 2:
            return []
        lowered = [w.lower() for _, w in span]
        known = sum(1 for w in lowered if w in given or w in family)
        if not known:
            return []
        namelike = known + sum(
            1
            for w in lowered
            if w not in given and w not in family and len(w) >= 5 and NAME_ENDINGS.search(w)
        )
        # Decided on the whole run; a cue before the name (``Hubungi``) is not redacted.
        lead, cues = 0, cue_words()
        while lead < len(span) - 1 and lowered[lead] in cues:
            lead += 1
        start, end = span[lead][0], span[-1][0] + len(span[-1][1])
        return [result(self, self.ENTITY, start, end, 0.8 if namelike >= 2 else self.SCORE)]


# Weak cues: words after which a run of capitalised words is usually a person ("laporan
# dari …", "diterima oleh …", "Hormat saya, …"), and verbs a person does ("… melaporkan").
WEAK_CUES = (
    r"oleh|dari|menurut|kepada|hormat saya|hormat kami|salam|terima kasih|cc|tembusan"
    r"|tertanda|ttd|diwakili|bersama|hubungi|from|by|according to|regards|sincerely|thanks"
)
VERBS = (
    r"melaporkan|melapor|mengadukan|menyampaikan|mengeluhkan|mengatakan|menyatakan"
    r"|menjelaskan|meminta|memohon|bertanya|reported|said|says|complained|wrote|called"
)
# One capitalised word or more: a single word counts only as a known given name (acceptable).
_RUN_NAME = rf"(?P<value>{_TOKEN}(?:\s++(?:{_TOKEN}|bin|binti))*)"
# Academic degrees written after a name, after a comma (``Soedarto, SH``, ``Budi, S.T.,
# M.T.``, ``Rina, S.Kom``, ``Ahmad, Ph.D``): what letters and forms sign a person.
DEGREES = (
    r"[SM]\.\s?[A-Z][A-Za-z]{0,4}\.?|A\.\s?Md\.?(?:\s?[A-Z][a-z]{1,4}\.?)?|Amd|Ph\.\s?D\.?|PhD"
    r"|MBA|Lc|Apt|S(?:H|E|T|Si|Pd|Kom|Sos|Ag|Ked|Psi|IP|Kep|Farm|Hut|Pt)|M(?:T|M|H|Si|Pd|Kes|Hum|Sc|Kom|Eng|AP)"
)


@cache
def cue_words() -> frozenset[str]:
    """The one-word cues and reporting verbs (``Hubungi``, ``Menurut``, ``Melaporkan``).

    Capitalised at a sentence start, a cue introduces the name after it and is not part
    of it; it leaves a name's span at the start only: ``salam`` ends a greeting and a
    name (``Abdul Salam``). A word that is also a gazetteer name is left out. Other
    everyday words stay in a span: an unknown first name may be one (fail closed).
    """
    cues = {w for w in f"{WEAK_CUES}|{VERBS}".split("|") if w.isalpha()}
    return frozenset(cues) - given_names() - family_names()


class CuedNameRecognizer(SpanRecognizer):
    """A name the gazetteer does not know, found by the words around it.

    Two or more capitalised words after a weak cue (dari, oleh, Hormat saya, Salam, cc:)
    or before a reporting verb (melaporkan, menyampaikan), when none of them is an
    organisation, place, institution or common word: how complaints name their writer
    when they use no honorific. Titles after the cue stay in the text.
    """

    ENTITY = "PERSON"
    SCORE = 0.65
    TRIGGER = None
    REGEX = re.compile(
        first_chars(WEAK_CUES)
        + rf"\b(?i:{WEAK_CUES})(?:\s*+[:,]\s++|\s++)(?:(?i:{HONORIFICS})\.?\s++|{_TITLE})*"
        + _RUN_NAME
    )
    # A name before a reporting verb is looked for backwards from each verb, in a few
    # words before it: searched forwards, every run of capitalised words would be tried
    # against the lookahead at each word (cubic time on a long run).
    VERB = re.compile(rf"(?<=\s)(?i:{VERBS})\b")
    BEFORE_VERB = re.compile(rf"{_RUN_NAME}(?:,?\s+[A-Z][A-Za-z.]{{0,6}})*,?\s+\Z")
    # A degree after a comma signs a name, even a single unknown word (``Soedarto, SH``).
    DEGREE = re.compile(rf"(?<=,)\s*(?:{DEGREES})(?![A-Za-z])")
    BEFORE_DEGREE = re.compile(rf"{_RUN_NAME}\s*,\Z")
    REACH = 240  # characters before a verb that can hold the name (and titles after it)
    WORDS = 12  # words before a verb that can: a name and its titles are shorter

    def _matches(self, text: str) -> list:
        found = super()._matches(text)
        for signed, (cue, before) in enumerate(
            [(self.VERB, self.BEFORE_VERB), (self.DEGREE, self.BEFORE_DEGREE)]
        ):
            for match in self._runs_before(text, cue, before):
                # "Kemarin Budi Santoso melaporkan": the name is the longest tail that passes.
                words = list(re.finditer(r"\S+", match.group("value")))
                for first in range(len(words)):
                    if self.acceptable([w.group() for w in words[first:]], bool(signed)):
                        start = match.start("value") + words[first].start()
                        if place_or_company_before(text, start):
                            break  # ``Jalan Sudirman, ST``: a street's name
                        end = match.end("value")
                        found.append(result(self, self.ENTITY, start, end, self.SCORE))
                        break
        return found

    def _runs_before(self, text: str, cue: re.Pattern, before: re.Pattern):
        """Runs of capitalised words that end (titles aside) right before a cue."""
        end = -1
        for after in cue.finditer(text):
            start = max(end, after.start() - self.REACH, 0)
            words = [m.start() for m in re.finditer(r"(?<!\S)\S", text[start : after.start()])]
            if words and words[0] == 0 and start and not text[start - 1].isspace():
                words = words[1:]  # begin at a word, not inside one
            if not words:
                continue
            start += words[-self.WORDS :][0]
            match = before.search(text, start, after.start())
            if match:
                end = match.end("value")
                yield match

    def accept(self, match: re.Match) -> bool:  # noqa: D102
        return self.acceptable(match.group("value").split())

    @staticmethod
    def acceptable(words: list[str], signed: bool = False) -> bool:
        """Two or more words, none an organisation, place, institution or common word.

        One word is enough when it is a given name and nothing else (``Laporan dari
        Suparman``): single names are common in Java. ``signed``: a degree follows, and
        any one word that passes the rest is a name (``Soedarto, SH``).
        """
        words = [w for w in (re.sub(r"[^A-Za-z'’]", "", w) for w in words) if w]
        if not words:
            return False
        common, given = common_words(), given_names()
        if len(words) == 1:  # also none of the words below
            lowered = words[0].lower()
            if (lowered not in given and not signed) or lowered in common or known_place(words[0]):
                return False
        for word in words:
            lowered = word.lower()
            if lowered in NOT_PERSON_WORDS or (len(word) > 1 and word.isupper()):
                return False
            if lowered in common and lowered not in given:
                return False
        return True
