"""A hand-made set of broken real-world files through the whole run: every one ends with a
clear one-line error (exit 2) or publishes with its bad rows quarantined — no traceback,
no internal error, and every row read accounted for."""

import gzip
import io
import json
import zipfile

import pytest

from terbuka.pipelines.readers import delimited, tabular
from terbuka.pipelines.runner import exit_code, run_dataset

HEADER = "kd_tender;nama_paket;hps;pagu;tgl_pengumuman_tender;status_tender;kd_satker;nama_satker"
GOOD_ROWS = [
    "9001;Jalan Desa;1.250.000,00;2.000.000,00;12/03/2024;Selesai;S1;Dinas PU",
    "9002;Gedung Sekolah;3.000.000;4.000.000;13/03/2024 10:00;Aktif;S1;Dinas PU",
]


def spse(*rows, header=HEADER):
    return ("\n".join([header, *rows]) + "\n").encode()


def releases(count=40):
    items = [
        {"ocid": f"ocds-abc123-{i}", "id": "1", "date": "2024-01-01T00:00:00Z",
         "tender": {"id": str(i), "description": "x" * (i * 37 % 101)}}
        for i in range(count)
    ]  # fmt: skip
    return json.dumps({"uri": "x", "releases": items}).encode()


def flip(data: bytes, at: float = 0.5) -> bytes:
    changed = bytearray(data)
    changed[int(len(changed) * at)] ^= 0xFF
    return bytes(changed)


def zipped(name, data):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


# name: (file name, content, expected status, fragment of the error or a quarantined check)
CASES = {
    "zero bytes": ("kosong.csv", b"", "failed", "empty (0 bytes)"),
    "only blank lines": ("blank.csv", b"\r\n\r\n  \r\n", "failed", "empty or blank"),
    "binary junk": ("data.csv", bytes(range(256)) * 20, "failed", "not a recognised format"),
    "truncated JSON": ("rilis.json", releases()[:-300], "failed", "truncated"),
    "corrupt gzip": ("rilis.json.gz", flip(gzip.compress(releases(3000))), "failed", "corrupt"),
    "truncated gzip": ("rilis.json.gz", gzip.compress(releases(3000))[:5000], "failed", "truncated"),
    "corrupt zip member": ("rilis.zip", flip(zipped("a.json", releases(3000)), 0.6), "failed", "rilis.zip"),
    "HTML saved as xls": ("laporan.xls", b"<!DOCTYPE html><html><table><tr><td>kd_tender</td></tr></table></html>", "failed", "HTML"),
    "legacy xls": ("laporan.xls", tabular.OLE_MAGIC + bytes(1000), "failed", "legacy Excel"),
    "unknown columns": ("lain.csv", b"a;b;c\n1;2;3\n", "failed", "match no layout"),
    "quote never closed": ("kutip.csv", spse(GOOD_ROWS[0], '9003;"Jembatan;1;2;12/03/2024;Aktif;S1;X', GOOD_ROWS[1]), "failed", "never closed"),
    "ragged rows": ("ragged.csv", spse(GOOD_ROWS[0], GOOD_ROWS[1] + ";lebih;lagi"), "published", "ragged-row"),
    "header repeated (multi-page export)": ("pages.csv", spse(GOOD_ROWS[0], HEADER, GOOD_ROWS[1]), "published", "repeated-header"),
    "broken quotes mid-file": ("q.csv", spse(GOOD_ROWS[0], '9003;"Jembatan\n9004;x;1;2;12/03/2024;Aktif;S1;X\n9005;"y";1;2', GOOD_ROWS[1]), "published", "malformed-quotes"),
    "no tender code": ("nokode.csv", spse(GOOD_ROWS[0], ";Tanpa kode;1;2;12/03/2024;Aktif;S1;X"), "published", "unmappable-row"),
    "unreadable numbers and dates": ("nilai.csv", spse(GOOD_ROWS[0], "9003;Jembatan;satu juta;??;31/02/2024;Aktif;S1;X"), "published", "note:unreadable-cell"),
    "zero date": ("nol.csv", spse(GOOD_ROWS[0], "9003;Jembatan;1;2;0000-00-00 00:00:00;Aktif;S1;X"), "published", "note:unreadable-cell"),
    "mixed encodings": ("campur.csv", spse(*GOOD_ROWS) + "9003;Jembatan Café;1;2;14/03/2024;Aktif;S1;Dinas PU\n".encode("cp1252"), "published", ""),
    "Windows-1252 with title rows": ("win.csv", b"REKAP TENDER\r\n\r\n" + spse(*GOOD_ROWS).replace(b"\n", b"\r\n") + "9003;Caf\xe9;1;2;14/03/2024;Aktif;S1;X\r\n".encode("latin-1"), "published", ""),
    "NUL bytes in a cell": ("nul.csv", spse(GOOD_ROWS[0], "9003;Jem\x00batan;1;2;14/03/2024;Aktif;S1;X"), "published", ""),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_broken_file(tmp_path, case):
    name, content, expected, fragment = CASES[case]
    source = tmp_path / name
    source.write_bytes(content)
    record = run_dataset("procurement", [str(source)], tmp_path / "site", show_progress=False)
    error = record.get("error") or ""
    assert "internal error" not in error and "Traceback" not in error, error
    assert record["status"] == expected, error
    if expected == "failed":
        assert exit_code(record) == 2
        assert name in error and fragment in error and "\n" not in error
        assert not (tmp_path / "site" / "procurement.db").exists()
        return
    for table, counts in record["tables"].items():
        assert counts["rows_in"] == counts["rows"] + counts["quarantined"] + counts["duplicates"], (
            table
        )
    read = sum(i["records"] for i in record["inputs"])
    releases_counts = record["tables"]["releases"]
    assert releases_counts["rows_in"] == read, (
        "every row read is a release, quarantined or a duplicate"
    )
    import sqlite3

    with sqlite3.connect(tmp_path / "site" / "procurement.db") as conn:
        checks = {r[0] for r in conn.execute("select check_id from _quarantine")}
        notes = {r[0] for r in conn.execute("select check_id from _quality_notes")}
        names = [r[0] for r in conn.execute("select title from tenders order by ocid")]
    if fragment.startswith("note:"):
        assert fragment[5:] in notes
    elif fragment:
        assert fragment in checks
    else:
        assert checks == set()
    if case in ("mixed encodings", "Windows-1252 with title rows"):
        assert any("Café" in n for n in names) and not any("Ã" in n or "\ufffd" in n for n in names)


def test_a_field_beyond_the_csv_limit_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(delimited, "FIELD_SIZE_LIMIT", 10_000)
    source = tmp_path / "besar.csv"
    source.write_bytes(spse(GOOD_ROWS[0], "9003;" + "x" * 20_000 + ";1;2;12/03/2024;Aktif;S1;X"))
    try:
        record = run_dataset("procurement", [str(source)], tmp_path / "site", show_progress=False)
    finally:
        import csv

        csv.field_size_limit(16 * 1024 * 1024)
    assert record["status"] == "failed" and exit_code(record) == 2
    assert "besar.csv, row 3: a field is larger than" in record["error"]
