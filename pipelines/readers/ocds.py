"""The OCDS JSON reader: every shape found in the wild, streamed.

Release packages, record packages, bare releases and records, arrays of either,
JSON Lines and concatenated JSON, optionally gzip- or zip-compressed. A package's
``releases``/``records`` array is streamed item by item with ijson, so a file of millions
of releases is read in flat memory.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import ijson

from ..errors import InputError
from . import UNREADABLE, Member
from .limits import load_json, parse, plainly_within_limits, read_whole

PEEK_BYTES = 1 << 20
PACKAGE_KEYS = {"uri", "publisher", "publishedDate", "version", "extensions", "license",
                "publicationPolicy", "packages", "links"}  # fmt: skip


@dataclass
class OcdsItem:
    """One thing read: a release or a record (``kind``), where it was, and its package."""

    kind: str  # "release" | "record" | "invalid"
    data: Any
    position: int
    package: dict[str, Any] | None = None
    problem: str = ""


class OcdsJsonReader:
    """OCDS releases and records in JSON, JSON Lines or concatenated JSON."""

    id = "ocds-json"
    title = "OCDS JSON (packages, releases, records, JSON Lines)"

    @staticmethod
    def sniff(member: Member) -> float:
        """Confident for JSON that mentions OCDS keys; a weak guess for other JSON."""
        head = member.head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if head[:1] not in (b"{", b"["):
            return 0.0
        if any(key in head for key in (b'"ocid"', b'"releases"', b'"records"')):
            return 0.9
        return 0.3 if member.suffix in (".json", ".jsonl", ".ndjson", "") else 0.1

    @staticmethod
    def read(member: Member) -> Iterator[OcdsItem]:
        """Stream every release and record in the member, in file order."""
        try:  # a corrupt .gz/.zip fails on the first read, which is the shape peek
            shape, whole = _shape(member)
        except UNREADABLE as error:
            raise InputError(member.name, f"cannot read (truncated or corrupt?): {error}") from None
        stream = skip_bom(member.open())
        try:
            # Every stream goes through ``limits.parse``: depth and value size are checked
            # event by event, before ijson's prefixes or a value can grow without end.
            many = shape == "many"
            events = parse(stream, member.name, multiple_values=many)
            if shape == "array":
                yield from _classify_all(ijson.items(events, "item"))
            elif shape == "lines":
                yield from _json_lines(stream, member.name)
            elif shape == "many":
                yield from _classify_all(ijson.items(events, ""))
            elif shape == "release-package":
                package = {"shape": "release package"}
                items = _package_items(member, stream, events, "releases.item")
                for position, item in enumerate(items):
                    yield _as_release(item, position, package)
            elif shape == "record-package":
                package = {"shape": "record package"}
                items = _package_items(member, stream, events, "records.item")
                for position, item in enumerate(items):
                    yield _as_record(item, position, package)
            else:
                if whole is None:
                    whole = load_json(read_whole(stream, member.name), member.name)
                yield from _classify_all(iter([whole]))
        except (ijson.JSONError, ijson.IncompleteJSONError, json.JSONDecodeError) as error:
            raise InputError(member.name, f"invalid or truncated JSON: {_short(error)}") from None
        except UnicodeDecodeError as error:
            raise InputError(member.name, f"not UTF-8 text: {error.reason}") from None
        except UNREADABLE as error:
            raise InputError(member.name, f"cannot read (truncated or corrupt?): {error}") from None
        finally:
            stream.close()


def _package_items(member: Member, stream: Any, events: Any, prefix: str) -> Iterator[Any]:
    """A package's releases or records, by ijson's C parser where the limits allow it.

    The bounded stream (``events``) checks every event in Python, which made reading a
    large package a good part of the runner's serial work. When a first pass finds the
    file nesting within the limit, the C parser builds the items itself, numbers as
    floats. If it stops (a number a float cannot hold, or broken JSON), the bounded
    stream reads the file again from the item where it stopped: it keeps such numbers
    (they become notes on their cells) and names what is wrong.
    """
    with member.open() as check:
        plain = plainly_within_limits(skip_bom(check))
    if not plain:
        yield from ijson.items(events, prefix)
        return
    done = 0
    try:
        for item in ijson.items(stream, prefix, use_float=True):
            yield item
            done += 1
        return
    except (ijson.JSONError, ijson.IncompleteJSONError):
        pass
    with member.open() as again:
        bounded = ijson.items(parse(skip_bom(again), member.name), prefix)
        yield from islice(bounded, done, None)


def skip_bom(stream):
    """Position a binary stream after a UTF-8 byte-order mark, if it starts with one."""
    if stream.peek(3)[:3] == b"\xef\xbb\xbf":
        stream.read(3)
    return stream


def _short(error: Exception) -> str:
    return str(error).splitlines()[0][:160] if str(error) else type(error).__name__


def _shape(member: Member) -> tuple[str, Any]:
    """Look at the first megabyte to decide how to stream the rest.

    Returns the shape and, when the peek held the whole file as one value, that value
    (parsed once, not again by ``read``); None otherwise.
    """
    with member.open() as stream:
        head = stream.read(PEEK_BYTES)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] == b"[":
        return "array", None
    if text[:1] != b"{":
        raise InputError(member.name, "not JSON: does not start with '{' or '['")
    whole = _one_value(text, member.name) if len(head) < PEEK_BYTES else None
    if whole is not None:
        return "one", whole  # the whole file, one value: an API page, a small package
    completed, top_keys, depth = 0, set(), 0
    events = parse(io.BytesIO(text), member.name, multiple_values=True)
    try:
        for _prefix, event, value in events:
            if event in ("start_map", "start_array"):
                depth += 1
            elif event in ("end_map", "end_array"):
                depth -= 1
                if depth == 0:
                    completed += 1
                    if completed > 1:
                        return ("lines" if _looks_like_json_lines(text) else "many"), None
            elif event == "map_key" and depth == 1 and completed == 0:
                top_keys.add(value)
    except ijson.IncompleteJSONError:
        if completed >= 1 and _looks_like_json_lines(text, complete_lines=1):
            return "lines", None  # a cut-off last line is quarantined with its number
        if len(head) < PEEK_BYTES:
            raise InputError(
                member.name, "invalid or truncated JSON (ends before it closes)"
            ) from None
    except ijson.JSONError as error:
        if completed >= 1:
            return ("lines" if _looks_like_json_lines(text) else "many"), None
        if len(head) >= PEEK_BYTES:
            pass
        else:
            raise InputError(member.name, f"invalid JSON: {_short(error)}") from None
    if completed >= 1:
        if completed > 1:
            return ("lines" if _looks_like_json_lines(text) else "many"), None
        return "one", None
    # A single value larger than the peek: stream its array if it is a package.
    if "records" in top_keys:
        return "record-package", None
    if "releases" in top_keys and not top_keys & {"ocid", "compiledRelease", "versionedRelease"}:
        return "release-package", None
    return "one", None


def _one_value(text: bytes, name: str) -> Any:
    """A whole small file as its one JSON value (an object), or None if it is not one."""
    try:
        return load_json(text, name)
    except (ValueError, InputError):
        return None  # several values, JSON Lines or broken: the event stream decides


def _looks_like_json_lines(text: bytes, complete_lines: int = 2) -> bool:
    """One complete JSON value on each of the first lines: JSON Lines, not pretty-printed JSON."""
    lines = [line for line in text.split(b"\n")[:-1] if line.strip()][:5]
    if len(lines) < complete_lines:
        return False
    try:
        return all(
            isinstance(load_json(line, "a JSON line"), dict | list)
            for line in lines[:complete_lines]
        )
    except (ValueError, InputError):
        return False


def _json_lines(stream: Any, name: str) -> Iterator[OcdsItem]:
    """JSON Lines read line by line: a broken line is reported with its number, not fatal.

    A line too deep or too large is one of those: ``InputError`` from the limits
    becomes that line's problem.
    """
    position = 0
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value = load_json(line, name)
        except InputError as error:
            problem = f"line {number}: {error.message}"
            yield OcdsItem("invalid", None, position, problem=problem)
            position += 1
            continue
        except ValueError as error:
            problem = f"line {number}: invalid JSON ({_short(error)})"
            yield OcdsItem("invalid", None, position, problem=problem)
            position += 1
            continue
        for item in classify(value, position):
            yield item
            position += 1


def _classify_all(values: Iterator[Any]) -> Iterator[OcdsItem]:
    position = 0
    for value in values:
        for item in classify(value, position):
            yield item
            position += 1


def classify(value: Any, position: int = 0) -> Iterator[OcdsItem]:
    """Unpack one top-level JSON value into the releases and records it holds."""
    if not isinstance(value, dict):
        yield OcdsItem(
            "invalid", value, position, problem=f"a {type(value).__name__}, not an object"
        )
        return
    records, releases = value.get("records"), value.get("releases")
    if isinstance(records, list) and "ocid" not in value:
        package = _package_meta(value, "record package")
        for offset, record in enumerate(records):
            yield _as_record(record, position + offset, package)
        return
    if isinstance(releases, list) and "ocid" not in value and not _is_record(value):
        package = _package_meta(value, "release package")
        for offset, release in enumerate(releases):
            yield _as_release(release, position + offset, package)
        return
    if _is_record(value):
        yield _as_record(value, position, None)
        return
    if "ocid" in value or {"id", "date"} <= set(value) or "tender" in value:
        yield _as_release(value, position, None)
        return
    keys = ", ".join(sorted(value)[:5])
    yield OcdsItem(
        "invalid", value, position, problem=f"not an OCDS release, record or package (keys: {keys})"
    )


def _is_record(value: dict) -> bool:
    return (
        "compiledRelease" in value
        or "versionedRelease" in value
        or ("ocid" in value and isinstance(value.get("releases"), list))
    )


def _package_meta(value: dict, shape: str) -> dict[str, Any]:
    meta = {k: value[k] for k in PACKAGE_KEYS & set(value) if k not in ("packages", "links")}
    meta["shape"] = shape
    return meta


def _as_release(value: Any, position: int, package: dict | None) -> OcdsItem:
    if not isinstance(value, dict):
        return OcdsItem(
            "invalid", value, position, package, f"a {type(value).__name__}, not a release"
        )
    return OcdsItem("release", value, position, package)


def _as_record(value: Any, position: int, package: dict | None) -> OcdsItem:
    if not isinstance(value, dict):
        return OcdsItem(
            "invalid", value, position, package, f"a {type(value).__name__}, not a record"
        )
    return OcdsItem("record", value, position, package)
