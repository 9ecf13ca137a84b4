"""Every message catalogue has each key in both languages with the same placeholders."""

from __future__ import annotations

import string

import pytest

from terbuka.datasette_plugins import i18n, pages, versions
from terbuka.pipelines.red_flags.base import CITATIONS, TEXTS
from terbuka.publish import report_i18n

CATALOGUES = {
    "site": i18n.LABELS,
    "pages": pages.LABELS,
    "versions": versions.TEXT,
    "report": report_i18n.LABELS,
    "red_flag_citations": CITATIONS,
    # The indicators' words, one catalogue per kind of text (title, definition, explain).
    **{
        f"red_flag_{kind}": {flag_id: texts[kind] for flag_id, texts in TEXTS.items()}
        for kind in ("title", "definition", "explain")
    },
}


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a text fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("catalogue", sorted(CATALOGUES))
def test_catalogue_has_both_languages_with_the_same_placeholders(catalogue):
    messages = CATALOGUES[catalogue]
    assert messages, catalogue
    for key, texts in messages.items():
        assert set(texts) == {"id", "en"}, key
        assert placeholders(texts["id"]) == placeholders(texts["en"]), key
        assert texts["en"] or key == "info", key


def test_placeholders_are_found():
    assert placeholders("{passed} of {total} checks") == {"passed", "total"}
    assert placeholders("no names") == set()
