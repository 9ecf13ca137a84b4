"""A deterministic generator of a year of complaints and a public satisfaction survey.

The complaint export looks like what an Indonesian complaint system (SP4N-LAPOR!-style)
gives a steward: complainants' names, NIK, phone numbers, e-mails and home addresses in
their own columns, and again inside the complaint text, where people write them. The
timestamps carry the quirks real systems have: requests still open, requests closed
before they were created, closing times of exactly midnight, dates typed in two formats,
and a few that cannot be read at all. A newer API (JSON, empty fields left out) returns
some of the same tickets again — one of them updated. The IKM survey has nine element
scores per respondent (a few out of range), demographic columns, and suggestions with
personal data. Every planted personal value is returned so tests can prove none is
published.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path
from random import Random

from .demo import HONORIFICS, Generator, Planted

AGENCIES = {
    "Infrastruktur Jalan": "Dinas Pekerjaan Umum dan Penataan Ruang",
    "Banjir dan Drainase": "Dinas Pekerjaan Umum dan Penataan Ruang",
    "Sampah dan Kebersihan": "Dinas Lingkungan Hidup",
    "Administrasi Kependudukan": "Dinas Kependudukan dan Pencatatan Sipil",
    "Kesehatan": "Dinas Kesehatan",
    "Pendidikan": "Dinas Pendidikan",
    "Air Bersih": "Perumda Air Minum",
    "Perizinan": "Dinas Penanaman Modal dan PTSP",
    "Penerangan Jalan Umum": "Dinas Perhubungan",
    "Ketertiban Umum": "Satuan Polisi Pamong Praja",
}
# (category, typical hours to resolve, share of complaints)
CATEGORIES = [
    ("Infrastruktur Jalan", 240, 0.16), ("Banjir dan Drainase", 120, 0.08),
    ("Sampah dan Kebersihan", 40, 0.18), ("Administrasi Kependudukan", 90, 0.14),
    ("Kesehatan", 50, 0.08), ("Pendidikan", 150, 0.07), ("Air Bersih", 30, 0.1),
    ("Perizinan", 200, 0.06), ("Penerangan Jalan Umum", 100, 0.08), ("Ketertiban Umum", 60, 0.05),
]  # fmt: skip
ISSUES = {
    "Infrastruktur Jalan": ("Jalan berlubang di {place}", "Jalan di {place} berlubang besar dan sudah memakan korban pengendara motor."),
    "Banjir dan Drainase": ("Saluran tersumbat di {place}", "Saluran air di {place} tersumbat sampah, setiap hujan air meluap ke rumah warga."),
    "Sampah dan Kebersihan": ("Sampah tidak diangkut di {place}", "Sampah di TPS {place} sudah seminggu tidak diangkut dan berbau."),
    "Administrasi Kependudukan": ("KTP elektronik belum jadi", "Perekaman KTP-el sudah tiga bulan tetapi kartu belum juga dicetak."),
    "Kesehatan": ("Antrean puskesmas terlalu lama", "Antrean di puskesmas {place} lebih dari empat jam, petugas pendaftaran hanya satu."),
    "Pendidikan": ("Pungutan di sekolah", "Ada pungutan uang seragam di sekolah negeri di {place} yang tidak jelas dasarnya."),
    "Air Bersih": ("Air PDAM mati", "Air PDAM di {place} mati sejak tiga hari tanpa pemberitahuan."),
    "Perizinan": ("Izin usaha belum terbit", "Permohonan NIB dan izin usaha mikro belum terbit padahal berkas lengkap."),
    "Penerangan Jalan Umum": ("Lampu jalan padam di {place}", "Lampu penerangan jalan di {place} padam, jalan gelap dan rawan kejahatan."),
    "Ketertiban Umum": ("PKL menutup trotoar di {place}", "Pedagang kaki lima menutup trotoar di {place} sehingga pejalan kaki turun ke jalan."),
}  # fmt: skip
PLACES = ["Kecamatan Lowokwaru", "Kelurahan Sukun", "Kecamatan Blimbing", "Kelurahan Klojen",
          "Kecamatan Kedungkandang", "Kelurahan Bunulrejo", "Pasar Besar", "Jalan Veteran"]  # fmt: skip
KECAMATAN = ["Lowokwaru", "Blimbing", "Klojen", "Sukun", "Kedungkandang"]
CHANNELS = ["Website", "Aplikasi", "SMS", "WhatsApp", "Media Sosial", "Datang Langsung"]
UNITS = [
    ("Mal Pelayanan Publik", 140), ("Disdukcapil - Loket KTP", 120), ("Puskesmas Kendalkerep", 110),
    ("RSUD Kota Contoh", 100), ("DPMPTSP - Perizinan", 90), ("Samsat Keliling", 3),
]  # fmt: skip
COMPLAINT_COLUMNS = [
    "Nomor Tiket", "Tanggal Laporan", "Tanggal Selesai", "Batas Waktu", "Instansi Tujuan",
    "Kategori", "Sub Kategori", "Status", "Kanal", "Kecamatan", "Judul Laporan", "Isi Laporan",
    "Tanggapan", "Nama Pelapor", "NIK Pelapor", "No HP Pelapor", "Email Pelapor", "Alamat Pelapor",
]  # fmt: skip


def generate_services(
    folder: Path, seed: int = 2024, complaints: int = 1500, responses: int | None = None
) -> tuple[list[Path], Planted]:
    """Write ``pengaduan-2024.csv``, ``pengaduan-api.json`` and ``skm-2024.csv``."""
    folder.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed + 1)
    rows = [_complaint(gen, number) for number in range(1, complaints + 1)]
    csv_path = folder / "pengaduan-2024.csv"
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, COMPLAINT_COLUMNS, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    json_path = folder / "pengaduan-api.json"
    json_path.write_text(json.dumps(_api_records(gen, rows), ensure_ascii=False, indent=1), "utf-8")
    survey_path = folder / "skm-2024.csv"
    _survey(gen, survey_path, responses)
    return [csv_path, json_path, survey_path], gen.planted


def _complaint(gen: Generator, number: int) -> dict[str, str]:
    rng = gen.rng
    category, typical, _ = rng.choices(CATEGORIES, weights=[c[2] for c in CATEGORIES])[0]
    created = datetime(2024, 1, 1, 6) + timedelta(minutes=rng.randrange(0, 365 * 24 * 60 - 24 * 60))
    created = created.replace(second=rng.randrange(60))
    place = rng.choice(PLACES)
    title, text = (t.format(place=place) for t in ISSUES[category])
    name = gen.person()
    phone = gen.phone()
    nik = gen.nik()
    email = gen.email(name)
    address = gen.planted.add(
        "address", f"Jl. {rng.choice(['Melati', 'Kenanga', 'Flamboyan', 'Cempaka'])} No. {rng.randint(1, 150)} RT {rng.randint(1, 9):02d}/RW {rng.randint(1, 9):02d}"
    )  # fmt: skip
    style = rng.random()
    if style < 0.25:
        text += f" Saya {rng.choice(HONORIFICS)} {name}, mohon segera ditindaklanjuti. Hubungi saya di {phone}."
    elif style < 0.4:
        text += f" Pelapor: {name}, NIK {nik}."
    elif style < 0.5:
        text += f" Balasan mohon dikirim ke {email} atau telp {phone}."
    closed = _closed(rng, created, typical)
    status = (
        "Selesai" if closed else rng.choice(["Diproses", "Menunggu Verifikasi", "Didisposisikan"])
    )
    created_text = _when(rng, created)
    closed_text = _when(rng, closed) if closed else ""
    if rng.random() < 0.006:
        closed_text = "31/02/2024 10:00"  # a date that does not exist
    if rng.random() < 0.004:
        created_text = "belum diisi"
    answer = ""
    if closed:
        answer = rng.choice([
            "Laporan telah ditindaklanjuti oleh petugas lapangan.",
            "Terima kasih, perbaikan sudah dijadwalkan dan dilaksanakan.",
            f"Sudah kami hubungi {rng.choice(['Bapak', 'Ibu'])} {name} melalui {phone} dan masalah telah selesai.",
        ])  # fmt: skip
    return {
        "Nomor Tiket": f"LPR-2024-{number:06d}",
        "Tanggal Laporan": created_text,
        "Tanggal Selesai": closed_text,
        "Batas Waktu": (created + timedelta(days=14)).strftime("%d/%m/%Y"),
        "Instansi Tujuan": AGENCIES[category],
        "Kategori": category,
        "Sub Kategori": title.split(" di ")[0],
        "Status": status,
        "Kanal": rng.choice(CHANNELS),
        "Kecamatan": rng.choice(KECAMATAN),
        "Judul Laporan": title,
        "Isi Laporan": text,
        "Tanggapan": answer,
        "Nama Pelapor": name,
        "NIK Pelapor": nik,
        "No HP Pelapor": phone,
        "Email Pelapor": email,
        "Alamat Pelapor": address,
    }


def _closed(rng: Random, created: datetime, typical: float) -> datetime | None:
    """When a complaint was closed: open, typical, or one of the planted slips."""
    closed = None
    draw = rng.random()
    if draw < 0.07:
        closed = None  # still open
    else:
        hours = rng.lognormvariate(0, 0.9) * typical
        closed = created + timedelta(hours=hours)
        if draw < 0.09:
            closed = created - timedelta(hours=rng.uniform(1, 72))  # closed before created
        elif draw < 0.15:
            closed = closed.replace(hour=0, minute=0, second=0)  # the date typed without a time
        elif draw < 0.16:
            closed = created  # closed the moment it was filed (zero duration)
    return closed


def _when(rng, moment: datetime) -> str:
    """Two ways clerks write the same time."""
    if rng.random() < 0.7:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.strftime("%d/%m/%Y %H:%M")


def _api_records(gen: Generator, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The newer API: snake_case keys, empty fields left out; some tickets again, one updated."""
    records = []
    picked = rows[:: max(1, len(rows) // 40)][:40]
    for index, row in enumerate(picked):
        record = {k.lower().replace(" ", "_"): v for k, v in row.items() if v}
        if index == 3 and not row["Tanggal Selesai"]:
            record["tanggal_selesai"] = "2024-12-31 16:00:00"
            record["status"] = "Selesai"
        elif index == 3:
            record["tanggapan"] = "Tanggapan diperbarui: pekerjaan selesai diperiksa ulang."
        records.append(record)
    return records


def _survey(gen: Generator, path: Path, responses: int | None) -> None:
    rng = gen.rng
    columns = [
        "No Responden", "Tanggal Survei", "Unit Layanan", "Nama Responden", "No HP", "Umur",
        "Jenis Kelamin", "Pendidikan", "Pekerjaan", *[f"U{i}" for i in range(1, 10)], "Saran",
    ]  # fmt: skip
    number = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for unit, count in UNITS:
            quality = rng.uniform(2.7, 3.7)
            for _ in range(count if responses is None else min(count, responses)):
                number += 1
                name, phone = gen.person(), gen.phone()
                scores = [
                    min(4, max(1, round(rng.gauss(quality + rng.uniform(-0.3, 0.3), 0.6))))
                    for _ in range(9)
                ]
                cells: list[object] = list(scores)
                if rng.random() < 0.01:
                    cells[rng.randrange(9)] = rng.choice([5, 0, "baik"])
                elif rng.random() < 0.02:
                    cells[rng.randrange(9)] = ""
                suggestion = rng.choice([
                    "", "Pelayanan sudah baik, pertahankan.", "Ruang tunggu perlu ditambah kursi.",
                    "Petugas ramah dan cepat.", "Informasi persyaratan kurang jelas.",
                    f"Mohon dihubungi kembali, saya {rng.choice(['Bapak', 'Ibu'])} {name} di {phone}.",
                ])  # fmt: skip
                day = datetime(2024, 1, 2) + timedelta(days=rng.randrange(0, 360))
                writer.writerow(
                    [
                        f"R{number:05d}", day.strftime("%d/%m/%Y"), unit, name, phone,
                        rng.randint(18, 75), rng.choice(["L", "P"]),
                        rng.choice(["SD", "SMP", "SMA", "D3", "S1", "S2"]),
                        rng.choice(["PNS", "Swasta", "Wiraswasta", "Pelajar", "Lainnya"]),
                        *cells, suggestion,
                    ]
                )  # fmt: skip
