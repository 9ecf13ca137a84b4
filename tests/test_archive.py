"""The content-addressed archive of raw payloads."""

from __future__ import annotations

import hashlib
import stat

from terbuka.pipelines.archive import Archive, public_headers


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_payloads_are_stored_once_under_their_sha256_owner_only(tmp_path):
    archive = Archive(tmp_path / "archive")
    data = b"nik,nama\n3201234567890123,Budi\n"  # raw data holds personal data
    first = archive.add_bytes(data)
    second = archive.add_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    assert first.sha256 == second.sha256 == sha
    assert first.new and not second.new
    assert first.path == tmp_path / "archive" / "objects" / sha[:2] / sha
    assert first.path.read_bytes() == data
    assert mode(tmp_path / "archive") == 0o700
    assert mode(first.path.parent) == 0o700
    assert mode(first.path) == 0o600
    assert mode(tmp_path / "archive" / "manifest.db") == 0o600
    assert [p for p in archive.objects.rglob("*") if p.is_file()] == [first.path]
    archive.close()


def test_add_file_copies_so_later_edits_change_nothing(tmp_path):
    archive = Archive(tmp_path / "archive")
    source = tmp_path / "export.csv"
    source.write_bytes(b"a,b\n1,2\n")
    stored = archive.add_file(source)
    source.write_bytes(b"a,b\n9,9\n")
    assert stored.path.read_bytes() == b"a,b\n1,2\n"
    again = archive.add_file(source)
    assert again.new and again.sha256 != stored.sha256
    archive.close()


def test_manifest_traces_a_payload_to_every_fetch_and_keeps_no_secrets(tmp_path):
    archive = Archive(tmp_path / "archive")
    stored = archive.add_bytes(b"{}")
    headers = {
        "ETag": '"abc"',
        "Content-Type": "application/json",
        "Set-Cookie": "session=SECRET",
        "X-Api-Key": "SECRET",
        "Authorization": "Bearer SECRET",
    }
    archive.record("https://x.go.id/a", sha256=stored.sha256, status=200, size=2, headers=headers,
                   dataset="d", source="s")  # fmt: skip
    archive.record("https://x.go.id/a", sha256=stored.sha256, status=304, headers={"ETag": '"abc"'})
    trace = archive.trace(stored.sha256)
    assert [(t["url"], t["status"]) for t in trace] == [
        ("https://x.go.id/a", 200),
        ("https://x.go.id/a", 304),
    ]
    assert trace[0]["headers"] == {"etag": '"abc"', "content-type": "application/json"}
    assert trace[0]["dataset"] == "d" and trace[0]["source"] == "s"
    assert b"SECRET" not in (tmp_path / "archive" / "manifest.db").read_bytes()
    assert archive.last_ok("https://x.go.id/a")["sha256"] == stored.sha256
    stored.path.unlink()
    assert archive.last_ok("https://x.go.id/a") is None  # a lost payload is not reused
    archive.close()


def test_public_headers_drop_anything_secret_looking():
    kept = public_headers(
        {"Last-Modified": "x", "X-Auth-Token": "t", "Cookie": "c", "X-Session-Id": "s", "Link": "l"}
    )
    assert kept == {"last-modified": "x", "link": "l"}
