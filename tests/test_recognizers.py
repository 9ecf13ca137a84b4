"""Table-driven recognizer tests: positives and negatives for each registered recognizer.

Positives must be found by the named recognizer; negatives (procurement and budget
numbers, company names, titles) must not be reported as that entity by anyone.
"""

import re

import pytest

from terbuka.privacy import TextScanner
from terbuka.privacy.recognizers import RECOGNIZERS
from terbuka.privacy.recognizers.address import STREET, STREET_SUFFIXES
from terbuka.privacy.recognizers.ner import KEPT
from terbuka.privacy.recognizers.nik import valid_kk, valid_nik
from terbuka.privacy.recognizers.nip import valid_nip
from terbuka.privacy.recognizers.person import GazetteerNameRecognizer, cue_words

CONTROLS = [
    "Kode RUP 26573548, kode tender 10023456000",
    "kode rekening 5.1.02.01.01.0024 belanja modal",
    "Kontrak nomor 027/SPK/DPU/2024 tanggal 12 Maret 2024",
    "Nilai kontrak Rp 1.250.000.000,00",
    "nilai 628374971.27",
    "tanggal 2024-03-12 10:00:00",
    "kode satker 1.03.01.2024",
    "CV Budi Jaya memenangkan tender",
    "PT Hasan Putra Konstruksi",
    "Pembangunan Jalan Ahmad Yani Kecamatan Klojen",
    "Ibu Kota Nusantara",
    "Bapak Presiden meresmikan",
    "surat a.n. Kepala Dinas",
    "Nama Paket: Pengadaan Laptop dan Printer",
    "Taman Bunga Indah",
    "rekening belanja daerah",
    "dirawat di RSUD Dr. Saiful Anwar",
    "Universitas Dr. Soetomo Surabaya",
    "Bandara Sultan Hasanuddin",
]

