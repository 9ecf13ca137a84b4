"""The shipped Indonesian NER model: loaded offline from the package, used by the scanner.

The sentences below are written for this test (not taken from any corpus); the model
must find the entities listed, and the scanner must keep organisation and place names
while replacing the person and every identifier.
"""

import re
from pathlib import Path

import pytest
from conftest import SHARED_DATA
from presidio_analyzer import RecognizerResult
from spacy.tokens import Doc
from spacy.vocab import Vocab

from terbuka.privacy import TextScanner
from terbuka.privacy.models import load_ner, model_path
from terbuka.privacy.models.tokenizer import IndonesianTokenizer, hyphenated_words
from terbuka.privacy.recognizers.ner import (
    IndonesianNerRecognizer,
    _after_kind,
    _bracketed_among_people,
    _joined_over_particles,
    _listed_among_people,
    _listed_among_places,
    _organisation_or_place,
    _widened,
    joined_by_hyphen,
    keep_named,
    plain_words,
    worth_modelling,
)
from terbuka.privacy.recognizers.person import (
    HonorificNameRecognizer,
    family_names,
    gazetteer,
    given_names,
    known_place,
    known_places,
)


@pytest.fixture(scope="module")
def nlp():
    return load_ner()


@pytest.fixture(scope="module")
def scanner():
    return TextScanner()


def test_the_model_is_shipped_small_and_offline():
    folder = model_path()
    assert folder.joinpath("meta.json").is_file()
    assert folder.joinpath("MODEL_CARD.md").is_file()
    size = sum(f.stat().st_size for f in _files(folder))
    assert size < 50 * 1024 * 1024
    meta = load_ner().meta
    assert meta["name"] == "terbuka_id_ner" and meta["lang"] == "id"
    assert set(load_ner().get_pipe("ner").labels) == {"PERSON", "ORGANIZATION", "LOCATION"}


def _files(folder):
    for item in folder.iterdir():
        if item.is_dir():
            yield from _files(item)
        else:
            yield item


def test_the_model_is_loaded_once_per_process():
    assert load_ner() is load_ner()


@pytest.fixture(scope="module")
def default_tokenizer():
    """spaCy's own Indonesian tokenizer, all ~16,000 special cases built."""
    import spacy

    return spacy.blank("id").tokenizer


def test_the_shipped_tokenizer_is_spacys_indonesian_default(default_tokenizer):
    """The model was trained with spaCy's Indonesian default (its saved tokenizer), and
    ``load_ner`` gives it ``IndonesianTokenizer``: only right while the two tokenize alike
    (the next test) and the saved one is the default (a retrained model with custom rules
    must change both)."""
    import srsly

    saved = srsly.msgpack_loads(model_path().joinpath("tokenizer").read_bytes())
    default = srsly.msgpack_loads(default_tokenizer.to_bytes())
    for part in ("prefix_search", "suffix_search", "infix_finditer", "token_match",
                 "url_match", "exceptions", "faster_heuristics"):  # fmt: skip
        assert saved[part] == default[part], part
    assert len(saved["exceptions"]) > 10_000
    assert isinstance(load_ner().tokenizer, IndonesianTokenizer)


def hyphen_texts(count: int, seed: int) -> list[str]:
    """Texts where spaCy's hyphenated exceptions meet affixes, emoticons, each other and
    spaces: where re-joining them after the fact could go wrong."""
    import random

    rng = random.Random(seed)
    words = sorted(hyphenated_words())
    around = ["", "(", ")", ".", ",", '"', "'", "-", "nya", "-an", "!", "?", ":", "'s", "...",
              "«", "»", "[", "]", "-nya", "2", "/", " - ", "--", ":-)", "e.g.", "Dr.-Ing",
              "http://x.id/a-b", " "]  # fmt: skip
    texts = []
    for _ in range(count):
        word = rng.choice(words)
        part, _, rest = word.partition("-")
        texts += [
            rng.choice(around) + word + rng.choice(around) + rng.choice(["", " ", "-"])
            + rng.choice(words) + rng.choice(around) + " " + word.upper() + rng.choice(around),
            f"{part}-{rest}-{part} {part} -{rest} {part}- {rest} {word}{word} {word}-{word} "
            f"{part}-{rest}.{part} {part} - {rest}-{part}",
        ]  # fmt: skip
    return texts


