"""The Presidio configuration shipped in ``privacy/presidio.yml`` (entities, model, limits)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def config() -> dict[str, Any]:
    """``privacy/presidio.yml`` as a mapping, parsed once per process.

    The NER recognizer asks for it on every call; parsing the YAML each time cost more
    than the model itself on real OCDS (issue 19). The mapping is shared: callers read
    it, and the one documented switch (``ner_model = None`` before any analyzer is built,
    ``bench/privacy_eval.py --no-model``) now takes effect as intended.
    """
    text = resources.files("terbuka.privacy").joinpath("presidio.yml").read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded
