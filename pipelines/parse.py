"""Parsing messy values: Indonesian and English numbers, dates in many shapes.

Every parser returns ``(value, problem)``: a value we are sure of, or ``None`` and a short
reason that becomes a quality note. A value we cannot read is never guessed and never
crashes the run. Where one value alone is ambiguous (``1.250`` is 1250 in Indonesia and
1.25 in English; ``03/04/2024`` is 3 April or 4 March), the column decides:
``detect_decimal`` and ``detect_dayfirst`` look at all of a column's values, and
``column_locales`` does it for a whole table.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .messages import harmless_words, shown
from .unusable import MAX_DIGITS, MAX_INTEGER, RowProblem, date_kind, number_kind

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

# Unit suffixes multiply. "M" is miliar (10^9), as Indonesian budget exports write it
# ("4.372,86 M"), not the English million. (Other modules read these multipliers.)
UNIT_SUFFIXES = {
    "rb": 1e3, "ribu": 1e3, "k": 1e3,
    "jt": 1e6, "juta": 1e6,
    "m": 1e9, "miliar": 1e9, "milyar": 1e9, "mlyr": 1e9, "mlr": 1e9, "b": 1e9, "bn": 1e9,
    "t": 1e12, "triliun": 1e12, "trilyun": 1e12, "tn": 1e12,
}  # fmt: skip
harmless_words(MONTHS, UNIT_SUFFIXES)  # a message may quote "12 Maret 2024", never a name

# Cells that mean "no value" in real exports; they are empty, not unreadable.
NULL_TOKENS = {"-", "--", "—", "–", "n/a", "na", "#n/a", "null", "none", "nil", "nan", "(null)"}

# The body takes every digit, separator and space it can and never gives them back
# (possessive ``*+``): a lazy body followed by ``\s*`` retried every split of a long
# run of spaces (quadratic time on a 1 MB cell). Spaces in the body are dropped anyway.
_NUMBER_RE = re.compile(
    r"^(?P<sign>[-+−])?\s*(?P<body>[0-9][0-9.,'\u00a0\u202f ]*+)\s*(?:(?P<unit>[a-zA-Z]+)\.?)?$"
)
# More digits than any amount, count or identifier has (``MAX_DIGITS``): refused before
# Decimal and int conversions, which take time quadratic in the length, and before SQLite
# (64-bit ints, ``MAX_INTEGER``). Such a value quarantines its row (``unusable``).
_SCIENTIFIC_RE = re.compile(r"^[-+]?\d+(?:[.,]\d+)?[eE][-+]?\d{1,3}$")
_CURRENCY_PREFIX_RE = re.compile(r"^(?:rp\.?|idr|usd|\$)\s*", re.IGNORECASE)
# Patterns stay linear on any text: a run of spaces is taken whole (``\s*+``, or only from
# its start), never shared by two adjacent quantifiers (quadratic on 1 MB of spaces).
_CURRENCY_SUFFIX_RE = re.compile(r"(?<!\s)\s*(?:idr|rupiah|rp\.?)$", re.IGNORECASE)
_TIME = r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?)\s*+(?P<ampm>[AaPp]\.?[Mm]\.?)?"
_TIME_SEP = r"(?:\s+(?:pukul|jam|pkl\.?|at)\s+|[\sT,]+)"
_ZONE = r"(?:\s*(?P<tz>WIB|WITA|WIT|UTC|GMT|Z))?"
_TEXT_DATE_RE = re.compile(
    rf"^(?:[a-zA-Z]+,?\s+)?(?P<d>\d{{1,2}})[\s\-/.]+(?P<m>[a-zA-Z]+)\.?[\s\-/.,]+(?P<y>\d{{4}}|\d{{2}})"
    rf"(?:{_TIME_SEP}{_TIME})?{_ZONE}$",
    re.IGNORECASE,
)
_TEXT_MDY_RE = re.compile(
    rf"^(?:[a-zA-Z]+,?\s+)?(?P<m>[a-zA-Z]+)\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})"
    rf"(?:{_TIME_SEP}{_TIME})?{_ZONE}$",
    re.IGNORECASE,
)
_NUMERIC_DATE_RE = re.compile(
    rf"^(?P<a>\d{{1,2}})[/.\-](?P<b>\d{{1,2}})[/.\-](?P<y>\d{{4}}|\d{{2}})(?:{_TIME_SEP}{_TIME})?{_ZONE}$",
    re.IGNORECASE,
)
_YMD_RE = re.compile(
    rf"^(?P<y>\d{{4}})[/.\-](?P<m>\d{{1,2}})[/.\-](?P<d>\d{{1,2}})(?:{_TIME_SEP}{_TIME})?{_ZONE}$",
    re.IGNORECASE,
)
_ZONES = {
    "WIB": "Asia/Jakarta",
    "WITA": "Asia/Makassar",
    "WIT": "Asia/Jayapura",
    "UTC": "UTC",
    "GMT": "UTC",
    "Z": "UTC",
}
# The shapes nearly every OCDS date has: ``2024-03-12``, ``2024-03-12T03:00:00Z`` or
# ``…+07:00``, with or without a fraction of a second. ASCII digits only (``\d`` would
# take other scripts' digits too).
_ISO_RE = re.compile(
    r"(?P<y>[0-9]{4})-[0-9]{2}-[0-9]{2}"
    r"(?P<time>T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?P<zone>Z|[+-][0-9]{2}:[0-9]{2})?)?"
)


def is_null(value: object) -> bool:
    """``None``, blank, or a token that exports use for "no value" (``-``, ``N/A``, ``null``)."""
    if value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        return not text or text.lower() in NULL_TOKENS
    return False


# --- numbers ---------------------------------------------------------------------------


def parse_number(
    value: object, decimal: str | None = None
) -> tuple[float | int | None, str | None]:
    """Read a number written the Indonesian or the English way.

    ``decimal`` is the decimal separator when known (``","`` for Indonesian exports, or
    what ``detect_decimal`` found for the column); otherwise it is inferred: the last of
    ``.``/``,`` when both occur, a separator that repeats is a thousands separator.
    Unit suffixes (rb, jt, M/miliar, T/triliun) multiply exactly (no float drift).
    ``(1.000)`` and ``1.000-`` are negative, as accountants write them; ``Rp``/``IDR``,
    a trailing ``,-`` and a ``%`` sign are dropped.
    """
    if value is None or isinstance(value, bool | int | float | Decimal):
        return _native_number(value)
    text = " ".join(str(value).split())
    if sum(ch.isdigit() for ch in text) > MAX_DIGITS:
        return None, RowProblem(
            f"a number with more than {MAX_DIGITS} digits (too long to be an amount)"
        )
    if is_null(text):
        return None, None
    quoted = shown(value)
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    text = _CURRENCY_PREFIX_RE.sub("", text).strip()
    text = _CURRENCY_SUFFIX_RE.sub("", text).strip()
    if text.endswith((",-", ".-")):
        text = text[:-2].strip()
    elif len(text) > 1 and text.endswith("-") and text[-2].isdigit():
        negative, text = not negative, text[:-1]
    if text.endswith("%"):
        text = text[:-1].strip()
    if _SCIENTIFIC_RE.match(text):
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return None, f"not a number: {quoted}"
        return _finish_number(-number if negative else number, fraction=True)
    match = _NUMBER_RE.match(text)
    if not match:
        return None, f"not a number: {quoted}"
    if match.group("sign") in ("-", "−"):
        negative = not negative
    unit = (match.group("unit") or "").lower()
    multiplier = Decimal(1)
    if unit:
        if unit not in UNIT_SUFFIXES:
            return None, f"unknown unit {shown(unit)} in {quoted}"
        multiplier = Decimal(int(UNIT_SUFFIXES[unit]))
    body = re.sub(r"[\u00a0\u202f ']", "", match.group("body"))
    normalised = _separators(body, decimal)
    if normalised is None:
        return None, f"ambiguous or malformed number: {quoted}"
    number = Decimal(normalised) * multiplier
    if negative:
        number = -number
    return _finish_number(number, fraction="." in normalised and not unit)


def _native_number(value: object) -> tuple[float | int | None, str | None]:
    """A value that is already a number (or None, or a bool: not a number), checked.

    Out of range (``unusable.number_kind``) is a ``RowProblem``: the row is quarantined.
    """
    if value is None or isinstance(value, bool):
        return None, None
    kind = number_kind(value)
    if kind:
        return None, RowProblem(kind)
    if isinstance(value, Decimal):
        return (int(value) if value == value.to_integral_value() else float(value)), None
    assert isinstance(value, int | float)
    return value, None


def _finish_number(number: Decimal, fraction: bool) -> tuple[float | int | None, str | None]:
    if not number.is_finite() or number.adjusted() >= MAX_DIGITS:
        return None, RowProblem(f"a number out of range (more than {MAX_DIGITS} digits)")
    if number == number.to_integral_value() and not fraction:
        if abs(number) > MAX_INTEGER:
            return None, RowProblem("an integer too large to store (more than 19 digits)")
        return int(number), None
    return float(number), None


def _separators(body: str, decimal: str | None) -> str | None:
    """``body`` (digits and separators) as a plain ``1234.5`` string, or ``None``."""
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        decimal_sep = "." if body.rfind(".") > body.rfind(",") else ","
        if decimal in (".", ",") and decimal != decimal_sep:
            return None
        thousands = "," if decimal_sep == "." else "."
        if body.count(decimal_sep) > 1:
            return None
        integer, _, fraction = body.partition(decimal_sep)
        if not fraction.isdigit() or not _grouped(integer, thousands):
            return None
        return integer.replace(thousands, "") + "." + fraction
    sep = "." if dots else "," if commas else ""
    if not sep:
        return body if body.isdigit() else None
    count = dots or commas
    if count > 1:
        return body.replace(sep, "") if _grouped(body, sep) else None
    integer, _, fraction = body.partition(sep)
    if not fraction.isdigit() or (integer and not integer.isdigit()):
        return None
    if decimal is None:
        # One separator: three digits after it is a thousands group unless told otherwise;
        # `0.25` or `12,5` is a decimal.
        thousands = len(fraction) == 3 and integer not in ("", "0")
    else:
        thousands = sep != decimal
    if thousands:
        return integer + fraction if _grouped(body, sep) else None
    return f"{integer or '0'}.{fraction}"


def _grouped(text: str, sep: str) -> bool:
    parts = text.split(sep)
    return (
        bool(parts[0])
        and parts[0].isdigit()
        and len(parts[0]) <= 3
        and all(len(p) == 3 and p.isdigit() for p in parts[1:])
    )


def decimal_vote(value: object) -> str | None:
    """What one value says about its column's decimal separator, if anything."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _NUMBER_RE.match(_CURRENCY_PREFIX_RE.sub("", text.lstrip("(-−+")).rstrip("%)-").strip())
    if not match:
        return None
    body = re.sub(r"[\u00a0\u202f ']", "", match.group("body"))
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        return "." if body.rfind(".") > body.rfind(",") else ","
    if dots > 1:
        return ","
    if commas > 1:
        return "."
    sep = "." if dots else "," if commas else ""
    if not sep:
        return None
    integer, _, fraction = body.partition(sep)
    if len(fraction) != 3 or integer in ("", "0"):
        return sep
    return None