CASES = {
    "NikRecognizer": (
        [
            "NIK 3573014508900003 milik pelapor",
            "KTP: 3201 0145 0890 0002",
            "3173055203870001",
            "nik 35.73.01.450890.0003",
            "kode RUP 26573548. NIK pemohon 3573014508900003",
        ],
        ["Kode RUP 3573014508900003", "jumlah 1250000000000000 rupiah", "3599994508900003"],
    ),
    "KkRecognizer": (
        ["No. KK 3573011203150004", "nomor kartu keluarga: 3201011203150002"],
        ["3573011203150004", "kode paket 3573011203150004", "KK 9999011203150004"],
    ),
    "NpwpRecognizer": (
        [
            "NPWP 01.234.567.8-901.234",
            "npwp: 012345678901234",
            "NPWP 0012345678901234",
            "NPWP.01.234.567.8-901.234",
        ],
        ["kode rekening 5.1.02.01.01.0024", "nilai 012345678901234 rupiah"],
    ),
    "NipRecognizer": (
        [
            "NIP 196508121990031002",
            "NIP. 19650812 199003 1 002",
            "pegawai 198501012010012003",
            "NIP.196508121990031002",
        ],
        ["kode paket 196508121990031002", "NIP 196513121990031002", "999999999999999999"],
    ),
    "IndonesianPhoneRecognizer": (
        [
            "hubungi 0812-3456-7890",
            "HP +62 812 3456 7890",
            "telp (0341) 551234",
            "WA 6281234567890",
            "+62-0778-353-3740",
            "call me at (555) 123-4567",
            "kontrak nomor 603/SPK/DPU/2025. Beliau bisa dihubungi di 08556708287.",
            "https://wa.me/6281234567890",
            "Telp.(0341)551234",
            "Hp.081234567890",
            "hubungi 0812 3456 78 90",
            "HP/WA 0812-3456-7890/0813-1111-2222",
            "telp. 0341 - 551234",
            "0812 - 3456 - 7890",
        ],
        [
            "nilai 628374971.27",
            "HP 0812345",
            "kontrak nomor 081234567890",
            "kontrak 027/SPK/DPU/2024",
            "tanggal 2024-03-12",
            "Rp 1.250.000.000",
            "kode satker 1.03.01.2024",
            "versi 2.081234567890",
            "No 0812345678/SPK/2024",
            "kontrak 027/SPK/0812/2024",
            "periode 2021 - 2024",
            "Rp 1.000 - 2.000.000",
        ],
    ),
    "BankAccountRecognizer": (
        [
            "transfer ke rekening BCA 1234567890",
            "no. rek 123-456-7890 a.n. toko",
            "Bank Mandiri 1230012345678",
            "transfer ke 1234567890 (BCA)",
            "sudah kirim ke 123-456-7890 Mandiri a.n. toko",
            "rek mandiri 123-00-0456789-0",
            "no rek bca 1234567890",
        ],
        [
            "kode rekening 5.1.02.01.01.0024",
            "rekening belanja daerah",
            "akun 5.1.02.01.01",
            "Kode RUP 26573548 BRI",
            "tender 10023456000 Jatim",
            "nilai Rp 1250000000 BNI",
            "kode rek 5.1.02.01.01.0024",
            "rekap 2024 1234567890",
        ],
    ),
    "AddressRecognizer": (
        [
            "tinggal di Jl. Merdeka No. 12 RT 03/RW 05, Kel. Sukun",
            "Gg. Mawar III No. 7, Malang",
            "Perum Griya Asri Blok C2 No. 5",
            "alamat RT 02 RW 04 Kelurahan Sukun",
            "He lives at 6750 Koskikatu Street Apt. 864",
            # a bare house number after a word that says where someone lives
            "Alamat: Jl. Melati 12",
            "tinggal di Jalan Melati 12A, Kel. Sukun",
            "alamat jl kenanga no 5 rt 3 rw 2",  # typed in lower case
            "alamat: Jl.Kenanga No.5",  # no space after the street word's dot
            # a house or a preposition between the works and the street: an address
            "Perbaikan rumah saya di Jl. Melati No. 5",
            "mohon perbaikan di Jl. Melati No. 5 depan rumah saya",
        ],
        [
            "Pembangunan Jalan Tol Seksi 2 selesai",
            # where public works are: a public fact, not somebody's address
            "Pembangunan Rabat Beton Jalan Gang RT 02 RW 05 Kelurahan Sukun",
            "Pemeliharaan Jalan Desa No. 3 Sumberejo",
            "Paving Gang Mawar RT 05",
            "Pembangunan Jalan Ahmad Yani Kecamatan Klojen",
            "Rehabilitasi Jalan Lingkungan Desa Tegalgondo",
            "Kelurahan Sukun, Kota Malang",
        ],
    ),
    "HonorificNameRecognizer": (
        [
            "dilaporkan oleh Bapak Budi Santoso",
            # a place word ending the sentence before does not make the name a place's
            "pejalan kaki turun ke jalan. Saya Bapak Agus Prasetyo, mohon",
            "dibawa ke rumah sakit. Ibu Ratna Sari datang",
            "Hubungi Pak RT Darmaji",
            "an. Yuliana",
            "Nama Pelapor = Siti Rahmawati",
            "laporan bu siti soal sampah",
            "ibu sumiati warga rt 2",
            "sy Rahmat warga RT 4 mohon bantuan",
            "Pelapor (Dewi, 081234567890) menyampaikan",
            "a.n. Siti Rahmawati",
            "Pelapor: Agus Salim",
            "Sdri. Dewi Lestari",
            "Nama: Yohanes Pardede",
            "Saya Bapak Ir. Kasiyah Habibi, warga",
            "diperiksa oleh Bapak Tgk. Clara Saptono, S.E.",
            "Saya Sdr. Hari Saptono, S.IP. melapor",
            "Pesantren dengan Pimpinan Ustadz Syamsi Dukha",
            "karena ibu saya, Ningsih, sakit",
            "istri saya yanti sudah 3x bolak balik",
            "saya heru, mau tanya soal pajak",
            "Jalan depan rumah Suparman rusak",
            "tanah milik sutrisno diserobot",
        ],
        [
            "Ibu Kota Nusantara",
            "Bapak Presiden meresmikan",
            "surat a.n. Kepala Dinas",
            "CV Budi Jaya",
            "Nama Paket: Pengadaan Laptop",
            "Saya Hari Senin ke kantor",
            "Saya Mohon Bantuan",
            "rumah saya Jl. Melati sudah kebanjiran",
            "Nama Paket = Pengadaan Laptop",
            "ibu kota pindah ke kalimantan",
            "ibu hamil perlu bantuan",
            "ibu rumah tangga",
            "Pelapor (warga) datang",
            "alamat: Kp. Cibeureum RT 003/004",
            "saya hari ini ke kantor",
            "Rumah Adat Joglo dipugar",
            "Rumah Susun Sewa Marunda penuh",
            "Puncak tertinggi bernama Puncak Datuk Panglima Husin",
            "Pondok Pesantren KH Ahmad Dahlan menerima bantuan",
            "Rehab Rumah Tidak Layak Huni an. Penerima Bantuan",  # a role, not a name
        ],
    ),
    "GazetteerNameRecognizer": (
        [
            "Rina Marlina melaporkan jalan rusak",
            "laporan dari Hendra Siregar kemarin",
            "BUDI SANTOSO",
            "John Smith called",
            "Kepala desa Slamet Riyadi tidak pernah ada",  # the head, not the village
        ],
        [
            "Kepala Desa Sukamaju datang",
            "CV Budi Jaya",
            "PT Hasan Putra",
            "Taman Bunga Indah",
            "Jl. Ahmad Yani",
            "Sari",
        ],
    ),
    "CuedNameRecognizer": (
        [
            "Laporan dari Jarwo Sutedjo tentang jalan rusak",
            "Mohon ditindaklanjuti. Hormat saya, Lintang Marpaung",
            "Terima kasih, Karyo Tambunan, S.E.",
            "Kemarin Ulya Prameswari melaporkan lampu mati",
            "cc: Emil Wibisono",
            "Diterima oleh Dt. Rajo Hitam pada 12 Maret 2024",
            "Soedarto, SH (alm) mendirikan senat mahasiswa",  # a degree signs a name
            "Kepala Dinas Agus Widodo, M.T. hadir",
        ],
        [
            "Bantuan dari Kementerian Keuangan",
            "Dinas Pekerjaan Umum menyampaikan jadwal",
            "dikerjakan oleh CV Budi Jaya",
            "dana dari APBD Kota Malang",
            "hubungi Call Center 112",
            "Reported by Google Maps",
            "Laporan dari Kecamatan Klojen",
            "Menurut Peraturan Presiden Nomor 16",
            "Proyek di Jalan Sudirman, ST 2024 selesai",  # a street before the letters
            "Dinas PU, SE Kota Malang",
        ],
    ),
    "IndonesianNerRecognizer": (
        [
            "Kemarin Agus Setiawan datang ke kantor kelurahan",
            "Menurut Siti Nurhaliza, banjir melanda Kabupaten Bekasi",
            "Presiden Joko Widodo meresmikan bendungan",
        ],
        [
            "Dinas Pendidikan Kota Bandung menerima laporan",
            "Jembatan di Kabupaten Bekasi rusak berat",
            "Bank Indonesia menaikkan suku bunga",
        ],
    ),
    "EmailAddressRecognizer": (
        ["budi.santoso@malangkota.go.id", "kirim ke siti_r@yahoo.co.id ya"],
        ["https://lpse.malangkota.go.id/eproc", "nama@ tidak lengkap"],
    ),
    "ObfuscatedEmailRecognizer": (
        [
            "hubungi budi.santoso [at] gmail [dot] com",
            "email siti(at)yahoo.co.id ya",
            "kirim ke budi @ gmail . com",
            "write to jane at example dot com",
            "humas[at]malangkota[dot]go[dot]id",
            "laporan_budi@gmail.com.csv",
        ],
        [
            "Rapat [at] Balai Kota",
            "rapat at Balai Kota dot com",
            "harga @ Rp 5.000 per unit",
            "meet at noon. Then lunch",
            "lihat x @ y.zzzq",
        ],
    ),
    "IbanCodeRecognizer": (
        ["IBAN GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"],
        ["GB82 WEST 1234 5698 7654 33", "kode 1.03.01.2024"],
    ),
    "CreditCardNumberRecognizer": (
        ["card 4111 1111 1111 1111", "kartu kredit 5500-0000-0000-0004"],
        ["Kode paket 4111111111111111", "4111111111111111"],
    ),
    "IpAddressRecognizer": (
        ["login dari 192.168.10.1", "server 2001:db8::ff00:42:8329"],
        ["kode rekening 5.1.02.01.01.0024", "versi 1.2.3.4"],
    ),
}


