"""What every red-flag indicator shares: its identity, its settings, and a few helpers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from ..errors import UsageError

# Cardinal excludes cancelled contracting processes from every indicator; so do we.
NOT_CANCELLED = "coalesce(t.status, '') != 'cancelled'"
# terbuka's own indicators: their section of docs/red-flags.md (the site serves the same
# as /-/terbuka/<database>/red-flags, from the published red_flag_indicators).
METHODOLOGY = "docs/red-flags.md#{}"
# Cardinal's documentation of the indicators it defines (by number: R024 → 024).
CARDINAL_DOCS = (
    "https://github.com/open-contracting/cardinal-rs/blob/main/docs/cli/indicators/R/{}.md"
)
# The built-in indicators' words by id: title, definition and explain, each with its
# Indonesian and English side by side (a reviewer reads the methodology in one place).
TEXTS: dict[str, dict[str, dict[str, str]]] = json.loads(
    (Path(__file__).parent / "texts.json").read_text("utf-8")
)
# What each citation (``Source.about``) and each ICW match note says, by key, in both
# languages: the methodology page reads them in the reader's language.
CITATIONS: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).parent / "citations.json").read_text("utf-8")
)


class RedFlagError(UsageError):
    """A descriptor switches on an unknown indicator or gives it a wrong setting."""


class Flag(NamedTuple):
    """One flagged contracting process.

    ``value`` is the indicator's output as its methodology defines it (Cardinal's
    indicators output 1.0 for a raised flag); ``measure`` is the number the rule compared
    with ``threshold`` (days, tenderers, a ratio, a share), so a reader can check it.
    """

    ocid: str
    value: float
    measure: float | None
    threshold: float | None
    detail: str


class PartyFlag(NamedTuple):
    """One flagged organisation: a buyer, a procuring entity or a tenderer (supplier).

    Cardinal computes some indicators per organisation (R025, R038, R048) and, with some
    per-process indicators, also flags the tenderers involved (value 0.0 or 1.0, as its
    documentation says). ``processes`` is how many contracting processes the finding
    rests on.
    """

    role: str  # "buyer", "procuring_entity" or "tenderer"
    party_id: str
    value: float
    measure: float | None
    threshold: float | None
    processes: int | None
    detail: str
    name: str | None = None


class Source(NamedTuple):
    """A regulation (and article) an indicator's rule or default value is taken from.

    ``about`` is the key of what it says in ``citations.json`` (both languages).
    ``valid_from``/``valid_until`` are the ISO dates the rule applies between (None: open
    ended). ``verified`` is True only when the article and the value were read in a
    quoted text: ``quote`` is that sentence as found (in Indonesian), ``evidence`` where;
    anything else is published as **unverified**. ``settings`` names the thresholds whose
    defaults this article sets.
    """

    regulation: str
    article: str | None
    about: str
    valid_from: str | None
    valid_until: str | None = None
    verified: bool = False
    evidence: str | None = None
    settings: tuple[str, ...] = ()
    quote: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The published shape (``red_flag_indicators.sources``).

        ``about`` is in English, ``about_id`` in Indonesian.
        """
        texts = CITATIONS[self.about]
        return {
            **self._asdict(),
            "about": texts["en"],
            "about_id": texts["id"],
            "settings": list(self.settings),
        }


class RedFlag:
    """Base class: subclasses set the class attributes and implement ``evaluate``."""

    id: ClassVar[str] = ""
    origin: ClassVar[str] = "terbuka"  # or "cardinal"
    title: ClassVar[dict[str, str]] = {}
    definition: ClassVar[dict[str, str]] = {}
    # How one flag reads, with {measure} and {threshold} filled in.
    explain: ClassVar[dict[str, str]] = {}
    methodology_url: ClassVar[str] = ""
    # What ``measure`` and ``threshold`` count, so the site shows them readably: "days",
    # "count", "share" (0–1, shown in %), "ratio" (shown as ×) or "amount" (money).
    measure_unit: ClassVar[str] = "number"
    defaults: ClassVar[dict[str, Any]] = {}
    # What it flags: "tender" (contracting processes) and/or organisation roles ("buyer",
    # "procuring_entity", "tenderer"); the risk score reads it.
    subjects: ClassVar[tuple[str, ...]] = ("tender",)
    # The regulation each rule rests on (terbuka's Indonesian indicators; see ``Source``)
    # and which ICW opentender.net indicator it matches (``regulations.icw``).
    sources: ClassVar[tuple[Source, ...]] = ()
    icw: ClassVar[dict[str, Any]] = {}
    # Settings that are thresholds (numbers or dated ``rules``), not selectors such as
    # methods or currency: each default is either backed by a verified source or
    # published as unverified (``unverified_defaults``).
    thresholds: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A built-in indicator takes the words it does not set itself from ``TEXTS``.

        Its methodology link follows from its id: Cardinal's page for Cardinal's
        indicators, the section of docs/red-flags.md for terbuka's own.
        """
        super().__init_subclass__(**kwargs)
        ident = cls.__dict__.get("id", "")
        if ident not in TEXTS:
            return
        for name, texts in TEXTS[ident].items():
            if name not in cls.__dict__:
                setattr(cls, name, texts)
        if "methodology_url" not in cls.__dict__:
            cardinal = cls.origin == "cardinal"
            link = (
                CARDINAL_DOCS.format(ident[1:]) if cardinal else METHODOLOGY.format(ident.lower())
            )
            cls.methodology_url = link

    def __init__(self, settings: dict[str, Any] | None = None):
        self.settings = self.check_settings(settings or {})
        # After ``evaluate``: the ocids the indicator could judge (flagged or not), or None
        # when the indicator does not say. The risk score counts a process the indicator
        # could not judge as missing, never as clean.
        self.judged: set[str] | None = None
        # The same for organisations, as (role, id), for indicators about organisations.
        self.judged_parties: set[tuple[str, str]] | None = None
        # Cardinal's ``Meta`` for this indicator: the quartiles and fence it used.
        self.meta: dict[str, float] = {}

    @classmethod
    def unverified_defaults(cls) -> list[str]:
        """Threshold settings whose default no verified source sets (shown as unverified)."""
        backed = {name for source in cls.sources if source.verified for name in source.settings}
        return [name for name in cls.thresholds if name not in backed]

    def record_meta(self, **values: float) -> None:
        """Keep quartiles and fences for Cardinal's ``Meta`` block (4 decimals, as it rounds)."""
        self.meta.update({k: round(float(v), 4) for k, v in values.items() if v == v})

    @classmethod
    def check_settings(cls, given: dict[str, Any]) -> dict[str, Any]:
        """Defaults overridden by ``given``; an unknown key is an error, not a silent no-op."""
        if not isinstance(given, dict):
            raise RedFlagError(f"red_flags.{cls.id}: expected a mapping of settings")
        unknown = sorted(set(given) - set(cls.defaults))
        if unknown:
            known = ", ".join(sorted(cls.defaults)) or "none"
            raise RedFlagError(
                f"red_flags.{cls.id}: unknown setting {unknown[0]!r} (known: {known})"
            )
        return {**cls.defaults, **given}

    def evaluate(self, db: Any) -> Iterator[Flag | PartyFlag]:
        """Flags for the published tables in ``db`` (a sqlite-utils Database)."""
        raise NotImplementedError


def parse_instant(value: str | None) -> datetime | None:
    """A published ISO 8601 date-time (always UTC, ``…Z``) as an aware datetime."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def whole_days(start: datetime, end: datetime) -> int:
    """Whole days in ``end - start``, truncated toward zero like chrono's ``num_days``."""
    return int((end - start) / timedelta(days=1))