def detect_decimal(values: Iterable[object]) -> str | None:
    """The decimal separator a column's values agree on (``","`` or ``"."``), or ``None``.

    Only unambiguous values vote (``1.250,00``, ``81.91``, ``1.250.000``); a column whose
    votes disagree by more than one in ten gives ``None``, and each value is then read
    on its own.
    """
    votes = Counter(v for v in map(decimal_vote, values) if v)
    if not votes:
        return None
    (best, count), *rest = votes.most_common()
    other = rest[0][1] if rest else 0
    return best if other * 10 <= count else None


# --- dates -----------------------------------------------------------------------------


@cache
def _zone(name: str | None) -> timezone | ZoneInfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_datetime(
    value: object, tz: str | None = None, dayfirst: bool | None = True
) -> tuple[str | None, str | None]:
    """Normalise a date or date-time to ISO 8601 in UTC (``2024-03-12T03:00:00Z``).

    Naive times are read in ``tz`` (the descriptor's timezone; ``WIB``/``WITA``/``WIT``
    in the text win); a date without a time stays on its calendar day (midnight UTC)
    rather than shifting to the previous day. ``dayfirst`` decides ``03/04/2024``
    (``None``: day first unless the value only makes sense month first). Zero dates,
    negative years and years outside 1900–2100 are impossible: ``None`` with a reason.

    The common ISO shapes (and empty text) take a fast path (``_iso_fast``) with the same
    results; every other value, and any ISO-shaped one it cannot settle, goes to the
    general parser.
    """
    if type(value) is str:
        fast = _iso_fast(value, tz) if value else None
        if fast is not None or not value:
            return fast, None
    return _parse_general(value, tz, dayfirst)


