"""A synthetic ISB/INAPROC snapshot in the feeds' shape, for ``terbuka demo`` and tests.

One regency, one year, every endpoint the pipeline reads as a file named like LKPP's
(``47_1013_SPSE-TenderPengumuman.json``). The shape follows FIELDS.md: integer and string
codes for the same key, integers and floats for amounts, three date formats, endpoints
that come back as 0-byte files, failed tenders and their re-tenders, a tender with one
bidder, registrants who never bid, a contract whose tender is missing, and an HPS that
differs between two endpoints. Personal data is planted where the real feeds carry it
(NIPs, phones, e-mails, bank accounts and holders, representatives, individual
suppliers' NPWPs and addresses); every planted value is returned so tests can prove none
is published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .demo import Generator, Planted

KLPD = ("D999", "Kab. Contoh Raya", "KABUPATEN")
YEAR = 2025
SATKER = [
    (101, "1.02.0.00.0.00.01.0000", "Dinas Kesehatan", "Jl. Kesehatan No. 1, Contoh Raya"),
    (102, "1.03.0.00.0.00.01.0000", "Dinas Pekerjaan Umum dan Penataan Ruang", "Jl. Raya Timur No. 7"),
    (103, "1.01.0.00.0.00.01.0000", "Dinas Pendidikan", "Jl. Pendidikan No. 3"),
    (104, "2.11.0.00.0.00.01.0000", "Dinas Lingkungan Hidup", "Jl. Hijau No. 9"),
    (105, "4.01.0.00.0.00.01.0000", "Sekretariat Daerah", "Jl. Pemda No. 1"),
]  # fmt: skip
# Name pools apart from the planted ones, so a published official's or supplier's name
# never equals a planted personal value by chance.
OFFICIALS = ["Drs. Hadi Wibowo", "Ir. Sutrisno", "Ratna Sari Dewi, S.T.", "H. Mahmud, S.E.",
             "Yusuf Maulana, M.T.", "Rina Marlina, S.Kom."]  # fmt: skip
INDIVIDUALS = ["Slamet Riyadi", "Wawan Kurniawan", "Teguh Pambudi", "Asep Sunandar",
               "Nining Suryani", "Ujang Supriatna"]  # fmt: skip
LEGAL_FORMS = [
    ("CV", "Persekutuan Komanditer (CV / Commanditer Venoschaap )"),
    ("PT", "Perseroan Terbatas (PT)"),
]
WORKS = [
    ("Pekerjaan Konstruksi", "Rehabilitasi Gedung Puskesmas {n}"),
    ("Pekerjaan Konstruksi", "Peningkatan Jalan Desa {n}"),
    ("Pengadaan Barang", "Pengadaan Alat Kesehatan {n}"),
    ("Jasa Konsultansi Badan Usaha Konstruksi", "Perencanaan Drainase Kawasan {n}"),
    ("Jasa Lainnya", "Jasa Kebersihan Kantor {n}"),
]
STAGES = [
    (1, "Pengumuman Pascakualifikasi", 0, 7),
    (3, "Upload Dokumen Penawaran", 1, 8),
    (6, "Evaluasi Administrasi, Kualifikasi, Teknis, dan Harga", 9, 14),
    (9, "Penetapan Pemenang", 15, 16),
]
EMPTY = [
    "5_1062_Ecat-PaketEPurchasing-Lama", "13_1035_RUP-KomponenMaster", "14_1037_RUP-KROMaster",
    "25_1038_RUP-ROMaster", "26_1067_RUP-StrukturAnggaranKL", "29_1036_RUP-SubKomponenMaster",
    "43_1076_SPSE-TenderEkontrak-4BAPBAST",
]  # fmt: skip


class Snapshot:
    """Rows per endpoint file, built up package by package."""

    def __init__(self, seed: int):
        self.gen = Generator(seed)
        self.rng = self.gen.rng
        self.files: dict[str, list[dict[str, Any]]] = {}
        self.format_turn = 0

    def add(self, name: str, row: dict[str, Any]) -> None:
        self.files.setdefault(name, []).append(row)

    def when(self, moment: datetime) -> str:
        """The three date formats of the feeds, in turn."""
        self.format_turn += 1
        style = self.format_turn % 3
        if style == 0:
            return moment.strftime("%Y-%m-%d")
        if style == 1:
            return moment.strftime("%Y-%m-%d %H:%M:%S")
        return (moment - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")

    def money(self, value: int) -> int | float:
        """Integers mostly; floats as the feeds also send them."""
        return float(value) if self.rng.random() < 0.3 else value

    def bank(self) -> str:
        return self.gen.planted.add("bank_account", f"{self.rng.randint(10**9, 10**10 - 1)}")

    def holder(self) -> str:
        name = self.gen.person()
        return self.gen.planted.add("account_holder", name)

    def representative(self) -> str:
        return self.gen.planted.add("representative", self.gen.person())


def generate_inaproc(
    folder: Path, seed: int = 2024, tenders: int = 18
) -> tuple[list[Path], Planted]:
    """Write the snapshot's endpoint files into ``folder``; return them and what was planted."""
    folder.mkdir(parents=True, exist_ok=True)
    snap = Snapshot(seed)
    suppliers = _suppliers(snap)
    _masters(snap)
    _tenders(snap, suppliers, tenders)
    _nontenders(snap, suppliers, max(8, tenders))
    _pencatatan(snap, suppliers)
    _epurchasing(snap)
    paths = []
    for name, rows in sorted(snap.files.items()):
        path = folder / f"{name}.json"
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        paths.append(path)
    for name in EMPTY:
        path = folder / f"{name}.json"
        path.write_bytes(b"")
        paths.append(path)
    return sorted(paths), snap.gen.planted


