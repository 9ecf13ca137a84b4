"""Property-based tests: readers fed random and mangled input never crash and never lose a row.

"Never crash" means the only exception that may leave a reader is ``InputError`` (one line,
naming the file). "Never lose a row" means every record of the file is accounted for: a
data row that comes out (flagged or not), a blank row counted as such, the header, or a
row above the header that the layout reports.
"""

import codecs
import csv
import io
import itertools

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from terbuka.pipelines.errors import InputError
from terbuka.pipelines.readers import detect, members
from terbuka.pipelines.readers.tabular import MIXED_UTF8, Layout

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
COUNTER = itertools.count()

# Cell text: what government exports hold, plus the characters that break naive parsers.
ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789 .,-/()")
    + ['"', ";", "\t", "|", "\n", "é", "“", "”", "–", "€", "ü", "ñ"]
)
CELL = st.text(ALPHABET, max_size=25)


def path_for(tmp_path, name):
    return tmp_path / f"{next(COUNTER)}-{name}"


def read_all(path, allowed=None):
    """Everything a reader gives for a file (rows for tables, items for OCDS); any reader."""
    out, layouts = [], []
    for member in members(path):
        reader = detect(member, list(allowed) if allowed else None)
        if reader.id == "ocds-json":
            out.extend(reader.read(member))
            continue
        layout = Layout()
        out.extend(reader.read(member, {}, layout))
        layouts.append(layout)
    return out, layouts


def assert_one_line(error, path):
    message = str(error)
    assert str(path) in message and "\n" not in message and "Traceback" not in message


@SETTINGS
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".json", ".xlsx", ""]))
@example(data=b"\x80\x80\x80\x80\xe0\x80\x80", suffix=".csv")  # an overlong UTF-8 form
def test_random_bytes_never_crash_a_reader(tmp_path, data, suffix):
    path = path_for(tmp_path, f"random{suffix}")
    path.write_bytes(data)
    try:
        read_all(path)
    except InputError as error:
        assert_one_line(error, path)


@st.composite
def tables(draw):
    width = draw(st.integers(min_value=2, max_value=6))
    header = [f"kolom_{i}" for i in range(width)]
    rows = draw(st.lists(st.lists(CELL, min_size=width, max_size=width), min_size=1, max_size=30))
    # Every row holds something (a blank row is not data) and its first cell is a number,
    # as the key column of a real export would be.
    rows = [[str(n), *row[1:]] for n, row in enumerate(rows, 1)]
    return header, rows


def encode(header, rows, delimiter, encoding, newline):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows([header, *rows])
    text = buffer.getvalue()
    if encoding == "cp1252":
        return text.encode("cp1252", errors="replace")
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode()
    if encoding == "utf-16":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode(encoding)