def _iso_fast(text: str, tz: str | None) -> str | None:
    """``text`` in UTC when it is a plainly valid date of the common ISO shapes, else ``None``.

    Only a value that needs no judgement: a date or a date-time (a fraction of a second
    is dropped, a time without a zone is read in ``tz``) in years 1900–2100 that Python
    reads as it is. Anything else, impossible dates included, is the general parser's,
    which words the problem.
    """
    match = _ISO_RE.fullmatch(text)
    if match is None or not MIN_YEAR <= int(match["y"]) <= MAX_YEAR:
        return None
    try:
        if match["time"] is None:
            date.fromisoformat(text)
            return text + "T00:00:00Z"
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if match["zone"] == "Z":
        return text[:19] + "Z"
    if match["zone"] is None:
        parsed = parsed.replace(tzinfo=_zone(tz))
    return parsed.astimezone(UTC).isoformat()[:19] + "Z"


def _parse_general(
    value: object, tz: str | None, dayfirst: bool | None
) -> tuple[str | None, str | None]:
    """Every shape ``parse_datetime`` reads (see there)."""
    if value is None:
        return None, None
    if isinstance(value, datetime):
        return _finish(value, tz, has_time=True)
    if isinstance(value, date):
        return _finish(datetime.combine(value, time()), None, has_time=False)
    kind = date_kind(value)
    if kind:  # a number or an object where text belongs: the row is quarantined
        return None, RowProblem(kind)
    text = " ".join(str(value).split())
    if is_null(text):
        return None, None
    if re.match(r"^[-+]\d|^0{4}", text):
        return None, f"impossible date: {shown(text)}"
    if re.match(r"^\d{4}-\d{2}-\d{2}", text):
        try:
            parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
            return _finish(parsed, tz, has_time=len(text) > 10)
        except ValueError:
            pass
    match = _NUMERIC_DATE_RE.match(text)
    if match:
        a, b = int(match["a"]), int(match["b"])
        day, month = (b, a) if dayfirst is False else (a, b)
        if month > 12 and day <= 12:
            day, month = month, day
        return _build(_year(match["y"]), month, day, match, tz, text)
    match = _YMD_RE.match(text)
    if match:
        return _build(int(match["y"]), int(match["m"]), int(match["d"]), match, tz, text)
    match = _TEXT_DATE_RE.match(text) or _TEXT_MDY_RE.match(text)
    if match:
        month = MONTHS.get(match["m"].lower().rstrip("."))
        if month is None:
            return None, f"unknown month {shown(match['m'])} in {shown(text)}"
        return _build(_year(match["y"]), month, int(match["d"]), match, tz, text)
    return None, f"not a date: {shown(text)}"


