"""Each quality check's messages in Bahasa Indonesia and English.

Checks write their result messages in English (the run record, the logs and
``_quality_notes`` keep that one form). The quality report and the site show them in
the reader's language: every check's message templates are listed here by its stable
id, each with an Indonesian version, and ``translate()`` matches a message against the
English templates and fills the Indonesian one with the same values.

A plugin check brings its own translations as a class attribute ``messages`` (a list
of ``{"en": …, "id": …}``), which comes first. A message that matches no template is
shown as written, never guessed at; ``tests/test_check_messages.py`` fails when a
registered check, or a message its code can produce, has no Indonesian version.

Templates use ``str.format`` names; in the English version each name matches any text
(shortest first), so ``{n} rows failed`` reads ``12 rows failed`` back as ``n = 12``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

Template = dict[str, str]

# Words that appear as values inside messages (frequencies, where a publisher came from).
WORDS_ID = {
    "continuous": "terus-menerus",
    "daily": "harian",
    "weekly": "mingguan",
    "monthly": "bulanan",
    "quarterly": "triwulanan",
    "biannual": "semesteran",
    "annual": "tahunan",
    "irregular": "tidak tetap",
    "none declared": "tidak dinyatakan",
    "descriptor": "deskriptor",
    "source": "sumber",
    "demo": "demo",
}

# What the quality gate says of any rule's result (not one check's own words).
RULE_RESULTS: list[Template] = [
    {"en": "passed", "id": "lolos"},
    {
        "en": "{count} rows failed and were quarantined",
        "id": "{count} baris gagal dan dikarantina",
    },
    {"en": "failed (observed {observed})", "id": "gagal (teramati {observed})"},
    {"en": "{count} rows failed", "id": "{count} baris gagal"},
]

MESSAGES: dict[str, list[Template]] = {
    # --- rules: the rule in words (``describe``), shown where a steward gave none ---
    "not-null": [{"en": "{column} has a value", "id": "{column} berisi nilai"}],
    "unique": [{"en": "{column} is unique", "id": "{column} unik"}],
    "between": [
        {
            "en": "{column} ≥ {min} and {column2} ≤ {max}",
            "id": "{column} ≥ {min} dan {column2} ≤ {max}",
        },
        {"en": "{column} ≥ {min}", "id": "{column} ≥ {min}"},
        {"en": "{column} ≤ {max}", "id": "{column} ≤ {max}"},
    ],
    "date-between": [
        {
            "en": "{column} not before {min} and {column2} not after {max}",
            "id": "{column} tidak sebelum {min} dan {column2} tidak sesudah {max}",
        },
        {"en": "{column} not before {min}", "id": "{column} tidak sebelum {min}"},
        {"en": "{column} not after {max}", "id": "{column} tidak sesudah {max}"},
    ],
    "regex": [{"en": "{column} matches {pattern}", "id": "{column} cocok dengan pola {pattern}"}],
    "in-set": [{"en": "{column} is one of {values}", "id": "{column} salah satu dari {values}"}],
    "length-between": [
        {
            "en": "length of {column} between {min} and {max}",
            "id": "panjang {column} antara {min} dan {max}",
        }
    ],
    "row-count": [{"en": "between {min} and {max} rows", "id": "antara {min} dan {max} baris"}],
    "column-pair": [{"en": "{left} {op} {right}", "id": "{left} {op} {right}"}],
    "sql": [{"en": "custom SQL rule", "id": "aturan SQL khusus"}],
    # --- flags ---
    "licence": [
        {"en": "{spdx} is not an open licence", "id": "{spdx} bukan lisensi terbuka"},
        {"en": "{spdx}: {title}", "id": "{spdx}: {title}"},
    ],
    "description": [
        {"en": "description of {length} characters", "id": "deskripsi sepanjang {length} karakter"},
        {
            "en": "no description, or one shorter than 40 characters",
            "id": "tidak ada deskripsi, atau kurang dari 40 karakter",
        },
    ],
    "column-descriptions": [
        {"en": "no published columns", "id": "tidak ada kolom yang dipublikasikan"},
        {
            "en": "{share} of {count} columns have a description",
            "id": "{share} dari {count} kolom memiliki deskripsi",
        },
    ],
    "update-frequency": [
        {
            "en": "no update_frequency in dataset.yml",
            "id": "tidak ada update_frequency di dataset.yml",
        },
        {"en": "updated {frequency}", "id": "diperbarui {frequency}"},
    ],
    "up-to-date": [
        {
            "en": "no regular update frequency ({frequency})",
            "id": "tidak ada frekuensi pembaruan tetap ({frequency})",
        },
        {
            "en": "no date column to judge freshness (set quality.freshness)",
            "id": "tidak ada kolom tanggal untuk menilai kemutakhiran (atur quality.freshness)",
        },
        {"en": "no dates in {column}", "id": "tidak ada tanggal di {column}"},
        {
            "en": "{column} holds {value}, not a date",
            "id": "{column} berisi {value}, bukan tanggal",
        },
        {
            "en": "newest {column} is {newest} ({age} days old; {frequency} allows {allowed})",
            "id": "{column} terbaru adalah {newest} (berumur {age} hari; {frequency} membolehkan {allowed})",
        },
    ],
    "schema-valid": [
        {"en": "the package was not validated", "id": "paket tidak divalidasi"},
        {"en": "valid", "id": "valid"},
    ],
    "completeness": [
        {"en": "no published rows", "id": "tidak ada baris yang dipublikasikan"},
        {
            "en": "{mean} of cells filled on average (minimum {wanted})",
            "id": "rata-rata {mean} sel terisi (minimum {wanted})",
        },
    ],
    "duplicates": [
        {"en": "no rows read", "id": "tidak ada baris yang dibaca"},
        {
            "en": "{count} duplicate rows ({share} of {rows_in} rows in)",
            "id": "{count} baris duplikat ({share} dari {rows_in} baris masuk)",
        },
    ],
    "checks-passed": [
        {
            "en": "no rules declared in expectations.yml",
            "id": "tidak ada aturan yang dinyatakan di expectations.yml",
        },
        {
            "en": "{passed} of {total} rules pass on the published data",
            "id": "{passed} dari {total} aturan lolos pada data yang dipublikasikan",
        },
    ],
    "quarantined": [
        {
            "en": "{count} rows quarantined; at most {share} of a table",
            "id": "{count} baris dikarantina; paling banyak {share} dari satu tabel",
        },
        {
            "en": "{share} of {table} quarantined (more than {limit})",
            "id": "{share} dari {table} dikarantina (lebih dari {limit})",
        },
    ],
    "reconciled": [
        {
            "en": "rows in = published + quarantined + duplicates, in every table",
            "id": "baris masuk = dipublikasikan + dikarantina + duplikat, di setiap tabel",
        },
        {
            "en": "{table}: {rows_in} rows in but {rows} published + {quarantined} quarantined + {duplicates} duplicates",
            "id": "{table}: {rows_in} baris masuk tetapi {rows} dipublikasikan + {quarantined} dikarantina + {duplicates} duplikat",
        },
    ],
    "publishable": [
        {"en": "no main table", "id": "tidak ada tabel utama"},
        {
            "en": "{count} rows published to {table}",
            "id": "{count} baris dipublikasikan ke {table}",
        },
        {
            "en": "none of the {count} records read could be published to {table} ({quarantined} quarantined); see _quarantine in the dry-run output",
            "id": "tidak satu pun dari {count} rekaman yang dibaca dapat dipublikasikan ke {table} ({quarantined} dikarantina); lihat _quarantine di keluaran uji coba",
        },
    ],
    "publisher": [
        {
            "en": "publisher not set — create your own descriptor with `terbuka init`",
            "id": "penerbit belum ditetapkan — buat deskriptor Anda sendiri dengan `terbuka init`",
        },
        {"en": "{name} (from the {where})", "id": "{name} (dari {where})"},
    ],
    "source-metadata": [
        {
            "en": "the sources name no publisher or licence of their own",
            "id": "sumber tidak menyebut penerbit atau lisensinya sendiri",
        },
        {
            "en": "the sources' publisher and licence agree with the descriptor",
            "id": "penerbit dan lisensi sumber sesuai dengan deskriptor",
        },
        # A conflict (pipelines/provenance.py); several are joined with "; ".
        {
            "en": "the descriptor names the publisher {mine}, the sources {theirs}",
            "id": "deskriptor menyebut penerbit {mine}, sumber menyebut {theirs}",
        },
        {
            "en": "the descriptor's licence is {spdx}, the sources state {text}",
            "id": "lisensi deskriptor adalah {spdx}, sumber menyatakan {text}",
        },
    ],
    "ocds-validated": [
        {
            "en": "not validated: the OCDS release schema was unavailable (offline?)",
            "id": "tidak divalidasi: skema rilis OCDS tidak tersedia (luring?)",
        },
        {"en": "no OCDS releases", "id": "tidak ada rilis OCDS"},
        {
            "en": "releases validated against the OCDS release schema",
            "id": "rilis divalidasi terhadap skema rilis OCDS",
        },
    ],
    # --- pipeline checks: their notes in _quality_notes ---
    "budget-children-sum": [
        {
            "en": "{line}: {measure} {parent} but its {count} children add up to {total} (difference {difference}; rounding allows {allowed})",
            "id": "{line}: {measure} {parent} tetapi {count} rinciannya berjumlah {total} (selisih {difference}; pembulatan membolehkan {allowed})",
        }
    ],
    "budget-balance": [
        {
            "en": "{line}: surplus/(deficit) {measure} {value} but revenue − expenditure is {expected}",
            "id": "{line}: surplus/(defisit) {measure} {value} tetapi pendapatan − belanja adalah {expected}",
        }
    ],
    "budget-reported-absorption": [
        {
            "en": "{line}: the source reports {reported} % but its amounts give {computed} %",
            "id": "{line}: sumber melaporkan {reported} % tetapi nilainya menghasilkan {computed} %",
        }
    ],
}

# Checks whose message may be several messages joined with "; ".
JOINED = {"source-metadata"}
FIELD = re.compile(r"\{(\w+)\}")


def templates(check: Any) -> list[Template]:
    """A registered check's templates: its own ``messages`` first, then the built-in ones."""
    own = list(getattr(check, "messages", None) or [])
    return own + MESSAGES.get(getattr(check, "id", ""), [])