def test_the_fast_tokenizer_splits_text_as_spacys_default(default_tokenizer):
    """Token for token, spaces included: the sentences of this file, generated hyphen
    chains and, where ../shared is present, the idner validation sentences."""
    fast = load_ner().tokenizer
    texts = [text for text, _ in MODEL_SENTENCES] + hyphen_texts(2000, seed=7)
    dev = SHARED_DATA / "pii" / "ner" / "idner-news-2k" / "dev.txt"
    if dev.exists():
        words: list[str] = []
        for line in dev.read_text("utf-8").splitlines():
            if line.strip():
                words.append(line.split()[0])
            elif words:
                texts.append(" ".join(words))
                words = []
    differ = [
        text
        for text in texts
        if [(t.text, t.whitespace_) for t in fast(text)]
        != [(t.text, t.whitespace_) for t in default_tokenizer(text)]
    ]
    assert differ == []
    assert [t.text for t in fast("anak-anak-nya (kupu-kupu) :-) Pdi-p.")] == [
        "anak-anak", "-nya", "(", "kupu-kupu", ")", ":-)", "Pdi-p", ".",
    ]  # fmt: skip


MODEL_SENTENCES = [
    (
        "Kemarin Agus Setiawan datang ke kantor Dinas Pendidikan Kota Bandung.",
        {("Agus Setiawan", "PERSON")},
    ),
    (
        "Menurut Siti Nurhaliza, banjir melanda Kabupaten Bekasi sejak Senin.",
        {("Siti Nurhaliza", "PERSON")},
    ),
    (
        "Presiden Joko Widodo meresmikan bendungan di Jawa Tengah.",
        {("Joko Widodo", "PERSON")},
    ),
    (
        "Bank Indonesia menaikkan suku bunga acuan, kata Perry Warjiyo di Jakarta.",
        {("Perry Warjiyo", "PERSON"), ("Jakarta", "LOCATION")},
    ),
]


@pytest.mark.parametrize("text, expected", MODEL_SENTENCES)
def test_the_model_finds_the_entities_of_fixed_sentences(nlp, text, expected):
    found = {(e.text, e.label_) for e in nlp(text).ents}
    assert expected <= found, found


# What the model reads as a person although a word of it names a kind of organisation or
# place (ORGANISATION_KINDS) or is a known country or province, and a person next to one.
ORGANISATION_KIND_SENTENCES = [
    ("Keluhan dari warga Jackson Heights soal sampah menumpuk.", ["Jackson Heights"], []),
    ("Proyek ini didanai oleh BAE Systems dan pemerintah.", ["BAE Systems"], []),
    # after a person cue ("dari", "oleh"): the cued-name recognizer's words
    ("Ia menerima penghargaan dari Partai Konservatif tahun lalu.", ["Partai Konservatif"], []),
    ("Survei itu dibuat oleh Library Journal tahun lalu.", ["Library Journal"], []),
    ("Laporan dari Budi Santoso diterima kemarin.", [], ["Budi Santoso"]),
    ("Berita itu dikutip dari Jakarta Times kemarin.", ["Jakarta Times"], []),
    ("Chicago Tribune melaporkan kenaikan harga.", ["Chicago Tribune"], []),
    ("Layanan awan disediakan oleh Amazon Web Services sejak 2020.", ["Amazon Web Services"], []),
    ("Menurut Pinnacle Investors Services, harga naik.", ["Pinnacle Investors Services"], []),
    # a country or province, whole (privacy/data/places.txt), whichever recognizer read it
    (
        "Alat kesehatan diimpor oleh Budi Santoso dari Amerika Serikat.",
        ["Amerika Serikat"],
        ["Budi Santoso"],
    ),
    ("Kerja sama dengan Timor Leste diteken kemarin.", ["Timor Leste"], []),
    ("Barang dikirim dari Sri Lanka dan Hong Kong.", ["Sri Lanka", "Hong Kong"], []),
    ("Investasi dari Uni Emirat Arab naik tahun ini.", ["Uni Emirat Arab"], []),
    (
        "Ketua Umum Partai Golkar Aburizal Bakrie hadir dalam acara itu.",
        ["Partai Golkar"],
        ["Aburizal Bakrie"],
    ),
]


@pytest.mark.parametrize("text, kept, people", ORGANISATION_KIND_SENTENCES)
def test_a_kind_of_organisation_or_place_is_kept_and_the_person_beside_it_is_not(
    text, kept, people
):
    findings = TextScanner().findings_many([text])[0]
    persons = [text[f.start : f.end] for f in findings if f.entity_type == "PERSON"]
    for name in kept:
        start = text.index(name)
        assert not any(f.start < start + len(name) and start < f.end for f in findings), findings
    assert persons == people


