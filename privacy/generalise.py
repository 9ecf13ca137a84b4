"""The ``generalise`` operator: keep the coarse, public part of a value.

Dates become their month (``2024-03-12`` → ``2024-03``), ages a ten-year band
(``37`` → ``30-39``), and addresses lose the street, house number and RT/RW but keep the
kelurahan, kecamatan and city (``Jl. Merdeka No. 5 RT 03/RW 05, Kel. Sukun, Kota
Malang`` → ``Kel. Sukun, Kota Malang``).
"""

from __future__ import annotations

import re
from typing import Any

_DATE = re.compile(r"^\s*(\d{4})-(\d{2})(?:-\d{2})?(?:[T ].*)?$")
_DATE_DMY = re.compile(r"^\s*\d{1,2}[/.-](\d{1,2})[/.-](\d{4})\s*$")
_NUMBER = re.compile(r"^\s*(\d{1,3})(?:[.,]\d+)?\s*(?:th|tahun|thn|years?|yrs?)?\s*$", re.I)
_AREA = re.compile(
    r"^(?:kel(?:urahan)?|desa|ds|kec(?:amatan)?|kota|kab(?:upaten)?|prov(?:insi)?|distrik)\b\.?",
    re.IGNORECASE,
)
_STREETISH = re.compile(
    r"\d|^(?:jl|jln|jalan|gg|gang|lr|lorong|komp|kompleks|komplek|perum|perumahan|blok|rt|rw"
    r"|dusun|dsn|kp|kampung|no)\b",
    re.IGNORECASE,
)
BAND = 10


def generalise(value: Any, entity: str = "") -> Any:
    """The generalised value; ``None`` when nothing public is left."""
    if value in (None, ""):
        return value
    if entity == "AGE" or (isinstance(value, int | float) and not isinstance(value, bool)):
        return age_band(value)
    text = str(value)
    if entity in ("", "DATE", "DATE_OF_BIRTH"):
        month = date_month(text)
        if month:
            return month
        if entity:
            return None
    if entity in ("", "AGE") and _NUMBER.match(text):
        return age_band(text)
    return address_area(text)


def date_month(text: str) -> str | None:
    """``YYYY-MM`` of an ISO or day-first date, or ``None``."""
    match = _DATE.match(text)
    if match:
        return f"{match.group(1)}-{match.group(2)}"
    match = _DATE_DMY.match(text)
    if match:
        return f"{match.group(2)}-{int(match.group(1)):02d}"
    return None


def age_band(value: Any) -> str | None:
    """A ten-year band (``30-39``); ``None`` for what is not an age."""
    match = _NUMBER.match(str(value))
    if not match:
        return None
    low = int(match.group(1)) // BAND * BAND
    return f"{low}-{low + BAND - 1}"


def address_area(text: str) -> str | None:
    """The kelurahan/kecamatan/city parts of an address, without street or numbers."""
    parts = [p.strip() for p in re.split(r"[,\n;]+", text) if p.strip()]
    kept = [p for p in parts if _AREA.match(p)]
    if not kept:
        kept = [p for p in parts[1:] if not _STREETISH.search(p)]
    return ", ".join(kept) or None
