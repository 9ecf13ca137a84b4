"""Phone numbers are found by their shape in running text, whatever wording stands before them.

Issue 14: context may raise confidence, never switch off a number valid by structure.
Each positive names the number that must disappear; each negative is a public fact
(amount, contract number, date, package id, a company's NPWP) that must survive, or an
identifier that belongs to its own recognizer (a 16-digit NIK is a NIK, not a phone).
"""

from __future__ import annotations

import re

import pytest

from terbuka.privacy import TextScanner
from terbuka.privacy.recognizers.base import attached, labels_another_number
from terbuka.privacy.recognizers.phone import dialling_form, valid_indonesian

PROCUREMENT = "Kontrak nomor 603/SPK/DPU/2025 senilai Rp 1.250.000.000 tanggal 12 Maret 2025."


@pytest.fixture(scope="module")
def scanner():
    return TextScanner()


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.mark.parametrize(
    "text, number",
    [
        ("Beliau bisa dihubungi di 08556708287.", "08556708287"),
        (f"{PROCUREMENT} Beliau bisa dihubungi di 08556708287.", "08556708287"),
        ("kontrak 603/SPK/DPU/2025 08123456789 (penyedia)", "08123456789"),
        ("Kode RUP 26573548 08123456789 pelapor", "08123456789"),
        ("tanggal 12 Maret 2024 0812-3456-7890 dari warga", "0812-3456-7890"),
        ("Hubungi saya di 0812 3456 7890 sore hari.", "0812 3456 7890"),
        ("Nomor saya 0812.3456.7890, terima kasih.", "0812.3456.7890"),
        ("WA +62 812-3456-7890 kapan saja", "+62 812-3456-7890"),
        ("Kirim pesan ke 6281234567890 saja.", "6281234567890"),
        ("Kantor Dinas (021) 555 1234 buka jam 8.", "(021) 555 1234"),
        ("Kantor cabang Medan (061) 4551234.", "(061) 4551234"),
        ("telp 0651-7551234 (Banda Aceh)", "0651-7551234"),
        ("Hubungi saya di +62 (0168) 587 8310.", "+62 (0168) 587 8310"),
        ("Hubungi saya di +62-14-973-4629.", "+62-14-973-4629"),
        ("Hubungi saya di (065) 991-7340.", "(065) 991-7340"),
        ("Chat https://wa.me/6281234567890 sekarang", "6281234567890"),
        ('<a href="tel:+6281234567890">telepon</a>', "+6281234567890"),
        (f"{PROCUREMENT} Please call 0812-3456-7890 after 5 pm.", "0812-3456-7890"),
        ("The supplier can be reached on +62 21 555 1234.", "+62 21 555 1234"),
        ("Call the office at (579)888-3058 tomorrow.", "(579)888-3058"),
        ("Desk: +41 (0)96 471 07 95", "+41 (0)96 471 07 95"),
        ("Chat https://wa.me/622742037998 segera.", "622742037998"),  # a landline on WhatsApp
        ("https://api.whatsapp.com/send?phone=62274512345&text=halo", "62274512345"),
        ("You can reach me at 0274512345.", "0274512345"),
        ("Please contact 021 5551234 for details.", "021 5551234"),
    ],
)  # fmt: skip
def test_phone_numbers_in_running_text_are_replaced(scanner, text, number):
    out, kinds = scanner.scan(text)
    assert "PHONE_NUMBER" in kinds, out
    assert digits(number)[-7:] not in digits(out), out


@pytest.mark.parametrize(
    "text, entity",
    [
        ("NIK pelapor 3573014508900003", "NIK"),
        ("Kontrak 603/SPK/DPU/2025; NIK 3573 0145 0890 0003", "NIK"),
        ("NPWP 01.234.567.8-901.000", "NPWP"),
    ],
)
def test_other_identifiers_are_left_to_their_own_recognizers(scanner, text, entity):
    _, kinds = scanner.scan(text)
    assert kinds == (entity,)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Telp. 0274-512345", "Telp. <PHONE_NUMBER>"),
        ("NPWP 08.123.456.7-890.000", "NPWP <NPWP>"),
        (
            "kontrak 841/SPK/DPU/2023 Chat https://wa.me/627117128502 segera.",
            "kontrak 841/SPK/DPU/2023 Chat https://wa.me/<PHONE_NUMBER> segera.",
        ),
    ],
)
def test_identifier_cues_and_url_words_are_not_names(scanner, text, expected):
    assert scanner.scan(text)[0] == expected


@pytest.mark.parametrize(
    "text, valid",
    [
        ("(061) 4551234", True),  # Medan: area codes 06x exist
        ("0651 7551234", True),
        ("0161234567", False),  # no area code starts with 1
        ("+62 (0168) 587 8310", True),  # dialling form: any area code, plausible length
        ("(012) 375 7618", True),
        ("+62 21 55", False),  # too short even in dialling form
        ("62839241544", True),  # a bare 62-mobile
        ("+44 20 7946 0958", None),
    ],
)
def test_indonesian_numbers_by_structure(text, valid):
    assert valid_indonesian(text) is valid


@pytest.mark.parametrize(
    "text, expected",
    [
        ("+62 812", True),
        ("(+62) 21", True),
        ("(021) 555", True),
        ("021 555", False),
        ("(1) 5", False),
    ],
)
def test_dialling_form(text, expected):
    assert dialling_form(text) is expected


@pytest.mark.parametrize(
    "between, other_number, is_attached",
    [
        (" ", False, True),  # kode RUP 3573…
        (": ", False, True),
        (" 3573 ", False, True),  # the number's own first group (a spaced NIK)
        (" 603/SPK/DPU/2025 ", True, False),  # the cue labels the contract number
        (" 26573548 ", True, False),
        (" 12 Maret 2024 ", True, False),
        (" nomor. Beliau bisa dihubungi di ", False, False),  # a sentence between
    ],
)
def test_a_cue_labels_only_the_number_it_reaches_first(between, other_number, is_attached):
    assert labels_another_number(between) is other_number
    assert attached(between) is is_attached
