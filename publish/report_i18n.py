"""The quality report's words in Bahasa Indonesia and English, like the site's labels.

The report is written once per language: ``quality.html`` in Indonesian (the site's
default language) and ``quality.en.html`` in English; each links to the other and back
to the dataset's pages. Titles of the built-in flags are translated here by their
stable ids; check results' messages come translated in the run record (``message_id``,
``description_id``, written by ``pipelines/quality/check_messages.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

LANGUAGES = ("id", "en")
FILES = {"id": "quality.html", "en": "quality.en.html"}

LABELS: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).parent / "messages" / "report.json").read_text("utf-8")
)

FLAG_TITLES_ID = {
    "licence": "Lisensi terbuka dinyatakan",
    "description": "Dataset dideskripsikan",
    "column-descriptions": "Kolom didokumentasikan",
    "update-frequency": "Frekuensi pembaruan dinyatakan",
    "up-to-date": "Data mutakhir",
    "schema-valid": "Data Package valid (Frictionless)",
    "completeness": "Kolom terisi",
    "duplicates": "Sedikit duplikat",
    "checks-passed": "Aturan bisnis lolos",
    "quarantined": "Sedikit baris dikarantina",
    "reconciled": "Semua baris tercatat",
    "publishable": "Tabel utama dipublikasikan",
    "publisher": "Penerbit disebutkan",
    "source-metadata": "Sumber sesuai dengan deskriptor",
    "ocds-validated": "Rilis OCDS divalidasi",
}


def translator(lang: str) -> Callable[[str], str]:
    """``t(key)``: a label in ``lang`` (the key itself when there is none)."""

    def t(key: str) -> str:
        entry = LABELS.get(key)
        return entry.get(lang, entry["en"]) if entry else key

    return t


def flag_title(flag: dict[str, Any], lang: str) -> str:
    """A flag's title in ``lang`` (Indonesian for the built-in flags, else as registered)."""
    if lang == "id" and flag.get("title_id"):
        return str(flag["title_id"])
    if lang == "id" and flag.get("id") in FLAG_TITLES_ID:
        return FLAG_TITLES_ID[flag["id"]]
    return str(flag.get("title") or flag.get("id") or "")


def words(item: dict[str, Any], key: str, lang: str) -> str:
    """A flag's or rule's ``message``/``description`` in ``lang`` (``<key>_id`` in Indonesian)."""
    if lang == "id" and item.get(f"{key}_id"):
        return str(item[f"{key}_id"])
    return str(item.get(key) or "")