@pytest.mark.parametrize(
    "span, place",
    [
        ("Amerika Serikat", True),
        (" sri  LANKA,", True),
        ("Papua Barat Daya", True),
        ("Wisconsin", True),  # states of federations, Indonesian cities and regencies
        ("Kuala Lumpur", True),
        ("Pidie", True),
        ("Tangerang Selatan", True),
        ("Sri Lanka Wijaya", False),  # more than the place: a name
        ("India", False),  # also a given name: left out, a person stays a person
        ("Budi Santoso", False),
    ],
)
def test_a_known_place_is_the_whole_span_and_never_a_given_name(span, place):
    assert known_place(span) is place
    assert not known_places() & given_names()


def test_the_recognizer_reports_people_and_kept_spans():
    recognizer = IndonesianNerRecognizer()
    text = "Kemarin Agus Setiawan datang ke kantor Dinas Pendidikan Kota Bandung."
    results = recognizer.analyze(text, ["PERSON", "ORGANIZATION", "LOCATION"])
    people = [text[r.start : r.end] for r in results if r.entity_type == "PERSON"]
    assert people == ["Agus Setiawan"]
    assert any(r.entity_type in ("ORGANIZATION", "LOCATION") for r in results)
    # Asked only for PERSON-free entities, the model is not run at all.
    assert recognizer.analyze(text, ["PHONE_NUMBER"]) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Kemarin Agus Setiawan datang", True),
        ("BANGUN PUTRA PRATAMA", True),
        ("Pembangunan Jalan Lingkungan Kecamatan Klojen", False),
        ("CV Budi Jaya", False),
        ("Tidak ada", False),
        ("tidak ada", False),
        # Lower-cased text: capitals cannot tell names apart, so the model reads it.
        ("laporan dari agus setiawan", True),
        ("kode rekening 5.1.02.01.01.0024", False),
        # Sentence starts and cue words are plain words; a given name never is.
        ("Hubungi saya di 0812-3456-7890.", False),
        ("Lampu penerangan jalan mati sejak seminggu yang lalu", False),
        ("Hubungi Budi di kantor", True),
        ("Menurut Sri Mulyani anggaran cukup", True),
        # Everyday words of the training corpora do not hide a name that is not one.
        ("Pekerjaan Waluyo belum selesai", True),
        # Streets, degrees and dates are explained; a month that is a name is not.
        ("warga Jl. Jend. Sudirman No. 5 RT 01/RW 02", False),
        ("warga Jalan S. Parman No. 1", False),
        ("Saya Ibu Kariman Wibowo, S.I.Kom. warga Gg. Medokan Ayu", False),
        ("kontrak tanggal 20 Juli 2024 senilai Rp 5.000.000", False),
        ("Juli datang ke kantor camat", True),
        # A run of capitalised words ends at a sentence's end or a lower-case word: the
        # organisation or place word before it owns nothing after it.
        ("warga Jl. Sudirman. Waluyo melapor", True),
        ("diangkat sebagai Pahlawan Nasional Indonesia oleh Presiden Joko Widodo", True),
        ("Dinas Pekerjaan Umum dan Penataan Ruang", False),
    ],
)
def test_the_pre_filter_decides_which_texts_reach_the_model(text, expected):
    assert worth_modelling(text) is expected


def test_the_everyday_words_are_never_names():
    """``news-words.txt`` holds no gazetteer name: a given name always reaches the model."""
    everyday = gazetteer("news-words")
    assert len(everyday) > 1000
    assert not everyday & (given_names() | family_names())
    assert {"hubungi", "pekerjaan", "lampu"} <= plain_words()


def test_the_pre_filter_skips_no_more_real_names_than_its_rules_explain():
    """On real sentences (validation splits), a sentence naming a person reaches the model.

    The only sentences with a person that the pre-filter lets pass are those whose names
    it leaves to other recognizers by contract: after an honorific or role (``Pak
    Jokowi``: the honorific recognizer's), acronyms (``SBY``) and short words that are
    organisation words (``Ma``).
    """
    corpora = Path(__file__).resolve().parents[2] / "shared" / "data" / "pii" / "ner"
    if not corpora.is_dir():
        pytest.skip("the shared NER corpora are not next to this checkout")
    from terbuka.privacy.models.train_ner import load

    skipped = []
    for sentences in load(corpora, "dev").values():
        for words, tags in sentences:
            if any(t.endswith("PERSON") for t in tags) and not worth_modelling(" ".join(words)):
                skipped.append((words, tags))
    for words, tags in skipped:
        names = [w for w, t in zip(words, tags, strict=True) if t.endswith("PERSON")]
        explained = HonorificNameRecognizer.REGEX.search(" ".join(words))
        assert explained or all(len(n) <= 3 for n in names), " ".join(words)
    assert len(skipped) <= 8


