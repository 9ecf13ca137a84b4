"""Adversarial inputs, generated on demand: long texts for recognizers, bad files for runs.

Nothing here is committed data: every case is written by code, so ``tests/`` and
``bench/reliability.py`` can build the same corpus at any size. ``texts(size)`` yields
``(name, text)`` pairs that have made regular expressions backtrack (one letter
repeated, capitalised words, digits, separators, cue words repeated); ``cases()`` yields
``(name, write, expected)`` where ``write(folder)`` writes a source file or folder and
returns the path to pass as ``--source``, and ``expected`` is ``"error"`` (one clean
input error) or ``"quarantine"`` (published, with the bad rows quarantined).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MB = 1 << 20

# (name, a short unit repeated to the wanted size)
UNITS = [
    ("one capital", "A"),
    ("one small letter", "a"),
    ("capitalised words", "Budi "),
    ("capitals and spaces", "AB "),
    ("initials", "A. "),
    ("name-like run", "Budi Santoso Wati "),
    ("digits", "1"),
    ("digits and spaces", "1 "),
    ("digits and dots", "1."),
    ("digits and dashes", "12-"),
    ("spaces", " "),
    ("separators", "-./,:;()+ "),
    ("hex and colons", "a1:"),
    ("at signs", "a@b."),
    ("honorifics", "Bapak "),
    ("honorific and titles", "Bapak Ir. H. dr. "),
    ("weak cues", "dari Budi "),
    ("before a verb", "Budi Santoso x melaporkan "),
    ("street words", "Jl. A No. "),
    ("RT/RW", "RT 01 RW "),
    ("bank cues", "rekening BCA 1234 "),
    ("english street", "12 Main Street "),
    ("phone-like", "+62 812 "),
]


def repeat(unit: str, size: int) -> str:
    """``unit`` repeated to exactly ``size`` characters."""
    return (unit * (size // len(unit) + 1))[:size]


def texts(size: int = MB) -> Iterator[tuple[str, str]]:
    """``(name, text)`` of ``size`` characters each, shapes known to make regexes backtrack."""
    for name, unit in UNITS:
        yield name, repeat(unit, size)
    for cue in ("dari", "pelapor", "Nama:", "Bapak", "Jl. Mawar", "RT", "rekening", "NIK"):
        # a cue, then nothing but spaces: adjacent repeats of spaces backtracked here
        yield f"{cue} then spaces", cue + " " * (size - len(cue) - 1) + "x"
    yield "one word of capitals after a cue", "Nama: " + "A" * (size - 6)
    yield "one word then a verb", "A" * (size - 11) + " melaporkan"


def parser_texts(size: int = MB) -> Iterator[tuple[str, str]]:
    """``texts`` and the shapes of cells that numbers and dates are parsed from.

    A date or time then a run of spaces made two adjacent repeats of spaces share it,
    and a long word before a digit made a unit-suffix pattern retry from every letter.
    """
    yield from texts(size)
    for start in ("12/01/2024 10:00", "2024-01-12 10:00", "12 Januari 2024 10:00", "1.000"):
        yield f"{start} then spaces", start + " " * (size - len(start) - 1) + "x"
    yield "letters then a digit", "a" * (size - 1) + "1"
    yield "spaces then a currency", "1" + " " * (size - 5) + "rp x"


# --- bad files for whole runs ---------------------------------------------------------


@dataclass
class Case:
    """One adversarial source: ``write(folder)`` returns the path to pass as a source.

    ``expected`` is ``"error"`` (one clean input error, exit 2, nothing published) or
    ``"published"`` (bad rows quarantined or noted, the rest published) in ``domain``; ``fragment`` is
    part of the error line (or ``""``); ``env`` holds limits lowered for the case, so a
    small file stands for a huge one; ``noted`` is whether a published case must leave a
    quarantine row or a quality note (the bad values, accounted for with a reason).
    """

    name: str
    write: Callable[[Path], Path]
    expected: str
    fragment: str = ""
    env: dict[str, str] = field(default_factory=dict)
    noted: bool = True  # a published case leaves at least one quarantine row or note
    domain: str = "procurement"
    planted: tuple[str, ...] = ()  # personal values that must appear in no output or message


def _release(number: int, **tender: Any) -> dict[str, Any]:
    return {
        "ocid": f"ocds-abc123-{number}",
        "id": "1",
        "date": "2024-01-01T00:00:00Z",
        "tender": {"id": str(number), "title": f"Paket {number}", **tender},
    }


def _package(*releases: Any) -> str:
    return json.dumps({"uri": "x", "releases": list(releases)})


def _file(name: str, data: str | bytes) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    return write


def _fifo(folder: Path) -> Path:
    path = folder / "rilis.json"
    os.mkfifo(path)
    return path


def _folder_with_fifo(folder: Path) -> Path:
    inside = folder / "masuk"
    inside.mkdir()
    (inside / "a.json").write_text(_package(_release(1)))
    os.mkfifo(inside / "b.json")
    return inside


def zip_bytes(*members: tuple[str, bytes]) -> bytes:
    """A zip archive of ``members`` (names as given, even ``../`` or absolute ones)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def tar_bytes(*members: tuple[str, bytes], mode: str = "w:gz") -> bytes:
    """A tar archive (.tar.gz by default) of ``members`` plus a symbolic link (refused when read)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("link.json")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
    return buffer.getvalue()


def _spse(*rows: str) -> str:
    header = (
        "kd_tender;nama_paket;hps;pagu;tgl_pengumuman_tender;status_tender;kd_satker;nama_satker"
    )
    good = "9001;Jalan Desa;1.250.000,00;2.000.000,00;12/03/2024;Selesai;S1;Dinas PU"
    return "\n".join([header, good, *rows]) + "\n"


def _budget(*lines: str) -> Callable[[Path], Path]:
    """A budget source folder (``2024/Kota_Contoh.csv``) with a good line and ``lines``."""

    def write(folder: Path) -> Path:
        path = folder / "anggaran" / "2024" / "Kota_Contoh.csv"
        path.parent.mkdir(parents=True)
        head = 'akun,anggaran,realisasi,persentase\n" Belanja Daerah","300,00 M","150,00 M",50.00\n'
        path.write_text(head + "".join(line + "\n" for line in lines))
        return folder / "anggaran"

    return write


NIK, PHONE = "3201011501900001", "0812-3456-7890"


def deep_json(levels: int, opener: str = "[") -> bytes:
    """A JSON value nested ``levels`` deep: ``[[[…]]]`` or ``{"a":{"a":…}}``."""
    if opener == "[":
        return b"[" * levels + b"]" * levels
    return b'{"a":' * levels + b"1" + b"}" * levels


def cases() -> Iterator[Case]:
    """Every adversarial source of issue 13 item 5, small enough for a test."""
    one = _release(1)
    yield Case(
        "nested 100,000 deep (200 KB)",
        _file("dalam.json", deep_json(100_000)),
        "error",
        "nested deeper than 64 levels",
    )
    yield Case(
        "nested 3,000 deep in a release",
        _file(
            "dalam.json",
            _package(one, _release(2, extra="@")).replace('"@"', deep_json(3_000, "{").decode()),
        ),
        "error",
        "nested deeper than 64 levels",
    )
    yield Case(
        "nested 3,000 deep, one bare value",
        _file("dalam.json", deep_json(3_000, "{")),
        "error",
        "nested deeper than 64 levels",
    )
    yield Case(
        "a deep line among JSON Lines",
        _file(
            "rilis.jsonl",
            "\n".join([json.dumps(one), json.dumps(_release(2)), deep_json(3_000, "{").decode()])
            + "\n",
        ),
        "published",
    )
    yield Case(
        "one huge JSON value (limit lowered to 1 MB)",
        _file("besar.json", json.dumps({**one, "description": "x" * (2 * MB)})),
        "error",
        "TERBUKA_JSON_MAX_VALUE_MB",
        {"TERBUKA_JSON_MAX_VALUE_MB": "1"},
    )
    yield Case(
        "one huge string in a package (limit lowered to 1 MB)",
        _file("besar.json", _package(one, _release(2, description="x" * (2 * MB)))),
        "error",
        "TERBUKA_JSON_MAX_VALUE_MB",
        {"TERBUKA_JSON_MAX_VALUE_MB": "1"},
    )
    yield Case("a FIFO as the source", _fifo, "error", "named pipe (FIFO)")
    yield Case("a character device as the source", lambda _: Path("/dev/zero"), "error", "a device")
    yield Case("a FIFO inside the source folder", _folder_with_fifo, "error", "named pipe")
    yield Case(
        "zip members ./x, .hidden/x and x",
        _file(
            "rilis.zip",
            zip_bytes(
                ("./b.json", _package(_release(2)).encode()),
                (".hidden/c.json", _package(_release(3)).encode()),
                ("a.json", _package(one).encode()),
            ),
        ),
        "published",
        noted=False,
    )
    yield Case(
        "zip member ../x (refused with a note, a.json read)",
        _file(
            "rilis.zip",
            zip_bytes(
                ("a.json", _package(one).encode()), ("../evil.json", _package(_release(2)).encode())
            ),
        ),
        "published",
    )
    yield Case(
        "zip of nothing but /etc/x",
        _file("rilis.zip", zip_bytes(("/tmp/evil.json", _package(one).encode()))),
        "error",
        "unsafe path",
    )
    yield Case(
        "tar.gz with ../x, a link, __MACOSX and .DS_Store",
        _file(
            "rilis.tar.gz",
            tar_bytes(
                ("a.json", _package(one).encode()),
                ("../evil.json", _package(_release(2)).encode()),
                ("__MACOSX/._a.json", b"\x00\x05\x16\x07"),
                (".DS_Store", b"Bud1"),
            ),
        ),
        "published",
    )
    bomb = _package(one, _release(2, description=" " * (8 * MB))).encode()
    yield Case(
        "zip bomb (expansion ratio)",
        _file("bom.zip", zip_bytes(("a.json", bomb))),
        "error",
        "expands more than",
    )
    yield Case(
        "gzip bomb (expansion ratio)",
        _file("bom.json.gz", gzip.compress(bomb)),
        "error",
        "TERBUKA_ARCHIVE_MAX_RATIO",
    )
    yield Case(
        "archive over the total size (limit lowered to 1 MB)",
        _file(
            "besar.zip",
            zip_bytes(("a.json", _package(one, _release(2, description="y" * (2 * MB))).encode())),
        ),
        "error",
        "TERBUKA_ARCHIVE_MAX_MB",
        {"TERBUKA_ARCHIVE_MAX_MB": "1"},
    )
    yield Case(
        "400-digit amount, 1e309 and 2**64 in a CSV",
        _file(
            "angka.csv",
            _spse(
                "9002;Jembatan;" + "9" * 400 + ";1e309;12/03/2024;Aktif;S1;X",
                f"9003;Gedung;{2**64};{-(2**70)};13/03/2024;Aktif;S1;X",
            ),
        ),
        "published",
    )
    yield Case(
        "huge integers and 1e309 in OCDS amounts",
        _file(
            "angka.json",
            _package(
                one,
                _release(2, value={"amount": 10**400, "currency": "IDR"}),
                _release(3, value={"amount": 2**64, "currency": "IDR"}),
                _release(4),  # clean: published beside the three quarantined
            ).replace('"title": "Paket 1"', '"title": "Paket 1", "value": {"amount": 1e309}'),
        ),
        "published",
    )
    yield Case(
        "wrong-typed dates in OCDS",
        _file(
            "tanggal.json",
            _package(
                one,
                {**_release(2), "date": 12345},
                {**_release(3), "date": {"a": [1]}},
                _release(4, tenderPeriod={"startDate": ["2024"]}),
            ),
        ),
        "published",
    )
    yield Case(
        "a NIK and a phone number where numbers go",
        _file("bocor.csv", _spse(f"9002;Jembatan;hp {PHONE};NIK {NIK};12/03/2024;Aktif;S1;X")),
        "published",
        planted=(NIK, PHONE, PHONE.replace("-", "")),
    )
    yield Case(
        "a 400-digit budget amount and 1e309 as a percentage",
        _budget(f'" Belanja Hibah","{"9" * 400}","100,00 M",50.00', '" Belanja Modal",1,1,1e309'),
        "published",
        domain="budget",
    )
    yield Case(
        "300,000 letters in one budget cell",
        _budget('" Belanja ' + "A" * 300_000 + '","100,00 M","50,00 M",50.00'),
        "published",
        noted=False,
        domain="budget",
    )
    yield Case(
        "300,000 capitals in one cell",
        _file("panjang.csv", _spse("9002;" + "A" * 300_000 + ";1;2;12/03/2024;Aktif;S1;X")),
        "published",
        noted=False,
    )


# --- big files (300 MB in bench/reliability.py --big, a few MB in tests) ----------------


def big_files(folder: Path, size: int) -> dict[str, Path]:
    """Four sources of about ``size`` bytes each, written in flat memory into ``folder``.

    ``ocds-lines``: OCDS releases as JSON Lines (the ordinary shape of a big export, the
    yardstick); ``one-line-array``: the same releases as one JSON array on a single line;
    ``one-huge-value``: one release whose description is a single string of ``size``
    bytes (must be refused with the limit named, or streamed); ``spse-csv``: an SPSE
    tender export (Windows-1252, ``;``) of the demo's shape.
    """
    from terbuka.pipelines.demo import Generator, _spse_csv, iter_ocds_releases

    folder.mkdir(parents=True, exist_ok=True)
    lines, array = folder / "ocds-lines.jsonl", folder / "one-line-array.json"
    written = 0
    with open(lines, "w", encoding="utf-8") as out, open(array, "w", encoding="utf-8") as one:
        one.write("[")
        for number, release in enumerate(iter_ocds_releases(Generator(13), 10**9)):
            text = json.dumps(release, ensure_ascii=False)
            out.write(text + "\n")
            one.write(("," if number else "") + text)
            written += len(text) + 1
            if written >= size:
                break
        one.write("]")
    huge = folder / "one-huge-value.json"
    head = json.dumps(_release(1, description="@"), ensure_ascii=False).encode()
    before, _, after = head.partition(b"@")
    with open(huge, "wb") as out:
        out.write(before)
        chunk = b"Jalan desa rusak berat " * (MB // 23)
        left = size - len(head)
        while left > 0:
            out.write(chunk[:left])
            left -= len(chunk)
        out.write(after)
    sample = folder / "sample.csv"
    _spse_csv(Generator(13), sample, 2000)
    per_row = sample.stat().st_size / 2000
    sample.unlink()
    csv_path = folder / "spse.csv"
    _spse_csv(Generator(13), csv_path, max(20, int(size / per_row)))
    return {
        "ocds-lines": lines,
        "one-line-array": array,
        "one-huge-value": huge,
        "spse-csv": csv_path,
    }


def search_queries(size: int = MB) -> Iterator[tuple[str, str]]:
    """``(name, fq)`` of about ``size`` characters for the embedded catalog's search.

    Wildcards with a star every other letter (a ``a.*a.*…`` regex backtracks once per
    star against a long value), and shapes that made a clause pattern rescan the rest of
    the query from every letter (a range's opening bracket before a parenthesis, dots).
    """
    yield "a star every other letter", "extras_note:" + repeat("a*", size) + "b"
    yield "long parts between stars", "extras_note:" + repeat("a" * 1000 + "*", size) + "a"
    yield "one letter repeated", repeat("a", size)
    yield "range brackets before parentheses", repeat("a:[(", size)
    yield "range brackets before dashes", repeat("a:[-", size)
    yield "open quotes", repeat('a:"', size)
    yield "dots", repeat("a.", size)
    yield "clauses", repeat("a:b ", size)