def _base(satker: tuple, spse: bool = True) -> dict[str, Any]:
    code, code_str, name, _ = satker
    return {
        "tahun_anggaran": YEAR,
        "kd_klpd": KLPD[0],
        "nama_klpd": KLPD[1],
        "jenis_klpd": KLPD[2],
        "kd_satker": str(code) if spse else code,  # SPSE sends text, SiRUP numbers
        "kd_satker_str": code_str,
        "nama_satker": name,
    }


def _suppliers(snap: Snapshot) -> list[dict[str, Any]]:
    rng, gen = snap.rng, snap.gen
    found = []
    for index in range(24):
        short, form = rng.choice(LEGAL_FORMS)
        npwp = f"0{rng.randint(10**13, 10**14 - 1)}"
        found.append(
            {
                "kd_penyedia": 500000 + index,
                "nama_penyedia": f"{short} {gen.company().split(' ', 1)[1]} {index + 1}",
                "bentuk_usaha_penyedia": form,
                "npwp_penyedia": npwp,
                "npwp_16_penyedia": f"0{npwp}",
                "alamat_penyedia": f"Jl. Industri Blok {chr(65 + index % 20)} No. {index + 1}",
                "individual": False,
            }
        )
    for index, name in enumerate(INDIVIDUALS):
        nik = gen.nik()
        found.append(
            {
                "kd_penyedia": 600000 + index,
                "nama_penyedia": name,
                "bentuk_usaha_penyedia": "Orang Perseorangan",
                "npwp_penyedia": gen.planted.add("npwp", gen.npwp()),
                "npwp_16_penyedia": nik,
                "alamat_penyedia": gen.planted.add(
                    "address",
                    f"Dusun Krajan RT {index + 1:02d}/RW 0{index % 4 + 1}, {name.split()[0]}",
                ),
                "individual": True,
            }
        )
    return found


def _supplier_fields(supplier: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: supplier[n] for n in names if n in supplier}


def _programs(snap: Snapshot, master: dict[str, Any], code: int, code_str: str, name: str) -> None:
    """A work unit's programmes, their activities and sub-activities (RUP masters)."""
    rng = snap.rng
    for p in range(2):
        program = code * 100 + p
        snap.add(
            "24_1041_RUP-ProgramMaster",
            {**master, "kd_program": program, "kd_program_str": f"{code_str[:4]}.{p + 1:02d}",
             "nama_program": f"Program {p + 1} {name}", "pagu_program": 0, "kd_program_lokal": None},
        )  # fmt: skip
        for k in range(2):
            activity = program * 10 + k
            snap.add(
                "12_1040_RUP-KegiatanMaster",
                {**master, "kd_program": program, "kd_kegiatan": activity,
                 "kd_kegiatan_str": f"{code_str[:4]}.{p + 1:02d}.{k + 1}",
                 "nama_kegiatan": f"Kegiatan {k + 1}", "pagu_kegiatan": 0,
                 "kd_kegiatan_lokal": None},
            )  # fmt: skip
            for s in range(2):
                snap.add(
                    "28_1039_RUP-SubKegiatanMaster",
                    {**master, "kd_program": program, "kd_kegiatan": activity,
                     "kd_subkegiatan": activity * 10 + s,
                     "kd_subkegiatan_str": f"{code_str[:4]}.{p + 1:02d}.{k + 1}.{s + 1:04d}",
                     "nama_subkegiatan": f"Sub kegiatan {s + 1}",
                     "pagu_subkegiatan": rng.randrange(100, 3000) * 1_000_000,
                     "kd_subkegiatan_lokal": None},
                )  # fmt: skip


def _masters(snap: Snapshot) -> None:
    rng = snap.rng
    for satker in SATKER:
        code, code_str, name, address = satker
        snap.add(
            "17_1008_RUP-MasterSatker",
            {
                "kd_satker": code, "kd_satker_str": code_str, "nama_satker": name,
                "alamat": None, "telepon": None, "fax": None, "kodepos": None,
                "status_satker": "Aktif", "ket_satker": "SKPD", "jenis_satker": "SKPD",
                "kd_klpd": KLPD[0], "nama_klpd": KLPD[1], "jenis_klpd": KLPD[2], "kode_eselon": None,
            },
        )  # fmt: skip
        spending = rng.randrange(20, 90) * 1_000_000_000
        snap.add(
            "27_1084_RUP-StrukturAnggaranPD",
            {
                "tahun_anggaran": YEAR if rng.random() < 0.5 else None, "kd_klpd": KLPD[0],
                "nama_klpd": KLPD[1], "kd_satker": code, "kd_satker_str": code_str,
                "nama_satker": name, "belanja_operasi": spending // 2, "belanja_modal": spending // 4,
                "belanja_btt": 0, "belanja_non_pengadaan": spending // 4,
                "belanja_pengadaan": spending // 2, "total_belanja": spending,
            },
        )  # fmt: skip
        master = {"tahun_anggaran": YEAR, "kd_klpd": KLPD[0], "nama_klpd": KLPD[1],
                  "jenis_klpd": KLPD[2], "kd_satker": code, "is_deleted": False,
                  "_event_date": f"{YEAR}-10-03"}  # fmt: skip
        _programs(snap, master, code, code_str, name)
    # Officials' accounts in the catalogue: nothing here may be published.
    for index in range(3):
        snap.add(
            "9_1026_Ecat-UserPegawai",
            {"kd_user_pegawai": 9000 + index, "kd_klpd": KLPD[0], "kd_satker": SATKER[index][0],
             "nama_lengkap": snap.representative(), "nip_pegawai": snap.gen.nip(),
             "jabatan_pegawai": "Pejabat Pengadaan"},
        )  # fmt: skip


