"""Compare the shipped spaCy NER model with a linear-chain CRF trained on the same sentences.

    nice .venv/bin/python bench/ner_crf.py [--corpora ../shared/data/pii/ner] [--c1 0.5]
        [--c2 0.05] [--iterations 150] [--repeats 3] [--tune] [--json]

The requirement says "spaCy or a CRF: choose by measured recall and speed, and say why".
This trains a CRF (``sklearn-crfsuite``, L-BFGS, standard word / affix / shape features of
the token and its neighbours ±1 and ±2) on exactly the training sentences of
``privacy/models/train_ner.py`` with the shipped model's defaults (lower- and upper-cased
copies, one copy with people's names swapped, 2,500 foreign names), then scores both
models with that module's own ``evaluate`` on the dev/valid split of each corpus (idner,
NERGrit, NER-P; their test splits are held out and never read). Both see plain text cut
by the shipped model's tokenizer, so P/R per label, ``person_covered``, ``orgloc_kept``
and sentences/s mean the same for both. Also printed: training time and size on disk.

``--tune`` first trains the CRF for each (c1, c2) of a small grid, prints its dev scores
(the only tuning done) and compares with the pair of the highest mean of person_covered
and orgloc_kept over the three corpora; the defaults are the pair it chose.

Needs the ``bench`` extra: ``pip install '.[bench]'``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from terbuka.privacy.models.train_ner import (
    LABELS,
    MODEL,
    augmented,
    evaluate,
    load,
    with_replaced_people,
)

Sentence = tuple[list[str], list[str]]
Features = dict[str, str | bool]
GRID = ((0.05, 0.05), (0.1, 0.01), (0.1, 0.1), (0.25, 0.01), (0.5, 0.05))
SHORT = {"PERSON": "PERSON", "ORGANIZATION": "ORG", "LOCATION": "LOC"}
# (row title, key of ``evaluate``'s dict), in the order of the table.
METRICS = [
    *((f"{SHORT[label]} {kind.upper()}", f"{label}_{kind}") for label in LABELS for kind in "pr"),
    ("person_covered", "person_covered"),
    ("orgloc_kept", "orgloc_kept"),
    ("sentences/s", "sentences_per_s"),
]


def _shape(word: str) -> str:
    """Word shape with runs collapsed ("Jakarta" -> "Xx", "2024" -> "d"): the class of a
    word without its identity, the cue that lets a CRF tag names it has never seen."""
    out: list[str] = []
    for char in word:
        kind = "X" if char.isupper() else "x" if char.islower() else "d" if char.isdigit() else char
        if not out or out[-1] != kind:
            out.append(kind)
    return "".join(out)


def _length(word: str) -> str:
    """A length bucket: exact lengths would split the evidence over too many features."""
    size = len(word)
    return (
        "1"
        if size == 1
        else "2-3"
        if size <= 3
        else "4-6"
        if size <= 6
        else "7-10"
        if size <= 10
        else "11+"
    )


def word_features(word: str) -> Features:
    """The standard CRF NER features of one word (identity, affixes, shape, length)."""
    lower = word.lower()
    return {
        "lower": lower,
        "p2": lower[:2],
        "p3": lower[:3],
        "p4": lower[:4],
        "s2": lower[-2:],
        "s3": lower[-3:],
        "s4": lower[-4:],
        "shape": _shape(word),
        "title": word.istitle(),
        "upper": word.isupper(),
        "digit": word.isdigit(),
        "len": _length(word),
    }


def sentence_features(words: list[str]) -> list[Features]:
    """Features of every word: its own, its neighbours' at ±1 and ±2, and BOS/EOS."""
    own = [word_features(word) for word in words]
    out: list[Features] = []
    for index in range(len(words)):
        feats: Features = {"bias": True, **own[index]}
        for offset in (-2, -1, 1, 2):
            other = index + offset
            if 0 <= other < len(words):
                feats.update({f"{offset:+d}:{k}": v for k, v in own[other].items()})
        if index == 0:
            feats["BOS"] = True
        if index == len(words) - 1:
            feats["EOS"] = True
        out.append(feats)
    return out


def training_sentences(corpora: Path) -> list[Sentence]:
    """Exactly the spaCy model's training set (``train_ner.train`` with its CLI defaults)."""
    train_sets = load(corpora, "train")
    sentences = [s for name, sents in train_sets.items() for s in augmented(name, sents)]
    return sentences + with_replaced_people(train_sets, 1, 2500, False)


def bio_spans(doc: Any, tags: list[str]) -> list[Any]:
    """spaCy ``Span``s of BIO ``tags``; a stray I- starts a span, as ``train_ner`` repairs."""
    from spacy.tokens import Span

    found: list[Any] = []
    start, label = None, ""
    for index, tag in enumerate([*tags, "O"]):
        if start is not None and (tag == "O" or tag.startswith("B-") or tag[2:] != label):
            found.append(Span(doc, start, index, label=label))
            start = None
        if tag != "O" and start is None:
            start, label = index, tag[2:]
    return found


class CRFPipeline:
    """The CRF behind spaCy's ``pipe``, so ``train_ner.evaluate`` scores it like the model."""

    def __init__(self, crf: Any, tokenizer: Any, batch_size: int = 256) -> None:
        self.crf, self.tokenizer, self.batch_size = crf, tokenizer, batch_size

    def pipe(self, texts: Iterable[str]) -> Iterator[Any]:
        """Docs cut by the shipped model's tokenizer, with the CRF's entities set."""
        batch: list[Any] = []
        for doc in self.tokenizer.pipe(texts, batch_size=self.batch_size):
            batch.append(doc)
            if len(batch) == self.batch_size:
                yield from self._tag(batch)
                batch = []
        yield from self._tag(batch)

    def _tag(self, docs: list[Any]) -> list[Any]:
        """One ``predict`` call per batch: crfsuite's per-call overhead stays small."""
        features = [sentence_features([t.text for t in doc]) for doc in docs]
        for doc, tags in zip(docs, self.crf.predict(features), strict=True):
            doc.ents = bio_spans(doc, tags)
        return docs


def train_crf(
    sentences: list[Sentence], c1: float, c2: float, iterations: int, model_file: Path
) -> tuple[Any, float]:
    """A CRF fitted on gold-tokenised ``sentences`` (as spaCy trains), and seconds taken.

    The features are made lazily while crfsuite loads them: a list of every token's
    feature dicts would take gigabytes. The time includes making them.
    """
    import sklearn_crfsuite

    crf = sklearn_crfsuite.CRF(
        algorithm="lbfgs",
        c1=c1,
        c2=c2,
        max_iterations=iterations,
        all_possible_transitions=True,
        model_filename=str(model_file),
    )
    started = time.perf_counter()
    crf.fit((sentence_features(words) for words, _ in sentences), [t for _, t in sentences])
    return crf, time.perf_counter() - started


