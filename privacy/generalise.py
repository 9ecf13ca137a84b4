"""The ``generalise`` operator: keep the coarse, public part of a value.

Dates become their month (``2024-03-12`` → ``2024-03``), ages a ten-year band
(``37`` → ``30-39``), and addresses lose the street, house number and RT/RW but keep the
kelurahan, kecamatan and city (``Jl. Merdeka No. 5 RT 03/RW 05, Kel. Sukun, Kota
Malang`` → ``Kel. Sukun, Kota Malang``).
"""

from __future__ import annotations

import math
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


# --- steps for k-anonymity ---------------------------------------------------------------
# A quasi-identifier is generalised one declared step at a time (privacy.yml
# ``quasi_identifiers``); each step is a plain function of one value. A value a step cannot
# read becomes ``None``: disclosure control fails closed.
_STAMP = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ]\d.*)?\s*$")
_PERIOD = re.compile(r"^\s*(\d{4})-[QH]\d\s*$")
TIME_STEPS = {"date": 3, "month": 2, "year": 1}
# The Table Schema type a date-like column has once generalised to that step.
STEP_TYPES = {"date": "date", "month": "yearmonth", "year": "year"}


def truncate_time(value: Any, step: str) -> str | None:
    """An ISO timestamp or date cut to its ``date``, ``month`` or ``year``.

    A value already coarser than the step is kept as it is (``2024-03`` stays under
    ``date``, ``2024-Q2`` under ``month``), so companion columns such as a ``month`` or
    a survey ``period`` follow their timestamp.
    """
    period = _PERIOD.match(str(value))
    if period:  # a survey period (2024-Q2, 2024-H1) is coarser than a month
        return period.group(1) if step == "year" else str(value).strip()
    match = _STAMP.match(str(value))
    if not match:
        return None
    parts = [p for p in match.groups() if p is not None]
    return "-".join(parts[: TIME_STEPS[step]])


def _finite(value: Any) -> float | None:
    """A finite number read from ``value``, or ``None``."""
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def round_number(value: Any, digits: int) -> float | int | None:
    """A number rounded to ``digits`` decimals (negative: to tens, hundreds …)."""
    number = _finite(value)
    if number is None:
        return None
    rounded = round(number, digits)
    return int(rounded) if digits <= 0 else rounded


def band(value: Any, width: int) -> str | None:
    """``30-39`` for 37 with width 10; ``None`` for what is not a number."""
    number = _finite(value)
    if number is None:
        return None
    low = int(number // width * width)
    return f"{low}-{low + width - 1}"


def step_names(hierarchies: dict[str, dict[str, str]]) -> str:
    """The steps privacy.yml may name, for error messages."""
    named = ", ".join(sorted(hierarchies))
    return "date, month, year, round:N, band:N, drop" + (
        f" or a hierarchy ({named})" if named else ""
    )


def valid_step(step: str, hierarchies: dict[str, dict[str, str]]) -> bool:
    """Whether ``step`` is a built-in step or a declared hierarchy."""
    if step in TIME_STEPS or step == "drop" or step in hierarchies:
        return True
    kind, _, number = step.partition(":")
    if kind == "round":
        return number.lstrip("-").isdigit()
    return kind == "band" and number.isdigit() and int(number) > 0


def apply_step(value: Any, step: str, hierarchies: dict[str, dict[str, str]]) -> Any:
    """One generalisation step; ``None`` stays ``None``."""
    if value is None or value == "":
        return None
    if step in TIME_STEPS:
        return truncate_time(value, step)
    if step == "drop":
        return None
    if step in hierarchies:
        return hierarchies[step].get(str(value))  # a value the hierarchy omits: None
    kind, _, number = step.partition(":")
    if kind == "round":
        return round_number(value, int(number))
    return band(value, int(number))


def default_steps(values: list[Any]) -> tuple[str, ...]:
    """Steps for a quasi-identifier privacy.yml gives none for, judged by its values.

    Timestamps go to the day, then the month; dates to the month; anything else is
    only suppressed (a category has no coarser form we could guess).
    """
    present = [str(v) for v in values if v not in (None, "")]
    if not present:
        return ()
    matches = [_STAMP.match(v) for v in present]
    if all(matches):
        if any(re.search(r"[T ]\d", v) for v in present):
            return ("date", "month")
        if all(m.group(3) for m in matches if m):
            return ("month",)
    return ()


# --- coordinates beside an address ----------------------------------------------------
# ``terbuka redact`` removes an address; the same row's coordinates and parcel ids would
# point at the same door. They are recognised by name (and a coordinate pair by value).
_DEGREES = re.compile(r"^(?:lat|latitude|lintang|lon|lng|long|longitude|bujur)$", re.I)
_PROJECTED = re.compile(
    r"^(?:[xy]|[xy][ _-]?coord(?:inate)?s?\b.*|easting|northing|koordinat[ _-]?[xy])$", re.I
)
_PARCEL = re.compile(r"^(?:bbl|bin|parcel(?:[ _-]?id)?|nop|nib[ _-]?bidang|apn|pin)$", re.I)
_POINT_NAME = re.compile(
    r"^(?:location|lokasi|koordinat|coordinates?|geo(?:location)?|point)$", re.I
)
_POINT = re.compile(r"^\s*\(?\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*\)?\s*$")
DEGREE_DIGITS = 2  # about 1.1 km of latitude
PROJECTED_DIGITS = -3  # to the nearest 1,000 units (metres or feet)


def coordinate_kind(name: str) -> str | None:
    """``degrees``, ``projected``, ``parcel`` or ``point`` for a coordinate-like column name."""
    clean = re.sub(r"\s*\(.*\)\s*$", "", name.strip())  # "X Coordinate (State Plane)"
    if _DEGREES.match(clean):
        return "degrees"
    if _PROJECTED.match(clean):
        return "projected"
    if _PARCEL.match(clean):
        return "parcel"
    if _POINT_NAME.match(clean):
        return "point"
    return None


def generalise_coordinate(value: Any, kind: str) -> Any:
    """The coarse form of one coordinate-like value: about a kilometre, or nothing."""
    if value in (None, ""):
        return value
    if kind == "degrees":
        return round_number(value, DEGREE_DIGITS)
    if kind == "projected":
        return round_number(value, PROJECTED_DIGITS)
    if kind == "point":
        match = _POINT.match(str(value))
        if not match:
            return None
        lat, lon = (round(float(g), DEGREE_DIGITS) for g in match.groups())
        return f"({lat}, {lon})"
    return None  # a parcel id names one plot: nothing coarser is safe to keep
