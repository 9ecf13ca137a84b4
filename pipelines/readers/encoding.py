"""Which encoding a text file is in, and a text stream that decodes it.

Government exports are UTF-8 with or without a BOM, UTF-16, Windows-1252 or -1251, and
sometimes UTF-8 with a few Windows-1252 bytes pasted in (``utf-8+cp1252``, decoded
byte by byte); charset-normalizer decides between single-byte code pages. Also here:
what tells a text file from binary data or a web page saved under a table's name.
"""

from __future__ import annotations

import codecs
import io
import re

from ..errors import InputError
from . import UNREADABLE, Member

SINGLE_BYTE_CANDIDATES = ["cp1252", "cp1251", "cp1250"]
MIXED_UTF8 = "utf-8+cp1252"  # UTF-8 with stray Windows-1252 bytes, decoded byte by byte
# Well-formed UTF-8 sequences only (RFC 3629, table 3-7): no overlong forms, surrogates
# or code points past U+10FFFF, so every match decodes.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_MARKUP = (b"<!doctype html", b"<html", b"<table", b"<?xml", b"<head", b"<body")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect_encoding(member: Member) -> str:
    """The encoding that decodes the whole file, best first.

    ``utf-8-sig``/``utf-16`` from a BOM; ``utf-16-le``/``-be`` from the NUL pattern; then
    ``utf-8`` when every byte is valid UTF-8; ``utf-8+cp1252`` when the file is mostly
    UTF-8 with a few Windows-1252 bytes; otherwise the code page charset-normalizer finds
    most coherent (Windows-1252 when it is one of the equally good answers), checked
    against the whole file, with ``latin-1`` (which decodes anything) as the last resort.
    """
    head = member.head
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    bare = utf16_without_bom(head)
    if bare:
        return bare
    if _decodes(member, "utf-8"):
        return "utf-8"
    sequences = _UTF8_SEQUENCE.findall(head)
    good = sum(len(m) for m in sequences)
    high = sum(1 for b in head if b >= 0x80)
    if good and (good >= high - good or _latin_only(sequences)):
        return MIXED_UTF8
    guesses = [c for c in _single_byte_guesses(head) if _decodes(member, c)]
    if good and guesses and _messier(head, guesses[0]):
        # A few UTF-8 letters and more stray bytes: whichever reading looks less like noise.
        return MIXED_UTF8
    return guesses[0] if guesses else "latin-1"


def _latin_only(sequences: list[bytes]) -> bool:
    """Whether every multi-byte UTF-8 sequence is a Latin letter, a quote, a dash or €.

    Those are what UTF-8 exports hold (``ü``, ``é``, ``“``); read as a code page they are
    pairs no language writes (``Ăź``, ``Ã©``), so a single one outweighs stray bytes.
    """
    for sequence in sequences:
        char = sequence.decode("utf-8")
        if not ("\u00c0" <= char <= "\u017f" or "\u2010" <= char <= "\u2027" or char == "€"):
            return False
    return True


def _messier(head: bytes, encoding: str) -> bool:
    """Whether ``encoding`` reads ``head`` as more of a mess than UTF-8 with 1252 fallback."""
    from charset_normalizer.md import mess_ratio

    mixed = head.decode("utf-8", errors="terbuka-cp1252")
    return mess_ratio(mixed) <= mess_ratio(head.decode(encoding, errors="replace"))


def utf16_without_bom(head: bytes) -> str:
    """``utf-16-le``/``-be`` when every other byte of the head is NUL (ASCII text), else ``""``."""
    sample = head[:4096]
    if len(sample) < 8:
        return ""
    even = sample[0::2].count(0) / len(sample[0::2])
    odd = sample[1::2].count(0) / len(sample[1::2])
    if odd > 0.4 and even < 0.05:
        return "utf-16-le"
    if even > 0.4 and odd < 0.05:
        return "utf-16-be"
    return ""


def _single_byte_guesses(head: bytes) -> list[str]:
    from charset_normalizer import from_bytes

    guesses: list[str] = []
    best = from_bytes(head, cp_isolation=SINGLE_BYTE_CANDIDATES).best()
    if best is not None:
        possible = list(getattr(best, "could_be_from_charset", []) or [best.encoding])
        guesses.append("cp1252" if "cp1252" in possible else best.encoding)
    return [*guesses, *(c for c in SINGLE_BYTE_CANDIDATES if c not in guesses)]


def _decodes(member: Member, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with member.open() as stream:
            while chunk := stream.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False
    except UNREADABLE as error:
        raise InputError(member.name, f"cannot read (truncated or corrupt?): {error}") from None


def first_bad_line(member: Member, encoding: str) -> int | None:
    """The line holding the first byte ``encoding`` cannot decode.

    The text layer decodes ahead in chunks, so the csv reader's line count is not where
    the bad byte is; reading the raw lines again is (for byte-oriented encodings).
    """
    if "16" in encoding or "32" in encoding:
        return None
    try:
        with member.open() as stream:
            for number, raw in enumerate(stream, 1):
                try:
                    raw.decode(encoding)
                except UnicodeDecodeError:
                    return number
                except LookupError:
                    return None
    except UNREADABLE:
        return None
    return None


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decode bytes that are not UTF-8 as Windows-1252 (Latin-1 where 1252 has a gap)."""
    assert isinstance(error, UnicodeDecodeError)
    chunk = error.object[error.start : error.end]
    return chunk.decode("cp1252", errors="strict") if _cp1252_defined(chunk) else chunk.decode(
        "latin-1"
    ), error.end


def _cp1252_defined(chunk: bytes) -> bool:
    return not any(b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) for b in chunk)


codecs.register_error("terbuka-cp1252", _cp1252_fallback)


def text_stream(member: Member, encoding: str) -> io.TextIOWrapper:
    """A text stream over the member; ``utf-8+cp1252`` decodes stray bytes as Windows-1252."""
    if encoding == MIXED_UTF8:
        return io.TextIOWrapper(
            member.open(), encoding="utf-8", newline="", errors="terbuka-cp1252"
        )
    return io.TextIOWrapper(member.open(), encoding=encoding, newline="", errors="strict")


def looks_binary(head: bytes) -> bool:
    """NUL bytes or many control characters: not a text file."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or utf16_without_bom(head):
        return False
    sample = head[:4096]
    if sample.count(0) > max(2, len(sample) // 100):  # a stray NUL or two is damaged text
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return bool(sample) and controls / len(sample) > 0.05


def looks_like_markup(head: bytes) -> bool:
    """An HTML or XML document (a web page saved as ``.xls`` is a classic)."""
    start = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:200].lower()
    return start.startswith(_MARKUP)


def head_text(head: bytes, encoding: str = "latin-1") -> str:
    """The first bytes as text, for sniffing: never fails, whatever the encoding."""
    codec = "utf-8" if encoding in (MIXED_UTF8, "utf-8-sig") else encoding
    try:
        return head.decode(codec, errors="replace")
    except LookupError:
        return head.decode("latin-1")
