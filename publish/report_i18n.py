"""The quality report's words in Bahasa Indonesia and English, like the site's labels.

The report is written once per language: ``quality.html`` in Indonesian (the site's
default language) and ``quality.en.html`` in English; each links to the other and back
to the dataset's pages. Titles of the built-in flags are translated here by their
stable ids; check results' messages come translated in the run record (``message_id``,
``description_id``, written by ``pipelines/quality/check_messages.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LANGUAGES = ("id", "en")
FILES = {"id": "quality.html", "en": "quality.en.html"}

LABELS: dict[str, dict[str, str]] = {
    "report": {"id": "Laporan kualitas", "en": "Quality report"},
    "dataset": {"id": "Dataset", "en": "Dataset"},
    "run": {"id": "proses", "en": "run"},
    "dry_run": {"id": "uji coba", "en": "dry run"},
    "status": {"id": "status", "en": "status"},
    "back": {"id": "← kembali ke data", "en": "← back to the data"},
    "other_language": {"id": "English", "en": "Bahasa Indonesia"},
    "summary": {"id": "Ringkasan", "en": "Summary"},
    "score_title": {
        "id": "Porsi tanda kualitas yang lolos",
        "en": "Share of quality flags that pass",
    },
    "stopped": {"id": "dihentikan", "en": "stopped"},
    "stopped_text": {
        "id": "Gerbang kualitas menghentikan publikasi; publikasi sebelumnya tidak berubah.",
        "en": "The quality gate stopped publication; the previous publication is unchanged.",
    },
    "passed": {"id": "lolos", "en": "passed"},
    "passed_text": {
        "id": "Gerbang kualitas meloloskan publikasi ini.",
        "en": "The quality gate let this publication through.",
    },
    "flags": {"id": "Tanda kualitas", "en": "Quality flags"},
    "flags_intro": {
        "id": "Skor adalah porsi tanda yang berlaku yang lolos (mengikuti skor kualitas data.gouv.fr).",
        "en": "The score is the share of applicable flags that pass (in the spirit of data.gouv.fr's quality score).",
    },
    "flag": {"id": "Tanda", "en": "Flag"},
    "result": {"id": "Hasil", "en": "Result"},
    "action": {"id": "Tindakan bila gagal", "en": "Action on failure"},
    "details": {"id": "Rincian", "en": "Details"},
    "rows": {"id": "Semua baris tercatat", "en": "Rows accounted for"},
    "rows_intro": {
        "id": "Setiap baris yang dibaca dipublikasikan, dikarantina atau dihitung sebagai duplikat.",
        "en": "Every row read is published, quarantined or counted as a duplicate.",
    },
    "table": {"id": "Tabel", "en": "Table"},
    "rows_in": {"id": "Baris masuk", "en": "Rows in"},
    "published": {"id": "Dipublikasikan", "en": "Published"},
    "quarantined": {"id": "Dikarantina", "en": "Quarantined"},
    "duplicates": {"id": "Duplikat", "en": "Duplicates"},
    "reconciled": {"id": "Cocok", "en": "Reconciled"},
    "yes": {"id": "ya", "en": "yes"},
    "unaccounted": {"id": "tidak tercatat", "en": "unaccounted"},
    "rules": {"id": "Aturan bisnis", "en": "Business rules"},
    "rules_note": {
        "id": "(expectations.yml, dijalankan dengan Great Expectations)",
        "en": "(expectations.yml, run with Great Expectations)",
    },
    "rule": {"id": "Aturan", "en": "Rule"},
    "rule_action": {"id": "Tindakan", "en": "Action"},
    "failing": {"id": "Baris gagal", "en": "Failing rows"},
    "examples": {"id": "Contoh", "en": "Examples"},
    "no_rules": {
        "id": "Tidak ada aturan untuk dataset ini",
        "en": "No rules are declared for this dataset",
    },
    "quarantine": {"id": "Baris dikarantina per pemeriksaan", "en": "Quarantined rows by check"},
    "quarantine_intro": {
        "id": "Tidak dipublikasikan; disimpan dengan alasannya di tabel",
        "en": "Not published; kept with the reason in the table",
    },
    "check": {"id": "Pemeriksaan", "en": "Check"},
    "no_quarantine": {"id": "Tidak ada baris yang dikarantina.", "en": "No row was quarantined."},
    "notes": {"id": "Catatan kualitas per pemeriksaan", "en": "Quality notes by check"},
    "notes_intro": {
        "id": "Dipublikasikan, dengan catatan di tabel",
        "en": "Published, with a note in the table",
    },
    "notes_count": {"id": "Catatan", "en": "Notes"},
    "no_notes": {"id": "Tidak ada catatan kualitas.", "en": "No quality notes."},
    "package": {
        "id": "Validasi Data Package (Frictionless)",
        "en": "Data Package validation (Frictionless)",
    },
    "package_skipped": {
        "id": "Paket tidak divalidasi dalam proses ini.",
        "en": "The package was not validated in this run.",
    },
    "valid": {"id": "valid", "en": "valid"},
    "package_valid": {
        "id": "dan setiap CSV valid menurut Frictionless.",
        "en": "and every CSV validate with Frictionless.",
    },
    "completeness": {"id": "Kelengkapan per kolom", "en": "Completeness per column"},
    "column": {"id": "Kolom", "en": "Column"},
    "filled": {"id": "Terisi", "en": "Filled"},
    "filled_label": {"id": "terisi", "en": "filled"},
    "no_rows": {"id": "Tidak ada baris yang dipublikasikan.", "en": "No published rows."},
    "inputs": {"id": "Masukan", "en": "Inputs"},
    "source": {"id": "Sumber", "en": "Source"},
    "records": {"id": "Rekaman", "en": "Records"},
    "read_as": {"id": "Dibaca sebagai", "en": "Read as"},
    "delimiter": {"id": "pemisah", "en": "delimiter"},
    "header_row": {"id": "baris judul", "en": "header row"},
    "pass": {"id": "lolos", "en": "pass"},
    "fail": {"id": "gagal", "en": "fail"},
    "skip": {"id": "t/a", "en": "n/a"},
    "error": {"id": "galat", "en": "error"},
    "info": {"id": "", "en": ""},
    "warn": {"id": "peringatan", "en": "warn"},
    "stop": {"id": "hentikan", "en": "stop"},
}

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