def _finding(entity, start, end, recognizer, score=0.8):
    return RecognizerResult(
        entity,
        start,
        end,
        score,
        recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: recognizer},
    )


def test_kept_spans_withdraw_weak_person_findings_only():
    findings = [
        _finding("ORGANIZATION", 0, 20, "IndonesianNerRecognizer"),
        _finding("PERSON", 7, 20, "GazetteerNameRecognizer"),  # inside the organisation
        _finding("PERSON", 0, 5, "HonorificNameRecognizer"),  # an honorific is stronger
        _finding("NIK", 2, 18, "NikRecognizer"),  # identifiers are never withdrawn
        _finding("PERSON", 30, 40, "CuedNameRecognizer"),  # outside: stays
        _finding("LOCATION", 45, 50, "IndonesianNerRecognizer"),
    ]
    kept = keep_named(findings)
    assert [(f.entity_type, f.start) for f in kept] == [("PERSON", 0), ("NIK", 2), ("PERSON", 30)]


@pytest.mark.parametrize(
    "text, person, keep, recognizer, kept",
    [
        # A person cue in mixed-case text wins over the model's organisation or place.
        ("Laporan dari Puspa Pradipta", "Puspa Pradipta", "LOCATION", "CuedNameRecognizer", 1),
        ("Salam, Tira Sinaga", "Tira Sinaga", "ORGANIZATION", "GazetteerNameRecognizer", 1),
        ("Jamil Uyainah melaporkan", "Jamil Uyainah", "LOCATION", "CuedNameRecognizer", 1),
        # Suppliers are written in capitals: there the model's organisation is kept.
        (
            "dikerjakan oleh BANGUN PUTRA PRATAMA",
            "BANGUN PUTRA PRATAMA",
            "ORGANIZATION",
            "GazetteerNameRecognizer",
            0,
        ),
        ("warga Jackson Heights", "Jackson Heights", "LOCATION", "GazetteerNameRecognizer", 0),
    ],
)
def test_a_person_cue_wins_over_a_kept_span(text, person, keep, recognizer, kept):
    start = text.index(person)
    findings = [
        _finding(keep, start, start + len(person), "IndonesianNerRecognizer"),
        _finding("PERSON", start, start + len(person), recognizer),
    ]
    assert [f.entity_type for f in keep_named(findings, text)] == ["PERSON"] * kept


@pytest.mark.parametrize(
    "words, person, expected",
    [
        # The model found part of a name: the capitalised name words next to it join.
        ("kontrak Pierre Njanka diperpanjang", "Njanka", "Pierre Njanka"),
        ("anak Georg Ludwig von Trapp lahir", "von Trapp", "Georg Ludwig von Trapp"),
        ("anak Georg Ludwig von Trapp lahir", "Georg Ludwig", "Georg Ludwig von Trapp"),
        # Titles, roles, acronyms, place words and lower-case words stay out.
        ("kata Gubernur Ridwan Kamil kemarin", "Ridwan Kamil", "Ridwan Kamil"),
        ("penyidik KPK Novel Baswedan datang", "Novel Baswedan", "Novel Baswedan"),
        ("warga Kelurahan Mawar Sari", "Sari", "Mawar Sari"),
        ("bersama Budi von kemarin", "Budi", "Budi"),
        # A span with no name word in it (a URL the model mislabelled) does not grow.
        (
            "kontrak Chat https://wa.me/6271171 segera",
            "https://wa.me/6271171",
            "https://wa.me/6271171",
        ),
        # Never into another entity of the model.
        ("ORG:Warner Bros Leonardo DiCaprio", "Leonardo DiCaprio", "Leonardo DiCaprio"),
    ],
)
def test_a_person_span_grows_over_the_name_words_next_to_it(words, person, expected):
    organisation = words.startswith("ORG:")
    tokens = words.removeprefix("ORG:").split()
    first = tokens.index(person.split()[0])
    size = len(person.split())
    tags = ["O"] * len(tokens)
    tags[first : first + size] = ["B-PERSON"] + ["I-PERSON"] * (size - 1)
    if organisation:
        tags[:2] = ["B-ORGANIZATION", "I-ORGANIZATION"]
    doc = Doc(Vocab(), words=tokens, ents=tags)
    start, end = _widened(doc, first, first + size)
    assert doc.text[start:end] == expected


