"""Messy and broken tabular files, generated here: each is read correctly, flagged row by row,
or refused with one line naming the file (and row) — never a traceback, never a lost row."""

import codecs
import csv
import gzip
import io
import zipfile

import pytest

from terbuka.pipelines.errors import InputError
from terbuka.pipelines.readers import delimited, detect, members, tabular
from terbuka.pipelines.readers.tabular import Layout, reader_options

HEADER = ["kd_tender", "nama_paket", "pagu", "tgl_pengumuman_tender"]
DATA = [
    ["101", "Jalan Desa Café", "1.250.000,00", "12/03/2024"],
    ["102", "Gedung Sekolah “Baru”", "3.000.000", "25/03/2024"],
    ["103", "Jembatan; tahap 2", "4.372,86 M", "01/04/2024"],
]


def table_bytes(rows, delimiter=",", encoding="utf-8", newline="\n", bom=b""):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return bom + buffer.getvalue().encode(encoding)


def read(path, options=None, allowed=("csv", "xlsx")):
    rows, found = [], None
    for member in members(path):
        reader = detect(member, list(allowed))
        layout = Layout()
        rows.extend(reader.read(member, options or {}, layout))
        found = found or layout
    return rows, found


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return path


# --- read correctly ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, expected",
    [
        (
            "windows.csv",
            b"LAPORAN PENGADAAN 2024\r\nDinas PU\r\n\r\n"
            + table_bytes([HEADER, *DATA], ";", "cp1252", "\r\n"),
            {"encoding": "cp1252", "delimiter": ";", "header_row": 4},
        ),
        (
            "bom.csv",
            table_bytes([HEADER, *DATA], ";", "utf-8", "\r\n", codecs.BOM_UTF8),
            {"encoding": "utf-8-sig", "delimiter": ";", "header_row": 1},
        ),
        (
            "unicode.txt",  # Excel's "Unicode text": UTF-16 with a BOM, tab separated
            codecs.BOM_UTF16_LE + table_bytes([HEADER, *DATA], "\t", "utf-16-le", "\r\n"),
            {"encoding": "utf-16", "delimiter": "\t", "header_row": 1},
        ),
        (
            "nobom.csv",
            table_bytes([HEADER, *DATA], ",", "utf-16-le"),
            {"encoding": "utf-16-le", "delimiter": ",", "header_row": 1},
        ),
        (
            "pipes.csv",
            table_bytes([HEADER, *DATA], "|"),
            {"encoding": "utf-8", "delimiter": "|", "header_row": 1},
        ),
    ],
)
def test_encodings_delimiters_and_title_rows(tmp_path, name, content, expected):
    rows, layout = read(write(tmp_path, name, content))
    assert {k: getattr(layout, k) for k in expected} == expected
    assert [r.values for r in rows] == [dict(zip(HEADER, d, strict=True)) for d in DATA]
    assert not any(r.problem for r in rows)


def test_cyrillic_windows_1251(tmp_path):
    rows_in = [["Назив", "Износ"], ["Министерство за финансии", "17299000"], ["Собрание", "40"]]
    rows, layout = read(write(tmp_path, "mk.csv", table_bytes(rows_in, ";", "cp1251", "\r\n")))
    assert layout.encoding == "cp1251"
    assert [r.values["Назив"] for r in rows] == ["Министерство за финансии", "Собрание"]


def test_utf8_with_stray_windows_1252_bytes(tmp_path):
    # Two exports pasted together: mostly UTF-8, one line typed on an old Windows machine.
    content = "kd_tender,nama_paket\n1,Café\n2,Résumé\n".encode() + b"3,Caf\xe9 \x93lama\x94\n"
    rows, layout = read(write(tmp_path, "mixed.csv", content))
    assert layout.encoding == "utf-8+cp1252"
    assert [r.values["nama_paket"] for r in rows] == ["Café", "Résumé", "Café “lama”"]


def test_one_utf8_letter_outweighs_more_stray_windows_1252_bytes(tmp_path):
    # One "ü" (2 UTF-8 bytes) against three stray bytes: read as Windows-1250 the "ü"
    # became "Ăź", which charset-normalizer found less messy on so little text.
    content = "no,nama\n1,üAb\n".encode() + b"2,Caf\xe9 \x93tua\x94\n"
    rows, layout = read(write(tmp_path, "mixed.csv", content))
    assert layout.encoding == "utf-8+cp1252"
    assert [r.values["nama"] for r in rows] == ["üAb", "Café “tua”"]


