"""Table-driven recognizer tests: positives and negatives for each registered recognizer."""

import pytest

from terbuka.privacy import TextScanner
from terbuka.privacy.recognizers import RECOGNIZERS

CASES = {
    "NikRecognizer": (
        ["NIK 3573014508900003 milik pelapor", "KTP: 3201 0145 0890 0002"],
        ["Kode RUP 3573014508900003", "jumlah 1250000000000000 rupiah", "3599994508900003"],
    ),
    "NpwpRecognizer": (
        ["NPWP 01.234.567.8-901.234", "npwp: 012345678901234"],
        ["kode rekening 5.1.02.01.01.0024", "nilai 012345678901234 rupiah"],
    ),
    "IndonesianPhoneRecognizer": (
        [
            "hubungi 0812-3456-7890",
            "HP +62 812 3456 7890",
            "telp (0341) 551234",
            "WA 6281234567890",
        ],
        [
            "nilai 628374971.27",
            "kontrak 027/SPK/DPU/2024",
            "tanggal 2024-03-12",
            "Rp 1.250.000.000",
        ],
    ),
    "HonorificNameRecognizer": (
        [
            "dilaporkan oleh Bapak Budi Santoso",
            "a.n. Siti Rahmawati",
            "Pelapor: Agus Salim",
            "Sdri. Dewi Lestari",
        ],
        [
            "Ibu Kota Nusantara",
            "Bapak Presiden meresmikan",
            "surat a.n. Kepala Dinas",
            "CV Budi Jaya",
        ],
    ),
    "BankAccountRecognizer": (
        ["transfer ke rekening BCA 1234567890", "no. rek 123-456-7890 a.n. toko"],
        ["kode rekening 5.1.02.01.01.0024", "rekening belanja daerah"],
    ),
}


@pytest.fixture(scope="module")
def scanner():
    return TextScanner()


def test_every_recognizer_has_cases():
    assert {r.__name__ for r in RECOGNIZERS} == set(CASES)


@pytest.mark.parametrize("recognizer", [r.__name__ for r in RECOGNIZERS])
def test_recognizer_positives(scanner, recognizer):
    entity = next(r for r in RECOGNIZERS if r.__name__ == recognizer).ENTITY
    for text in CASES[recognizer][0]:
        results = scanner.analyzer.analyze(text=text, language="id")
        assert any(
            r.entity_type == entity and r.recognition_metadata.get("recognizer_name") == recognizer
            for r in results
        ), text


@pytest.mark.parametrize("recognizer", [r.__name__ for r in RECOGNIZERS])
def test_recognizer_negatives(scanner, recognizer):
    entity = next(r for r in RECOGNIZERS if r.__name__ == recognizer).ENTITY
    for text in CASES[recognizer][1]:
        results = scanner.analyzer.analyze(text=text, language="id")
        assert not any(r.entity_type == entity for r in results), (text, results)


def test_scan_replaces_in_place(scanner):
    text, kinds = scanner.scan(
        "Hubungi Bapak Budi Santoso di 0812-3456-7890 atau budi@example.com."
    )
    assert text == "Hubungi Bapak <PERSON> di <PHONE_NUMBER> atau <EMAIL_ADDRESS>."
    assert sorted(kinds) == ["EMAIL_ADDRESS", "PERSON", "PHONE_NUMBER"]


def test_text_without_cues_is_not_sent_to_presidio(scanner):
    calls = []
    original = scanner.analyzer.analyze
    scanner.analyzer.analyze = lambda **kw: calls.append(kw) or original(**kw)
    try:
        assert scanner.scan("Pembangunan Jalan Lingkungan Kecamatan Klojen") == (
            "Pembangunan Jalan Lingkungan Kecamatan Klojen",
            (),
        )
    finally:
        scanner.analyzer.analyze = original
    assert calls == []