@pytest.mark.parametrize(
    "text, gone, kept",
    [
        (
            "Kemarin Agus Setiawan datang ke kantor Dinas Pendidikan Kota Bandung.",
            ["Agus Setiawan"],
            ["Dinas Pendidikan", "Bandung"],
        ),
        (
            "Menurut Siti Nurhaliza, hubungi 0812-3456-7890 atau NIK 3573014508900003.",
            ["Siti Nurhaliza", "0812-3456-7890", "3573014508900003"],
            ["hubungi", "atau NIK"],
        ),
    ],
)
def test_the_scanner_replaces_people_and_keeps_places(scanner, text, gone, kept):
    redacted, kinds = scanner.scan(text)
    assert "PERSON" in kinds
    for value in gone:
        assert value not in redacted, redacted
    for value in kept:
        assert value in redacted, redacted


def test_batches_and_repeats_give_the_same_result_as_one_by_one(scanner):
    texts = [
        "Kemarin Agus Setiawan datang ke kantor Dinas Pendidikan Kota Bandung.",
        "lampu jalan mati",
        "Menurut Siti Nurhaliza, banjir melanda Kabupaten Bekasi sejak Senin.",
        "Kemarin Agus Setiawan datang ke kantor Dinas Pendidikan Kota Bandung.",
    ] * 3
    one_by_one = [TextScanner(scanner.analyzer, scanner.anonymizer).scan(t) for t in texts]
    assert TextScanner(scanner.analyzer, scanner.anonymizer).scan_many(texts) == one_by_one


def test_the_model_can_be_switched_off(monkeypatch):
    from terbuka.privacy import analyzer

    settings = dict(analyzer.config())
    settings["ner_model"] = None
    monkeypatch.setattr(analyzer, "config", lambda: settings)
    engine = analyzer.build_analyzer()
    names = {r.name for r in engine.registry.recognizers}
    assert "IndonesianNerRecognizer" not in names and "GazetteerNameRecognizer" in names
    assert not TextScanner(engine).model


def test_mention_replacement_swaps_whole_names_and_keeps_the_tags_aligned():
    from terbuka.privacy.models.train_ner import spans, with_replaced_people

    sentence = (
        ["Kata", "Agus", "Setiawan", "di", "Kota", "Bandung", "."],
        ["O", "B-PERSON", "I-PERSON", "O", "B-LOCATION", "I-LOCATION", "O"],
    )
    other = (["Rina", "datang", "."], ["B-PERSON", "O", "O"])
    lower = (["budi", "pergi", "."], ["B-PERSON", "O", "O"])
    train_sets = {"idner": [sentence, other], "nerp": [lower]}
    swapped = with_replaced_people(train_sets, copies=3, foreign=20, lower_cased=True)
    assert swapped == with_replaced_people(train_sets, copies=3, foreign=20, lower_cased=True)
    assert len(swapped) == 2 * 3 * 2  # two capitalised sentences with people; lower-cased too
    pool = {"Agus Setiawan", "Rina", "agus setiawan", "rina"}
    names = set()
    for words, tags in swapped:
        assert len(words) == len(tags)
        text, found = spans(words, tags)
        assert [label for *_, label in found if label != "PERSON"] in ([], ["LOCATION"])
        names |= {text[start:end] for start, end, label in found if label == "PERSON"}
    assert names - pool, "some people come from the foreign names"
    assert not any("budi" in name for name in names), "lower-cased corpora are not swapped"


def test_romanised_names_are_added_and_leave_the_latin_script_names_as_they_were():
    from terbuka.privacy.models.train_ner import FOREIGN_LOCALES, foreign_names

    latin = foreign_names(10 * len(FOREIGN_LOCALES))
    both = foreign_names(12 * len(FOREIGN_LOCALES), romanised=True)
    assert latin == foreign_names(10 * len(FOREIGN_LOCALES))  # seeded
    added = [name for name in both if name not in latin]
    assert len(added) == 2 * len(FOREIGN_LOCALES) and all(
        " ".join(name).isascii() for name in added
    )
    assert {tuple(name) for name in latin} <= {tuple(name) for name in both}


