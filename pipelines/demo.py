"""A deterministic generator of realistic, synthetic Indonesian procurement sources.

It writes what a data steward really receives — an OCDS release package and an
SPSE-style tender export (semicolon-separated, Windows-1252, ``1.250.000,00`` amounts) —
with personal data planted where it turns up in practice: contact persons, e-mails and
phone numbers of buyers and suppliers, NIKs and names in free-text descriptions. Every
planted value is returned so tests can prove none of it is published. The quirks real
publishers produce (duplicates, a conflicting re-release, an impossible date) are in
there too.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

GIVEN = [
    "Agus", "Bambang", "Dewi", "Eko", "Fitri", "Gita", "Hendra", "Indah", "Joko", "Kartika",
    "Lestari", "Mulyadi", "Nur", "Oki", "Putri", "Rahmat", "Sari", "Taufik", "Utami", "Wahyu",
    "Yanti", "Zainal", "Arief", "Bayu", "Citra", "Dimas", "Endang", "Fajar", "Galih", "Hesti",
]  # fmt: skip
FAMILY = [
    "Santoso", "Wijaya", "Saputra", "Hidayat", "Kusuma", "Lubis", "Nasution", "Siregar",
    "Prasetyo", "Rahayu", "Setiawan", "Gunawan", "Pratama", "Susanto", "Hakim", "Purnomo",
]  # fmt: skip
HONORIFICS = ["Bapak", "Ibu", "Sdr.", "Sdri.", "Pak", "Bu"]
COMPANY_WORDS = [
    "Maju", "Jaya", "Abadi", "Sentosa", "Makmur", "Karya", "Mandiri", "Bangun", "Sejahtera",
    "Perkasa", "Utama", "Nusantara", "Cipta", "Sarana", "Mitra", "Persada",
]  # fmt: skip
BUYERS = [
    ("1.03.01", "Dinas Pekerjaan Umum dan Penataan Ruang"),
    ("1.02.01", "Dinas Kesehatan"),
    ("1.01.01", "Dinas Pendidikan"),
    ("1.02.02", "Rumah Sakit Umum Daerah"),
    ("2.09.01", "Dinas Perhubungan"),
    ("1.05.01", "Badan Penanggulangan Bencana Daerah"),
    ("4.01.01", "Sekretariat Daerah"),
    ("2.11.01", "Dinas Lingkungan Hidup"),
]
WORKS = [
    ("works", "Pekerjaan Konstruksi", "Pembangunan Jalan Lingkungan {place}", "Pekerjaan jalan", "53211"),
    ("works", "Pekerjaan Konstruksi", "Rehabilitasi Gedung {place}", "Pekerjaan gedung", "53129"),
    ("works", "Pekerjaan Konstruksi", "Normalisasi Saluran Drainase {place}", "Pekerjaan drainase", "53262"),
    ("goods", "Pengadaan Barang", "Pengadaan Alat Kesehatan Puskesmas {place}", "Alat kesehatan", "48110"),
    ("goods", "Pengadaan Barang", "Pengadaan Laptop dan Printer {place}", "Komputer", "45220"),
    ("goods", "Pengadaan Barang", "Pengadaan Obat dan Bahan Medis Habis Pakai", "Obat-obatan", "35290"),
    ("services", "Jasa Konsultansi Badan Usaha", "Jasa Konsultansi Perencanaan Taman {place}", "Jasa perencanaan", "83211"),
    ("services", "Jasa Lainnya", "Jasa Kebersihan Kantor {place}", "Jasa kebersihan", "85330"),
]  # fmt: skip
PLACES = ["Kecamatan Lowokwaru", "Kelurahan Sukun", "Kecamatan Blimbing", "Kelurahan Klojen",
          "Desa Tegalgondo", "Kecamatan Kedungkandang", "Kelurahan Bunulrejo", "Pasar Besar"]  # fmt: skip
METHODS = [
    ("open", "Tender"),
    ("open", "Tender Cepat"),
    ("direct", "Pengadaan Langsung"),
    ("limited", "Penunjukan Langsung"),
]
STREETS = ["Jl. Merdeka", "Jl. Ijen", "Jl. Soekarno Hatta", "Jl. Veteran", "Jl. Kawi", "Gg. Mawar"]
PROVINCE_CODES = ["35", "31", "32", "33", "34", "36", "51", "73"]


@dataclass
class Planted:
    """Personal values planted in the demo sources, by kind; none may be published."""

    values: dict[str, set[str]] = field(default_factory=dict)
    track: bool = True

    def add(self, kind: str, value: str) -> str:
        """Remember a planted value (unless tracking is off, for huge benchmarks) and return it."""
        if self.track:
            self.values.setdefault(kind, set()).add(value)
        return value

    def all(self) -> set[str]:
        """Every planted value."""
        return set().union(*self.values.values()) if self.values else set()

    def as_json(self) -> dict[str, list[str]]:
        """A JSON-friendly copy."""
        return {k: sorted(v) for k, v in sorted(self.values.items())}


class Generator:
    """Makes people, companies, tenders and their personal data from one seed."""

    def __init__(self, seed: int = 2024, track: bool = True):
        self.rng = random.Random(seed)
        self.planted = Planted(track=track)

    def person(self) -> str:
        """A full name (two or three parts)."""
        parts = [self.rng.choice(GIVEN), self.rng.choice(FAMILY)]
        if self.rng.random() < 0.3:
            parts.insert(1, self.rng.choice(GIVEN))
        return self.planted.add("name", " ".join(parts))

    def nik(self) -> str:
        """A structurally valid NIK (women's birth day +40)."""
        day = self.rng.randint(1, 28) + (40 if self.rng.random() < 0.5 else 0)
        value = (
            f"{self.rng.choice(PROVINCE_CODES)}{self.rng.randint(1, 79):02d}{self.rng.randint(1, 30):02d}"
            f"{day:02d}{self.rng.randint(1, 12):02d}{self.rng.randint(60, 99):02d}{self.rng.randint(1, 9999):04d}"
        )
        return self.planted.add("nik", value)

    def phone(self) -> str:
        """A mobile number in one of the ways people write them."""
        number = f"8{self.rng.choice('1235789')}{self.rng.randint(1, 9)}{self.rng.randint(1000000, 99999999)}"
        style = self.rng.randrange(4)
        if style == 0:
            text = "0" + number
        elif style == 1:
            text = f"+62 {number[:3]}-{number[3:7]}-{number[7:]}"
        elif style == 2:
            text = f"0{number[:3]}-{number[3:7]}-{number[7:]}"
        else:
            text = "62" + number
        return self.planted.add("phone", text)

    def email(self, name: str) -> str:
        """A personal e-mail address made from a name."""
        user = name.lower().replace(" ", self.rng.choice([".", "_", ""]))
        domain = self.rng.choice(["gmail.com", "yahoo.co.id", "malangkota.go.id", "outlook.com"])
        return self.planted.add("email", f"{user}{self.rng.randint(1, 99)}@{domain}")

    def nip(self) -> str:
        """An 18-digit civil-servant id (birth date, appointment month, sex, serial)."""
        birth = date(self.rng.randint(1965, 1995), self.rng.randint(1, 12), self.rng.randint(1, 28))
        value = f"{birth:%Y%m%d}{self.rng.randint(1990, 2020)}{self.rng.randint(1, 12):02d}{self.rng.randint(1, 2)}{self.rng.randint(1, 999):03d}"
        return self.planted.add("nip", value)

    def company(self) -> str:
        """A CV or PT name (organisations are not personal data)."""
        words = self.rng.sample(COMPANY_WORDS, 2)
        return f"{self.rng.choice(['CV', 'PT'])} {words[0]} {words[1]}"

    def npwp(self) -> str:
        """A formatted 15-digit NPWP of an individual supplier."""
        digits = f"{self.rng.randint(10, 99)}{self.rng.randint(100000000, 999999999)}{self.rng.randint(1000, 9999)}"
        value = (
            f"{digits[:2]}.{digits[2:5]}.{digits[5:8]}.{digits[8]}-{digits[9:12]}.{digits[12:15]}"
        )
        return self.planted.add("npwp", value)

    def narahubung(self) -> str:
        """A free-text contact sentence with a name and a phone number, as people write it."""
        name = self.person()
        honorific = self.rng.choice(HONORIFICS)
        phone = self.phone()
        templates = [
            "Informasi lebih lanjut hubungi {h} {n} (HP {p}).",
            "Narahubung: {h} {n}, telp {p}.",
            "Pertanyaan dapat disampaikan kepada {h} {n} melalui nomor {p}.",
        ]
        return self.rng.choice(templates).format(h=honorific, n=name, p=phone)


# The demo's fictional publisher: shown for the demo's own inputs only (`terbuka demo`
# hands it to its runs; the OCDS package names it), never for other data.
DEMO_PUBLISHER = {"name": "Pemerintah Kota Contoh", "url": "https://example.go.id"}
PACKAGE_META = {
    "uri": "https://example.go.id/ocds/releases.json",
    "version": "1.1",
    "publishedDate": "2024-12-31T10:00:00+07:00",
    "publisher": {"name": DEMO_PUBLISHER["name"], "uri": DEMO_PUBLISHER["url"]},
    "license": "https://creativecommons.org/licenses/by/4.0/",
}


def generate_procurement(
    folder: Path, seed: int = 2024, processes: int = 240
) -> tuple[list[Path], Planted]:
    """Write ``ocds-releases.json`` and ``spse-tender.csv`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed)
    ocds_path = folder / "ocds-releases.json"
    write_release_package(ocds_path, iter_ocds_releases(gen, processes))
    csv_path = folder / "spse-tender.csv"
    _spse_csv(gen, csv_path, max(20, processes // 3))
    return [ocds_path, csv_path], gen.planted


def write_release_package(path: Path, releases: Iterable[dict]) -> int:
    """Stream releases into a release package file, one release per line; returns the count."""
    count = 0
    head = json.dumps({**PACKAGE_META, "releases": []}, ensure_ascii=False)[:-2]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(head + "\n")
        for release in releases:
            handle.write((",\n" if count else "") + json.dumps(release, ensure_ascii=False))
            count += 1
        handle.write("\n]}\n")
    return count


def iter_ocds_releases(gen: Generator, processes: int) -> Iterator[dict]:
    """Releases for ``processes`` contracting processes, streamed (any size, flat memory)."""
    rng = gen.rng
    suppliers = [(f"SUP-{i:04d}", gen.company()) for i in range(1, 41)]
    early: list[dict] = []
    for release in _process_releases(gen, rng, suppliers, processes):
        if len(early) < 8:
            early.append(json.loads(json.dumps(release)))
        yield release
    # Quirks stewards meet: an exact duplicate and a conflicting re-release.
    yield early[3]
    conflicting = early[7]
    conflicting["tender"] = {
        **conflicting.get("tender", {}),
        "title": "Judul yang diubah tanpa rilis baru",
    }
    yield conflicting


def _process_releases(
    gen: Generator, rng: random.Random, suppliers: list, processes: int
) -> Iterator[dict]:
    """Each contracting process: a tender release, then most often an award and a contract."""
    for index in range(1, processes + 1):
        tendered, process = _tender_release(gen, rng, index)
        yield tendered
        if rng.random() < 0.8:
            yield from _award_releases(gen, rng, suppliers, process)


@dataclass
class _Process:
    """What a process's award and contract releases repeat from its tender."""

    base: dict  # ocid, buyer and parties: common to every release of the process
    buyer_code: str
    buyer_party: dict
    tender_id: str
    title: str
    estimate: int
    end: datetime
    tenderers: int


def _tender_release(gen: Generator, rng: random.Random, index: int) -> tuple[dict, _Process]:
    """The tender release of process ``index``, and what its later releases repeat."""
    ocid = f"ocds-terbuka-demo-{2024000 + index}"
    buyer_code, buyer_name = rng.choice(BUYERS)
    category, details, title_template, item_text, kbki = rng.choice(WORKS)
    title = title_template.format(place=rng.choice(PLACES))
    method, method_details = rng.choice(METHODS)
    estimate = rng.randrange(50, 5000) * 1_000_000
    start = datetime(2024, 1, 8) + timedelta(days=rng.randrange(0, 300), hours=rng.randrange(8, 16))
    days_open = rng.choice([2, 3, 5, 7, 10, 14, 21]) if method == "open" else rng.choice([1, 3, 5])
    end = start + timedelta(days=days_open)
    buyer_party = _buyer_party(gen, rng, buyer_code, buyer_name)
    description = _tender_description(gen, rng, title)
    tenderers = rng.choice([1, 1, 2, 3, 4, 5, 7]) if method == "open" else 1
    tender = {
        "id": f"T-{2024000 + index}",
        "title": title,
        "description": description,
        "status": "active",
        "procurementMethod": method,
        "procurementMethodDetails": method_details,
        "mainProcurementCategory": category,
        "mainProcurementCategoryDetails": details,
        "value": {"amount": estimate, "currency": "IDR"},
        "tenderPeriod": {"startDate": _iso(start), "endDate": _iso(end)},
        "submissionMethod": ["electronicSubmission"],
        "items": [
            {
                "id": "1",
                "description": item_text,
                "classification": {"scheme": "KBKI", "id": kbki, "description": item_text},
                "quantity": rng.randint(1, 20),
                "unit": {"name": rng.choice(["paket", "unit", "meter", "buah"]), "value": {"amount": estimate // 10, "currency": "IDR"}},
            }
        ],
    }  # fmt: skip
    budget = int(estimate * rng.uniform(1.0, 1.15)) // 1000 * 1000
    planning = {
        "budget": {"amount": {"amount": budget, "currency": "IDR"}, "description": "APBD 2024"}
    }
    base = {
        "ocid": ocid,
        "initiationType": "tender",
        "language": "id",
        "buyer": {"id": buyer_party["id"], "name": buyer_party["name"]},
        "parties": [buyer_party],
    }
    release = {**base, "id": f"{ocid}-tender", "date": _iso(start), "tag": ["tender"], "planning": planning, "tender": tender}  # fmt: skip
    return release, _Process(
        base, buyer_code, buyer_party, tender["id"], title, estimate, end, tenderers
    )


def _buyer_party(gen: Generator, rng: random.Random, code: str, name: str) -> dict:
    """The buying unit as an OCDS party, with a contact person (personal data to redact)."""
    contact = gen.person()
    return {
        "id": f"ID-SATKER-{code}",
        "name": f"{name} Kota Contoh",
        "roles": ["buyer", "procuringEntity"],
        "identifier": {"scheme": "ID-SATKER", "id": code},
        "address": {"streetAddress": f"{rng.choice(STREETS)} No. {rng.randint(1, 200)}", "locality": "Kota Contoh", "region": "Jawa Timur", "countryName": "Indonesia"},
        "contactPoint": {"name": contact, "email": gen.email(contact), "telephone": gen.phone()},
    }  # fmt: skip


def _tender_description(gen: Generator, rng: random.Random, title: str) -> str:
    """Free text as officials write it: often a contact sentence, sometimes a NIK."""
    description = f"{title} Tahun Anggaran 2024."
    if rng.random() < 0.6:
        description += " " + gen.narahubung()
    if rng.random() < 0.15:
        description += f" Sanggahan atas nama {gen.person()} NIK {gen.nik()} telah dijawab."
    return description


def _award_releases(
    gen: Generator, rng: random.Random, suppliers: list, process: _Process
) -> list[dict]:
    """The award release to a supplier and, most often, the contract release after it."""
    supplier_id, supplier_name = rng.choice(suppliers)
    supplier_party = _supplier_party(gen, rng, supplier_id, supplier_name)
    factor = rng.uniform(0.78, 1.08)
    award_value = int(process.estimate * factor) // 1000 * 1000
    award_date = process.end + timedelta(days=rng.randint(3, 25))
    ocid = process.base["ocid"]
    award = {
        "id": f"{ocid}-award-1",
        "title": f"Penetapan pemenang {process.title}",
        "status": "active",
        "date": _iso(award_date),
        "value": {"amount": award_value, "currency": "IDR"},
        "suppliers": [{"id": supplier_id, "name": supplier_name}],
    }
    awarded = {
        **process.base,
        "id": f"{ocid}-award",
        "date": _iso(award_date),
        "tag": ["award"],
        "parties": [process.buyer_party, supplier_party],
        "tender": {
            "id": process.tender_id,
            "status": "complete",
            "numberOfTenderers": process.tenderers,
        },
        "awards": [award],
    }
    if rng.random() < 0.05:
        awarded["awards"][0]["date"] = "-0001-11-30T00:00:00+07:00"  # some systems' zero date
    releases = [awarded]
    if rng.random() < 0.85:
        releases.append(_contract_release(gen, rng, process, award, award_date))
    return releases


def _supplier_party(gen: Generator, rng: random.Random, supplier_id: str, name: str) -> dict:
    """The winning supplier as an OCDS party: its representative, sometimes its NPWP."""
    representative = gen.person()
    party = {
        "id": supplier_id,
        "name": name,
        "roles": ["supplier", "tenderer"],
        "address": {"streetAddress": f"{rng.choice(STREETS)} No. {rng.randint(1, 300)} RT {rng.randint(1, 9):02d}/RW {rng.randint(1, 9):02d}", "locality": "Kota Contoh"},
        "contactPoint": {"name": representative, "telephone": gen.phone(), "email": gen.email(representative)},
    }  # fmt: skip
    if rng.random() < 0.25:
        party["identifier"] = {"scheme": "ID-NPWP", "id": gen.npwp()}
    return party


def _contract_release(
    gen: Generator, rng: random.Random, process: _Process, award: dict, award_date: datetime
) -> dict:
    """The contract signed after the award; some carry a bank account in free text."""
    signed = award_date + timedelta(days=rng.randint(2, 14))
    contract = {
        "id": f"{rng.randint(1, 999):03d}/SPK/{process.buyer_code}/2024",
        "awardID": award["id"],
        "title": f"Kontrak {process.title}",
        "status": "active",
        "value": dict(award["value"]),
        "dateSigned": _iso(signed),
        "period": {"startDate": _iso(signed), "endDate": _iso(signed + timedelta(days=rng.choice([30, 60, 90, 120])))},
    }  # fmt: skip
    if rng.random() < 0.2:
        contract["description"] = (
            f"Pembayaran ke rekening Bank Jatim no. rek {rng.randint(1000000000, 9999999999)} a.n. {gen.person()}."
        )
        gen.planted.add("bank_account", contract["description"].split("no. rek ")[1].split(" ")[0])
    ocid = process.base["ocid"]
    return {**process.base, "id": f"{ocid}-contract", "date": _iso(signed), "tag": ["contract"], "contracts": [contract]}  # fmt: skip


def _spse_csv(gen: Generator, path: Path, rows: int) -> None:
    rng = gen.rng
    header = [
        "tahun_anggaran", "kd_klpd", "nama_klpd", "kd_satker", "nama_satker", "kd_tender", "kd_rup",
        "nama_paket", "pagu", "hps", "sumber_dana", "jenis_pengadaan", "mtd_pemilihan", "status_tender",
        "tgl_pengumuman_tender", "tgl_penetapan_pemenang", "nip_ppk", "nama_ppk", "email_ppk",
        "telepon_ppk", "kd_penyedia", "nama_penyedia", "npwp_penyedia", "nilai_negosiasi",
        "nilai_kontrak", "jumlah_peserta", "keterangan",
    ]  # fmt: skip
    with open(path, "w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        for index in range(rows):
            buyer_code, buyer_name = rng.choice(BUYERS)
            category, details, title_template, *_ = rng.choice(WORKS)
            _, method_details = rng.choice(METHODS)
            pagu = rng.randrange(100, 3000) * 1_000_000
            hps = int(pagu * rng.uniform(0.85, 1.0)) // 1000 * 1000
            announced = datetime(2024, 2, 1) + timedelta(
                days=rng.randrange(0, 280), hours=rng.randrange(8, 15)
            )
            finished = rng.random() < 0.7
            ppk = gen.person()
            negotiated = int(hps * rng.uniform(0.8, 0.99)) // 1000 * 1000
            remark = ""
            if rng.random() < 0.3:
                remark = f"Sanggahan dari {rng.choice(HONORIFICS)} {gen.person()} (NIK {gen.nik()}) sudah dijawab"
            elif rng.random() < 0.3:
                remark = "Pemenang berkontrak sesuai jadwal; café rapat di ruang Pokja"  # a cp1252 character
            writer.writerow(
                [
                    2024, "D123", "Kota Contoh", f"{buyer_code}.{index % 7:02d}", f"{buyer_name} Kota Contoh",
                    9_100_000 + index, 45_000_000 + index, title_template.format(place=rng.choice(PLACES)),
                    _rupiah(pagu), _rupiah(hps), "APBD", details, method_details,
                    "Selesai" if finished else "Aktif",
                    announced.strftime("%Y-%m-%d %H:%M:%S") if index % 5 else announced.strftime("%d %B %Y").replace("February", "Februari").replace("March", "Maret").replace("May", "Mei").replace("June", "Juni").replace("July", "Juli").replace("August", "Agustus").replace("October", "Oktober").replace("December", "Desember"),
                    (announced + timedelta(days=rng.randint(10, 30))).strftime("%Y-%m-%d") if finished else "",
                    gen.nip(), ppk, gen.email(ppk), gen.phone(),
                    f"P{rng.randint(10000, 99999)}" if finished else "", gen.company() if finished else "",
                    gen.npwp() if finished and rng.random() < 0.5 else "",
                    _rupiah(negotiated) if finished else "", _rupiah(negotiated) if finished else "",
                    rng.choice([1, 2, 3, 5, 8]) if finished else "", remark,
                ]
            )  # fmt: skip


def _rupiah(amount: int) -> str:
    """``1.250.000,00``: how Indonesian spreadsheets write money."""
    return f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+07:00")
