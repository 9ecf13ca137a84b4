"""Each quality check's messages in Bahasa Indonesia and English.

Checks write their result messages in English (the run record, the logs and
``_quality_notes`` keep that one form). The quality report and the site show them in
the reader's language: every check's message templates are listed in ``messages.json``
by its stable id, each with an Indonesian version, and ``translate()`` matches a message
against the English templates and fills the Indonesian one with the same values.

A plugin check brings its own translations as a class attribute ``messages`` (a list
of ``{"en": …, "id": …}``), which comes first. A message that matches no template is
shown as written, never guessed at; ``tests/test_check_messages.py`` fails when a
registered check, or a message its code can produce, has no Indonesian version.

Templates use ``str.format`` names; in the English version each name matches any text
(shortest first), so ``{n} rows failed`` reads ``12 rows failed`` back as ``n = 12``.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
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

# Every check's templates by its id: rules (the rule in words, ``describe``), flags, and
# pipeline checks (their notes in ``_quality_notes``), kept as data in ``messages.json``.
MESSAGES: dict[str, list[Template]] = json.loads(
    (Path(__file__).parent / "messages.json").read_text("utf-8")
)

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
