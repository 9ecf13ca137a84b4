"""Archive members (issue 13): unsafe names refused with a note, the rest still read.

A zip or tar member named ``../x`` or ``/x`` is refused with a note while the other
members are read; ``./x`` and hidden members (``.hidden/x``, ``.x.json``) are read;
macOS junk (``__MACOSX/``, ``.DS_Store``, ``._x``) is skipped with a note; a link in a
tar is refused with a note. Nothing is skipped without a word.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from adversarial import tar_bytes, zip_bytes

from terbuka.pipelines.errors import InputError
from terbuka.pipelines.readers import members
from terbuka.pipelines.runner import run_dataset


def package(number: int) -> bytes:
    release = {
        "ocid": f"ocds-abc123-{number}",
        "id": "1",
        "date": "2024-01-01T00:00:00Z",
        "tender": {"id": str(number), "title": f"Paket {number}"},
    }
    return json.dumps({"uri": "x", "releases": [release]}).encode()


MEMBERS = [
    ("a.json", package(1)),
    ("./b.json", package(2)),
    (".hidden/c.json", package(3)),
    ("sub/.d.json", package(4)),
    ("../evil.json", package(5)),
    ("/tmp/abs.json", package(6)),
    ("__MACOSX/._a.json", b"\x00\x05\x16\x07 resource fork"),
    (".DS_Store", b"\x00\x00\x00\x01Bud1"),
]
READ = ["a.json", "b.json", ".hidden/c.json", "sub/.d.json"]


def write_zip(path: Path, entries) -> Path:
    path.write_bytes(zip_bytes(*entries))
    return path


def write_tar(path: Path, entries, mode: str = "w") -> Path:
    path.write_bytes(tar_bytes(*entries, mode=mode))
    return path


@pytest.mark.parametrize(
    "kind, write",
    [
        ("zip", lambda p: write_zip(p / "rilis.zip", MEMBERS)),
        ("tar", lambda p: write_tar(p / "rilis.tar", MEMBERS)),
        ("tar", lambda p: write_tar(p / "rilis.tar.gz", MEMBERS, "w:gz")),
    ],
    ids=["zip", "tar", "tar.gz"],
)
def test_members_read_refused_and_skipped(tmp_path, kind, write):
    path = write(tmp_path)
    found = members(path, path.name)
    assert [m.name.split("!", 1)[1] for m in found] == READ
    assert all(m.head.startswith(b'{"uri"') for m in found)
    notes = "\n".join(found.notes)
    assert f"{kind} member '../evil.json' has an unsafe path" in notes
    assert f"{kind} member '/tmp/abs.json' has an unsafe path" in notes
    assert "'__MACOSX/._a.json' macOS metadata" in notes
    assert "'.DS_Store' macOS metadata" in notes
    expected = 5 if kind == "tar" else 4
    if kind == "tar":
        assert "'link.json' is a link or a device" in notes
    assert len(found.notes) == expected, found.notes
    with found[1].open() as stream:  # ./b.json really is b.json
        assert json.loads(stream.read())["releases"][0]["ocid"] == "ocds-abc123-2"


def test_an_archive_of_nothing_but_refused_members_is_one_clear_line(tmp_path):
    path = write_zip(tmp_path / "jahat.zip", [("../a.json", package(1)), (".DS_Store", b"x")])
    with pytest.raises(InputError) as error:
        members(path, path.name)
    assert "no readable non-empty file" in str(error.value) and "unsafe path" in str(error.value)


@pytest.mark.parametrize("suffix", ["zip", "tar.gz"])
def test_a_run_reads_the_good_members_and_notes_the_others(tmp_path, suffix):
    source = tmp_path / f"rilis.{suffix}"
    if suffix == "zip":
        write_zip(source, MEMBERS)
    else:
        write_tar(source, MEMBERS, "w:gz")
    record = run_dataset("procurement", [str(source)], tmp_path / "site", show_progress=False)
    assert record["status"] == "published", record.get("error")
    with sqlite3.connect(tmp_path / "site" / "procurement.db") as db:
        ocids = sorted(r[0] for r in db.execute("select ocid from releases"))
        notes = [
            r[0]
            for r in db.execute(
                "select message from _quality_notes where check_id = 'archive-member-skipped'"
            )
        ]
    assert ocids == [f"ocds-abc123-{n}" for n in (1, 2, 3, 4)]
    assert len(notes) == (5 if suffix != "zip" else 4), notes
    assert any("'../evil.json' has an unsafe path" in n for n in notes)
    assert str(tmp_path) not in json.dumps(notes)