@cache
def _pattern(english: str) -> re.Pattern[str]:
    parts, last = [], 0
    for match in FIELD.finditer(english):
        parts.append(re.escape(english[last : match.start()]))
        parts.append(f"(?P<{match.group(1)}>.+?)")
        last = match.end()
    parts.append(re.escape(english[last:]))
    return re.compile("".join(parts), re.S)


def _one(options: list[Template], message: str, lang: str) -> str | None:
    for template in options:
        found = _pattern(template["en"]).fullmatch(message)
        if found:
            values = {
                k: WORDS_ID.get(v, v) if lang == "id" else v for k, v in found.groupdict().items()
            }
            return template[lang].format(**values)
    return None


def translate(check_id: str | None, message: str, lang: str, check: Any = None) -> str:
    """``message`` (as a check wrote it, in English) in ``lang``; as written if no template fits.

    ``check_id`` is the check's id (a flag's ``id``, a rule's ``check``); ``None`` for
    the gate's words about a rule's result.
    """
    if lang == "en" or not message:
        return message
    if check is None and check_id:
        check = _registered(check_id)
    options = templates(check) if check is not None else MESSAGES.get(check_id or "", [])
    options = options if check_id else RULE_RESULTS
    if check_id in JOINED and "; " in message:
        parts = [_one(options, part, lang) for part in message.split("; ")]
        if all(p is not None for p in parts):
            return "; ".join(p for p in parts if p)
    found = _one(options, message, lang)
    return message if found is None else found