@pytest.fixture(scope="module")
def scanner():
    return TextScanner()


def recognizer(name):
    return next(r for r in RECOGNIZERS if r.__name__ == name)


def test_every_recognizer_has_cases():
    assert {r.__name__ for r in RECOGNIZERS} == set(CASES)


@pytest.mark.parametrize("name", [r.__name__ for r in RECOGNIZERS])
def test_recognizer_positives(scanner, name):
    instance = recognizer(name)()
    for text in CASES[name][0]:
        results = instance.analyze(text, instance.supported_entities, None)
        assert any(r.score >= 0.5 for r in results), (text, results)


@pytest.mark.parametrize("name", [r.__name__ for r in RECOGNIZERS])
def test_recognizer_negatives(scanner, name):
    # The model's organisation and place spans are kept, not reported as personal data.
    entities = set(recognizer(name)().supported_entities) - set(KEPT)
    for text in [*CASES[name][1], *CONTROLS]:
        results = scanner.analyzer.analyze(text=text, language="id")
        assert not any(r.entity_type in entities for r in results), (text, results)


@pytest.mark.parametrize("name", [r.__name__ for r in RECOGNIZERS])
def test_the_scanner_replaces_every_positive(scanner, name):
    """The cheap triggers never keep a positive away from its recognizer."""
    for text in CASES[name][0]:
        redacted, kinds = scanner.scan(text)
        assert kinds and redacted != text, text