@dataclass
class _Tender:
    """One announced tender package: what its bids, award and contract repeat."""

    position: int
    kd_tender: int
    kd_rup: int
    status: str
    satker: tuple
    category: str
    title: str
    announced: datetime
    pagu: int
    hps: int
    ppk: str
    nip_ppk: str
    common: dict[str, Any]


def _tenders(snap: Snapshot, suppliers: list[dict], count: int) -> None:
    """Tender packages from announcement to contract, the failed ones re-tendered."""
    companies = [s for s in suppliers if not s["individual"]]
    for position, planned in enumerate(_tender_plan(count)):
        tender = _announce(snap, position, *planned)
        if tender.status == "Berlangsung":  # still open: registered, no offers yet
            for offset, supplier in enumerate(snap.rng.sample(companies, 4)):
                _participant(snap, tender.common, tender.satker, tender.kd_tender, supplier, offset, None, False)  # fmt: skip
            continue
        winner, offer = _bids(snap, tender, suppliers)
        if winner is not None:
            _award(snap, tender, winner, offer)
    # A contract whose tender the feeds do not have.
    orphan = {**_base(SATKER[0]), "kd_lpse": 93, "kd_tender": 3_999_999}
    _econtract(
        snap,
        orphan,
        companies[0],
        250_000_000,
        datetime(YEAR, 6, 2),
        OFFICIALS[0],
        snap.gen.nip(),
        with_bast=False,
        stages=(2,),
    )


def _tender_plan(count: int) -> list[tuple[int, int, str, int]]:
    """(kd_tender, kd_rup, status, version) per package: done, failed or running, and re-tenders."""
    plan = []
    for index in range(count):
        status = (
            "Selesai"
            if index % 6 not in (2, 5)
            else ("Gagal/Batal" if index % 6 == 2 else "Berlangsung")
        )
        plan.append((3_000_100 + index * 17, 40_000_000 + index, status, 1))
    for kd_tender, kd_rup, status, _ in list(plan):  # re-tenders of the failed ones
        if status == "Gagal/Batal":
            plan.append((kd_tender + 9_000, kd_rup, "Selesai", 2))
    return plan


def _announce(
    snap: Snapshot, position: int, kd_tender: int, kd_rup: int, status: str, version: int
) -> _Tender:
    """The tender's announcement and its schedule of stages."""
    rng, gen = snap.rng, snap.gen
    satker = SATKER[position % len(SATKER)]
    category, title = WORKS[position % len(WORKS)]
    title = title.format(n=kd_rup % 1000)
    announced = datetime(YEAR, 2, 3, 9) + timedelta(days=position * 9)
    pagu = rng.randrange(400, 6000) * 1_000_000
    hps = int(pagu * rng.uniform(0.9, 0.99))
    ppk = OFFICIALS[position % len(OFFICIALS)]
    nip_ppk = gen.nip()
    common = {**_base(satker), "kd_lpse": 93, "kd_tender": kd_tender}
    snap.add(
        "47_1013_SPSE-TenderPengumuman",
        {
            **common, "list_tahun_anggaran": str(YEAR), "nama_lpse": "LPSE Kab. Contoh Raya",
            "kd_pkt_dce": kd_tender - 17, "kd_rup": str(kd_rup), "nama_paket": title,
            "pagu": pagu, "hps": snap.money(hps), "sumber_dana": "APBD",
            "kualifikasi_paket": "Kecil", "jenis_pengadaan": category,
            "mtd_pemilihan": "Seleksi" if "Konsultansi" in category else "Tender",
            "mtd_evaluasi": "Harga Terendah Sistem Gugur",
            "mtd_kualifikasi": "Pra Dua File Kualitas Biaya" if "Konsultansi" in category else "Pasca Satu File",
            "kontrak_pembayaran": "Lumsum", "status_tender": status,
            "tanggal_status": snap.when(announced + timedelta(days=20)), "versi_tender": version,
            "ket_ditutup": "Tender gagal: tidak ada peserta yang lulus evaluasi" if status == "Gagal/Batal" else None,
            "ket_diulang": None, "tgl_buat_paket": snap.when(announced - timedelta(days=5)),
            "tgl_kolektif_kolegial": snap.when(announced - timedelta(days=4)),
            "tgl_pengumuman_tender": snap.when(announced), "nip_ppk": nip_ppk,
            "nama_ppk": ppk, "nip_pokja": gen.nip(), "nama_pokja": snap.representative(),
            "lokasi_pekerjaan": f"{satker[2]} - {KLPD[1]}", "url_lpse": "https://lpse.contoh.go.id",
            "_event_date": f"{YEAR}-10-03",
        },
    )  # fmt: skip
    for stage, name, start, end in STAGES:
        snap.add(
            "31_1068_SPSE-JadwalTahapanTender",
            {**common, "kd_satker_str": satker[1], "kd_tahapan": stage, "nama_tahapan": name,
             "kd_akt": stage * 10, "nama_akt": None,
             "tgl_awal": snap.when(announced + timedelta(days=start)),
             "tgl_akhir": snap.when(announced + timedelta(days=end, hours=6)),
             "_event_date": f"{YEAR}-10-03"},
        )  # fmt: skip
    return _Tender(
        position, kd_tender, kd_rup, status, satker, category, title, announced, pagu, hps,
        ppk, nip_ppk, common,
    )  # fmt: skip