def _doc(words: str, tags: dict[str, str]) -> Doc:
    """A Doc of ``words`` with the entity label of each ``tags`` span (``"Cililitan": "LOCATION"``)."""
    tokens = words.split()
    iob = ["O"] * len(tokens)
    for span, label in tags.items():
        first = tokens.index(span.split()[0])
        size = len(span.split())
        iob[first : first + size] = [f"B-{label}"] + [f"I-{label}"] * (size - 1)
    return Doc(Vocab(), words=tokens, ents=iob)


@pytest.mark.parametrize(
    "words, tags, item, place",
    [
        # between two places, after a comma: a place
        (
            "di Jalan Mawar , Cililitan , Kramat Jati , Jakarta Timur .",
            {"Cililitan": "LOCATION", "Kramat Jati": "PERSON", "Jakarta Timur": "LOCATION"},
            "Kramat Jati",
            True,
        ),
        (
            "meliputi Bayat , Cawas dan Trucuk",
            {"Bayat": "LOCATION", "Cawas": "PERSON", "Trucuk": "LOCATION"},
            "Cawas",
            True,
        ),
        # next to one place only: a person
        (
            "warga Malang , Susilowati , melapor",
            {"Malang": "LOCATION", "Susilowati": "PERSON"},
            "Susilowati",
            False,
        ),
        # a name the gazetteer knows stays a person, wherever it stands
        (
            "dari Malang , Budi Santoso , Surabaya",
            {"Malang": "LOCATION", "Budi Santoso": "PERSON", "Surabaya": "LOCATION"},
            "Budi Santoso",
            False,
        ),
        # not a list: words between the items
        (
            "Malang tempat Kramat Jati tinggal di Surabaya",
            {"Malang": "LOCATION", "Kramat Jati": "PERSON", "Surabaya": "LOCATION"},
            "Kramat Jati",
            False,
        ),
    ],
)
def test_an_item_of_a_list_of_places_is_a_place(words, tags, item, place):
    doc = _doc(words, tags)
    ents = list(doc.ents)
    index = [e.text for e in ents].index(item)
    assert _listed_among_places(doc.text, ents, index) is place


def _spans(text: str, labelled: list[tuple[str, str]]) -> list[tuple[str, int, int]]:
    return [(label, text.index(span), text.index(span) + len(span)) for label, span in labelled]


@pytest.mark.parametrize(
    "text, labelled, people",
    [
        (
            "yaitu Abdullah Gobel , Dadai Latif Gobel dan Abdul Rasid .",
            [("PERSON", "Abdullah Gobel"), ("LOCATION", "Dadai Latif Gobel"),
             ("PERSON", "Abdul Rasid")],
            ["Abdullah Gobel", "Dadai Latif Gobel", "Abdul Rasid"],
        ),
        (
            "anggota Ye Eun , Sunsungo , dan So Hee menyanyi",
            [("PERSON", "Ye Eun"), ("PERSON", "So Hee")],
            ["Ye Eun", "Sunsungo", "So Hee"],
        ),
        # a company between two people stays a company
        (
            "dikerjakan Budi Santoso , PT Maju Jaya dan Agus Salim .",
            [("PERSON", "Budi Santoso"), ("PERSON", "Agus Salim")],
            ["Budi Santoso", "Agus Salim"],
        ),
        # not a list
        (
            "Budi Santoso bertemu Kepala Dinas lalu Agus Salim",
            [("PERSON", "Budi Santoso"), ("PERSON", "Agus Salim")],
            ["Budi Santoso", "Agus Salim"],
        ),
        # a school's kind is one only in capitals: ``Sun Mi`` is a name, ``MI Nurul`` a school
        (
            "anggota Ye Eun , Sun Mi , dan So Hee menyanyi",
            [("PERSON", "Ye Eun"), ("PERSON", "So Hee")],
            ["Ye Eun", "Sun Mi", "So Hee"],
        ),
        (
            "oleh Budi Santoso , MI Nurul Huda dan Agus Salim .",
            [("PERSON", "Budi Santoso"), ("PERSON", "Agus Salim")],
            ["Budi Santoso", "Agus Salim"],
        ),
        # the last item after ``dan``: two or more name words, even where the model saw a place
        (
            "dibintangi Lee Byung Hun dan Song Hye Kyo memakai lagu",
            [("PERSON", "Lee Byung Hun"), ("LOCATION", "Song Hye Kyo")],
            ["Lee Byung Hun", "Song Hye Kyo"],
        ),
        # ... but not one word, a known place or an organisation's words
        (
            "Budi Santoso dan Sleman kemarin",
            [("PERSON", "Budi Santoso")],
            ["Budi Santoso"],
        ),
        (
            "Budi Santoso dan Jawa Tengah kemarin",
            [("PERSON", "Budi Santoso"), ("LOCATION", "Jawa Tengah")],
            ["Budi Santoso"],
        ),
        (
            "Budi Santoso dan Dinas Kesehatan kemarin",
            [("PERSON", "Budi Santoso")],
            ["Budi Santoso"],
        ),
    ],
)  # fmt: skip
def test_the_item_between_two_people_of_a_list_is_a_person(text, labelled, people):
    spans = _listed_among_people(_spans(text, labelled), text)
    assert [text[s:e] for label, s, e in spans if label == "PERSON"] == people


