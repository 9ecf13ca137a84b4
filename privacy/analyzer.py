"""Presidio configured to run offline, for Indonesian and English text.

``AnalyzerEngine()`` with no arguments tries to download a spaCy model; here the NLP
engine comes from ``presidio.yml`` (``no_op`` by default), and nothing reaches the network:
tldextract's public-suffix fetch is switched off before Presidio is imported.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from typing import Any

import yaml

LANGUAGES = ("id", "en")


class PrivacyError(RuntimeError):
    """Detection or anonymisation failed: nothing may be published."""


def offline_environment() -> None:
    """Stop libraries Presidio uses from reaching the network."""
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


@cache
def config() -> dict[str, Any]:
    """The Presidio configuration shipped in ``privacy/presidio.yml``."""
    text = resources.files("terbuka.privacy").joinpath("presidio.yml").read_text("utf-8")
    return yaml.safe_load(text)


def build_analyzer(extra_recognizers: tuple = ()) -> Any:
    """An ``AnalyzerEngine`` with terbuka's recognizers and Presidio's offline-safe ones."""
    offline_environment()
    try:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NlpEngineProvider
        from presidio_analyzer.predefined_recognizers import EmailRecognizer, IbanRecognizer

        from .recognizers import RECOGNIZERS

        settings = config()
        nlp_engine = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": settings["nlp_engine_name"],
                "models": settings["models"],
            }
        ).create_engine()
        registry = RecognizerRegistry(supported_languages=list(LANGUAGES))
        for language in LANGUAGES:
            for recognizer_class in (*RECOGNIZERS, *extra_recognizers):
                registry.add_recognizer(recognizer_class(supported_language=language))
            registry.add_recognizer(EmailRecognizer(supported_language=language))
            registry.add_recognizer(IbanRecognizer(supported_language=language))
        return AnalyzerEngine(
            nlp_engine=nlp_engine,
            registry=registry,
            supported_languages=list(LANGUAGES),
            default_score_threshold=settings.get("score_threshold", 0.5),
        )
    except Exception as error:  # any failure to set up detection must stop publication
        raise PrivacyError(f"cannot set up personal-data detection: {error}") from error


@cache
def shared_analyzer() -> Any:
    """One analyzer per process: building it (and importing spaCy) takes seconds."""
    return build_analyzer()


def build_anonymizer() -> Any:
    """Presidio's ``AnonymizerEngine``."""
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()