def folder_size(path: Path) -> int:
    """Bytes of every file under ``path``."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def tune(
    train: list[Sentence], dev: dict[str, list[Sentence]], tokenizer: Any, iterations: int
) -> dict[str, Any]:
    """Dev scores of the CRF for each (c1, c2) of :data:`GRID`, printed as they come, and
    under ``"best"`` the pair with the highest mean of person_covered and orgloc_kept."""
    results: dict[str, Any] = {}
    for c1, c2 in GRID:
        with tempfile.TemporaryDirectory(prefix="terbuka-crf-") as work:
            crf, seconds = train_crf(train, c1, c2, iterations, Path(work) / "model.crfsuite")
            pipeline = CRFPipeline(crf, tokenizer)
            scores = {name: evaluate(pipeline, sents) for name, sents in dev.items()}
        mean = sum(s["person_covered"] + s["orgloc_kept"] for s in scores.values()) / (
            2 * len(scores)
        )
        cells = "  ".join(
            f"{name} {s['person_covered']:.3f}/{s['orgloc_kept']:.3f}" for name, s in scores.items()
        )
        print(
            f"c1={c1:<5} c2={c2:<5} {cells}  mean {mean:.4f}  ({seconds:.0f} s)",
            file=sys.stderr,
        )
        results[f"c1={c1},c2={c2}"] = {"c1": c1, "c2": c2, "scores": scores, "mean": round(mean, 4)}
    chosen = max(results.values(), key=lambda r: r["mean"])
    results["best"] = (chosen["c1"], chosen["c2"])
    return results


def table(report: dict[str, Any]) -> str:
    """The report as text: one block per corpus, spaCy and CRF side by side."""
    run = report["run"]
    lines = [
        f"training sentences: {run['training_sentences']} (same for both)",
        f"CRF: lbfgs c1={run['c1']} c2={run['c2']} max_iterations={run['iterations']} "
        f"({run['crf_iterations_run']} run), {run['crf_features']} state features, "
        f"trained in {run['crf_train_s']:.0f} s (features included)",
        f"size on disk: spaCy {run['spacy_bytes'] / 2**20:.1f} MiB, "
        f"CRF {run['crf_bytes'] / 2**20:.1f} MiB",
        f"sentences/s: tokenizer + prediction, fastest of {run['speed_repeats']} passes",
    ]
    for name, models in report["dev"].items():
        lines += ["", f"{name} (dev, {models['spacy']['sentences']} sentences)"]
        lines.append(f"  {'':<16}{'spaCy':>10}{'CRF':>10}")
        for title, key in METRICS:
            spacy_value, crf_value = models["spacy"][key], models["crf"][key]
            digits = 0 if key == "sentences_per_s" else 3
            lines.append(f"  {title:<16}{spacy_value:>10.{digits}f}{crf_value:>10.{digits}f}")
    return "\n".join(lines)


def timed_scores(models: dict[str, Any], sentences: list[Sentence], repeats: int) -> dict:
    """``evaluate`` for each model, ``repeats`` times in turn, keeping the fastest speed.

    The scores are the same every time (both models are deterministic); the CPU is shared,
    so the best of a few interleaved passes is the speed least disturbed by the rest.
    """
    best: dict[str, dict[str, float]] = {}
    for _ in range(repeats):
        for name, model in models.items():
            scores = evaluate(model, sentences)
            if name in best:
                speed = max(best[name]["sentences_per_s"], scores["sentences_per_s"])
                scores["sentences_per_s"] = speed
            best[name] = scores
    return best


def compare(
    nlp: Any, train: list[Sentence], dev: dict[str, list[Sentence]], args: argparse.Namespace
) -> dict[str, Any]:
    """Train the CRF once, then score it and the shipped model on every dev split."""
    with tempfile.TemporaryDirectory(prefix="terbuka-crf-") as work:
        model_file = Path(work) / "model.crfsuite"
        crf, seconds = train_crf(train, args.c1, args.c2, args.iterations, model_file)
        run = {
            "training_sentences": len(train),
            "c1": args.c1,
            "c2": args.c2,
            "iterations": args.iterations,
            "crf_iterations_run": len(crf.training_log_.iterations),
            "crf_features": len(crf.state_features_),
            "crf_train_s": round(seconds, 1),
            "crf_bytes": model_file.stat().st_size,
            "spacy_bytes": folder_size(MODEL),
            "speed_repeats": args.repeats,
        }
        models = {"spacy": nlp, "crf": CRFPipeline(crf, nlp.tokenizer)}
        scores = {name: timed_scores(models, sents, args.repeats) for name, sents in dev.items()}
    return {"run": run, "dev": scores}


def main(argv: list[str] | None = None) -> int:
    """Train the CRF (after a c1/c2 grid with ``--tune``), print both models' dev scores."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=Path("../shared/data/pii/ner"))
    parser.add_argument("--c1", type=float, default=0.5, help="L1 penalty")
    parser.add_argument("--c2", type=float, default=0.05, help="L2 penalty")
    parser.add_argument("--iterations", type=int, default=150, help="L-BFGS max_iterations")
    parser.add_argument("--tune", action="store_true", help="first try the c1/c2 grid on dev")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes, fastest kept")
    parser.add_argument("--json", action="store_true", help="print the raw dict as JSON")
    args = parser.parse_args(argv)
    try:
        import sklearn_crfsuite  # noqa: F401
    except ImportError:
        print("bench/ner_crf.py needs sklearn-crfsuite: pip install '.[bench]'", file=sys.stderr)
        return 2
    if not args.corpora.is_dir():
        print(f"no corpora folder at {args.corpora} (pass --corpora)", file=sys.stderr)
        return 2
    import spacy

    nlp = spacy.load(MODEL)
    train, dev = training_sentences(args.corpora), load(args.corpora, "dev")
    tuning = tune(train, dev, nlp.tokenizer, args.iterations) if args.tune else None
    if tuning is not None:
        args.c1, args.c2 = tuning.pop("best")
    report = compare(nlp, train, dev, args)
    if tuning is not None:
        report["tuning"] = tuning
    print(json.dumps(report, indent=2) if args.json else table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
