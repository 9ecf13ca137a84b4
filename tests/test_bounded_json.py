"""Every JSON parse of outside data is bounded (issue 13): no plain ``json.loads`` left.

Pulled API pages (``sources.load_json``), an FDP ``datapackage.json``, the JSON Lines
sniffer: 100,000 brackets end in one line naming the limit, never a ``RecursionError``
or gigabytes; a gzip bomb from a server stops at the value-size limit.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from itertools import accumulate
from pathlib import Path

import pytest
from adversarial import deep_json
from hypothesis import given, settings
from hypothesis import strategies as st

from terbuka.pipelines.domains.budget_fdp import load_package
from terbuka.pipelines.errors import InputError
from terbuka.pipelines.readers import limits
from terbuka.pipelines.readers.limits import nesting, parse
from terbuka.pipelines.readers.ocds import _looks_like_json_lines
from terbuka.pipelines.sources import load_json

ROOT = Path(__file__).resolve().parents[1]


def test_a_pulled_page_nested_too_deep_is_one_line_naming_the_url(tmp_path):
    page = tmp_path / "payload"
    page.write_bytes(deep_json(100_000))
    with pytest.raises(InputError) as error:
        load_json(page, "https://data.example.go.id/api?page=2")
    assert "nested deeper than 64 levels" in str(error.value)
    assert "https://data.example.go.id/api?page=2" in str(error.value)


def test_a_gzip_bomb_from_a_server_stops_at_the_value_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("TERBUKA_JSON_MAX_VALUE_MB", "1")
    page = tmp_path / "payload"
    page.write_bytes(gzip.compress(b'{"rows": ["' + b"x" * (4 << 20) + b'"]}'))
    assert page.stat().st_size < 64 << 10
    with pytest.raises(InputError) as error:
        load_json(page, "https://x.go.id/p")
    assert "TERBUKA_JSON_MAX_VALUE_MB" in str(error.value)


def test_a_pulled_page_still_parses_and_non_json_is_none(tmp_path):
    page = tmp_path / "payload"
    page.write_bytes(gzip.compress(json.dumps({"data": [{"a": 1}] * 100}).encode()))
    assert load_json(page, "u") == {"data": [{"a": 1}] * 100}
    page.write_bytes(b"<html>not json</html>")
    assert load_json(page, "u") is None


def test_a_deep_fdp_datapackage_is_one_line(tmp_path):
    path = tmp_path / "datapackage.json"
    path.write_bytes(b'{"model": ' + deep_json(5_000, "{") + b"}")
    with pytest.raises(InputError) as error:
        load_package(path, "apbd/datapackage.json")
    assert "apbd/datapackage.json" in str(error.value) and "nested deeper" in str(error.value)


def test_the_json_lines_sniffer_survives_a_deep_line():
    lines = deep_json(50_000) + b"\n" + deep_json(50_000) + b"\n"
    assert _looks_like_json_lines(lines) is False
    assert _looks_like_json_lines(b'{"a": 1}\n{"b": 2}\n') is True


def test_no_plain_json_loads_on_outside_data_is_left():
    """Where outside bytes are parsed, the bounded reader is used (our own state files may
    use ``json.loads``: terbuka wrote them)."""
    for relative in ("pipelines/sources/__init__.py", "pipelines/domains/budget_fdp.py"):
        text = (ROOT / relative).read_text("utf-8")
        body = text.split("def load_json", 1)[-1] if "sources" in relative else text
        assert (
            "json.loads(data" not in body and 'json.loads(path.read_text("utf-8-sig"))' not in text
        )


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:é\n'),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(_JSON_VALUES)
def test_nesting_is_the_depth_of_the_brackets_whatever_the_strings_hold(value):
    text = json.dumps(value, ensure_ascii=False).encode()
    assert nesting(text) == _depth(value)


@pytest.mark.parametrize("depth, fast", [(64, True), (65, False)])
def test_many_brackets_within_the_depth_limit_take_the_fast_parser(monkeypatch, depth, fast):
    """A page of many releases has thousands of brackets but nests a few levels deep."""
    value = {"releases": [{"tender": {"items": [{"id": str(i)}]}} for i in range(50)]}
    value["deep"] = json.loads(b"[" * (depth - 1) + b"]" * (depth - 1))
    data = json.dumps(value).encode()
    calls = []
    monkeypatch.setattr(limits, "parse", lambda *a, **k: calls.append(1) or parse(*a, **k))
    if fast:
        assert limits.load_json(data, "page.json") == value
        assert not calls
    else:
        with pytest.raises(InputError, match="nested deeper than 64 levels"):
            limits.load_json(data, "page.json")
        assert calls


@pytest.mark.parametrize(
    "text",
    [
        b"[\\" + b"[" * 5000,  # a stray backslash, then deep brackets
        b'["\\"' + b"[" * 5000,  # an escaped quote: the brackets are inside the string
        b'["a"]' + b"[" * 5000,  # extra data after a value
        b'"' + b"[" * 5000 + b'"' + b"[" * 5000,  # a string of brackets, then deep brackets
        b"{" * 3000 + b'"a":1' + b"}" * 3000,
    ],
)
def test_broken_or_deep_json_ends_in_one_line_never_recursion(text):
    with pytest.raises((InputError, ValueError)) as error:
        limits.load_json(text, "page.json")
    assert not isinstance(error.value, RecursionError)


BARE_STRING = re.compile(rb'"[^"]*"')


def _longest_string(text: bytes) -> int:
    """Bytes in the longest string of a JSON text, quotes and escapes included."""
    neutral = limits._ESCAPE_PAIR.sub(b"__", text)
    return max(map(len, BARE_STRING.findall(neutral)), default=0)


def _nesting_by_regex(data: bytes) -> int:
    """``nesting`` as it was written first: strings removed by a regex, stray quotes after."""
    reduced = limits._ESCAPE_PAIR.sub(b"", data).translate(None, limits._NOT_QUOTE_OR_BRACKET)
    brackets = BARE_STRING.sub(b"", reduced).replace(b'"', b"")
    return max(accumulate(map(limits._STEP.__getitem__, brackets)), default=0)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60) | st.text(alphabet='"[]{}\\a,', max_size=60).map(str.encode))
def test_nesting_reads_broken_text_as_the_regex_did(data):
    """Split at the quotes, a string never closed still has its brackets counted."""
    assert nesting(data) == _nesting_by_regex(data)


@settings(max_examples=150, deadline=None)
@given(_JSON_VALUES, st.integers(min_value=2, max_value=40), st.booleans())
def test_the_chunked_check_sees_depth_across_chunk_ends(value, chunk, ascii_only):
    """Strings and escapes cut by a chunk's end are carried over, never misread."""
    text = json.dumps(value, ensure_ascii=ascii_only).encode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(limits, "SCAN_CHUNK", chunk)
        plain = limits.plainly_within_limits(io.BytesIO(text))
    if plain:
        assert nesting(text) <= 64
    if _longest_string(text) <= chunk:  # no string longer than a chunk to carry
        assert plain is (nesting(text) <= 64)


