"""The quality report in both languages, linking back to the data, readable on a 360 px phone."""

from pathlib import Path

import pytest
from test_browser import PHONE, shot

from terbuka.publish import quality_report
from terbuka.publish.report_i18n import FILES, LABELS

LONG = "https://data.example.go.id/" + "sangat-panjang-" * 20 + " and a long explanation " * 6
RECORD = {
    "dataset": "procurement",
    "run_id": "20261205T000000Z-abcdef",
    "started": "2026-12-05T00:00:00Z",
    "status": "published",
    "quality": {
        "score": 73,
        "gate": {"decision": "publish", "reasons": []},
        "flags": [
            {"id": "up-to-date", "title": "Up to date", "status": "fail", "action": "warn",
             "message": "newest releases.date is 2014-12-17 (4370 days old; monthly allows 38)"},
            {"id": "ocds-validated", "title": "OCDS releases validated", "status": "fail",
             "action": "warn", "message": "not validated: " + LONG},
            {"id": "licence", "title": "Open licence declared", "status": "pass",
             "action": "warn", "message": "CC-BY-4.0: Creative Commons Attribution 4.0"},
        ],
        "rules": [
            {"id": "award-after-tender", "description": "award after tender", "table": "awards",
             "status": "fail", "action": "warn", "message": LONG, "unexpected": 3,
             "sample": ["2014-01-01", LONG]},
        ],
        "reconciliation": {"awards": {"rows_in": 10, "rows": 9, "quarantined": 1, "duplicates": 0}},
        "completeness": {"awards": {"date": 0.5, "x" * 80: 1.0}},
    },
    "inputs": [{"path": "x" * 120 + ".json", "records": 9, "reader": "ocds", "sha256": "f" * 64}],
}  # fmt: skip


def test_the_report_is_written_in_both_languages_with_links_back(tmp_path):
    quality_report.write_both(tmp_path, RECORD, {"id": "Pengadaan", "en": "Procurement"})
    indonesian = (tmp_path / FILES["id"]).read_text()
    english = (tmp_path / FILES["en"]).read_text()
    assert '<html lang="id">' in indonesian and '<html lang="en">' in english
    assert "Laporan kualitas · Pengadaan" in indonesian and "Rincian" in indonesian
    assert "Quality report · Procurement" in english and "Details" in english
    assert "Rilis OCDS divalidasi" in indonesian and "OCDS releases validated" in english
    for html, other in ((indonesian, FILES["en"]), (english, FILES["id"])):
        assert 'href="/procurement"' in html and f'href="{other}"' in html
        assert (
            "<script" not in html and "//" not in html.split("<body>")[1].split("https://data")[0]
        )


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_label_is_given_in_both_languages(lang):
    assert all(entry[lang] or key == "info" for key, entry in LABELS.items())


@pytest.mark.parametrize("lang", ["id", "en"])
def test_details_fit_a_360px_phone_without_horizontal_scrolling(browser, tmp_path, lang):
    quality_report.write_both(tmp_path, RECORD, "Procurement")
    context = browser.new_context(viewport=PHONE)
    tab = context.new_page()
    tab.goto(Path(tmp_path / FILES[lang]).as_uri())
    shot(tab, f"quality-report-360-{lang}")
    assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    wide = tab.evaluate(
        """[...document.querySelectorAll('.table-wrap')]
             .filter(w => w.scrollWidth > w.clientWidth + 1).length"""
    )
    assert wide == 0, "a table scrolls sideways"
    details = tab.locator("td.details")
    assert details.count() == 3
    for index in range(details.count()):
        box = details.nth(index).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    label = LABELS["details"][lang]
    before = tab.evaluate(
        "getComputedStyle(document.querySelector('td.details'), '::before').content"
    )
    assert label in before, "each stacked cell says what it is"
    context.close()