def _bids(snap: Snapshot, tender: _Tender, suppliers: list[dict]) -> tuple[dict | None, int]:
    """Registrants and their offers; the lowest wins unless the tender failed (then ``None``)."""
    rng = snap.rng
    registrants = rng.sample(suppliers, rng.randrange(6, 12))
    one_bidder = tender.position == 1
    bidders = registrants[:1] if one_bidder else registrants[: rng.randrange(2, 4)]
    offers = {id(s): int(tender.hps * rng.uniform(0.85, 0.99)) for s in bidders}
    winner = None if tender.status == "Gagal/Batal" else min(bidders, key=lambda s: offers[id(s)])
    for offset, supplier in enumerate(registrants):
        offer = offers.get(id(supplier))
        _participant(
            snap, tender.common, tender.satker, tender.kd_tender, supplier, offset, offer,
            supplier is winner,
        )  # fmt: skip
    return winner, offers[id(winner)] if winner is not None else 0


def _award(snap: Snapshot, tender: _Tender, winner: dict, offer: int) -> None:
    """The finished tender in two endpoints (which disagree a little), then its e-contract."""
    common, satker, kd_tender, kd_rup = (
        tender.common,
        tender.satker,
        tender.kd_tender,
        tender.kd_rup,
    )
    announced, pagu, hps = tender.announced, tender.pagu, tender.hps
    negotiated = int(offer * 0.995)
    awarded = announced + timedelta(days=16)
    snap.add(
        "48_1014_SPSE-TenderSelesai",
        {
            **common, "nama_lpse": "LPSE Kab. Contoh Raya", "kd_pkt_dce": kd_tender - 17,
            "kd_rup": str(kd_rup), "nama_paket": tender.title, "pagu": pagu, "hps": hps,
            "sumber_dana": "APBD", "mak": f"{satker[1]}.5.1.02.01.0001", "kualifikasi_paket": "Kecil",
            "jenis_pengadaan": tender.category, "mtd_pemilihan": "Tender",
            "mtd_evaluasi": "Harga Terendah Sistem Gugur", "mtd_kualifikasi": "Pasca Satu File",
            "kontrak_pembayaran": "Lumsum", "status_tender": "Selesai",
            "tgl_pengumuman_tender": snap.when(announced), "tgl_penetapan_pemenang": snap.when(awarded),
            "url_lpse": "https://lpse.contoh.go.id",
        },
    )  # fmt: skip
    # The same tender in a third endpoint, with its code as text and (once) another HPS.
    snap.add(
        "49_1015_SPSE-TenderSelesaiNilai",
        {
            **{k: v for k, v in common.items() if k != "kd_satker_str"},
            "kd_tender": str(kd_tender) if tender.position % 4 == 0 else kd_tender,
            "kd_paket": kd_tender - 17, "kd_rup_paket": str(kd_rup), "pagu": pagu,
            "hps": hps + 1_000_000 if tender.position == 0 else hps,
            "nilai_penawaran": snap.money(offer), "nilai_terkoreksi": offer,
            "nilai_negosiasi": negotiated, "nilai_kontrak": snap.money(negotiated),
            "tgl_pengumuman_tender": snap.when(announced), "tgl_penetapan_pemenang": snap.when(awarded),
            **_supplier_fields(winner, "kd_penyedia", "nama_penyedia", "npwp_penyedia", "npwp_16_penyedia"),
            "nilai_pdn_kontrak": int(negotiated * 0.4), "nilai_umk_kontrak": negotiated,
            "_event_date": f"{YEAR}-10-03",
        },
    )  # fmt: skip
    _econtract(snap, common, winner, negotiated, awarded, tender.ppk, tender.nip_ppk, with_bast=False)  # fmt: skip


