"""Person names introduced by an honorific or a role (Bapak, Ibu, Sdr., a.n., pelapor …)."""

from __future__ import annotations

import re

from .base import SpanRecognizer

# Words after an honorific that make it a title or a place, not a person's name.
NOT_NAMES = {
    "kota", "presiden", "menteri", "gubernur", "bupati", "walikota", "wali", "camat", "lurah",
    "kepala", "ketua", "rt", "rw", "direktur", "dinas", "negara", "pertiwi", "guru", "dokter",
    "hakim", "jaksa", "kapolres", "kapolda", "sekda", "sekretaris", "pejabat", "ppk", "pokja",
    "kades", "dan", "atau", "yang", "the", "of", "bapak", "ibu", "pimpinan", "panitia",
}  # fmt: skip

_NAME = r"(?P<value>[A-Z][a-zA-Z'’.-]+(?:\s+(?:[A-Z][a-zA-Z'’.-]+|bin|binti|van|de)){0,4})"


class HonorificNameRecognizer(SpanRecognizer):
    """A capitalised name after Bapak/Ibu/Pak/Bu/Sdr./Sdri./H./Hj./Mr./Mrs./a.n./pelapor/nama:."""

    ENTITY = "PERSON"
    SCORE = 0.75
    REGEX = re.compile(
        r"(?:(?<![A-Za-z])(?:Bapak|Ibu|Pak|Bu|Sdr|Sdri|Saudara|Saudari|Mr|Mrs|Ms|Hj|H|Dr|Drs|Ir)\.?\s+"
        r"|(?<![A-Za-z])(?i:a\.\s?n\.|atas nama|pelapor|pengadu|nama(?: lengkap| pelapor)?)\s*[:.]?\s*)"
        + _NAME
    )

    def accept(self, match: re.Match) -> bool:  # noqa: D102
        first = match.group("value").split()[0].strip(".").lower()
        return first not in NOT_NAMES