@pytest.mark.parametrize("text", CONTROLS)
def test_controls_survive_the_scanner(scanner, text):
    assert scanner.scan(text) == (text, ())


@pytest.mark.parametrize(
    "check, value, expected",
    [
        (valid_nik, "3573014508900003", True),
        (valid_nik, "3573015508900003", True),  # a woman: day + 40
        (valid_nik, "3573017208900003", False),  # day 32 (or 72 - 40)
        (valid_nik, "3573014508900000", False),  # serial 0000
        (valid_nik, "9973014508900003", False),  # no province 99
        (valid_nik, "9773014508900003", True),  # Papua Pegunungan (2022)
        (valid_kk, "3573011203150004", True),
        (valid_kk, "3573011213150004", False),  # month 13
        (valid_nip, "196508121990031002", True),
        (valid_nip, "196508121979031002", False),  # appointed at 14
        (valid_nip, "196508121990033002", False),  # sex digit 3
        (valid_nip, "196508121990031000", False),  # serial 000
    ],
)
def test_structure_checks(check, value, expected):
    assert check(value) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Saya Bapak Ir. Kasiyah Habibi. warga", "Saya Bapak Ir. <PERSON>. warga"),
        ("oleh Bapak Tgk. Clara Saptono, S.E. hari ini", "oleh Bapak Tgk. <PERSON> hari ini"),
        ("Saya Ibu Raden Hutapea. warga", "Saya Ibu Raden <PERSON>. warga"),
        ("Saya Sdr. Hari Saptono. warga", "Saya Sdr. <PERSON>. warga"),
        ("Pelapor: Dt. Rajo Hitam", "Pelapor: Dt. <PERSON>"),
        ("a.n. Cut Meutia", "a.n. Cut <PERSON>"),
        ("Saya Bapak drg. Joko Widodo, M.M. warga", "Saya Bapak drg. <PERSON> warga"),
    ],
)
def test_titles_between_honorific_and_name_stay_and_the_name_goes(scanner, text, expected):
    assert scanner.scan(text)[0] == expected