def _participant(
    snap: Snapshot, common: dict, satker: tuple, kd_tender: int, supplier: dict,
    offset: int, offer: int | None, winner: bool,
) -> None:  # fmt: skip
    snap.add(
        "42_1070_SPSE-PesertaTender",
        {
            "tahun_anggaran": YEAR, "kd_klpd": KLPD[0], "kd_satker": common["kd_satker"],
            "kd_satker_str": satker[1], "kd_lpse": 93, "kd_tender": kd_tender,
            "kd_pkt_dce": kd_tender - 17, "kd_peserta": kd_tender * 100 + offset,
            **_supplier_fields(supplier, "kd_penyedia", "nama_penyedia", "npwp_penyedia"),
            "npwp_penyedia_16": supplier["npwp_16_penyedia"],
            "nilai_penawaran": snap.money(offer) if offer else None,
            "nilai_terkoreksi": offer, "pemenang": 1 if winner else 0,
            "pemenang_terverifikasi": 0, "alasan": None,
        },
    )  # fmt: skip


def _econtract(
    snap: Snapshot, common: dict, supplier: dict, value: int, awarded: datetime, ppk: str,
    nip_ppk: str, with_bast: bool, stages: tuple[int, ...] = (1, 2, 3, 4),
    prefix: str = "SPSE-TenderEkontrak", numbers: tuple[str, str, str, str] = ("46_1075", "44_1073", "45_1077", "43_1076"),
    mtd: str | None = None,
) -> None:  # fmt: skip
    """An awarded package's e-contract documents, by stage: SPPBJ, contract, SPMK, BAST."""
    key = common.get("kd_tender") or common.get("kd_nontender")
    satker = next(s for s in SATKER if str(s[0]) == str(common["kd_satker"]))
    shared = {**common, "alamat_satker": satker[3], "nama_paket": f"Paket {key}", "no_sppbj": f"{key}/SPPBJ/{YEAR}"}  # fmt: skip
    if mtd:
        shared["mtd_pengadaan"] = mtd
    head = {**shared, "nip_ppk": nip_ppk, "nama_ppk": ppk, "jabatan_ppk": "Pejabat Pembuat Komitmen"}  # fmt: skip
    names = [f"{n}_{prefix}-{d}" for n, d in zip(numbers, ("1SPPBJ", "2Kontrak", "3SPMKSPP", "4BAPBAST"), strict=True)]  # fmt: skip
    signed = awarded + timedelta(days=5)
    if 1 in stages:
        snap.add(names[0], _sppbj(snap, head, supplier, value, awarded))
    addendum = snap.rng.random() < 0.15
    contract = {**head, "no_kontrak": f"{key}/SP/{YEAR}"}
    if 2 in stages:
        snap.add(names[1], _kontrak(snap, contract, key, supplier, value, signed, addendum))
    if 3 in stages:
        snap.add(names[2], _spmk(snap, contract, key, supplier, signed, with_status=bool(mtd)))
    if 4 in stages and with_bast:
        terms = snap.rng.choice([1, 2, 3])
        for term in range(terms):
            snap.add(names[3], _bast(snap, contract, key, supplier, value, signed, term, terms))


def _sppbj(snap: Snapshot, head: dict, supplier: dict, value: int, awarded: datetime) -> dict:
    """The letter appointing the supplier (SPPBJ)."""
    return {**head, "lampiran_sppbj": "1 berkas", "tgl_sppbj": snap.when(awarded + timedelta(days=2)),
            "kota_sppbj": "Contoh Raya",
            **_supplier_fields(supplier, "nama_penyedia", "npwp_penyedia"),
            "npwp_penyedia_16": supplier["npwp_16_penyedia"], "harga_final": snap.money(value),
            "nilai_jaminan_pelaksanaan": int(value * 0.05), "masa_berlaku_jaminan": 90,
            "status_kontrak": "Kontrak Sedang Berjalan", "apakah_addendum": "Tidak", "versi_addendum": 0,
            "alasan_addendum": None, "_event_date": f"{YEAR}-10-03"}  # fmt: skip


def _kontrak(
    snap: Snapshot, contract: dict, key: Any, supplier: dict, value: int, signed: datetime,
    addendum: bool,
) -> dict:  # fmt: skip
    """The contract: the supplier's representative and bank account (personal data)."""
    gen, rng = snap.gen, snap.rng
    return {**contract, "no_sk_ppk": f"SK/{key}",
            "lingkup_pekerjaan": gen.narahubung() if rng.random() < 0.3 else "Sesuai dokumen pemilihan",
            "tgl_kontrak": snap.when(signed), "tgl_kontrak_awal": snap.when(signed),
            "tgl_kontrak_akhir": snap.when(signed + timedelta(days=120)), "kota_kontrak": "Contoh Raya",
            **_supplier_fields(supplier, "kd_penyedia", "nama_penyedia", "npwp_penyedia",
                               "npwp_16_penyedia", "bentuk_usaha_penyedia"),
            "tipe_penyedia": "Penyedia Perseorangan" if supplier["individual"] else "Penyedia Badan Usaha Non KSO",
            "anggota_kso": None, "wakil_sah_penyedia": snap.representative(),
            "jabatan_wakil_penyedia": "Direktur", "nama_rek_bank": "Bank Pembangunan Daerah",
            "no_rek_bank": snap.bank(), "nama_pemilik_rek_bank": snap.holder(),
            "nilai_kontrak": snap.money(value), "alasan_ubah_nilai_kontrak": None,
            "alasan_nilai_kontrak_10_persen": None, "nilai_pdn_kontrak": int(value * 0.4),
            "nilai_umk_kontrak": value, "jenis_kontrak": "Lumsum", "informasi_lainnya": None,
            "status_kontrak": "Kontrak Sedang Berjalan", "tgl_penetapan_status_kontrak": None,
            "alasan_penetapan_status_kontrak": None, "apakah_addendum": "Ya" if addendum else "Tidak",
            "versi_addendum": 1 if addendum else 0,
            "alasan_addendum": "Perpanjangan waktu pelaksanaan" if addendum else None}  # fmt: skip