@pytest.mark.parametrize(
    "text, encoding",
    [
        ("nama,kota\nWSPÓŁPRACA,Kraków\nzażółć,gęślą\n", "cp1250"),
        ("a,b\nPříliš žluťoučký,kůň ÚPĚL\n", "cp1250"),
    ],
)
def test_code_page_files_are_not_taken_for_utf8(tmp_path, text, encoding):
    rows, layout = read(write(tmp_path, "page.csv", text.encode(encoding)))
    assert layout.encoding == encoding


def test_merged_excel_header_in_csv(tmp_path):
    content = (
        b"Rekap Paket 2024\n\n"
        b"No;Paket;Nilai (Rp);;Tanggal\n"
        b";;Pagu;HPS;\n"
        b"1;Jalan;1.250.000,00;1.000.000,00;12/03/2024\n"
        b"2;Gedung;3.000.000;2.500.000;25/03/2024\n"
    )
    rows, layout = read(write(tmp_path, "merged.csv", content))
    assert layout.columns == ["No", "Paket", "Nilai (Rp) Pagu", "Nilai (Rp) HPS", "Tanggal"]
    assert (layout.header_row, layout.header_rows, layout.rows_above_header) == (3, 2, 1)
    assert [r.number for r in rows] == [5, 6]
    assert rows[0].values["Nilai (Rp) HPS"] == "1.000.000,00"
    assert layout.locales["Nilai (Rp) Pagu"] == {"kind": "number", "decimal": ","}
    assert layout.locales["Tanggal"] == {"kind": "date", "dayfirst": True}


def test_merged_cells_in_a_real_workbook(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Rekap"
    sheet.append(["REKAPITULASI PAKET PENGADAAN TAHUN 2024"])
    sheet.merge_cells("A1:E1")
    sheet.append([])
    sheet.append(["No", "Nama Paket", "Nilai", None, "Status"])
    sheet.append([None, None, "Pagu", "HPS", None])
    sheet.merge_cells("C3:D3")
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:B4")
    sheet.merge_cells("E3:E4")
    sheet.append([1, "Jalan Desa", 1250000, 1000000, "Selesai"])
    sheet.append([2, "Gedung", 3000000.5, 2500000, "Aktif"])
    workbook.create_sheet("Catatan").append(["catatan", "lain"])
    path = tmp_path / "rekap.xlsx"
    workbook.save(path)
    rows, layout = read(path)
    assert layout.sheet == "Rekap"
    assert layout.columns == ["No", "Nama Paket", "Nilai Pagu", "Nilai HPS", "Status"]
    assert [r.number for r in rows] == [5, 6]
    assert rows[1].values["Nilai Pagu"] == 3000000.5
    rows, layout = read(path, {"sheet": 2})
    assert layout.sheet == "Catatan" and len(rows) == 0 and layout.columns == ["catatan", "lain"]


def test_a_field_larger_than_pythons_default_csv_limit(tmp_path):
    big = "x" * 200_000  # Python's csv module stops at 131,072 characters by default
    rows, _ = read(write(tmp_path, "big.csv", table_bytes([["a", "b"], ["1", big], ["2", "y"]])))
    assert [len(r.values["b"]) for r in rows] == [200_000, 1]


def test_every_row_survives_past_the_locale_sample(tmp_path):
    data = [[str(i), f"paket {i}", f"{i}.000,50"] for i in range(tabular.LOCALE_SAMPLE * 3 + 7)]
    rows, layout = read(write(tmp_path, "long.csv", table_bytes([["no", "paket", "nilai"], *data])))
    assert [r.number for r in rows] == list(range(2, len(data) + 2))
    assert [r.values["no"] for r in rows] == [d[0] for d in data]
    assert layout.locales["nilai"]["decimal"] == ","


def test_reader_options_override_detection(tmp_path):
    content = b"# export\n# generated\nid\tname\tamount\n1\tA\t1.250\n2\tB\t2.500\n"
    path = write(tmp_path, "export.tsv", content)
    rows, layout = read(
        path, {"delimiter": "tab", "header_row": 3, "decimal": ".", "encoding": "latin-1"}
    )
    assert (layout.delimiter, layout.header_row, layout.encoding) == ("\t", 3, "latin-1")
    assert layout.locales["amount"] == {"kind": "number", "decimal": "."}
    assert [r.values["name"] for r in rows] == ["A", "B"]


def test_reader_options_from_the_descriptor():
    descriptor = {
        "reader_options": [
            {"match": "*.csv", "encoding": "cp1252", "delimiter": ";"},
            {"match": "exports/2023/*", "header_row": 4},
            {"match": "*.xlsx", "sheet": "Rekap"},
            {"match": "*.csv", "delimiter": ","},
        ]
    }
    assert reader_options(descriptor, "/data/exports/2023/tender.csv") == {
        "encoding": "cp1252",
        "delimiter": ",",
        "header_row": 4,
    }
    assert reader_options(descriptor, "bundle.zip!inner/rekap.xlsx") == {"sheet": "Rekap"}
    assert reader_options(descriptor, "releases.json") == {}
    assert reader_options({}, "x.csv") == {}


# --- rows flagged (the pipeline quarantines them, with their row number) -------------------


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"a,b\n1,2\n3,4,5\n6\n", [(2, ""), (3, "ragged-row"), (4, "")]),
        (b"a,b\n1,2\na,b\n3,4\n", [(2, ""), (3, "repeated-header"), (4, "")]),
        (b'a,b,c\n1,"x\n2,y,z\n3,"w",v\n4,5,6\n', [(2, "malformed-quotes"), (5, "")]),
        (b'a,b,c\n1,"x\n2,y,z\n3,w,v",q\n4,5,6\n', [(2, "swallowed-rows"), (5, "")]),
        (b"a,b\n1,2\n\n\n,\n3,4\n", [(2, ""), (6, "")]),
    ],
)
def test_rows_that_do_not_fit_are_flagged_not_dropped(tmp_path, content, expected):
    rows, _ = read(write(tmp_path, "odd.csv", content))
    assert [(r.number, r.check) for r in rows] == expected
    assert all(bool(r.problem) == bool(r.check) for r in rows)


