"""Source readers: open a file (compressed or not) and pick the reader that fits its content.

A reader is a small class with a stable ``id``, a ``sniff`` that scores how well a file's
first bytes fit, and a ``read`` that streams items. The extension is only a hint: data
arrives as ``export.txt`` or ``download`` as often as ``tenders.csv``.

Archives (``.zip``, ``.tar``, ``.tar.gz``) are opened member by member. A member that
cannot be read safely (a name that climbs out with ``..`` or is absolute, a link, a
device) is refused *with a note* and the other members are still read; macOS metadata
(``__MACOSX/``, ``.DS_Store``, ``._*``) is skipped with a note; hidden members
(``.hidden/x.json``) are read like any other. Nothing is skipped without a word:
``members`` returns the notes with the members and every domain records them as
quality notes (``note_skipped``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import InputError
from .limits import ARCHIVE_RATIO, ARCHIVE_TOTAL, MB, regular_file

# What a corrupt or unsupported archive raises while it is listed or read; each becomes
# one line naming the file. zipfile raises NotImplementedError for a version or a
# compression method it cannot read, which one flipped header byte is enough to claim.
UNREADABLE = (
    OSError, EOFError, zlib.error, zipfile.BadZipFile, tarfile.TarError, NotImplementedError,
)  # fmt: skip

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


class Members(list[Member]):
    """The members of a file, and a note for each archive member refused or skipped."""

    def __init__(self, found: Iterable[Member] = (), notes: Iterable[str] = ()):
        super().__init__(found)
        self.notes: list[str] = list(notes)


def note_skipped(found: Members, batch: Any, table: str, display: str) -> None:
    """Record each refused or skipped archive member as a quality note on ``table``."""
    for message in getattr(found, "notes", []):
        batch.note(table, public_source(display) or display, "archive-member-skipped", message)


def members(path: Path, display: str | None = None) -> Members:
    """The readable streams in a file, decompressing ``.gz`` and opening archives.

    ``.notes`` of the result has one line per archive member refused or skipped (see
    the module's docstring); the caller records them with ``note_skipped``.
    """
    display = display or str(path)
    regular_file(path, display)
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
            handle.seek(257)
            tar_magic = handle.read(5)
    except OSError as error:
        raise InputError(display, f"cannot open: {error.strerror or error}") from None
    if not magic:
        raise InputError(display, "the file is empty (0 bytes)")
    if magic.startswith(GZIP_MAGIC):
        compressed = path.stat().st_size
        member = Member(display, lambda: _limited(gzip.open(path, "rb"), compressed, display))
        member.head = _read_head(member, display)
        if member.head[257:262] == b"ustar":  # a .tar.gz
            return _tar_members(path, display)
        return Members([member])
    if magic.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                infos = [i for i in archive.infolist() if not i.is_dir()]
        except UNREADABLE as error:
            raise InputError(display, f"not a readable zip archive: {error}") from None
        if OFFICE_MARKER in {i.filename for i in infos}:  # an .xlsx/.ods: read it whole
            member = Member(display, lambda: open(path, "rb"))
            member.head = _read_head(member, display)
            return Members([member])
        entries = [(i.filename, i.file_size, i.compress_size, None) for i in infos]
        return _archive_members(path, display, "zip", entries)
    if tar_magic == b"ustar":
        return _tar_members(path, display)
    member = Member(display, lambda: open(path, "rb"))
    member.head = _read_head(member, display)
    return Members([member])


MACOS_JUNK = "macOS metadata (__MACOSX, .DS_Store, ._*), not data: skipped"


def _member_problem(name: str) -> tuple[str, str | None]:
    """A member's clean name (no ``./``), and why it is not read (``None``: it is read)."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if name.startswith(("/", "\\")) or (name[1:2] == ":") or ".." in parts:
        return name, "has an unsafe path (absolute or '..'): refused"
    clean = "/".join(parts)
    if parts and (parts[0] == "__MACOSX" or parts[-1] == ".DS_Store" or parts[-1].startswith("._")):
        return clean, MACOS_JUNK
    return clean, None


def _tar_members(path: Path, display: str) -> Members:
    """A ``.tar`` or ``.tar.gz``: regular files are members; links and devices are noted."""
    entries: list[tuple[str, int, int, str | None]] = []
    try:
        with tarfile.open(path, "r:*") as archive:
            for info in archive:  # streamed: headers only, data skipped
                if info.isdir():
                    continue
                other = None if info.isreg() else "is a link or a device, not a file: refused"
                entries.append((info.name, info.size, info.size, other))
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise InputError(display, f"not a readable tar archive: {error}") from None
    compressed = path.stat().st_size
    if compressed < sum(e[1] for e in entries):  # a .tar.gz: the ratio is the whole file's
        total = max(sum(e[1] for e in entries), 1)
        entries = [(n, size, max(compressed * size // total, 1), o) for n, size, _, o in entries]
    return _archive_members(path, display, "tar", entries)


def _archive_members(
    path: Path, display: str, kind: str, entries: list[tuple[str, int, int, str | None]]
) -> Members:
    """Members of an archive from ``(name, size, compressed size, refusal)`` entries."""
    _check_archive(entries, display)
    found, notes = Members(), []
    for name, _size, compressed, refused in entries:
        shown, problem = _member_problem(name)
        problem = problem or refused
        if problem:
            notes.append(f"{kind} member {shown[:120]!r} {problem}")
            continue
        member = Member(f"{display}!{shown}", _archive_opener(path, kind, name, compressed))
        member.head = _read_head(member, member.name)
        if member.head:
            found.append(member)
        else:
            notes.append(f"{kind} member {shown[:120]!r} is empty: nothing to read")
    if not found:
        why = f" ({'; '.join(notes[:3])})" if notes else ""
        raise InputError(display, f"the {kind} archive contains no readable non-empty file{why}")
    found.notes = notes
    return found


def _check_archive(entries: list[tuple[str, int, int, str | None]], display: str) -> None:
    """Refuse an archive whose declared contents pass the total-size or expansion limits.

    The declared sizes are checked again while reading (``_limited``): a header can lie.
    """
    total_limit, ratio = ARCHIVE_TOTAL.value(), ARCHIVE_RATIO.value()
    total = sum(size for _, size, _, _ in entries)
    if total > total_limit:
        raise InputError(
            display,
            f"the archive expands to more than {total_limit // MB} MB; " + ARCHIVE_TOTAL.hint(),
        )
    for name, size, compressed, _ in entries:
        if size > MB and size > ratio * max(compressed, 1):
            raise InputError(
                display,
                f"archive member {_member_problem(name)[0][:120]!r} expands more than {ratio} "
                f"times (a zip bomb?); {ARCHIVE_RATIO.hint()}",
            )


class _Limited(io.RawIOBase):
    """A decompressing stream cut off past the archive limits (total size, ratio)."""

    def __init__(self, inner: IO[bytes], compressed: int, display: str, owner: Any = None):
        self.inner, self.display, self.read_so_far, self.owner = inner, display, 0, owner
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
        if self.owner is not None:  # the archive the member was opened from
            self.owner.close()
        super().close()


def _limited(inner: IO[bytes], compressed: int, display: str, owner: Any = None) -> IO[bytes]:
    stream = _Limited(inner, compressed, display, owner)
    return io.BufferedReader(stream)  # type: ignore[return-value]


def _archive_opener(path: Path, kind: str, name: str, compressed: int) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        shown = f"{path.name}!{name}"
        if kind == "zip":
            archive: Any = zipfile.ZipFile(path)
            return _limited(archive.open(name), compressed, shown, archive)
        archive = tarfile.open(path, "r:*")
        stream = archive.extractfile(name)
        if stream is None:
            archive.close()
            raise InputError(shown, "not a regular file in the tar archive")
        return _limited(stream, compressed, shown, archive)

    return opener


def _read_head(member: Member, display: str) -> bytes:
    try:
        with member.open() as stream:
            return stream.read(HEAD_BYTES)
    except UNREADABLE as error:
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