def _spmk(
    snap: Snapshot, contract: dict, key: Any, supplier: dict, signed: datetime, with_status: bool
) -> dict:
    """The order to start work (SPMK/SPP); non-tender feeds repeat the contract's status."""
    start = signed + timedelta(days=3)
    return {**contract, "no_spmk_spp": f"{key}/SPMK/{YEAR}",
            "tgl_spmk_spp": snap.when(start), "tgl_mulai_pekerjaan": snap.when(start),
            "tgl_selesai_pekerjaan": snap.when(start + timedelta(days=100)),
            "waktu_penyelesaian": "100 hari kalender", "kota_spmk_spp": "Contoh Raya",
            "alamat_pengiriman": None,
            **_supplier_fields(supplier, "nama_penyedia", "alamat_penyedia", "npwp_penyedia"),
            "npwp_penyedia_16": supplier["npwp_16_penyedia"],
            "wakil_sah_penyedia": snap.representative(), "jabatan_wakil_penyedia": "Direktur",
            "_event_date": f"{YEAR}-10-03",
            **({"tgl_kontrak": snap.when(signed), "status_kontrak": "Kontrak Sedang Berjalan",
                "tgl_penetapan_status_kontrak": None, "alasan_penetapan_status_kontrak": None,
                "apakah_addendum": "Tidak", "versi_addendum": 0, "alasan_addendum": None}
               if with_status else {})}  # fmt: skip


def _bast(
    snap: Snapshot, contract: dict, key: Any, supplier: dict, value: int, signed: datetime,
    term: int, terms: int,
) -> dict:  # fmt: skip
    """The hand-over and payment of one term (BAP/BAST); the last one ends the contract."""
    paid = value // terms
    when = signed + timedelta(days=40 * (term + 1))
    return {**contract, "tgl_kontrak": snap.when(signed),
            "nilai_kontrak": value, "no_sk_ppk": f"SK/{key}", "jabatan_penandatangan_sk": "Kepala Dinas",
            **_supplier_fields(supplier, "nama_penyedia", "alamat_penyedia", "npwp_penyedia",
                               "npwp_16_penyedia"),
            "wakil_sah_penyedia": None, "jabatan_wakil_penyedia": "Direktur",
            "no_bast": f"{key}/BAST/{term + 1}", "tgl_bast": snap.when(when),
            "no_bap": f"{key}/BAP/{term + 1}", "tgl_bap": snap.when(when),
            "besar_pembayaran": snap.money(paid), "progres_pekerjaan": 100 * (term + 1) // terms,
            "cara_pembayaran_kontrak": "Termin" if terms > 1 else "Sekaligus",
            "status_kontrak": "Kontrak Selesai" if term == terms - 1 else "Kontrak Sedang Berjalan",
            "tgl_penetapan_status_kontrak": None, "alasan_penetapan_status_kontrak": None,
            "apakah_addendum": "Tidak", "versi_addendum": 0, "alasan_addendum": None,
            "_event_date": f"{YEAR}-09-0{term + 1}", "_inserted_date": None}  # fmt: skip