@SETTINGS
@given(
    table=tables(),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_every_row_of_a_valid_csv_comes_back(tmp_path, table, delimiter, encoding, newline):
    header, rows = table
    path = path_for(tmp_path, "table.csv")
    path.write_bytes(encode(header, rows, delimiter, encoding, newline))
    out, (layout,) = read_all(path, ("csv",))
    assert layout.columns == header
    assert layout.delimiter == delimiter
    assert [r.values["kolom_0"] for r in out] == [row[0] for row in rows]
    numbers = [r.number for r in out]
    assert numbers == sorted(set(numbers)) and numbers[0] >= 2
    if encoding != "cp1252":  # (a guessed code page may map a rare letter differently)
        assert [list(r.values.values()) for r in out] == rows


MANGLES = ["title-rows", "blank-lines", "ragged", "repeated-header", "stray-1252", "nul", "crlf"]


@SETTINGS
@given(table=tables(), mangles=st.sets(st.sampled_from(MANGLES), min_size=1), seed=st.randoms())
def test_mangled_csv_keeps_every_row(tmp_path, table, mangles, seed):
    header, rows = table
    rows = [[cell.replace("\n", " ").replace("\r", " ") for cell in row] for row in rows]
    lines = [",".join(_quote(c) for c in header)] + [",".join(_quote(c) for c in r) for r in rows]
    data_lines = list(range(1, len(lines)))
    expected_extra = 0
    if "ragged" in mangles:
        for index in seed.sample(data_lines, k=max(1, len(data_lines) // 3)):
            lines[index] += ",extra"
    if "repeated-header" in mangles:
        at = seed.randint(1, len(lines))
        lines.insert(at, lines[0])
        expected_extra += 1
    if "blank-lines" in mangles:
        for _ in range(3):
            lines.insert(seed.randint(1, len(lines)), "")
    if "title-rows" in mangles:
        lines[:0] = ["LAPORAN REALISASI PENGADAAN", "Per 31 Desember 2024", ""]
    newline = "\r\n" if "crlf" in mangles else "\n"
    content = (newline.join(lines) + newline).encode()
    if "stray-1252" in mangles:
        content += b"999,Caf\xe9 \x93tua\x94" + b",x" * (len(header) - 2) + newline.encode()
        expected_extra += 1
    if "nul" in mangles:
        content = (
            content.replace(b"kolom_0", b"kolom_0", 1)
            + b"998,a\x00b"
            + b",x" * (len(header) - 2)
            + newline.encode()
        )
        expected_extra += 1
    path = path_for(tmp_path, "mangled.csv")
    path.write_bytes(content)
    out, (layout,) = read_all(path, ("csv",))
    assert layout.columns == header, (content[:300], layout)
    firsts = [r.values["kolom_0"] for r in out if r.check != "repeated-header"]
    assert firsts[: len(rows)] == [row[0] for row in rows]
    assert len(out) == len(rows) + expected_extra
    if "stray-1252" in mangles:
        # UTF-8 elsewhere in the file: mixed; plain ASCII elsewhere: simply Windows-1252.
        assert layout.encoding in (MIXED_UTF8, "cp1252")
        assert any("Café “tua”" in str(r.values) for r in out)
    flagged = {r.check for r in out if r.check}
    if "ragged" in mangles:
        assert "ragged-row" in flagged


def _quote(cell):
    if any(c in cell for c in ',"'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


@SETTINGS
@given(
    table=tables(),
    cut=st.floats(min_value=0.05, max_value=0.95),
    flips=st.lists(st.integers(min_value=0), max_size=3),
)
def test_truncated_or_corrupted_csv_is_rows_or_one_line(tmp_path, table, cut, flips):
    header, rows = table
    content = bytearray(encode(header, rows, ",", "utf-8", "\n"))
    content = content[: max(1, int(len(content) * cut))]
    for flip in flips:
        content[flip % len(content)] ^= 0x80
    path = path_for(tmp_path, "cut.csv")
    path.write_bytes(bytes(content))
    try:
        out, layouts = read_all(path, ("csv",))
    except InputError as error:
        assert_one_line(error, path)
        return
    numbers = [r.number for r in out]
    assert numbers == sorted(set(numbers))
    # Independently, Python's csv module on the decoded text: every record is accounted for.
    layout = layouts[0]
    text = (
        bytes(content).decode("utf-8", errors="replace")
        if layout.encoding.startswith("utf-8")
        else bytes(content).decode(layout.encoding, errors="replace")
    )
    records = [
        r
        for r in csv.reader(
            io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=layout.delimiter
        )
    ]
    blank = sum(1 for r in records if not any(c.strip() for c in r))
    above = layout.rows_above_header
    assert len(out) + blank + layout.header_rows + above == len(records)


@SETTINGS
@given(
    releases=st.lists(
        st.fixed_dictionaries({"ocid": st.text(min_size=1, max_size=8), "id": st.text(max_size=5)}),
        max_size=8,
    ),
    cut=st.integers(min_value=0, max_value=400),
)
def test_truncated_ocds_json_is_items_or_one_line(tmp_path, releases, cut):
    import json

    text = json.dumps({"uri": "x", "releases": releases})
    path = path_for(tmp_path, "releases.json")
    path.write_text(text[: max(1, len(text) - cut)] if cut else text, encoding="utf-8")
    try:
        items, _ = read_all(path, ("ocds-json",))
    except InputError as error:
        assert_one_line(error, path)
        return
    if not cut:
        assert len(items) == len(releases)


@SETTINGS
@given(
    table=tables(),
    as_json=st.booleans(),
    wrapper=st.sampled_from(["gz", "zip"]),
    cut=st.floats(min_value=0.1, max_value=1.0),
    flips=st.lists(st.integers(min_value=0), max_size=2),
)
def test_corrupt_or_truncated_archives_are_rows_or_one_line(
    tmp_path, table, as_json, wrapper, cut, flips
):
    import gzip
    import json
    import zipfile

    header, rows = table
    if as_json:
        payload = json.dumps(
            {"data": [dict(zip(header, row, strict=True)) for row in rows]}
        ).encode()
    else:
        payload = encode(header, rows, ";", "utf-8", "\n")
    if wrapper == "gz":
        data = bytearray(gzip.compress(payload))
        name = "rows.json.gz" if as_json else "rows.csv.gz"
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("rows.json" if as_json else "rows.csv", payload)
        data = bytearray(buffer.getvalue())
        name = "rows.zip"
    data = data[: max(1, int(len(data) * cut))]
    for flip in flips:
        data[flip % len(data)] ^= 0x5A
    path = path_for(tmp_path, name)
    path.write_bytes(bytes(data))
    try:
        out, _ = read_all(path)
    except InputError as error:
        assert_one_line(error, path)
        return
    if cut == 1.0 and not flips:
        assert len(out) == len(rows)


def zip_with(payload: bytes, offset: int, value: int) -> bytes:
    """A zip of one member whose central directory has ``value`` (2 bytes) at ``offset``."""
    import struct
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("rows.csv", payload)
    data = bytearray(buffer.getvalue())
    entry = data.index(b"PK\x01\x02")
    data[entry + offset : entry + offset + 2] = struct.pack("<H", value)
    return bytes(data)


@pytest.mark.parametrize(
    "offset, value",
    [(6, 78), (10, 99)],
    ids=["version needed 7.8", "compression method 99"],
)
def test_a_zip_python_cannot_read_is_one_line(tmp_path, offset, value):
    """zipfile raises NotImplementedError for these (one flipped byte is enough)."""
    path = tmp_path / "rows.zip"
    path.write_bytes(zip_with(b"a;b\n1;2\n", offset, value))
    with pytest.raises(InputError) as error:
        read_all(path)
    assert_one_line(error.value, path)
