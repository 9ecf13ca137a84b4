"""``NISN``: the national student number (Nomor Induk Siswa Nasional), ten digits.

Ten digits alone are too common to call personal data (codes, amounts), so the pattern
scores low and only the cue before it (``NISN``, ``nomor induk siswa``) lifts it over
the threshold — terbuka's recognizers handle context themselves (there are no lemmas).
"""

from __future__ import annotations

from presidio_analyzer import Pattern

from terbuka.privacy.recognizers.base import DigitRuns, IndonesianPatternRecognizer


class NisnRecognizer(IndonesianPatternRecognizer):
    """Ten digits after a NISN cue."""

    ENTITY = "NISN"
    PATTERNS = [Pattern("nisn", r"(?<![\d.,/-])\d{10}(?![\d.,/-])", 0.3)]
    CONTEXT = ["NISN", "nomor induk siswa", "no induk siswa"]
    TRIGGER = DigitRuns(10)