def _nontenders(snap: Snapshot, suppliers: list[dict], count: int) -> None:
    rng, gen = snap.rng, snap.gen
    for index in range(count):
        kd = 8_800_000 + index * 3
        satker = SATKER[index % len(SATKER)]
        method = "Pengadaan Langsung" if index % 3 else "Penunjukan Langsung"
        announced = datetime(YEAR, 3, 1, 10) + timedelta(days=index * 6)
        pagu = rng.randrange(20, 190) * 1_000_000
        hps = int(pagu * 0.97)
        ppk = OFFICIALS[index % len(OFFICIALS)]
        status = "Gagal/Batal" if index == 4 else "Selesai"
        common = {**_base(satker), "kd_lpse": 93, "kd_nontender": kd}
        snap.add(
            "36_1016_SPSE-NonTenderPengumuman",
            {**common, "lls_id": kd, "nama_lpse": "LPSE Kab. Contoh Raya", "kd_pkt_dce": kd - 1,
             "kd_rup": str(41_000_000 + index), "nama_paket": f"Belanja Jasa {index + 1} {satker[2]}",
             "pagu": pagu, "hps": snap.money(hps), "sumber_dana": "APBD",
             "mak": f"{satker[1]}.5.1.02.02.{index:04d}", "kualifikasi_paket": "Kecil",
             "jenis_pengadaan": "Jasa Lainnya", "mtd_pemilihan": method, "kontrak_pembayaran": "Lumsum",
             "status_nontender": status, "versi_nontender": 1, "ket_diulang": None,
             "ket_ditutup": "Dibatalkan karena anggaran perubahan" if status != "Selesai" else None,
             "tgl_buat_paket": snap.when(announced - timedelta(days=3)),
             "tgl_kolektif_kolegial": snap.when(announced - timedelta(days=2)),
             "tgl_pengumuman_nontender": snap.when(announced),
             "nip_nama_ppk": f"{gen.nip()} - {ppk}", "nip_nama_pokja": None,
             "nip_nama_pp": f"{gen.nip()} - {snap.representative()}",
             "url_lpse": "https://lpse.contoh.go.id", "repeat_order": "Tidak"},
        )  # fmt: skip
        if status != "Selesai":
            continue
        supplier = suppliers[-1 - index % 6] if index % 2 else suppliers[index % 24]
        offer = int(hps * 0.98)
        value = int(offer * 0.99)
        snap.add(
            "37_1017_SPSE-NonTenderSelesai",
            {**common, "lpse_id": 93, "nama_lpse": "LPSE Kab. Contoh Raya", "kd_pkt_dce": kd - 1,
             "kd_rup": str(41_000_000 + index), "nama_paket": f"Belanja Jasa {index + 1} {satker[2]}",
             "pagu": pagu, "hps": hps, "nilai_penawaran": offer, "nilai_terkoreksi": snap.money(offer),
             "nilai_negosiasi": value, "nilai_kontrak": value if index % 5 else None,
             "nilai_pdn_kontrak": value if index % 5 else None, "nilai_umk_kontrak": value if index % 5 else None,
             "sumber_dana": "APBD", "mak": f"{satker[1]}.5.1.02.02.{index:04d}", "kualifikasi_paket": "Kecil",
             "jenis_pengadaan": "Jasa Lainnya", "mtd_pemilihan": method, "kontrak_pembayaran": "Lumsum",
             "status_nontender": "Selesai", "tgl_pengumuman_nontender": snap.when(announced),
             "tgl_selesai_nontender": snap.when(announced + timedelta(days=4)),
             **_supplier_fields(supplier, "kd_penyedia", "nama_penyedia", "npwp_penyedia"),
             "npwp16_penyedia": supplier["npwp_16_penyedia"], "url_lpse": "https://lpse.contoh.go.id",
             "tgl_penarikan": f"{YEAR}-10-03"},
        )  # fmt: skip
        shared = {k: v for k, v in common.items()}
        contract_supplier = dict(supplier)
        if "npwp_16_penyedia" in contract_supplier:
            contract_supplier["npwp16_penyedia"] = contract_supplier["npwp_16_penyedia"]
        _econtract(
            snap, shared, contract_supplier, value, announced + timedelta(days=4), ppk, gen.nip(),
            with_bast=True, prefix="SPSE-NonTenderEkontrak",
            numbers=("35_1081", "33_1080", "34_1083", "32_1082"), mtd=method,
        )  # fmt: skip


def _pencatatan(snap: Snapshot, suppliers: list[dict]) -> None:
    rng, gen = snap.rng, snap.gen
    for index in range(6):
        kd = 7_700_000 + index
        satker = SATKER[index % len(SATKER)]
        made = datetime(YEAR, 4, 2) + timedelta(days=index * 11)
        pagu = rng.randrange(5, 60) * 1_000_000
        status = "Paket Dibatalkan" if index == 5 else "Paket Selesai"
        snap.add(
            "38_1057_SPSE-PencatatanNonTender",
            {**_base(satker), "kd_lpse": 93, "kd_nontender_pct": kd, "kd_pkt_dce": kd - 5,
             "kd_rup": str(42_000_000 + index), "nama_paket": f"Belanja Makan Minum Rapat {index + 1}",
             "pagu": pagu, "total_realisasi": pagu if status == "Paket Selesai" else None,
             "nilai_pdn_pct": pagu, "nilai_umk_pct": snap.money(pagu), "sumber_dana": "APBD",
             "uraian_pekerjaan": "Konsumsi rapat koordinasi", "informasi_lainnya": None,
             "kategori_pengadaan": "Pengadaan Barang", "mtd_pemilihan": "Pengadaan Langsung",
             "bukti_pembayaran": "NonSPK", "status_nontender_pct": "Aktif" if index < 5 else "Ditutup",
             "status_nontender_pct_ket": status, "alasan_pembatalan": "double input" if index == 5 else None,
             "nip_ppk": gen.nip(), "nama_ppk": OFFICIALS[index % len(OFFICIALS)],
             "tgl_buat_paket": snap.when(made), "tgl_mulai_paket": snap.when(made),
             "tgl_selesai_paket": None, "_event_date": f"{YEAR}-10-03"},
        )  # fmt: skip
        if status != "Paket Selesai":
            continue
        for term in range(1 + index % 2):
            supplier = suppliers[index]
            snap.add(
                "39_1058_SPSE-PencatatanNonTenderRealisasi",
                {**_base(satker), "kd_lpse": 93, "nama_lpse": "LPSE Kab. Contoh Raya",
                 "kd_nontender_pct": str(kd), "kd_paket_dce": kd - 5, "kd_rup_paket": str(42_000_000 + index),
                 "nama_paket": f"Belanja Makan Minum Rapat {index + 1}", "pagu": pagu,
                 "jenis_realisasi": "Kwitansi", "no_realisasi": f"KW-{kd}-{term + 1}",
                 "tgl_realisasi": snap.when(made + timedelta(days=10 + term)),
                 "nilai_realisasi": pagu // (1 + index % 2), "dok_realisasi": None,
                 "ket_realisasi": "Pembayaran konsumsi", "nama_penyedia": supplier["nama_penyedia"],
                 "npwp_penyedia": supplier["npwp_penyedia"], "nip_ppk": gen.nip(),
                 "nama_ppk": OFFICIALS[index % len(OFFICIALS)], "_event_date": f"{YEAR}-10-03"},
            )  # fmt: skip
    _swakelola(snap)