@pytest.mark.parametrize("cue", sorted(cue_words()))
def test_a_cue_at_a_sentence_start_stays_and_the_name_after_it_goes(scanner, cue):
    """``Hubungi Budi Santoso``: the gazetteer's name is the two names, never the cue."""
    text = f"{cue.capitalize()} Budi Santoso. Nomor kontrak 603/SPK/DPU/2025."
    found = GazetteerNameRecognizer().analyze(text, ["PERSON"], None)
    assert [text[r.start : r.end] for r in found] == ["Budi Santoso"]
    assert scanner.scan(text)[0] == f"{cue.capitalize()} <PERSON>. Nomor kontrak 603/SPK/DPU/2025."


@pytest.mark.parametrize(
    "text", ["Kemarin Abdul Salam datang ke kantor.", "Salam Abdul Salam", "Hubungi Abdul Salam"]
)
def test_a_cue_word_inside_a_name_stays_in_the_name(scanner, text):
    """Only leading cues leave the span: ``salam`` ends a greeting and a name alike."""
    found = GazetteerNameRecognizer().analyze(text, ["PERSON"], None)
    assert [text[r.start : r.end].split()[-2:] for r in found] == [["Abdul", "Salam"]]
    assert "Salam" not in scanner.scan(text)[0].split("<PERSON>")[-1]


def test_scan_replaces_in_place(scanner):
    text, kinds = scanner.scan(
        "Hubungi Bapak Budi Santoso di 0812-3456-7890 atau budi@example.com."
    )
    assert text == "Hubungi Bapak <PERSON> di <PHONE_NUMBER> atau <EMAIL_ADDRESS>."
    assert sorted(kinds) == ["EMAIL_ADDRESS", "PERSON", "PHONE_NUMBER"]


def test_only_the_street_part_of_an_address_is_replaced(scanner):
    text, _ = scanner.scan("Jl. Merdeka No. 12 RT 03/RW 05, Kel. Sukun, Kota Malang")
    assert text == "<ADDRESS>, Kel. Sukun, Kota Malang"


@pytest.mark.parametrize(
    "words, text",
    [(STREET, "tinggal di {}. Mawar No. 5"), (STREET_SUFFIXES, "kirim ke 12 Harbour {}, London")],
)
def test_the_scanner_asks_for_an_address_at_every_street_word(scanner, words, text):
    """The scanner's cheap pre-filter lets through every street word the recognizer uses."""
    missed = [
        word
        for word in re.findall(r"[A-Za-z]+", words)
        if "<ADDRESS>" not in scanner.scan(text.format(word))[0]
    ]
    assert not missed, missed


def test_text_without_cues_is_not_sent_to_presidio(scanner):
    calls = []
    original = scanner.analyzer.analyze
    scanner.analyzer.analyze = lambda **kw: calls.append(kw) or original(**kw)
    try:
        assert scanner.scan("Pembangunan Jalan Lingkungan Kecamatan Klojen") == (
            "Pembangunan Jalan Lingkungan Kecamatan Klojen",
            (),
        )
        scanner.scan("hubungi 0812-3456-7890 segera")
    finally:
        scanner.analyzer.analyze = original
    assert len(calls) == 1
    assert "PERSON" not in calls[0]["entities"] and "PHONE_NUMBER" in calls[0]["entities"]