def _year(text: str) -> int:
    """Two-digit years as POSIX ``%y`` reads them: 69–99 → 1900s, 00–68 → 2000s."""
    year = int(text)
    if len(text) == 2:
        year += 1900 if year >= 69 else 2000
    return year


def _time(text: str | None, ampm: str | None) -> tuple[time | None, str | None]:
    if not text:
        return None, None
    parts = [int(p) for p in re.split(r"[:.]", text)[:3]]
    hour, minute, second = (parts + [0, 0])[:3]
    if ampm:
        if not 1 <= hour <= 12:
            return None, "impossible time"
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None, "impossible time"
    return time(hour, minute, second), None


def _build(
    year: int, month: int, day: int, match: re.Match, tz: str | None, text: str
) -> tuple[str | None, str | None]:
    at, problem = _time(match["time"], match["ampm"])
    if problem:
        return None, f"{problem}: {shown(text)}"
    zone = _ZONES.get((match["tz"] or "").upper(), tz)
    try:
        parsed = datetime(year, month, day, *(at.hour, at.minute, at.second) if at else ())
    except ValueError:
        return None, f"impossible date: {shown(text)}"
    return _finish(parsed, zone, has_time=at is not None)


def _finish(parsed: datetime, tz: str | None, has_time: bool) -> tuple[str | None, str | None]:
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None, f"impossible date: year {parsed.year}"
    if not has_time:
        return parsed.strftime("%Y-%m-%dT00:00:00Z"), None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_zone(tz))
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), None