# --- refused with one line naming the file (and row) ---------------------------------------


def xlsx_bytes():
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["a", "b"])
    workbook.active.append([1, 2])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def corrupt_sheet():
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                data = data[: len(data) // 2]
            target.writestr(item, data)
    return buffer.getvalue()


BROKEN = {
    "zero bytes": ("empty.csv", b"", None, "empty (0 bytes)", None),
    "blank": ("blank.csv", b"\n\n   \r\n", None, "empty or blank", None),
    "binary junk": ("junk.csv", bytes(range(256)) * 8, None, "not a recognised format", None),
    "html saved as xls": (
        "export.xls",
        b"<html><body><table><tr><td>kd_tender</td></tr></table></body></html>",
        None,
        "HTML",
        None,
    ),
    "legacy xls": ("old.xls", tabular.OLE_MAGIC + bytes(600), None, "legacy Excel", None),
    "truncated xlsx": ("cut.xlsx", xlsx_bytes()[:700], None, "zip archive", None),
    "corrupt sheet": ("bad.xlsx", corrupt_sheet(), None, "Excel", None),
    "quote never closed": ("open.csv", b'a,b\n1,2\n3,"oops\n4,5\n', None, "never closed", 3),
    "wrong encoding given": (
        "w.csv",
        "a,b\n1,Café\n".encode("cp1252"),
        {"encoding": "utf-8"},
        "not valid utf-8",
        2,
    ),
    "unknown encoding": ("u.csv", b"a,b\n1,2\n", {"encoding": "klingon"}, "unknown encoding", None),
    "header past the end": ("h.csv", b"a,b\n1,2\n", {"header_row": 9}, "past the end", None),
    "no such sheet": ("s.xlsx", xlsx_bytes(), {"sheet": "Rekap"}, "no sheet named 'Rekap'", None),
    "truncated gzip": (
        "t.csv.gz",
        gzip.compress(
            table_bytes([["no", "paket"]] + [[str(i), f"paket {i * 7919}"] for i in range(9000)])
        )[:3000],
        None,
        "decompress",
        None,
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_broken_files_give_one_line_naming_the_file(tmp_path, case):
    name, content, options, fragment, row = BROKEN[case]
    path = write(tmp_path, name, content)
    with pytest.raises(InputError) as error:
        read(path, options)
    message = str(error.value)
    assert str(path) in message and fragment in message and "\n" not in message
    if row is not None:
        assert error.value.row == row, message


def test_a_field_beyond_the_limit_names_the_row(tmp_path, monkeypatch):
    monkeypatch.setattr(delimited, "FIELD_SIZE_LIMIT", 1000)
    path = write(tmp_path, "huge.csv", table_bytes([["a", "b"], ["1", "y"], ["2", "x" * 5000]]))
    try:
        with pytest.raises(InputError) as error:
            read(path)
    finally:
        import csv as csv_module

        csv_module.field_size_limit(16 * 1024 * 1024)
    assert "larger than" in str(error.value) and error.value.row == 3