def test_officials_keep_their_names_but_not_their_nip(scanner):
    officials = scanner.without("PERSON")
    text, kinds = officials.scan("PPK: Bapak Budi Santoso, NIP 196508121990031002")
    assert text == "PPK: Bapak Budi Santoso, NIP <NIP>" and kinds == ("NIP",)


def test_the_gazetteer_is_shipped_with_the_package():
    from terbuka.privacy.recognizers.person import common_words, family_names, given_names

    assert len(given_names()) > 500 and len(family_names()) > 200
    assert "budi" in given_names() and "siregar" in family_names()
    assert "pengadaan" in common_words() and "bapak" in common_words()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tinggal di Perumahan Griya Asri Blok C-12", "tinggal di <ADDRESS>"),
        ("alamat: Kp. Cibeureum RT 003/004", "alamat: <ADDRESS>"),
        ("hubungi 0812 3456 78 90", "hubungi <PHONE_NUMBER>"),
        ("081234567890/081298765432", "<PHONE_NUMBER>"),
        ("Mrs. O'Brien called twice", "Mrs. <PERSON> called twice"),
        ("Bapak Ronald McDonald datang", "Bapak <PERSON> datang"),
        ("bu dewi lestari datang", "bu <PERSON> datang"),
        # a degree without a final dot is not cut in two (``<PERSON>Si``)
        ("Kata Ir. Budi Santoso, M.Si kemarin.", "Kata Ir. <PERSON>, M.Si kemarin."),
        ("Menurut Dr. Budi Santoso, M.Sc jalan rusak.", "Menurut Dr. <PERSON>, M.Sc jalan rusak."),
    ],
)
def test_the_whole_span_is_replaced_and_its_label_kept(scanner, text, expected):
    assert scanner.scan(text)[0] == expected


def test_a_name_stops_before_the_next_line_of_a_form(scanner):
    """``Nama: …`` then ``Alamat: …``: the label stays, the name and the address go."""
    text = "Nama: Eko Prasetyo\nAlamat: Jl. Melati 12\nKeluhan: lampu mati"
    redacted, kinds = scanner.scan(text)
    assert redacted == "Nama: <PERSON>\nAlamat: <ADDRESS>\nKeluhan: lampu mati", redacted
    # a name wrapped onto the next line, with no label there, is still one name
    assert scanner.scan("Pelapor: Budi\nSantoso, warga RT 2")[0].startswith("Pelapor: <PERSON>,")


def test_a_known_name_beside_a_model_place_stays_a_person(scanner):
    """The model reads ``Tigor`` as a place; ``Simanjuntak`` beside it is a family name."""
    redacted, _ = scanner.scan("Kami sudah lapor ke Tigor Simanjuntak di kelurahan.")
    assert "Tigor" not in redacted and "Simanjuntak" not in redacted, redacted


def test_a_number_spaced_one_digit_at_a_time_is_found(scanner):
    """The normaliser joins the digits; the phone recognizer reads them as one number."""
    redacted, kinds = scanner.scan("kontak 0 8 1 2 3 4 5 6 7 8 9 0 ya")
    assert redacted == "kontak <PHONE_NUMBER> ya" and kinds == ("PHONE_NUMBER",)


@pytest.mark.parametrize(
    "text, entity",
    [
        ("Nomor HP pelapor adalah nol delapan satu dua 3456 7890", "PHONE_NUMBER"),
        ("wa nol delapan satu dua tiga empat lima enam tujuh delapan", "PHONE_NUMBER"),
        (
            "NIK tiga lima tujuh tiga nol satu empat lima nol delapan sembilan nol nol nol nol tiga",
            "NIK",
        ),
    ],
)
def test_digits_spelt_out_in_words_are_found(scanner, text, entity):
    """The whole spelt number is replaced, through ``scan_many``'s quick skip too."""
    assert scanner.scan_many([text])[0][1] == (entity,)
    redacted, _ = scanner.scan(text)
    assert not any(word in redacted for word in ("delapan", "sembilan", "tujuh")), redacted