@pytest.mark.parametrize(
    "text",
    [
        b"[" * 65 + b"]" * 65,  # too deep
        b'{"releases": [{"a": "unterminated',
        b'{"releases": [1]]}',  # closes more than it opens
        b'{"releases": [1]} \\',  # a backslash outside any string
        b'{"releases": [',  # cut short
    ],
)
def test_anything_doubtful_keeps_the_bounded_stream(text):
    assert limits.plainly_within_limits(io.BytesIO(text)) is False


def test_a_string_longer_than_half_the_value_limit_keeps_the_bounded_stream(monkeypatch):
    monkeypatch.setenv("TERBUKA_JSON_MAX_VALUE_MB", "1")
    text = json.dumps({"releases": [{"a": "x" * (1200 * 1024)}]}).encode()
    assert limits.plainly_within_limits(io.BytesIO(text)) is False
    assert limits.plainly_within_limits(io.BytesIO(text.replace(b"x" * 1024, b"x"))) is True


PACKAGE_RELEASES = [
    {"ocid": f"ocds-x-{i}", "id": str(i), "date": "2024-01-02T00:00:00Z",
     "tender": {"title": 'Pengadaan "laptop" \\ [14"]', "value": {"amount": 1.5e9 + i / 4},
                "items": [{"id": "1", "quantity": i, "unit": {"value": {"amount": -0.1}}}]},
     "big": 2**62, "note": "é ✓ \u0000"}
    for i in range(300)
]  # fmt: skip


def _read_package(path, monkeypatch, plain: bool | None) -> list:
    """The reader's items; ``plain``: force the first pass's answer (None: its own)."""
    from terbuka.pipelines.readers import members
    from terbuka.pipelines.readers import ocds as ocds_module

    monkeypatch.setattr(ocds_module, "PEEK_BYTES", 1024)  # a package larger than the peek
    if plain is not None:
        monkeypatch.setattr(ocds_module, "plainly_within_limits", lambda stream: plain)
    (member,) = members(path, path.name)
    return [
        (item.kind, item.data, item.position) for item in ocds_module.OcdsJsonReader.read(member)
    ]


@pytest.mark.parametrize("big", [b"4611686018427387904", b"12345678901234567890", b"-1e400"])
def test_a_release_package_reads_the_same_by_either_parser(tmp_path, monkeypatch, big):
    """The C parser's items equal the bounded stream's: numbers, strings, escapes, order.

    A number a float cannot hold (beyond 64 bits, 1e400) stops the C parser half way:
    the bounded stream reads on from that release, as it would have read the whole file.
    """
    releases = json.loads(json.dumps(PACKAGE_RELEASES))
    releases[150]["big"] = "BIG"
    path = tmp_path / "package.json"
    text = json.dumps({"uri": "x", "releases": releases, "version": "1.1"}).encode()
    path.write_bytes(text.replace(b'"BIG"', big))
    with path.open("rb") as stream:
        assert limits.plainly_within_limits(stream)  # the C parser is what reads it first
    fast, bounded = _read_package(path, monkeypatch, None), _read_package(path, monkeypatch, False)
    assert fast == bounded
    assert len(fast) == 300
    assert type(fast[0][1]["tender"]["value"]["amount"]) is float
