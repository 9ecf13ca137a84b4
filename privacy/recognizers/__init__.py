"""Terbuka's Presidio recognizers, one class per kind of personal data.

Each class has a stable id (its class name, as Presidio's predefined recognizers do) and
is exercised by the table-driven tests in ``tests/test_recognizers.py``. ``TRIGGERS``
maps each entity to a cheap regex the scanner runs first: text that cannot hold the
entity is never handed to Presidio for it.
"""

from .address import AddressRecognizer
from .bank import BankAccountRecognizer
from .base import DIGITS
from .english import (
    CreditCardNumberRecognizer,
    EmailAddressRecognizer,
    IbanCodeRecognizer,
    IpAddressRecognizer,
    ObfuscatedEmailRecognizer,
)
from .ner import IndonesianNerRecognizer
from .nik import KkRecognizer, NikRecognizer
from .nip import NipRecognizer
from .npwp import NpwpRecognizer
from .person import CuedNameRecognizer, GazetteerNameRecognizer, HonorificNameRecognizer
from .phone import IndonesianPhoneRecognizer

RECOGNIZERS = [
    NikRecognizer,
    KkRecognizer,
    NpwpRecognizer,
    NipRecognizer,
    IndonesianPhoneRecognizer,
    BankAccountRecognizer,
    AddressRecognizer,
    HonorificNameRecognizer,
    GazetteerNameRecognizer,
    CuedNameRecognizer,
    IndonesianNerRecognizer,
    EmailAddressRecognizer,
    ObfuscatedEmailRecognizer,
    IbanCodeRecognizer,
    CreditCardNumberRecognizer,
    IpAddressRecognizer,
]

__all__ = [
    "DIGITS",
    "RECOGNIZERS",
    "AddressRecognizer",
    "BankAccountRecognizer",
    "CreditCardNumberRecognizer",
    "CuedNameRecognizer",
    "EmailAddressRecognizer",
    "GazetteerNameRecognizer",
    "HonorificNameRecognizer",
    "IbanCodeRecognizer",
    "IndonesianNerRecognizer",
    "IndonesianPhoneRecognizer",
    "IpAddressRecognizer",
    "KkRecognizer",
    "NikRecognizer",
    "NipRecognizer",
    "NpwpRecognizer",
    "ObfuscatedEmailRecognizer",
]
