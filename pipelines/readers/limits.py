"""Limits that keep a reader's work bounded whatever a file holds, and how to raise them.

A hostile or broken file must end in one clear line, not in hours of work or gigabytes
of memory: JSON nested 100,000 levels deep (ijson keeps a prefix per level, so memory
grows with the square of the depth, and ``json.loads`` recurses), one JSON value of
hundreds of megabytes that cannot be streamed, a FIFO or a device where a file was
expected, or an archive that expands a thousandfold. Each limit has a default far
beyond real data and an environment variable to raise it.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any

from ..errors import InputError

MB = 1 << 20


@dataclass(frozen=True)
class Limit:
    """One configurable limit: its default, the variable that overrides it, its unit."""

    env: str
    default: int
    unit: str
    scale: int = 1

    def value(self) -> int:
        """The limit in force (the environment variable, when set to a whole number)."""
        text = os.environ.get(self.env, "").strip()
        return (int(text) if text.isdigit() else self.default) * self.scale

    def hint(self) -> str:
        """How to raise it, for the end of an error line."""
        return f"set {self.env} to raise the limit"


# OCDS itself nests about 6 levels; 64 leaves room for any extension.
JSON_DEPTH = Limit("TERBUKA_JSON_MAX_DEPTH", 64, "levels")
# A JSON value that must be read whole (a bare release, JSON rows, one string).
JSON_VALUE = Limit("TERBUKA_JSON_MAX_VALUE_MB", 256, "MB", MB)
# Everything in one archive, decompressed, and how much larger than its compressed size.
ARCHIVE_TOTAL = Limit("TERBUKA_ARCHIVE_MAX_MB", 4096, "MB", MB)
ARCHIVE_RATIO = Limit("TERBUKA_ARCHIVE_MAX_RATIO", 200, "times")

LIMITS = (JSON_DEPTH, JSON_VALUE, ARCHIVE_TOTAL, ARCHIVE_RATIO)


def regular_file(path: Path, display: str) -> None:
    """Refuse anything that is not a regular file before it is opened.

    Opening a FIFO blocks until a writer comes, reading a device never ends, and a
    socket cannot be opened at all: none of them is a source.
    """
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise InputError(display, f"cannot open: {error.strerror or error}") from None
    if not stat.S_ISREG(mode):
        kind = (
            "a named pipe (FIFO)"
            if stat.S_ISFIFO(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "a device"
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "not a regular file"
        )
        raise InputError(display, f"{kind}, not a regular file: refused")


def bounded(events: Iterable[tuple[str, Any]], name: str) -> Iterator[tuple[str, Any]]:
    """The events of ``ijson.basic_parse``, stopped with one line past a depth or size limit.

    Give the result to ``ijson.parse`` (or ``items``). The check must come before the
    prefixes: ijson's C parser builds the prefix of every event in a 64 KB buffer before
    handing any over, and a prefix is as long as its depth, so 64 KB of ``[`` alone
    took 10 GB. Basic events carry no prefix; ``parse`` then pulls them one by one
    and never sees level 65.
    """
    max_depth, max_value = JSON_DEPTH.value(), JSON_VALUE.value()
    path: list[str] = []  # where we are, for the message (never deeper than the limit)
    for event, value in events:
        if event in ("start_map", "start_array"):
            if len(path) >= max_depth:
                raise InputError(
                    name,
                    f"JSON nested deeper than {max_depth} levels (at {_where(path)}); "
                    + JSON_DEPTH.hint(),
                )
            path.append("" if event == "start_map" else "item")
        elif event in ("end_map", "end_array"):
            path.pop()
        elif event == "map_key":
            path[-1] = value
        elif event == "number" and isinstance(value, Decimal):
            value = float(value)  # 1e309 becomes inf: a bad cell, not an unreadable file
        elif event == "string" and len(value) > max_value:
            raise InputError(
                name,
                f"one JSON string is larger than {max_value // MB} MB (at {_where(path)}); "
                + JSON_VALUE.hint(),
            )
        yield event, value


def _where(path: list[str]) -> str:
    where = ".".join(p for p in path if p)
    return (where[:80] + ("…" if len(where) > 80 else "")) if where else "the top level"


def parse(stream: Any, name: str, multiple_values: bool = False) -> Any:
    """``ijson.parse`` events of a stream, within the depth and value-size limits."""
    import ijson

    # Not ``use_float``: yajl then refuses the whole file at one integer beyond 64 bits
    # or one 1e309; as Decimals they reach the pipeline and become notes on their cells.
    basic = ijson.basic_parse(stream, multiple_values=multiple_values)
    return ijson.parse(bounded(basic, name))


# What ``nesting`` removes: escape pairs (a backslash and the byte after it), then every
# byte but quotes and brackets, then the strings (split out at the quotes).
_ESCAPE_PAIR = re.compile(rb"\\.", re.DOTALL)
_NOT_QUOTE_OR_BRACKET = bytes(range(256)).translate(None, b'"[]{}')
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def _split_at_quotes(data: bytes) -> tuple[bytes, list[bytes]]:
    """``data`` with escape pairs blanked, and its quotes and brackets split at the quotes.

    The blanking keeps positions; the parts are outside strings, inside, outside …
    """
    neutral = _ESCAPE_PAIR.sub(b"__", data)
    return neutral, neutral.translate(None, _NOT_QUOTE_OR_BRACKET).split(b'"')


def nesting(data: bytes) -> int:
    """How deep the brackets of a JSON text nest, strings aside.

    Every pass is one C call over the bytes (no Python step per character). For a text
    that is not valid JSON it still bounds how deep ``json.loads`` gets before its first
    error: everything before that error is counted as it is, and a broken string's
    brackets count.
    """
    _, parts = _split_at_quotes(data)
    # after an odd number of quotes the last part follows a string never closed: counted
    outside = parts[0::2] if len(parts) % 2 else [*parts[0::2], parts[-1]]
    return max(accumulate(map(_STEP.__getitem__, b"".join(outside))), default=0)


SCAN_CHUNK = 8 * MB


def plainly_within_limits(stream: Any) -> bool:
    """Whether a stream's JSON nests within the depth limit, strings aside, read in chunks.

    Then ijson's C parser may build its items directly, with no Python step per event
    (``ocds._package_items``): its prefixes stay short. No string can pass the value-size
    limit either: chunks are at most half of it, and a string still open at a chunk's end
    is carried into the next only while it is shorter than a chunk. Each chunk takes a few
    C-speed passes (``nesting``'s, with the quotes split out). Any doubt, including text
    that is not valid JSON, answers False: the caller then keeps the bounded stream, which
    says what is wrong.
    """
    max_depth = JSON_DEPTH.value()
    size = max(1, min(SCAN_CHUNK, JSON_VALUE.value() // 2))
    depth, carry = 0, b""
    while True:
        chunk = stream.read(size)
        data = carry + chunk
        if not data:
            return depth == 0
        neutral, parts = _split_at_quotes(data)
        carry = b""
        if len(parts) % 2 == 0:  # an odd number of quotes: the chunk ends inside a string
            carry = data[neutral.rfind(b'"') :]
            if len(carry) > size or not chunk:
                return False
            parts.pop()
        elif neutral.endswith(b"\\"):  # a backslash outside any string: not JSON
            return False
        brackets = b"".join(parts[0::2])
        levels = list(accumulate(map(_STEP.__getitem__, brackets), initial=depth))
        if max(levels) > max_depth or min(levels) < 0:
            return False
        depth = levels[-1]


def load_json(data: bytes, name: str) -> Any:
    """``json.loads`` for one whole value, within the depth and size limits.

    A text whose brackets nest no deeper than the limit goes to the fast standard parser
    (``nesting`` measures that in C-speed passes); any other goes through the bounded
    event stream, which names where the limit was passed and never recurses: 3,000
    levels end in a clear line, not ``RecursionError``.
    """
    import ijson

    if len(data) > JSON_VALUE.value():
        raise InputError(name, too_large(JSON_VALUE.value()))
    if data.count(b"[") + data.count(b"{") <= JSON_DEPTH.value() or (
        nesting(data) <= JSON_DEPTH.value()
    ):
        return json.loads(data.decode("utf-8-sig"))
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    try:
        values = ijson.items(parse(io.BytesIO(data), name), "")
        value = next(values)
        # One value means nothing after it, as for json.loads ("Extra data"): a second
        # value or trailing bytes end here, never dropped silently.
        for _ in values:
            raise ValueError("extra data after the JSON value")
        return value
    except ijson.JSONError as error:  # the same kind of error as json.loads'
        raise ValueError(str(error).splitlines()[0] if str(error) else "invalid JSON") from None
    except StopIteration:
        raise ValueError("no JSON value") from None


def too_large(limit: int) -> str:
    """The one line for a JSON value that must be read whole and is over the limit."""
    return (
        f"one JSON value larger than {limit // MB} MB must be read whole: split it into "
        f"JSON Lines or a release package (streamed), or {JSON_VALUE.hint()}"
    )


def read_whole(stream: Any, name: str) -> bytes:
    """All of a stream that must be read whole, refused past the value-size limit."""
    limit = JSON_VALUE.value()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(name, too_large(limit))
    return data
