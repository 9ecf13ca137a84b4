"""The steward's quality report: one self-contained HTML page per run.

Rendered from the run record alone (``record["quality"]``, ``tables``, ``inputs``), so a
stopped run — whose record is all that is left — gets the same report as a published one.
Styles are inline and there is no script and no external asset: the page opens offline,
from a file, in any browser. Published runs put it beside the Data Package
(``DIR/<dataset>/quality.html``); every run also leaves it beside its run record
(``DIR/.runs/<dataset>/<run_id>.quality.html``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

REPORT = "quality.html"
STATUS_LABELS = {
    "pass": "pass",
    "fail": "fail",
    "skip": "n/a",
    "error": "error",
    "quarantined": "quarantined",
    "info": "",
}


@cache
def _template() -> Any:
    import jinja2

    text = resources.files("terbuka.publish").joinpath("templates/quality.html").read_text("utf-8")
    environment = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    environment.filters["percent"] = lambda v: "" if v is None else f"{float(v) * 100:.0f}%"
    return environment.from_string(text)


def render(record: dict[str, Any], title: Any = "", lang: str = "en") -> str:
    """The report for one run record, in ``lang`` (``id`` or ``en``).

    ``title`` is a string or a descriptor text (``{id: …, en: …}``).
    """
    from . import report_i18n

    if isinstance(title, dict):
        title = title.get(lang) or next(iter(title.values()), "")
    quality = record.get("quality") or {}
    reconciliation = quality.get("reconciliation") or {}
    tables = [
        {"name": name, **counts, "ok": not counts.get("unaccounted")}
        for name, counts in reconciliation.items()
    ]
    return _template().render(
        record=record,
        title=title or record.get("dataset", ""),
        quality=quality,
        score=quality.get("score"),
        gate=quality.get("gate") or {},
        flags=quality.get("flags") or [],
        rules=quality.get("rules") or [],
        tables=tables,
        completeness=quality.get("completeness") or {},
        quarantined=sorted((quality.get("quarantined_by_check") or {}).items()),
        notes=sorted((quality.get("notes_by_check") or {}).items()),
        package_errors=quality.get("package_errors"),
        labels=STATUS_LABELS,
        inputs=record.get("inputs") or [],
        lang=lang,
        t=report_i18n.translator(lang),
        flag_title=lambda flag: report_i18n.flag_title(flag, lang),
        words=lambda item, key: report_i18n.words(item, key, lang),
        # Root-relative, so the file stays offline-clean; the site's route fixes the base.
        back_url="/" + str(record.get("dataset", "")),
        other_lang="en" if lang == "id" else "id",
        other_file=report_i18n.FILES["en" if lang == "id" else "id"],
    )


def write(path: Path, record: dict[str, Any], title: Any = "") -> None:
    """Write the report for ``record`` to ``path`` in English."""
    path.write_text(render(record, title), encoding="utf-8")


def write_both(folder: Path, record: dict[str, Any], title: Any = "") -> None:
    """The published report in both languages, each linking to the other and to the data.

    ``quality.html`` is Indonesian (the site's default language), ``quality.en.html`` English.
    """
    from .report_i18n import FILES

    for lang, name in FILES.items():
        (folder / name).write_text(render(record, title, lang), encoding="utf-8")


def write_for_run(path: Path, record: Mapping[str, Any], title: str = "") -> Path | None:
    """Leave the report at ``path`` beside the run record, whatever the run's status.

    The runner names the place (``pipelines/record.py``); runs without quality results
    (unchanged, or stopped before the gate) get no report.
    """
    quality = record.get("quality") or {}
    if record.get("status") == "unchanged" or not (quality.get("flags") or quality.get("rules")):
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path, dict(record), title)
        return path
    except Exception:  # a courtesy beside the record: it must never turn a run into a crash
        return None
