"""Column descriptions follow the reader's language everywhere on a table page (issue 17).

Datasette's own ``<dl class="column-descriptions">`` block, the terbuka panel and the
page's schema.org JSON-LD (``variableMeasured``) all show the descriptor's Indonesian
descriptions in ``id`` mode and the Table Schema's English in ``en`` mode.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import site_get

ID_TEXT = "Pengenal rilis ini dalam proses pengadaan."
EN_TEXT = "Identifier of this release within the contracting process."


@pytest.fixture(scope="module")
def site(published_demo):
    """The session's published demo (generated data, read-only): no run of its own."""
    out, _ = published_demo
    return out


def datasette_block(html: str) -> dict[str, str]:
    """Datasette's column-description list as ``{column: text}``."""
    block = re.search(r'<dl class="column-descriptions">(.*?)</dl>', html, re.S)
    assert block, "Datasette's column-description block is missing"
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block.group(1), re.S)
    return {name.strip(): text.strip() for name, text in pairs}


def jsonld_columns(html: str) -> dict[str, str]:
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    document = json.loads(script.group(1))
    return {v["name"]: v["description"] for v in document["variableMeasured"]}


@pytest.mark.parametrize(
    ("lang", "shown", "hidden"), [("id", ID_TEXT, EN_TEXT), ("en", EN_TEXT, ID_TEXT)]
)
def test_datasettes_block_panel_and_jsonld_switch_language(site, lang, shown, hidden):
    (page,) = site_get(site, f"/procurement/releases?_lang={lang}")
    assert page.status_code == 200
    html = page.text
    block = datasette_block(html)
    assert block["release_id"] == shown
    assert jsonld_columns(html)["release_id"] == shown
    panel = re.search(r'<dl class="tbk-columns">(.*?)</dl>', html, re.S).group(1)
    assert shown in panel
    assert hidden not in html
    # Every published column is listed, none lost by the switch.
    assert set(block) == set(jsonld_columns(html)) and "source_sha256" in block


def test_the_language_cookie_switches_the_block_too(site):
    (page,) = site_get(site, "/procurement/releases?_lang=en")
    assert datasette_block(page.text)["date"].startswith("When this release was published")
    (page,) = site_get(site, "/procurement/releases")  # no choice: Indonesian, the default
    assert datasette_block(page.text)["date"].startswith("Waktu rilis ini diterbitkan")


def test_failing_quality_flags_show_in_the_panel_in_the_readers_language(site):
    en, id_ = site_get(site, "/procurement?_lang=en", "/procurement?_lang=id")

    def failing(html: str) -> str:
        found = re.search(r'<details class="tbk-failing">(.*?)</details>', html, re.S)
        assert found, "the panel lists no failing flag"
        return found.group(1)

    def items(html: str) -> dict[str, str]:
        return dict(re.findall(r'<li data-flag="([^"]+)">(.*?)</li>', failing(html), re.S))

    english, indonesian = items(en.text), items(id_.text)
    assert english and set(english) == set(indonesian)
    for flag, text in english.items():
        assert indonesian[flag] != text, flag  # every message of a built-in flag translated
    # Generated 2024 data read as monthly is overdue; its message, in both languages:
    assert "days old; monthly allows" in english["up-to-date"]
    assert "<strong>Data mutakhir</strong>" in indonesian["up-to-date"]
    assert "hari; bulanan membolehkan" in indonesian["up-to-date"]
