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
from .limits import ARCHIVE_RATIO, ARCHIVE_TOTAL, MB, regular_file

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


def hash_file(path: Path, display: str | None = None) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks (a FIFO or device is refused first)."""
    regular_file(path, display or str(path))
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
    regular_file(path, display)
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except OSError as error:
        raise InputError(display, f"cannot open: {error.strerror or error}") from None
    if not magic:
        raise InputError(display, "the file is empty (0 bytes)")
    if magic.startswith(GZIP_MAGIC):
        compressed = path.stat().st_size
        member = Member(display, lambda: _limited(gzip.open(path, "rb"), compressed, display))
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
        _check_archive(archive, display)
        found = []
        for name in names:
            if name.startswith("__MACOSX/"):  # macOS resource forks: metadata, not data
                continue
            shown = _member_name(name, display)
            member = Member(f"{display}!{shown}", _zip_opener(path, name))
            member.head = _read_head(member, member.name)
            if member.head:
                found.append(member)
        if not found:
            raise InputError(display, "the zip archive contains no non-empty files")
        return found
    member = Member(display, lambda: open(path, "rb"))
    member.head = _read_head(member, display)
    return [member]


def _member_name(name: str, display: str) -> str:
    """A member's name without ``./``; a name that climbs out or is absolute is refused.

    Hidden members (``.hidden/x.json``) are read like any other: data is never skipped
    without a word.
    """
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if name.startswith(("/", "\\")) or (name[1:2] == ":") or ".." in parts:
        raise InputError(
            display, f"zip member {name[:120]!r} has an unsafe path (absolute or '..'): refused"
        )
    return "/".join(parts)


def _check_archive(archive: zipfile.ZipFile, display: str) -> None:
    """Refuse a zip whose declared contents pass the total-size or expansion limits.

    The declared sizes are checked again while reading (``_limited``): a header can lie.
    """
    total_limit, ratio = ARCHIVE_TOTAL.value(), ARCHIVE_RATIO.value()
    total = sum(i.file_size for i in archive.infolist())
    if total > total_limit:
        raise InputError(
            display,
            f"the archive expands to more than {total_limit // MB} MB; " + ARCHIVE_TOTAL.hint(),
        )
    for info in archive.infolist():
        if info.file_size > MB and info.file_size > ratio * max(info.compress_size, 1):
            raise InputError(
                display,
                f"zip member {info.filename[:120]!r} expands more than {ratio} times "
                f"(a zip bomb?); {ARCHIVE_RATIO.hint()}",
            )


class _Limited(io.RawIOBase):
    """A decompressing stream cut off past the archive limits (total size, ratio)."""

    def __init__(self, inner: IO[bytes], compressed: int, display: str):
        self.inner, self.display, self.read_so_far = inner, display, 0
        self.limit = min(ARCHIVE_TOTAL.value(), max(compressed, 1) * ARCHIVE_RATIO.value())
        self.limit = max(self.limit, MB)  # small files may compress very well

    def readable(self) -> bool:  # noqa: D102
        return True

    def readinto(self, buffer: Any) -> int:  # noqa: D102
        data = self.inner.read(len(buffer))
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise InputError(
                self.display,
                f"decompresses to more than {self.limit // MB} MB (over the archive size or "
                f"expansion limit); set {ARCHIVE_TOTAL.env} or {ARCHIVE_RATIO.env} to raise it",
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:  # noqa: D102
        self.inner.close()
        super().close()


def _limited(inner: IO[bytes], compressed: int, display: str) -> IO[bytes]:
    return io.BufferedReader(_Limited(inner, compressed, display))  # type: ignore[return-value]


def _zip_opener(path: Path, name: str) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        archive = zipfile.ZipFile(path)
        info = archive.getinfo(name)
        return _limited(archive.open(name), info.compress_size, f"{path.name}!{name}")

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
    """A file, or every non-hidden file below a folder, in a stable order.

    Anything below the folder that is not a folder is yielded, FIFOs and devices too,
    so that ``hash_file`` refuses them by name instead of skipping them silently.
    """
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(source)
            if not path.is_dir() and not any(part.startswith(".") for part in relative.parts):
                yield path
    else:
        yield source