def dayfirst_vote(value: object) -> bool | None:
    """``True`` for ``25/03/2024``, ``False`` for ``03/25/2024``, ``None`` when ambiguous."""
    if not isinstance(value, str):
        return None
    match = _NUMERIC_DATE_RE.match(" ".join(value.split()))
    if not match:
        return None
    a, b = int(match["a"]), int(match["b"])
    if a > 12 >= b:
        return True
    if b > 12 >= a:
        return False
    return None


def detect_dayfirst(values: Iterable[object]) -> bool | None:
    """Whether a column's ``nn/nn/yyyy`` dates put the day first, by the values that can tell.

    ``None`` when no value can tell (every day ≤ 12) or the values disagree by more than
    one in ten — then each value is read with the caller's default.
    """
    votes = Counter(v for v in map(dayfirst_vote, values) if v is not None)
    if not votes:
        return None
    (best, count), *rest = votes.most_common()
    other = rest[0][1] if rest else 0
    return best if other * 10 <= count else None


# --- columns ---------------------------------------------------------------------------


def looks_numeric(value: object) -> bool:
    """A cell that reads as a number (and not as a date)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    if not isinstance(value, str) or is_null(value) or _NUMERIC_DATE_RE.match(value.strip()):
        return False
    return parse_number(value)[1] is None


def looks_like_date(value: object) -> bool:
    """A cell that reads as a date or date-time."""
    if isinstance(value, datetime | date):
        return True
    if not isinstance(value, str) or is_null(value) or not re.search(r"\d", value):
        return False
    return parse_datetime(value)[1] is None and not looks_numeric(value)


def column_locales(
    columns: dict[str, list[Any]], threshold: float = 0.8
) -> dict[str, dict[str, Any]]:
    """For each column that is mostly numbers or mostly dates: its kind and locale.

    ``{"anggaran": {"kind": "number", "decimal": ","}, "created": {"kind": "date",
    "dayfirst": False}}``. Readers store this in their ``Layout`` so pipelines read each
    column the way its values are written; a descriptor's reader options override it.
    """
    found: dict[str, dict[str, Any]] = {}
    for name, values in columns.items():
        filled = [v for v in values if not is_null(v)]
        if not filled:
            continue
        numeric = sum(1 for v in filled if looks_numeric(v))
        dated = sum(1 for v in filled if looks_like_date(v))
        if numeric >= threshold * len(filled):
            found[name] = {"kind": "number", "decimal": detect_decimal(filled)}
        elif dated >= threshold * len(filled):
            found[name] = {"kind": "date", "dayfirst": detect_dayfirst(filled)}
    return found
