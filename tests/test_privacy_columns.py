"""Column detection: from a column's name and a sample of its values."""

import pytest

from terbuka.privacy import TextScanner
from terbuka.privacy.columns import detect_column, entity_from_name
from terbuka.privacy.generalise import generalise


@pytest.fixture(scope="module")
def scanner():
    return TextScanner()


@pytest.mark.parametrize(
    "name, entity",
    [
        ("nik", "NIK"),
        ("no_kk", "KK"),
        ("npwp_penyedia", "NPWP"),
        ("npwp16_penyedia", "NPWP"),
        ("nip_ppk", "NIP"),
        ("nama_ppk", "PERSON"),
        ("wakil_sah_penyedia", "PERSON"),
        ("nama_pemilik_rek_bank", "PERSON"),
        ("no_rek_bank", "BANK_ACCOUNT"),
        ("telepon_ppk", "PHONE_NUMBER"),
        ("No. HP (WA)", "PHONE_NUMBER"),
        ("email_ppk", "EMAIL_ADDRESS"),
        ("alamat", "ADDRESS"),
        ("tgl_lahir", "DATE_OF_BIRTH"),
        ("umur", "AGE"),
        ("No Paspor", "ID_DOCUMENT"),
        ("nomor_bpjs", "ID_DOCUMENT"),
        ("No. SIM", "ID_DOCUMENT"),
        ("sim_card", ""),
        ("nama_rek_bank", ""),
        ("account_name", ""),
        ("source_account_name", ""),
        ("nama_rekening", ""),
        ("no_rekening", "BANK_ACCOUNT"),
        ("account_number", "BANK_ACCOUNT"),
        ("alamat_satker", ""),
        ("kode_rekening", ""),
        ("kd_rup", ""),
        ("nama_paket", ""),
        ("nama_satker", ""),
        ("nama_penyedia", ""),
        ("buyer_name", ""),
    ],
)
def test_entity_from_the_column_name(name, entity):
    assert entity_from_name(name) == entity


VALUES = {
    "NIK": ["3573014508900003", "3201014508900002", "3173055203870001"],
    "NIP": ["196508121990031002", "19850101 201001 2 003", "197001012000031001"],
    "PHONE_NUMBER": ["0812-3456-7890", "+62 813 1111 2222", "(0341) 551234"],
    "EMAIL_ADDRESS": ["budi@example.com", "siti.a@yahoo.co.id", "x_y@gmail.com"],
    "PERSON": ["Budi Santoso", "Siti Aminah", "Hendra Siregar"],
    "NPWP": ["01.234.567.8-901.234", "02.345.678.9-012.345", "03.456.789.0-123.456"],
    "BANK_ACCOUNT": ["1234567890123", "123-456-7890", "987654321098765"],
}
CONTROL_VALUES = [
    ["26573548", "26573549", "26573550"],
    ["5.1.02.01.01.0024", "5.2.03.01.01.0001", "5.1.01.01.01.0001"],
    ["027/SPK/DPU/2024", "028/SPK/DPU/2024", "001/KONTRAK/BPBD/2023"],
    ["Rp 1.250.000.000", "1250000000", "Rp 99.000.000,00"],
    ["CV Budi Jaya", "PT Hasan Putra", "PD Mulyani Situmorang"],
    ["2024-03-12", "12 Maret 2024", "12/03/2024"],
    ["10023456000", "10023457000", "99912345678"],
    ["1250000000000", "4372860000000", "99000000000"],
    ["Dinas Kesehatan", "Sekretariat Daerah", "Dinas Pendidikan"],
]


@pytest.mark.parametrize("entity", sorted(VALUES))
def test_unnamed_columns_are_detected_by_their_values(scanner, entity):
    detection = detect_column("c07", VALUES[entity] * 4, scanner)
    assert detection.entity == entity


@pytest.mark.parametrize("values", CONTROL_VALUES)
def test_control_columns_are_not_personal(scanner, values):
    assert detect_column("c07", values * 4, scanner).entity == ""


@pytest.mark.parametrize(
    ("name", "values", "entity"),
    [
        ("Rekening Bantuan", ["9166568761", "1429497919", "3183675157"], "BANK_ACCOUNT"),
        ("rek_penerima", ["123-456-7890", "0987-65-4321"], "BANK_ACCOUNT"),
        # a budget account: dotted codes, or a balance: amounts
        ("rekening", ["5.1.02.01.01.0024", "5.2.03.01.01.0001"], ""),
        ("saldo_rekening", ["12345678", "98765432"], ""),
        ("rekening", ["Belanja Modal", "Belanja Pegawai"], ""),
    ],
)
def test_a_rekening_column_of_plain_numbers_is_bank_accounts(scanner, name, values, entity):
    assert detect_column(name, values * 4, scanner).entity == entity


def test_amounts_typed_as_numbers_are_not_accounts(scanner):
    assert detect_column("c07", [1234567890123, 987654321098765] * 5, scanner).entity == ""


def test_free_text_columns_stay_scanned(scanner):
    texts = ["Saya Budi Santoso melaporkan jalan rusak di depan sekolah kami, mohon diperbaiki"] * 5
    detection = detect_column("isi", texts, scanner)
    assert detection.entity == "" and detection.free_text


@pytest.mark.parametrize(
    "value, entity, expected",
    [
        ("2024-03-12", "DATE_OF_BIRTH", "2024-03"),
        ("12/03/2024", "DATE", "2024-03"),
        ("1990-05-17T10:00:00Z", "", "1990-05"),
        (37, "", "30-39"),
        ("37 tahun", "AGE", "30-39"),
        ("Jl. Merdeka No. 5 RT 03/RW 05, Kel. Sukun, Kec. Sukun, Kota Malang", "ADDRESS",
         "Kel. Sukun, Kec. Sukun, Kota Malang"),
        ("Gg. M.H Thamrin No. 5\nPalembang, SS 28657", "ADDRESS", "Palembang"),
        ("Jl. Merdeka No. 5", "ADDRESS", None),
        ("bukan tanggal", "DATE_OF_BIRTH", None),
    ],
)  # fmt: skip
def test_generalise(value, entity, expected):
    assert generalise(value, entity) == expected


@pytest.mark.parametrize(
    "name, kind, value, expected",
    [
        ("Latitude", "degrees", "40.690092327843345", 40.69),
        ("lon", "degrees", "-73.84642755940943", -73.85),
        ("lintang", "degrees", "-7.9712", -7.97),
        ("X Coordinate (State Plane)", "projected", "1026839", 1027000),
        ("y_coordinate", "projected", "190733", 191000),
        ("BBL", "parcel", "4089940058", None),
        ("Location", "point", "(40.690092327843345, -73.84642755940943)", "(40.69, -73.85)"),
        ("Location", "point", "somewhere", None),
        ("Latitude", "degrees", "n/a", None),
        ("Location Type", None, "Street/Sidewalk", None),
        ("Community Board", None, "09 QUEENS", None),
    ],
)
def test_coordinate_like_columns_and_their_coarse_values(name, kind, value, expected):
    from terbuka.privacy.generalise import coordinate_kind, generalise_coordinate

    assert coordinate_kind(name) == kind
    if kind:
        assert generalise_coordinate(value, kind) == expected
