import gzip
import io
import json
import zipfile

import pytest

from terbuka.pipelines import plugins
from terbuka.pipelines.errors import InputError
from terbuka.pipelines.readers import detect, members
from terbuka.pipelines.readers.tabular import Layout

RELEASE = {
    "ocid": "ocds-abc-1",
    "id": "1",
    "date": "2024-01-01T00:00:00Z",
    "tag": ["tender"],
    "tender": {"id": "T1"},
}
RELEASE2 = {**RELEASE, "id": "2", "tag": ["award"]}
RECORD = {
    "ocid": "ocds-abc-1",
    "releases": [{"url": "x", "date": "2024-01-01", "tag": ["tender"]}],
    "compiledRelease": {**RELEASE, "tag": ["compiled"]},
}


def ocds_items(path):
    found = []
    for member in members(path):
        reader = detect(member)
        assert reader.id == "ocds-json"
        found.extend(
            (item.kind, item.data.get("id") if isinstance(item.data, dict) else None)
            for item in reader.read(member)
        )
    return found


SHAPES = {
    "release package": (
        json.dumps({"uri": "u", "publisher": {"name": "p"}, "releases": [RELEASE, RELEASE2]}),
        [("release", "1"), ("release", "2")],
    ),
    "record package": (json.dumps({"uri": "u", "records": [RECORD]}), [("record", None)]),
    "bare release": (json.dumps(RELEASE), [("release", "1")]),
    "bare record": (json.dumps(RECORD), [("record", None)]),
    "array of releases": (json.dumps([RELEASE, RELEASE2]), [("release", "1"), ("release", "2")]),
    "JSON Lines": (
        json.dumps(RELEASE) + "\n" + json.dumps(RELEASE2) + "\n",
        [("release", "1"), ("release", "2")],
    ),
    "concatenated JSON": (
        json.dumps(RELEASE, indent=2) + json.dumps(RELEASE2, indent=2),
        [("release", "1"), ("release", "2")],
    ),
    "JSON Lines of packages": (
        json.dumps({"releases": [RELEASE]}) + "\n" + json.dumps({"releases": [RELEASE2]}),
        [("release", "1"), ("release", "2")],
    ),
    "with a BOM": ("\ufeff" + json.dumps({"releases": [RELEASE]}), [("release", "1")]),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_ocds_shapes(tmp_path, shape):
    text, expected = SHAPES[shape]
    path = tmp_path / "data.json"
    path.write_text(text, encoding="utf-8")
    assert ocds_items(path) == expected


@pytest.mark.parametrize("compression", ["gz", "zip"])
def test_compressed_ocds(tmp_path, compression):
    payload = json.dumps({"releases": [RELEASE, RELEASE2]}).encode()
    if compression == "gz":
        path = tmp_path / "data.json.gz"
        path.write_bytes(gzip.compress(payload))
    else:
        path = tmp_path / "data.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("a/releases.json", payload)
            archive.writestr("b/more.jsonl", json.dumps(RELEASE) + "\n")
    assert [k for k, _ in ocds_items(path)] == ["release"] * (2 if compression == "gz" else 3)


def test_large_package_is_streamed_not_loaded(tmp_path):
    from terbuka.pipelines.readers import ocds

    release = {**RELEASE, "tender": {"id": "T1", "description": "x" * 2000}}
    path = tmp_path / "big.json"
    with open(path, "w") as handle:
        handle.write('{"publisher": {"name": "p"}, "releases": [')
        handle.write(",".join(json.dumps({**release, "id": str(i)}) for i in range(800)))
        handle.write("]}")
    member = members(path)[0]
    assert path.stat().st_size > ocds.PEEK_BYTES
    assert ocds._shape(member)[0] == "release-package"
    assert len(ocds_items(path)) == 800


def test_non_objects_in_a_package_are_reported(tmp_path):
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"releases": [RELEASE, "oops", 5]}))
    kinds = [k for k, _ in ocds_items(path)]
    assert kinds == ["release", "invalid", "invalid"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty (0 bytes)"),
        (b'{"releases": [{"ocid": "a", "id": "1"}, {"ocid"', "truncated"),
        (b"   \n  ", "empty or blank"),
    ],
)
def test_unreadable_ocds_files_name_the_file(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as error:
        ocds_items(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_binary_junk_is_not_a_format(tmp_path):
    path = tmp_path / "junk.bin"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(InputError, match="not a recognised format"):
        detect(members(path)[0])


CSV_ROWS = [
    ["kd_tender", "nama_paket", "pagu"],
    ["1", "Jalan Desa Café", "1.250.000,00"],
    ["2", "Gedung; baru", "3.000.000,00"],
]


def write_csv(path, delimiter, encoding, bom=False, newline="\n"):
    buffer = io.StringIO()
    import csv

    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(CSV_ROWS)
    data = buffer.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


@pytest.mark.parametrize(
    "delimiter, encoding, bom, newline",
    [
        (",", "utf-8", False, "\n"),
        (";", "utf-8", True, "\r\n"),
        ("\t", "cp1252", False, "\n"),
        (";", "cp1252", False, "\r\n"),
    ],
)
def test_csv_variants(tmp_path, delimiter, encoding, bom, newline):
    path = tmp_path / "tender.csv"
    write_csv(path, delimiter, encoding, bom, newline)
    member = members(path)[0]
    reader = detect(member)
    assert reader.id == "csv"
    layout = Layout()
    rows = list(reader.read(member, {}, layout))
    assert layout.delimiter == delimiter
    assert [r.values["nama_paket"] for r in rows] == ["Jalan Desa Café", "Gedung; baru"]
    assert [r.number for r in rows] == [2, 3]


def test_csv_title_rows_above_the_header(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text("LAPORAN TENDER 2024\n\nkd_tender,nama_paket,pagu\n1,Jalan,100\n")
    member = members(path)[0]
    layout = Layout()
    rows = list(detect(member).read(member, {}, layout))
    assert layout.header_row == 3
    assert rows[0].values == {"kd_tender": "1", "nama_paket": "Jalan", "pagu": "100"}


def test_ragged_rows_are_flagged_not_dropped(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n1,2\n3,4,5\n6\n")
    member = members(path)[0]
    rows = list(detect(member).read(member, {}, Layout()))
    assert [r.problem != "" for r in rows] == [False, True, False]
    assert rows[2].values == {"a": "6", "b": None}


def test_xlsx(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Rekap tender"])
    for row in CSV_ROWS:
        sheet.append(row)
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    member = members(path)[0]
    reader = detect(member)
    assert reader.id == "xlsx"
    rows = list(reader.read(member, {}, Layout()))
    assert [r.values["kd_tender"] for r in rows] == ["1", "2"]


SNIFF_SAMPLES = {
    "ocds-json": b'{"releases": [{"ocid": "x"}]}',
    "csv": b"a;b;c\n1;2;3\n",
    "xlsx": None,
    "json-rows": b'{"data": [{"kd_tender": 1, "nama_paket": "x"}], "meta": {}}',
    "inaproc-json": json.dumps(
        [
            {
                "tahun_anggaran": 2025, "kd_klpd": "D1", "kd_satker": "1", "kd_satker_str": "1.0",
                "kd_lpse": 93, "kd_tender": 7, "kd_pkt_dce": 6, "kd_peserta": 70,
                "kd_penyedia": 5, "nama_penyedia": "CV A", "npwp_penyedia": None,
                "npwp_penyedia_16": None, "nilai_penawaran": None, "nilai_terkoreksi": None,
                "pemenang": 0, "pemenang_terverifikasi": 0, "alasan": None,
            }
        ]
    ).encode(),  # a PesertaTender row of LKPP's ISB/INAPROC feeds: known by its fields
}  # fmt: skip


@pytest.mark.parametrize("reader_id", list(plugins.readers()))
def test_every_registered_reader_recognises_its_format(tmp_path, reader_id):
    reader = plugins.readers()[reader_id]
    assert reader.id == reader_id and reader.title
    sample = SNIFF_SAMPLES[reader_id]
    path = tmp_path / "sample"
    if sample is None:
        import openpyxl

        workbook = openpyxl.Workbook()
        workbook.active.append(["a", "b"])
        workbook.save(path)
    else:
        path.write_bytes(sample)
    assert detect(members(path)[0]).id == reader_id


def test_a_broken_json_lines_line_is_reported_not_fatal(tmp_path):
    from terbuka.pipelines.readers.ocds import OcdsJsonReader

    path = tmp_path / "city.jsonl"
    lines = [json.dumps({**RELEASE, "id": str(i)}) for i in range(5)]
    lines[2] = lines[2][:40]  # a line cut short
    path.write_text("\n".join(lines) + "\n")
    member = members(path)[0]
    items = list(OcdsJsonReader.read(member))
    assert [i.kind for i in items] == ["release", "release", "invalid", "release", "release"]
    assert items[2].problem.startswith("line 3: invalid JSON")


@pytest.mark.parametrize("complete", [1, 3])
def test_json_lines_cut_off_mid_line_keep_the_complete_lines(tmp_path, complete):
    """A small export whose last line was cut short reads like a large one: the cut line
    is reported with its number, the complete lines are kept."""
    from terbuka.pipelines.readers.ocds import OcdsJsonReader

    path = tmp_path / "cut.jsonl"
    lines = [json.dumps({**RELEASE, "id": str(i)}) for i in range(complete + 1)]
    path.write_text("\n".join(lines)[:-10])
    items = list(OcdsJsonReader.read(members(path)[0]))
    assert [i.kind for i in items] == ["release"] * complete + ["invalid"]
    assert items[-1].problem.startswith(f"line {complete + 1}: invalid JSON")


def test_a_small_file_of_several_values_is_never_read_as_its_first(tmp_path):
    """JSON Lines with a line nested too deep: every line is accounted for.

    The file as a whole nests deeper than the limit, so the shape test reads it through
    the bounded event stream, which must not stop at the first value.
    """
    deep = {**RELEASE, "id": "deep", "x": json.loads("[" * 70 + "]" * 70)}
    path = tmp_path / "releases.jsonl"
    lines = [{**RELEASE, "id": "1"}, {**RELEASE, "id": "2"}, deep, {**RELEASE, "id": "4"}]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    assert [k for k, _ in ocds_items(path)] == ["release", "release", "invalid", "release"]