@pytest.mark.parametrize(
    "text, labelled, joined",
    [
        ("saudaranya Minamoto no Yoshitsune .", ["Minamoto", "Yoshitsune"],
         ["Minamoto no Yoshitsune"]),
        ("anak Georg von Trapp lahir", ["Georg", "Trapp"], ["Georg von Trapp"]),
        ("Najib bin Razak datang", ["Najib", "Razak"], ["Najib bin Razak"]),
        ("Budi dan Agus datang", ["Budi", "Agus"], ["Budi", "Agus"]),
    ],
)  # fmt: skip
def test_two_names_with_a_particle_between_them_are_one(text, labelled, joined):
    spans = _joined_over_particles(_spans(text, [("PERSON", p) for p in labelled]), text)
    assert [text[s:e] for _, s, e in spans] == joined


@pytest.mark.parametrize(
    "text, gone, kept",
    [
        # a religious teacher's title is a cue by itself
        ("Pesantren itu dipimpin Ustadz Syamsi Dukha sejak 1990.", ["Syamsi Dukha"], ["Ustadz"]),
        ("Ia dirampok oleh Kyai Ageng di desa Kramas.", ["Ageng"], ["Kyai", "Kramas"]),
        # ... but a school or mosque named after one is kept
        ("Pondok Pesantren KH Ahmad Dahlan menerima bantuan.", [], ["KH Ahmad Dahlan"]),
        ("Renovasi Masjid KH Hasyim Asyari selesai.", [], ["KH Hasyim Asyari"]),
        # a name after a cue that starts with a kind of place is the place's
        ("Puncak tertinggi bernama Puncak Datuk Panglima Husin.", [], ["Puncak Datuk"]),
        # a generation is part of the name
        ("Harold George Belafonte, Jr. dilahirkan di New York.", ["Belafonte", "Jr"], ["New York"]),
    ],
)  # fmt: skip
def test_titles_places_and_generations_around_names(scanner, text, gone, kept):
    redacted, _ = scanner.scan(text)
    for value in gone:
        assert value not in redacted, redacted
    for value in kept:
        assert value in redacted, redacted


@pytest.mark.parametrize(
    "text, gone, kept",
    [
        # a part of a full name, used alone later in the same text
        ("Poppy Dharsono menulis buku. Buku Pak Moer - Poppy terbit 2009.",
         ["Poppy", "Dharsono", "Moer"], ["Buku Pak"]),
        ("Kenneth Ray Rogers lahir di Houston. Nama tengahnya adalah Ray dan ia penyanyi.",
         ["Kenneth", "Ray", "Rogers"], ["Houston"]),
        # not where a kind of place names it
        ("Isa Tomomune berasal dari distrik Isa di Provinsi Hitachi.", ["Tomomune"],
         ["distrik Isa"]),
        # nor inside a company's name
        ("Dikerjakan oleh CV Maju Santoso, diperiksa oleh Bapak Agus Santoso.", ["Agus"],
         ["CV Maju Santoso"]),
    ],
)  # fmt: skip
def test_a_part_of_a_full_name_used_alone_is_the_person(scanner, text, gone, kept):
    redacted, _ = scanner.scan(text)
    words = re.findall(r"[A-Za-z]+", redacted)
    assert not [w for w in gone if w in words], redacted
    assert all(span in redacted for span in kept), redacted


