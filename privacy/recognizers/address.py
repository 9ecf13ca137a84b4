"""Street addresses: Jl./Jalan/Gg. with a house number, RT/RW, Perum/Blok; English streets.

A street name alone is not personal (``Pembangunan Jalan Ahmad Yani`` is a public
work); a house number, a block or an RT/RW makes it somebody's address. Only the street
part is replaced: the kelurahan, kecamatan and city that follow stay readable.
"""

from __future__ import annotations

import re

from .base import SpanRecognizer, first_chars

# Public: the scanner asks for ADDRESS where one of these words stands (``candidates``).
STREET = r"(?:Jl|Jln|Jalan|Gg|Gang|Lr|Lorong|Komp|Kompleks|Komplek|Perum|Perumahan|Griya|Dusun|Dsn|Kp|Kampung|Asrama)"
# The street's name: capitalised words and numbers, short words (``gg``, ``no``), and in a
# street written in lower case (``jl kenanga no 5``) lower-case words too.
_NAME = r"(?:[A-Z0-9][\w'’.-]*\.?|[a-z]{1,3}\.?)(?:\s+(?:[A-Z0-9][\w'’.-]*|[a-z]{1,3}\.?|gg\.?|no\.?)){0,6}?"
_LOWER_NAME = r"[a-z][\w'’-]*(?:\s+[a-z0-9][\w'’-]*){0,4}?"
_NUMBER = r"(?:No|Nomor|Nomer|Nmr|Blok|Blk|Kav|Kavling|Lt|Lantai)\.?\s*[:.]?\s*[A-Z]?\d+[A-Z]?(?:\s?[/-]\s?[A-Z]?\d+[A-Z]?)?"
_RTRW = r"RT\.?\s*[:.]?\s*\d{1,3}(?:\s*[/,]?\s*RW\.?\s*[:.]?\s*\d{1,3}|\s*/\s*\d{1,3})?"
_DETAIL = rf"(?:{_NUMBER}|{_RTRW}|Blok\s+[A-Z]{{1,2}}\d*(?:\s?[/-]\s?\d+)?)"
STREET_SUFFIXES = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl"
    r"|Terrace|Square|Sq|Highway|Hwy|Parkway|Pkwy|Circle|Cir|Trail|Crescent|Close|Row|Alley"
)
_ENGLISH = (
    r"\d{1,6}[A-Za-z]?\s+(?:[A-Z][\w'’.-]*\s+){1,4}"
    rf"(?:{STREET_SUFFIXES})\.?"
    r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat|#)\.?\s*\w+)?"
)


class AddressRecognizer(SpanRecognizer):
    """A street with a house number, block or RT/RW; RT/RW after 'alamat'; English streets."""

    ENTITY = "ADDRESS"
    SCORE = 0.75
    # Every address form here has a street word or RT (Indonesian), or a street suffix
    # after the house number and name (English).
    TRIGGER = re.compile(
        first_chars(STREET, "rt", STREET_SUFFIXES)
        + rf"\b(?i:{STREET}|rt)\b|\b(?:{STREET_SUFFIXES})\b"
    )
    BEFORE = 80
    AFTER = 160
    REGEX = re.compile(
        first_chars(STREET, "rt 0 1 2 3 4 5 6 7 8 9")
        + rf"(?P<value>\b(?i:{STREET})(?:\.\s*|\s+){_NAME}(?:\s*,?\s*(?i:{_DETAIL}))+"
        rf"|\b(?:{STREET.lower()})\.?\s+{_LOWER_NAME}(?:\s*,?\s*(?i:{_DETAIL}))+"
        rf"|(?<=alamat )(?i:{_RTRW})|(?<=alamat: )(?i:{_RTRW})|(?<=tinggal di )(?i:{_RTRW})"
        rf"|(?<=domisili )(?i:{_RTRW})|(?<![\w.,/-]){_ENGLISH})"
    )
    CONTEXT = ["alamat", "tinggal", "domisili", "rumah", "address", "lives", "resides"]

    def accept(self, match: re.Match) -> bool:
        """Not the location of public works: ``Pembangunan Rabat Beton Jalan Gang RT 02``.

        A package that builds or mends a street names where the works are, a public fact;
        a home address is never the object of such a word (``Perbaikan rumah saya di Jl.
        Melati No. 5`` still is an address: a house word stands between).
        """
        start = match.start("value")
        return not _WORKS_BEFORE.search(match.string, max(0, start - 60), start)

    def more_spans(self, text: str) -> list[tuple[int, int]]:
        """A street and a bare house number after a word that says where someone lives.

        ``Alamat: Jl. Melati 12``, ``tinggal di Jalan Melati 12A``: the number is the
        house's. Without such a word a bare number stays (``Jalan Tol Seksi 2``).
        """
        return [m.span("value") for m in _LIVES_AT_STREET.finditer(text)]


# Public works on a street, up to three words before the street word (``Rabat Beton``):
# none of them a house, a person, a pronoun or a preposition (``perbaikan di Jl. …``
# asks for works near a place someone named: the address stays personal).
_WORKS = (
    r"pembangunan|peningkatan|pemeliharaan|rehabilitasi|rehab|perbaikan|pengaspalan"
    r"|pengecoran|betonisasi|pavingisasi|paving|rabat|normalisasi|pelebaran|penataan"
    r"|pengerasan|perawatan|pembuatan|pemasangan|hotmix|lapen"
)
_NOT_THE_WORKS = (
    r"rumah|saya|kami|milik|warga|ibu|bapak|pak|bu|di|ke|dekat|depan|samping|belakang"
    r"|sekitar|dari"
)
_WORKS_BEFORE = re.compile(
    rf"(?i:\b(?:{_WORKS})\b(?:\s+(?!(?:{_NOT_THE_WORKS})\b)[A-Za-z]+){{0,3}}\s+)$"
)
_LIVES_AT_STREET = re.compile(
    r"(?i:\b(?:alamat(?:nya)?|beralamat(?:\s+di)?|tinggal\s+di|domisili(?:\s+di)?"
    r"|rumah(?:\s+saya|\s+kami)?\s+di)\s*:?\s*)"
    rf"(?P<value>\b(?i:{STREET})\.?\s+{_NAME}\s+\d{{1,4}}[A-Za-z]?)(?![\w/.-])"
)
