"""Statistical models trained by terbuka and shipped inside the package.

``id_ner/`` is a small spaCy pipeline (tok2vec + NER, CPU only, a few MB) that finds
PERSON, ORGANIZATION and LOCATION in Indonesian text; ``train_ner.py`` rebuilds it from the
open corpora and ``id_ner/MODEL_CARD.md`` says what it was trained on and how well it does.
Nothing is downloaded: the model is loaded from the installed package, once per process.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

NER_MODEL = "id_ner"


def model_path(name: str = NER_MODEL) -> Any:
    """Where a shipped model lives (a folder inside the installed package)."""
    return resources.files("terbuka.privacy.models").joinpath(name)


@cache
def load_ner(name: str = NER_MODEL) -> Any:
    """The shipped spaCy NER pipeline, loaded once per process (spaCy is imported lazily).

    A missing or broken model raises: privacy fails closed rather than scanning without it.

    The saved tokenizer is not read back: it is spaCy's Indonesian default, which
    ``tokenizer.IndonesianTokenizer`` reproduces token for token without building ~16,000
    special cases (3–4 seconds of every load; ``tests/test_ner_model.py`` checks both).
    """
    import spacy

    from . import tokenizer  # registers the tokenizer the config below names

    path = model_path(name)
    if not path.joinpath("meta.json").is_file():
        raise FileNotFoundError(f"the NER model {name!r} is not installed at {path}")
    with resources.as_file(path) as folder:
        return spacy.load(
            folder,
            exclude=["parser", "tagger", "lemmatizer", "tokenizer"],
            config={"nlp": {"tokenizer": {"@tokenizers": tokenizer.REGISTERED_NAME}}},
        )
