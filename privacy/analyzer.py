"""Presidio configured to run offline, for Indonesian and English text.

``AnalyzerEngine()`` with no arguments tries to download a spaCy model; here the NLP
engine comes from ``presidio.yml`` (``no_op`` by default), and nothing reaches the network:
tldextract's public-suffix fetch is switched off before Presidio is imported.

Two things Presidio does quietly are made loud or cheap here:

- a pattern that exceeds Presidio's regex timeout is logged and *skipped* — a silent
  leak. A filter on Presidio's logger turns that warning into ``RegexTimeout`` (a
  ``PrivacyError``), so the run stops instead.
- the lemma-based context enhancer never fires without an NLP model, yet deep-copies
  every result; terbuka's recognizers handle context themselves, so it is replaced by a
  pass-through.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import Any

from .errors import PrivacyError, RegexTimeout
from .settings import config

LANGUAGES = ("id", "en")
PRESIDIO_LOGGER = "presidio-analyzer"


class _TimeoutsFail(logging.Filter):
    """Raise instead of letting Presidio log a regex timeout and carry on."""

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: D102
        message = str(record.msg)
        if "timed out" in message:
            raise RegexTimeout(
                "personal-data detection timed out on a regular expression "
                f"({record.getMessage()}); the text was not fully searched"
            )
        return True


def fail_on_regex_timeouts() -> None:
    """Make sure Presidio's timeout warnings are emitted, and that they raise."""
    logger = logging.getLogger(PRESIDIO_LOGGER)
    if not any(isinstance(f, _TimeoutsFail) for f in logger.filters):
        logger.addFilter(_TimeoutsFail())
    logger.disabled = False
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)


def offline_environment() -> None:
    """Stop libraries Presidio uses from reaching the network."""
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


@cache
def build_analyzer(extra_recognizers: tuple = ()) -> Any:
    """An ``AnalyzerEngine`` with terbuka's recognizers and Presidio's offline-safe ones."""
    offline_environment()
    try:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        from .recognizers import RECOGNIZERS, IndonesianNerRecognizer

        class PassThroughEnhancer(ContextAwareEnhancer):
            """Context is handled inside terbuka's recognizers (there are no lemmas)."""

            def __init__(self):
                super().__init__(0, 0, 0, 0)

            def enhance_using_context(self, text, raw_results, *args, **kwargs):  # noqa: D102
                return raw_results

        settings = config()
        nlp_engine = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": settings["nlp_engine_name"],
                "models": settings["models"],
            }
        ).create_engine()
        registry = RecognizerRegistry(supported_languages=list(LANGUAGES))
        recognizers = [*RECOGNIZERS, *extra_recognizers]
        if not settings.get("ner_model"):  # the shipped NER model switched off
            recognizers.remove(IndonesianNerRecognizer)
        for language in LANGUAGES:
            for recognizer_class in recognizers:
                registry.add_recognizer(recognizer_class(supported_language=language))
        fail_on_regex_timeouts()
        return AnalyzerEngine(
            nlp_engine=nlp_engine,
            registry=registry,
            supported_languages=list(LANGUAGES),
            default_score_threshold=settings.get("score_threshold", 0.5),
            context_aware_enhancer=PassThroughEnhancer(),
        )
    except Exception as error:  # any failure to set up detection must stop publication
        raise PrivacyError(f"cannot set up personal-data detection: {error}") from error


@cache
def shared_analyzer(extra_recognizers: tuple = ()) -> Any:
    """One analyzer per process (and set of plugin recognizers): building it takes seconds."""
    return build_analyzer(extra_recognizers)


def build_anonymizer() -> Any:
    """Presidio's ``AnonymizerEngine``."""
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()
