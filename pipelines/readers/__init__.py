"""Source readers: open a file (compressed or not) and pick the reader that fits its content.

A reader is a small class with a stable ``id``, a ``sniff`` that scores how well a file's
first bytes fit, and a ``read`` that streams items. The extension is only a hint: data
arrives as ``export.txt`` or ``download`` as often as ``tenders.csv``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import InputError

HEAD_BYTES = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
OFFICE_MARKER = "[Content_Types].xml"


@dataclass
class Member:
    """One readable stream: a plain file, the inside of a ``.gz``, or one file in a ``.zip``."""

    name: str
    opener: Callable[[], IO[bytes]]
    head: bytes = b""

    def open(self) -> IO[bytes]:
        """A fresh binary stream from the first byte."""
        return self.opener()

    @property
    def suffix(self) -> str:
        """The extension that hints at the format, compression suffix removed."""
        name = self.name.lower()
        for compressed in (".gz", ".gzip"):
            if name.endswith(compressed):
                name = name[: -len(compressed)]
        return Path(name.split("!")[-1]).suffix


@dataclass
class Input:
    """A source given to a run: where it came from, its hash, and what was read from it."""

    path: Path
    display: str
    sha256: str = ""
    size: int = 0
    records: int = 0
    kind: str = ""
    reader: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        """The entry in the run record's ``inputs`` list."""
        record = {
            "path": self.display,
            "sha256": self.sha256,
            "bytes": self.size,
            "records": self.records,
            "kind": self.kind,
            "reader": self.reader,
        }
        record.update(self.extra)
        return record


def public_source(name: str | None) -> str | None:
    """How a source is named in published data: a URL as is, a local file by its name only.

    A steward's local path (``/home/budi/exports/…``) says nothing to readers and may
    itself name a person, so it stays in the private run record only.
    """
    if not name or name.startswith(("http://", "https://")):
        return name
    path, bang, member = name.partition("!")
    return Path(path).name + bang + member


def hash_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def members(path: Path, display: str | None = None) -> list[Member]:
    """The readable streams in a file, decompressing ``.gz`` and opening ``.zip`` archives."""
    display = display or str(path)
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except OSError as error:
        raise InputError(display, f"cannot open: {error.strerror or error}") from None
    if not magic:
        raise InputError(display, "the file is empty (0 bytes)")
    if magic.startswith(GZIP_MAGIC):
        member = Member(display, lambda: gzip.open(path, "rb"))
        member.head = _read_head(member, display)
        return [member]
    if magic.startswith(ZIP_MAGIC):
        try:
            archive = zipfile.ZipFile(path)
            names = [i.filename for i in archive.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, OSError) as error:
            raise InputError(display, f"not a readable zip archive: {error}") from None
        if OFFICE_MARKER in names:  # an .xlsx/.ods is a zip too: read it whole
            member = Member(display, lambda: open(path, "rb"))
            member.head = _read_head(member, display)
            return [member]
        found = []
        for name in names:
            if name.startswith(("__MACOSX/", ".")) or "/." in name:
                continue
            member = Member(f"{display}!{name}", _zip_opener(path, name))
            member.head = _read_head(member, member.name)
            if member.head:
                found.append(member)
        if not found:
            raise InputError(display, "the zip archive contains no non-empty files")
        return found
    member = Member(display, lambda: open(path, "rb"))
    member.head = _read_head(member, display)
    return [member]


def _zip_opener(path: Path, name: str) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        return io.BufferedReader(zipfile.ZipFile(path).open(name))  # type: ignore[arg-type]

    return opener


def _read_head(member: Member, display: str) -> bytes:
    try:
        with member.open() as stream:
            return stream.read(HEAD_BYTES)
    except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile, zlib.error) as error:
        raise InputError(display, f"cannot decompress: {error}") from None


def detect(member: Member, allowed: list[str] | None = None) -> Any:
    """The reader class that fits ``member`` best, or an ``InputError`` naming the file."""
    from ..plugins import readers

    if not member.head.strip():
        raise InputError(member.name, "the file is empty or blank")
    best, best_score = None, 0.0
    for reader in readers().values():
        if allowed is not None and reader.id not in allowed:
            continue
        score = reader.sniff(member)
        if score > best_score:
            best, best_score = reader, score
    if best is None:
        kinds = ", ".join(allowed) if allowed else "any known format"
        raise InputError(member.name, f"not a recognised format (expected {kinds})")
    return best


def iter_paths(source: Path) -> Iterator[Path]:
    """A file, or every non-hidden file below a folder, in a stable order."""
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(source)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                yield path
    else:
        yield source
