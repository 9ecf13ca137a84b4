"""Terbuka's Presidio recognizers, one class per kind of Indonesian personal data.

Each class has a stable id (its class name, as Presidio's predefined recognizers do) and
is exercised by the table-driven tests in ``tests/test_recognizers.py``.
"""

from .bank import BankAccountRecognizer
from .nik import NikRecognizer
from .npwp import NpwpRecognizer
from .person import HonorificNameRecognizer
from .phone import IndonesianPhoneRecognizer

RECOGNIZERS = [
    NikRecognizer,
    NpwpRecognizer,
    IndonesianPhoneRecognizer,
    HonorificNameRecognizer,
    BankAccountRecognizer,
]

__all__ = [
    "RECOGNIZERS",
    "BankAccountRecognizer",
    "HonorificNameRecognizer",
    "IndonesianPhoneRecognizer",
    "NikRecognizer",
    "NpwpRecognizer",
]