def test_a_name_used_alone_in_one_text_is_not_taken_from_another(scanner):
    texts = ["Poppy Dharsono menulis buku tentang mode.", "Kemarin Poppy datang terlambat."]
    results = scanner.scan_many(texts)
    assert "Poppy" not in results[0][0]
    assert results[1][0] == texts[1]


@pytest.mark.parametrize(
    "text, span, person",
    [
        ("Ketua Partai Demokrat Rachlan Nasidik berkata", "Demokrat Rachlan Nasidik",
         "Rachlan Nasidik"),
        ("Ketua Klub Persija Budi Santoso datang", "Persija Budi Santoso", "Budi Santoso"),
        # two words stay whole; so does a span after a word that is no kind of organisation
        ("anggota Partai Rachlan Nasidik", "Rachlan Nasidik", "Rachlan Nasidik"),
        ("Presiden Indonesia Susilo Bambang Yudhoyono", "Susilo Bambang Yudhoyono",
         "Susilo Bambang Yudhoyono"),
        ("lakon karya Arifin C . Noer", "Arifin C . Noer", "Arifin C . Noer"),
    ],
)  # fmt: skip
def test_the_word_after_a_kind_of_organisation_is_the_organisations(text, span, person):
    start = text.index(span)
    new_start, end = _after_kind(text, start, start + len(span))
    assert text[new_start:end] == person


@pytest.mark.parametrize("span", ["Hamburger SV", "EC Juventude", "Kalianda resort"])
def test_a_model_person_with_a_clubs_or_resorts_word_is_an_organisation(span):
    text = f"Ia pernah ke {span} dua kali"
    assert _organisation_or_place(text, text.index(span), text.index(span) + len(span))


@pytest.mark.parametrize(
    "text, people, joined",
    [
        ("selamat kepada pasangan Jokowi-Kalla , tuturnya", ["Jokowi", "Kalla"],
         ["Jokowi-Kalla"]),
        ("pasangan Irianto - Tatang menang", ["Irianto", "Tatang"], ["Irianto - Tatang"]),
        # not across other words, nor across a line
        ("Budi Santoso dan Agus Salim", ["Budi Santoso", "Agus Salim"],
         ["Budi Santoso", "Agus Salim"]),
        ("Budi Santoso\n- Agus Salim", ["Budi Santoso", "Agus Salim"],
         ["Budi Santoso", "Agus Salim"]),
    ],
)  # fmt: skip
def test_two_people_joined_by_a_hyphen_are_one_finding(text, people, joined):
    findings = [_finding("PERSON", text.index(p), text.index(p) + len(p), "X") for p in people]
    assert [text[f.start : f.end] for f in joined_by_hyphen(findings, text)] == joined


@pytest.mark.parametrize(
    "text, name",
    [
        ("ujar Ketua DPD Bali I Made Mudharta saat dihubungi .", "I Made Mudharta"),
        ("Kemarin I Nyoman Suastika datang ke kantor .", "I Nyoman Suastika"),
    ],
)
def test_a_balinese_prefix_is_part_of_the_name(scanner, text, name):
    start = text.index(name)
    found = [f for f in scanner.findings(text) if f.entity_type == "PERSON"]
    assert any(f.start <= start and start + len(name) <= f.end for f in found), [
        text[f.start : f.end] for f in found
    ]


@pytest.mark.parametrize(
    "text, labelled, people",
    [
        # songs with their singers in brackets: the one the model missed is a singer too
        ("lagu Tegar ( Rossa ) , Cinta ( Ruth Sahanaya ) , dan Kembali ( Anggun ) .",
         [("PERSON", "Ruth Sahanaya"), ("PERSON", "Anggun")],
         ["Rossa", "Ruth Sahanaya", "Anggun"]),
        # a place in brackets stays a place; one bracketed person is not enough
        ("lagu Tegar ( Jakarta ) , Cinta ( Ruth Sahanaya ) , dan Kembali ( Anggun ) .",
         [("PERSON", "Ruth Sahanaya"), ("PERSON", "Anggun")],
         ["Ruth Sahanaya", "Anggun"]),
        ("lagu Tegar ( Rossa ) , Cinta ( Merah Putih ) , dan Kembali ( Anggun ) .",
         [("PERSON", "Anggun")],
         ["Anggun"]),
    ],
)  # fmt: skip
def test_a_name_in_brackets_among_bracketed_people_is_a_person(text, labelled, people):
    spans = _bracketed_among_people(_spans(text, labelled), text)
    assert [text[s:e] for label, s, e in spans if label == "PERSON"] == people