def rule_result(message: str, lang: str) -> str:
    """The gate's words about a rule's result (``12 rows failed``) in ``lang``."""
    return translate(None, message, lang)


def _registered(check_id: str) -> Any:
    """The registered check with this id (built-in or a plugin's), or ``None``."""
    from ..plugins import checks

    try:
        return checks().get(check_id)
    except Exception:  # noqa: BLE001 - a broken plugin must not break a report's words
        return None


def localise(quality: dict[str, Any]) -> dict[str, Any]:
    """The run record's ``quality`` with each flag's and rule's words in Indonesian too.

    Adds ``title_id`` and ``message_id`` to flags, ``description_id`` and ``message_id``
    to rules (copies: the gate's own lists stay as they are). The quality report and the
    site's panel, which may not import the pipeline, read these.
    """
    from terbuka.publish.report_i18n import FLAG_TITLES_ID

    flags = []
    for flag in quality.get("flags") or []:
        flags.append(
            {
                **flag,
                "title_id": FLAG_TITLES_ID.get(flag.get("id"), flag.get("title", "")),
                "message_id": translate(flag.get("id"), str(flag.get("message") or ""), "id"),
            }
        )
    rules = []
    for rule in quality.get("rules") or []:
        rules.append(
            {
                **rule,
                "description_id": translate(
                    rule.get("check"), str(rule.get("description") or ""), "id"
                ),
                "message_id": rule_result(str(rule.get("message") or ""), "id"),
            }
        )
    return {**quality, "flags": flags, "rules": rules}