def _swakelola(snap: Snapshot) -> None:
    """Self-managed works (swakelola) recorded outside SPSE, each with one payment."""
    rng, gen = snap.rng, snap.gen
    for index in range(3):
        kd = 6_600_000 + index
        satker = SATKER[index]
        made = datetime(YEAR, 5, 5) + timedelta(days=index * 13)
        pagu = rng.randrange(50, 400) * 1_000_000
        snap.add(
            "40_1059_SPSE-PencatatanSwakelola",
            {**_base(satker), "kd_rup": str(43_000_000 + index), "kd_lpse": 93,
             "kd_swakelola_pct": kd, "kd_pkt_dce": kd - 2, "nama_paket": f"Pemeliharaan Taman {index + 1}",
             "pagu": pagu, "total_realisasi": pagu // 2, "nilai_pdn_pct": 0, "nilai_umk_pct": 0,
             "sumber_dana": "APBD", "uraian_pekerjaan": None, "informasi_lainnya": None,
             "tipe_swakelola": 1, "tipe_swakelola_nama": "Tipe I (dilaksanakan sendiri)",
             "status_swakelola_pct": "Aktif", "status_swakelola_pct_ket": "Paket Sedang Berjalan",
             "alasan_pembatalan": None, "nip_ppk": gen.nip(), "nama_ppk": OFFICIALS[index],
             "tgl_buat_paket": snap.when(made), "tgl_mulai_paket": snap.when(made),
             "tgl_selesai_paket": None, "_event_date": f"{YEAR}-10-03"},
        )  # fmt: skip
        snap.add(
            "41_1060_SPSE-PencatatanSwakelolaRealisasi",
            {"tahun_anggaran": YEAR, "kd_klpd": KLPD[0], "kd_satker": str(satker[0]), "kd_lpse": 93,
             "kd_swakelola_pct": kd, "jenis_realisasi": "Kwitansi", "no_realisasi": f"SW-{kd}",
             "tgl_realisasi": snap.when(made + timedelta(days=20)), "nilai_realisasi": pagu // 2,
             "dok_realisasi": None, "ket_realisasi": "Upah pekerja",
             "nama_pelaksana": snap.representative(), "npwp_pelaksana": gen.npwp(),
             "nip_ppk": int(gen.nip()), "nama_ppk": OFFICIALS[index], "_event_date": f"{YEAR}-10-03"},
        )  # fmt: skip


def _epurchasing(snap: Snapshot) -> None:
    rng, gen = snap.rng, snap.gen
    snap.add(
        "6_1023_Ecat-PenyediaDetail",
        {"kd_penyedia": 777001, "nama_penyedia": "PT Katalog Medika Nusantara",
         "kode_penyedia_sikap": 880001, "penyedia_ukm": "Tidak",
         "alamat_penyedia": "Kawasan Industri Blok Z No. 1",
         "email_penyedia": gen.email("Katalog Medika"), "no_telp_penyedia": gen.phone(),
         "npwp_penyedia": "019876543210000", "npwp_16": None, "kbli2020_penyedia": None},
    )  # fmt: skip
    for index in range(6):
        satker = SATKER[index % len(SATKER)]
        ordered = datetime(YEAR, 6, 1, 11) + timedelta(days=index * 5)
        total = rng.randrange(10, 300) * 1_000_000
        snap.add(
            "50_1213_Ecat-PaketEPurchasingV6",
            {"tahun_anggaran": YEAR, "jenis_instansi": KLPD[2], "nama_instansi": KLPD[1],
             "nama_satker": satker[2], "kd_klpd": KLPD[0], "kd_satker_str": satker[1],
             "kd_paket": f"EPV6-{YEAR}-{index + 1:05d}", "kd_rup": str(44_000_000 + index),
             "rup_nama_pkt": f"Belanja Obat dan BMHP {index + 1}", "product_ids": f"{9100 + index}",
             "sumber_dana": "APBD", "mak": f"{satker[1]}.5.1.02.01.0052",
             "kd_penyedia_v6": f"V6-{880001 if index % 2 else 880002}",
             "kd_penyedia_sikap": 880001 if index % 2 else 880002, "jml_jenis_produk": 1,
             "jml_produk": float(index + 1), "ongkir": 0, "total_harga": total,
             "tgl_order": snap.when(ordered),
             "status_pkt": "COMPLETED" if index % 3 else "ON_PROCESS",
             "status_pengiriman": "COMPLETED" if index % 3 else "PROCESSING"},
        )  # fmt: skip
