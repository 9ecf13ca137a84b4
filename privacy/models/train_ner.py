"""Train terbuka's Indonesian NER model (PERSON / ORGANIZATION / LOCATION) and score it.

Run from a checkout, with the shared corpora next to it::

    nice python -m terbuka.privacy.models.train_ner --corpora ../shared/data/pii/ner

The three open corpora (see their README) use three tag sets; they are mapped to one.
Only train splits are trained on; dev/valid splits choose the best checkpoint and give
the scores in the model card. Test splits are held out and never read here.

Capitalisation is the strongest name cue in news text and missing from the lower-cased
NER-P corpus and from much user-typed text, so every capitalised training sentence is
also given lower-cased (and every third one upper-cased, as supplier names often are):
the model then learns from context and word shape together.

News corpora name the same few hundred people again and again, so the model learned
names it had seen rather than the contexts that announce one: every capitalised sentence
that names a person is given once more with its people swapped (mention replacement) for
others drawn from the train splits and from Faker's foreign names (never ``id_ID``, whose
names the privacy bench uses). Everything is deterministic (spaCy's seed 0, seeded
swaps), so re-running reproduces the scores.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
MODEL = HERE / "id_ner"
CONFIG = HERE / "ner.cfg"
LABELS = ("PERSON", "ORGANIZATION", "LOCATION")

# corpus folder -> (train file, validation file, tag map); tags not mapped become O.
CORPORA = {
    "idner": (
        "idner-news-2k",
        "train.txt",
        "dev.txt",
        {"PER": "PERSON", "ORG": "ORGANIZATION", "LOC": "LOCATION"},
    ),
    "nergrit": (
        "indonlu-nergrit",
        "train_preprocess.txt",
        "valid_preprocess.txt",
        {"PERSON": "PERSON", "ORGANISATION": "ORGANIZATION", "PLACE": "LOCATION"},
    ),
    "nerp": (
        "indonlu-nerp",
        "train_preprocess.txt",
        "valid_preprocess.txt",
        {"PPL": "PERSON", "IND": "ORGANIZATION", "PLC": "LOCATION"},
    ),
}
LOWER_CASED = {"nerp"}

Sentence = tuple[list[str], list[str]]


def read_conll(path: Path, tag_map: dict[str, str]) -> list[Sentence]:
    """Sentences of a token-per-line BIO file; the tag is the last column (CRLF allowed)."""
    sentences: list[Sentence] = []
    words: list[str] = []
    tags: list[str] = []
    with path.open(encoding="utf-8", newline=None) as lines:
        for line in [*lines, ""]:
            line = line.strip()
            if not line:
                if words:
                    sentences.append((words, _repair(tags)))
                words, tags = [], []
                continue
            parts = line.split()
            word, tag = parts[0], parts[-1]
            prefix, _, kind = tag.partition("-")
            mapped = tag_map.get(kind)
            words.append(word)
            tags.append(f"{prefix}-{mapped}" if mapped and prefix in "BI" else "O")
    return sentences


def _repair(tags: list[str]) -> list[str]:
    """An I- tag after O or another type starts a new span (spaCy refuses broken IOB)."""
    fixed, previous = [], "O"
    for tag in tags:
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            tag = "B-" + tag[2:]
        fixed.append(tag)
        previous = tag
    return fixed


def load(corpora: Path, split: str) -> dict[str, list[Sentence]]:
    """``{"idner": [...], ...}`` for ``split`` ("train" or "dev")."""
    out = {}
    for name, (folder, train, dev, tag_map) in CORPORA.items():
        out[name] = read_conll(corpora / folder / (train if split == "train" else dev), tag_map)
    return out


def augmented(name: str, sentences: list[Sentence]) -> list[Sentence]:
    """The sentences, plus lower-cased (all) and upper-cased (every third) copies."""
    if name in LOWER_CASED:
        return list(sentences)
    out = list(sentences)
    out += [([w.lower() for w in words], tags) for words, tags in sentences]
    out += [([w.upper() for w in words], tags) for words, tags in sentences[::3]]
    return out


def mentions(sentences: list[Sentence], label: str) -> list[list[str]]:
    """Every ``label`` mention (its words) in ``sentences``, in order of appearance."""
    found: list[list[str]] = []
    for words, tags in sentences:
        for word, tag in zip(words, tags, strict=True):
            if tag == f"B-{label}":
                found.append([word])
            elif tag == f"I-{label}":
                found[-1].append(word)
    return found


def replace_mentions(
    sentence: Sentence, label: str, pool: list[list[str]], rng: random.Random
) -> Sentence:
    """``sentence`` with each ``label`` mention swapped for one drawn from ``pool``.

    Mention replacement (Dai & Adel, COLING 2020): the same context with another name
    teaches the model the context and the name's shape rather than the names it has seen.
    """
    words_out: list[str] = []
    tags_out: list[str] = []
    words, tags = sentence
    for word, tag in zip(words, tags, strict=True):
        if tag == f"I-{label}":
            continue
        if tag == f"B-{label}":
            name = rng.choice(pool)
            words_out += name
            tags_out += [f"B-{label}"] + [f"I-{label}"] * (len(name) - 1)
        else:
            words_out.append(word)
            tags_out.append(tag)
    return words_out, tags_out


# Latin-script locales whose names the news corpora rarely hold (foreign actors, athletes,
# officials): Faker's, never ``id_ID`` (the bench's names without honorifics are id_ID).
FOREIGN_LOCALES = ("en_US", "en_GB", "en_IN", "fr_FR", "es_ES", "de_DE", "it_IT", "nl_NL",
                   "pt_BR", "vi_VN")  # fmt: skip


# Japanese and Chinese names as news in Latin script writes them (Faker's romanised names).
ROMANISED_LOCALES = ("ja_JP", "zh_CN")


def foreign_names(count: int, seed: int = 0, romanised: bool = False) -> list[list[str]]:
    """``count`` names (as words) from :data:`FOREIGN_LOCALES`, seeded.

    With ``romanised``, :data:`ROMANISED_LOCALES` take their turn too. Each locale draws
    from its own seed, so 3,000 names with them hold the 2,500 Latin-script names drawn
    without them, and 500 romanised ones.
    """
    from faker import Faker

    locales = FOREIGN_LOCALES + (ROMANISED_LOCALES if romanised else ())
    fakers = [Faker(locale) for locale in locales]
    for number, fake in enumerate(fakers):
        fake.seed_instance(seed + number)
    names = []
    for index in range(count):
        fake = fakers[index % len(fakers)]
        if fake.locales[0] in ROMANISED_LOCALES:
            names.append(fake.romanized_name().split())
        else:
            names.append(f"{fake.first_name()} {fake.last_name()}".split())
    return names


def with_replaced_people(
    train_sets: dict[str, list[Sentence]],
    copies: int,
    foreign: int = 0,
    lower_cased: bool = False,
    seed: int = 0,
    romanised: bool = False,
) -> list[Sentence]:
    """Extra copies of the capitalised training sentences that name a person.

    In each of the ``copies`` copies every person is swapped for another drawn from the
    capitalised corpora's train splits and ``foreign`` generated foreign names, and with
    ``lower_cased`` each copy is also given lower-cased. Seeded: re-running gives the same.
    """
    rng = random.Random(seed)
    capitalised = [
        s for name, sents in train_sets.items() if name not in LOWER_CASED for s in sents
    ]
    generated = foreign_names(foreign, seed, romanised) if foreign else []
    pool = mentions(capitalised, "PERSON") + generated
    with_people = [s for s in capitalised if "B-PERSON" in s[1]]
    swapped = [replace_mentions(s, "PERSON", pool, rng) for _ in range(copies) for s in with_people]
    if lower_cased:
        swapped += [([w.lower() for w in words], tags) for words, tags in swapped]
    return swapped


def doc_bin(nlp, sentences: list[Sentence]):
    """A ``DocBin`` of gold-tokenised docs with entity spans."""
    from spacy.tokens import Doc, DocBin

    out = DocBin(store_user_data=False)
    for words, tags in sentences:
        out.add(Doc(nlp.vocab, words=words, ents=tags))
    return out


def spans(words: list[str], tags: list[str]) -> tuple[str, list[tuple[int, int, str]]]:
    """The sentence as plain text (words joined by spaces) and its gold character spans."""
    text, found, offsets = "", [], []
    for word in words:
        if text:
            text += " "
        offsets.append((len(text), len(text) + len(word)))
        text += word
    current = None
    for (start, end), tag in zip(offsets, tags, strict=True):
        if tag.startswith("B-") or tag == "O" or (current and current[2] != tag[2:]):
            if current:
                found.append(tuple(current))
            current = [start, end, tag[2:]] if tag != "O" else None
        else:
            current[1] = end
    if current:
        found.append(tuple(current))
    return text, found


def evaluate(nlp, sentences: list[Sentence]) -> dict[str, float]:
    """Scores of ``nlp`` on plain-text sentences (its own tokenizer, as in use).

    ``<LABEL>_p/_r``: exact-span precision and recall per label. ``person_covered``: the
    share of gold person names whose every character a predicted PERSON covers (what a
    redaction needs). ``orgloc_kept``: the share of gold organisation and place names that
    no predicted PERSON touches (what transparency needs).
    """
    texts, golds = zip(*(spans(w, t) for w, t in sentences), strict=True)
    started = time.perf_counter()
    predicted = [
        [(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)
    ]
    seconds = time.perf_counter() - started
    scores: dict[str, float] = {}
    for label in LABELS:
        gold_set = {(i, s, e) for i, g in enumerate(golds) for s, e, lab in g if lab == label}
        pred_set = {(i, s, e) for i, p in enumerate(predicted) for s, e, lab in p if lab == label}
        hit = len(gold_set & pred_set)
        scores[f"{label}_p"] = hit / len(pred_set) if pred_set else 0.0
        scores[f"{label}_r"] = hit / len(gold_set) if gold_set else 0.0
    covered = total = kept = others = 0
    for text, gold, pred in zip(texts, golds, predicted, strict=True):
        persons = [(s, e) for s, e, lab in pred if lab == "PERSON"]
        for start, end, label in gold:
            if label == "PERSON":
                total += 1
                chars = {c for c in range(start, end) if not text[c].isspace()}
                hidden = {c for s, e in persons for c in range(s, e)}
                covered += chars <= hidden
            else:
                others += 1
                kept += not any(s < end and start < e for s, e in persons)
    scores["person_covered"] = covered / total if total else 0.0
    scores["orgloc_kept"] = kept / others if others else 0.0
    scores["sentences_per_s"] = len(texts) / seconds if seconds else 0.0
    scores["sentences"] = len(texts)
    return {k: round(v, 3) for k, v in scores.items()}


def train(
    corpora: Path,
    output: Path,
    replaced_copies: int = 0,
    foreign: int = 0,
    lower_cased_swaps: bool = False,
    romanised: bool = False,
) -> None:
    """Convert the corpora, run ``spacy train`` with ``ner.cfg``, copy the best model."""
    import spacy
    from spacy.cli.train import train as spacy_train

    nlp = spacy.blank("id")
    train_sets, dev_sets = load(corpora, "train"), load(corpora, "dev")
    train_sentences = [s for name, sents in train_sets.items() for s in augmented(name, sents)]
    train_sentences += with_replaced_people(
        train_sets, replaced_copies, foreign, lower_cased_swaps, romanised=romanised
    )
    dev_sentences = [s for sents in dev_sets.values() for s in sents]
    with tempfile.TemporaryDirectory(prefix="terbuka-ner-") as work:
        work_path = Path(work)
        doc_bin(nlp, train_sentences).to_disk(work_path / "train.spacy")
        doc_bin(nlp, dev_sentences).to_disk(work_path / "dev.spacy")
        print(
            f"training on {len(train_sentences)} sentences, validating on {len(dev_sentences)}",
            file=sys.stderr,
        )
        spacy_train(
            CONFIG,
            work_path / "out",
            overrides={
                "paths.train": str(work_path / "train.spacy"),
                "paths.dev": str(work_path / "dev.spacy"),
            },
        )
        card = output / "MODEL_CARD.md"
        card_text = card.read_text("utf-8") if card.is_file() else None
        if output.exists():
            shutil.rmtree(output)
        shutil.copytree(work_path / "out" / "model-best", output)
        if card_text is not None:  # the card is written by hand: a retrained model keeps it
            card.write_text(card_text, "utf-8")
    meta_path = output / "meta.json"
    meta = json.loads(meta_path.read_text("utf-8"))
    meta.update(
        name="terbuka_id_ner",
        version="1.1.0",
        description="Indonesian PERSON/ORGANIZATION/LOCATION NER for terbuka's privacy stage",
        license="MIT (idner-news-2k) + Apache-2.0 (IndoNLU NERGrit, NER-P)",
        sources=[
            {"name": "idner-news-2k", "url": "https://github.com/khairunnisaor/idner-news-2k"},
            {"name": "IndoNLU NERGrit, NER-P", "url": "https://github.com/IndoNLP/indonlu"},
        ],
    )
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", "utf-8")


def main(argv: list[str] | None = None) -> int:
    """Train (unless ``--score-only``), then print validation scores per corpus as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=Path("../shared/data/pii/ner"))
    parser.add_argument("--output", type=Path, default=MODEL)
    parser.add_argument(
        "--replaced-copies", type=int, default=1, help="copies with people's names swapped"
    )
    parser.add_argument(
        "--foreign-names", type=int, default=2500, help="generated foreign names among the swaps"
    )
    parser.add_argument(
        "--lower-cased-swaps",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="swapped copies lower-cased too",
    )
    parser.add_argument(
        "--romanised-names",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="Japanese and Chinese names in Latin script among the foreign names",
    )
    parser.add_argument("--score-only", action="store_true", help="score the shipped model")
    args = parser.parse_args(argv)
    if not args.score_only:
        train(
            args.corpora,
            args.output,
            args.replaced_copies,
            args.foreign_names,
            args.lower_cased_swaps,
            args.romanised_names,
        )
    import spacy

    nlp = spacy.load(args.output)
    scores = {name: evaluate(nlp, sents) for name, sents in load(args.corpora, "dev").items()}
    print(json.dumps(scores, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
