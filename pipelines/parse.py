"""Parsing messy values: Indonesian and English numbers, dates in many shapes.

Every parser returns ``(value, problem)``: a value we are sure of, or ``None`` and a short
reason that becomes a quality note. A value we cannot read is never guessed and never
crashes the run.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timezone
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MIN_YEAR = 1900
MAX_YEAR = 2100

MONTHS = {
    # Indonesian
    "januari": 1, "jan": 1, "februari": 2, "pebruari": 2, "feb": 2, "peb": 2, "maret": 3,
    "mar": 3, "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "agst": 8, "ags": 8, "september": 9, "sep": 9,
    "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11, "nopember": 11,
    "nop": 11, "desember": 12, "des": 12,
    # English
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8,
    "aug": 8, "october": 10, "oct": 10, "december": 12, "dec": 12,
}  # fmt: skip

UNIT_SUFFIXES = {
    "rb": 1e3, "ribu": 1e3, "k": 1e3,
    "jt": 1e6, "juta": 1e6,
    "m": 1e9, "miliar": 1e9, "milyar": 1e9, "mlyr": 1e9, "b": 1e9, "bn": 1e9,
    "t": 1e12, "triliun": 1e12, "trilyun": 1e12,
}  # fmt: skip

_NUMBER_RE = re.compile(
    r"^(?P<sign>[-+−])?(?P<body>[0-9][0-9.,'\u00a0 ]*)(?:\s*(?P<unit>[a-zA-Z]+)\.?)?$"
)
_TEXT_DATE_RE = re.compile(
    r"^(?:[a-zA-Z]+,?\s+)?(?P<d>\d{1,2})[\s\-/.]+(?P<m>[a-zA-Z]+)\.?[\s\-/.]+(?P<y>\d{4})"
    r"(?:[\sT,]+(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?))?(?:\s*(?P<tz>WIB|WITA|WIT))?$",
    re.IGNORECASE,
)
_NUMERIC_DATE_RE = re.compile(
    r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4})"
    r"(?:[\sT]+(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)\s*(?P<ampm>[AaPp][Mm])?)?$"
)
_ID_ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


def parse_number(
    value: object, decimal: str | None = None
) -> tuple[float | int | None, str | None]:
    """Read a number written the Indonesian or the English way.

    ``decimal`` is the decimal separator when known (``","`` for Indonesian exports);
    otherwise it is inferred: the last of ``.``/``,`` when both occur, a separator that
    repeats is a thousands separator. Unit suffixes (rb, jt, M/miliar, T/triliun)
    multiply. ``(1.000)`` is negative, as accountants write it.
    """
    if value is None or isinstance(value, bool):
        return None, None
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            return None, f"not a finite number: {value!r}"
        return value, None
    text = str(value).strip()
    if not text or text in {"-", "—", "–"}:
        return None, None
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    text = re.sub(r"^(?:rp\.?|idr)\s*", "", text, flags=re.IGNORECASE).strip()
    match = _NUMBER_RE.match(text)
    if not match:
        return None, f"not a number: {str(value)[:40]!r}"
    if match.group("sign") in ("-", "−"):
        negative = not negative
    unit = (match.group("unit") or "").lower()
    multiplier = 1.0
    if unit:
        if unit not in UNIT_SUFFIXES:
            return None, f"unknown unit {unit!r} in {str(value)[:40]!r}"
        multiplier = UNIT_SUFFIXES[unit]
    body = re.sub(r"[\u00a0 ']", "", match.group("body"))
    number = _separators(body, decimal)
    if number is None:
        return None, f"ambiguous or malformed number: {str(value)[:40]!r}"
    result = number * multiplier
    if negative:
        result = -result
    if multiplier != 1.0:
        result = round(result, 2)
    if isinstance(result, float) and result.is_integer() and "." not in body and "," not in body:
        return int(result), None
    return result, None


def _separators(body: str, decimal: str | None) -> float | int | None:
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        decimal_sep = "." if body.rfind(".") > body.rfind(",") else ","
        thousands = "," if decimal_sep == "." else "."
        if body.count(decimal_sep) > 1:
            return None
        integer, _, fraction = body.partition(decimal_sep)
        if not _grouped(integer, thousands):
            return None
        return float(integer.replace(thousands, "") + "." + fraction)
    sep = "." if dots else "," if commas else ""
    if not sep:
        return int(body) if body.isdigit() else None
    count = dots or commas
    if count > 1:
        return int(body.replace(sep, "")) if _grouped(body, sep) else None
    integer, _, fraction = body.partition(sep)
    if decimal is None:
        # One separator: three digits after it is a thousands group unless told otherwise;
        # `0.25` or `12,5` is a decimal.
        thousands = len(fraction) == 3 and integer not in ("", "0")
    else:
        thousands = sep != decimal
    if thousands:
        return int(integer + fraction) if _grouped(body, sep) else None
    return float(f"{integer or '0'}.{fraction}")


def _grouped(text: str, sep: str) -> bool:
    parts = text.split(sep)
    return bool(parts[0]) and len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])


@cache
def _zone(name: str | None) -> timezone | ZoneInfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_datetime(
    value: object, tz: str | None = None, dayfirst: bool = True
) -> tuple[str | None, str | None]:
    """Normalise a date or date-time to ISO 8601 in UTC (``2024-03-12T03:00:00Z``).

    Naive times are read in ``tz`` (the descriptor's timezone); a date without a time
    stays on its calendar day (midnight UTC) rather than shifting to the previous day.
    Zero dates, negative years and years outside 1900–2100 are impossible: ``None``
    with a reason.
    """
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        return _finish(value, tz, has_time=True)
    if isinstance(value, date):
        return _finish(datetime.combine(value, time()), None, has_time=False)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return None, f"not a date: {value!r}"
    text = str(value).strip()
    if not text:
        return None, None
    if re.match(r"^[-+]|^0{4}", text) or text.startswith(("0000", "-0")):
        return None, f"impossible date: {text[:40]!r}"
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
        return _finish(parsed, tz, has_time=len(text) > 10)
    except ValueError:
        pass
    match = _NUMERIC_DATE_RE.match(text)
    if match:
        a, b, year = int(match["a"]), int(match["b"]), int(match["y"])
        day, month = (a, b) if dayfirst else (b, a)
        if month > 12 and day <= 12:
            day, month = month, day
        parsed_time, problem = _time(match["time"], match["ampm"])
        if problem:
            return None, f"{problem}: {text[:40]!r}"
        return _build(year, month, day, parsed_time, tz, text)
    match = _TEXT_DATE_RE.match(text)
    if match:
        month = MONTHS.get(match["m"].lower().rstrip("."))
        if month is None:
            return None, f"unknown month {match['m']!r} in {text[:40]!r}"
        parsed_time, problem = _time(match["time"], None)
        if problem:
            return None, f"{problem}: {text[:40]!r}"
        zone = _ID_ZONES.get((match["tz"] or "").upper(), tz)
        return _build(int(match["y"]), month, int(match["d"]), parsed_time, zone, text)
    return None, f"not a date: {text[:40]!r}"


def _time(text: str | None, ampm: str | None) -> tuple[time | None, str | None]:
    if not text:
        return None, None
    parts = [int(float(p)) for p in re.split(r"[:.]", text)[:3]]
    hour, minute, second = (parts + [0, 0])[:3]
    if ampm:
        if not 1 <= hour <= 12:
            return None, "impossible time"
        hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None, "impossible time"
    return time(hour, minute, second), None


def _build(
    year: int, month: int, day: int, at: time | None, tz: str | None, text: str
) -> tuple[str | None, str | None]:
    try:
        parsed = datetime(year, month, day, *(at.hour, at.minute, at.second) if at else ())
    except ValueError:
        return None, f"impossible date: {text[:40]!r}"
    return _finish(parsed, tz, has_time=at is not None)


def _finish(parsed: datetime, tz: str | None, has_time: bool) -> tuple[str | None, str | None]:
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None, f"impossible date: year {parsed.year}"
    if not has_time:
        return parsed.strftime("%Y-%m-%dT00:00:00Z"), None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_zone(tz))
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), None
