"""The ISB/INAPROC reader: LKPP's national procurement open-data feeds, one endpoint a file.

A snapshot is a folder of JSON arrays of flat objects named ``<n>_<endpoint id>_<endpoint
name>.json`` (``47_1013_SPSE-TenderPengumuman.json``). Files get renamed and pages come
from URLs that say nothing, so an endpoint is recognised by its fields: the set of keys
closest to one endpoint's documented fields wins (the file name only breaks ties and
names an empty file, which is an empty endpoint, not a broken one). Rows are streamed
with ijson; numbers stay numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from . import UNREADABLE, Member
from .ocds import skip_bom

FILE_NAME = re.compile(r"(?:^|[/!])(?:\d+_)?(\d{3,5})_([A-Za-z0-9-]+?)(?:[._-]p(?:age)?\d+)?\.json")
MIN_SIMILARITY = 0.6  # share of keys in common (Jaccard) needed to name an endpoint
HEAD_OBJECT = re.compile(rb"^\s*\[\s*\{")


@dataclass(frozen=True)
class Endpoint:
    """One feed endpoint: its id, its name and the fields it was seen with."""

    id: str
    name: str
    field_text: str

    @property
    def fields(self) -> frozenset[str]:
        """The documented field names (empty for endpoints never seen with data)."""
        return frozenset(self.field_text.split())


# Field names as documented in FIELDS.md (a public snapshot's shapes, no values).
# fmt: off
ENDPOINTS = [
    Endpoint("1061", "Bela-TokoDaringRealisasi", "tahun kd_klpd nama_klpd kd_satker nama_satker order_id order_desc valuasi kategori metode_bayar tanggal_transaksi marketplace merchant_name jenis_transaksi kota_kab provinsi nama_pemesan status_verif sumber_data status_konfirmasi_ppmse keterangan_ppmse"),
    Endpoint("1025", "Ecat-InstansiSatker", "kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker"),
    Endpoint("1021", "Ecat-KomoditasDetail", "kd_komoditas nama_komoditas jenis_katalog nama_instansi_katalog kd_instansi_katalog"),
    Endpoint("1062", "Ecat-PaketEPurchasing-Lama", ""),
    Endpoint("1023", "Ecat-PenyediaDetail", "kd_penyedia nama_penyedia kode_penyedia_sikap penyedia_ukm alamat_penyedia email_penyedia no_telp_penyedia npwp_penyedia npwp_16 kbli2020_penyedia"),
    Endpoint("1024", "Ecat-PenyediaDistributorDetail", "kd_penyedia_distributor nama_distributor alamat_distributor email_distributor no_telp_distributor npwp_distributor"),
    Endpoint("1022", "Ecat-ProdukDetail", "kd_produk no_kontrak nama_penyedia no_produk no_produk_penyedia nama_manufaktur nama_produk nama_kategori_terkecil nama_sub_kategori_1 nama_sub_kategori_2 nama_sub_kategori_3 nama_sub_kategori_4 harga nama_komoditas jumlah_stok setuju_tolak_tanggal berlaku_sampai unit_pengukuran jenis_produk kbki_id nomor_tkdn nama_pemilik_sertifikat_tkdn tkdn_produk nilai_bmp masa_berlaku_kontrak tglkontrak_mulai tglkontrak_selesai nie_id nie_nib nie_nama_usaha nie_npwp nie_klasifikasi_izin nie_tgl_terbit nie_tgl_expire nie_nama_produk nie_kategori nie_sub_kategori nie_jenis_produk nie_hscode nie_kelas nie_kelas_resiko nie_ukuran nie_kemasan nie_nama_pabrik nie_negara_pabrik nie_alamat_pabrik nie_last_update no_suket_alkes kd_produk_kategori active created_date modified_date status status_tayang apakah_dapat_dibeli nie"),
    Endpoint("1026", "Ecat-UserPegawai", "kd_user_pegawai kd_klpd kd_satker nama_lengkap nip_pegawai jabatan_pegawai"),
    Endpoint("1116", "Ecat-MasterKabKota", "kd_kabupaten kd_provinsi nama_kabupaten"),
    Endpoint("1117", "Ecat-MasterProvinsi", "kd_provinsi nama_provinsi"),
    Endpoint("1040", "RUP-KegiatanMaster", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_program kd_kegiatan kd_kegiatan_str nama_kegiatan pagu_kegiatan kd_kegiatan_lokal is_deleted _event_date"),
    Endpoint("1035", "RUP-KomponenMaster", ""),
    Endpoint("1037", "RUP-KROMaster", ""),
    Endpoint("1065", "RUP-MasterKabKota", "kd_provinsi kd_kabkota nama_kabkota"),
    Endpoint("1066", "RUP-MasterProvinsi", "kd_provinsi nama_provinsi"),
    Endpoint("1008", "RUP-MasterSatker", "kd_satker kd_satker_str nama_satker alamat telepon fax kodepos status_satker ket_satker jenis_satker kd_klpd nama_klpd jenis_klpd kode_eselon"),
    Endpoint("1041", "RUP-ProgramMaster", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_program kd_program_str nama_program pagu_program kd_program_lokal is_deleted _event_date"),
    Endpoint("1038", "RUP-ROMaster", ""),
    Endpoint("1067", "RUP-StrukturAnggaranKL", ""),
    Endpoint("1084", "RUP-StrukturAnggaranPD", "tahun_anggaran kd_klpd nama_klpd kd_satker kd_satker_str nama_satker belanja_operasi belanja_modal belanja_btt belanja_non_pengadaan belanja_pengadaan total_belanja"),
    Endpoint("1039", "RUP-SubKegiatanMaster", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_program kd_kegiatan kd_subkegiatan kd_subkegiatan_str nama_subkegiatan pagu_subkegiatan kd_subkegiatan_lokal is_deleted _event_date"),
    Endpoint("1036", "RUP-SubKomponenMaster", ""),
    Endpoint("1068", "SPSE-JadwalTahapanTender", "tahun_anggaran kd_klpd kd_satker kd_satker_str kd_lpse kd_tender kd_tahapan nama_tahapan kd_akt nama_akt tgl_awal tgl_akhir _event_date"),
    Endpoint("1082", "SPSE-NonTenderEkontrak-4BAPBAST", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker alamat_satker kd_lpse kd_nontender nama_paket mtd_pengadaan lingkup_pekerjaan no_sppbj no_kontrak tgl_kontrak nilai_kontrak nip_ppk nama_ppk jabatan_ppk no_sk_ppk jabatan_penandatangan_sk nama_penyedia alamat_penyedia npwp_penyedia npwp_16_penyedia wakil_sah_penyedia jabatan_wakil_penyedia no_bast tgl_bast no_bap tgl_bap besar_pembayaran progres_pekerjaan cara_pembayaran_kontrak status_kontrak tgl_penetapan_status_kontrak alasan_penetapan_status_kontrak apakah_addendum versi_addendum alasan_addendum _event_date _inserted_date"),
    Endpoint("1080", "SPSE-NonTenderEkontrak-2Kontrak", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker alamat_satker kd_lpse kd_nontender nama_paket mtd_pengadaan lingkup_pekerjaan no_sppbj no_kontrak tgl_kontrak tgl_kontrak_awal tgl_kontrak_akhir kota_kontrak nip_ppk nama_ppk jabatan_ppk no_sk_ppk nama_penyedia npwp_penyedia npwp16_penyedia bentuk_usaha_penyedia tipe_penyedia anggota_kso wakil_sah_penyedia jabatan_wakil_penyedia nama_rek_bank no_rek_bank nama_pemilik_rek_bank nilai_kontrak alasan_ubah_nilai_kontrak alasan_nilai_kontrak_10_persen nilai_pdn_kontrak nilai_umk_kontrak jenis_kontrak informasi_lainnya status_kontrak tgl_penetapan_status_kontrak alasan_penetapan_status_kontrak apakah_addendum versi_addendum alasan_addendum"),
    Endpoint("1083", "SPSE-NonTenderEkontrak-3SPMKSPP", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker alamat_satker kd_lpse kd_nontender nama_paket mtd_pengadaan no_sppbj no_kontrak tgl_kontrak no_spmk_spp tgl_spmk_spp tgl_mulai_pekerjaan tgl_selesai_pekerjaan waktu_penyelesaian kota_spmk_spp alamat_pengiriman nip_ppk nama_ppk jabatan_ppk nama_penyedia alamat_penyedia npwp_penyedia npwp_16_penyedia wakil_sah_penyedia jabatan_wakil_penyedia status_kontrak tgl_penetapan_status_kontrak alasan_penetapan_status_kontrak apakah_addendum versi_addendum alasan_addendum _event_date"),
    Endpoint("1081", "SPSE-NonTenderEkontrak-1SPPBJ", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker alamat_satker kd_lpse kd_nontender nama_paket mtd_pengadaan no_sppbj lampiran_sppbj tgl_sppbj kota_sppbj nip_ppk nama_ppk jabatan_ppk nama_penyedia npwp_penyedia npwp_penyedia_16 harga_final nilai_jaminan_pelaksanaan masa_berlaku_jaminan status_kontrak tgl_penetapan_status_kontrak alasan_penetapan_status_kontrak apakah_addendum versi_addendum alasan_addendum _event_date"),
    Endpoint("1016", "SPSE-NonTenderPengumuman", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker lls_id kd_lpse nama_lpse kd_nontender kd_pkt_dce kd_rup nama_paket pagu hps sumber_dana mak kualifikasi_paket jenis_pengadaan mtd_pemilihan kontrak_pembayaran status_nontender versi_nontender ket_diulang ket_ditutup tgl_buat_paket tgl_kolektif_kolegial tgl_pengumuman_nontender nip_nama_ppk nip_nama_pokja nip_nama_pp url_lpse repeat_order"),
    Endpoint("1017", "SPSE-NonTenderSelesai", "tahun_anggaran lpse_id kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker kd_lpse nama_lpse kd_nontender kd_pkt_dce kd_rup nama_paket pagu hps nilai_penawaran nilai_terkoreksi nilai_negosiasi nilai_kontrak nilai_pdn_kontrak nilai_umk_kontrak sumber_dana mak kualifikasi_paket jenis_pengadaan mtd_pemilihan kontrak_pembayaran status_nontender tgl_pengumuman_nontender tgl_selesai_nontender kd_penyedia nama_penyedia npwp_penyedia npwp16_penyedia url_lpse tgl_penarikan"),
    Endpoint("1057", "SPSE-PencatatanNonTender", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker kd_lpse kd_nontender_pct kd_pkt_dce kd_rup nama_paket pagu total_realisasi nilai_pdn_pct nilai_umk_pct sumber_dana uraian_pekerjaan informasi_lainnya kategori_pengadaan mtd_pemilihan bukti_pembayaran status_nontender_pct status_nontender_pct_ket alasan_pembatalan nip_ppk nama_ppk tgl_buat_paket tgl_mulai_paket tgl_selesai_paket _event_date"),
    Endpoint("1058", "SPSE-PencatatanNonTenderRealisasi", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker kd_lpse nama_lpse kd_nontender_pct kd_paket_dce kd_rup_paket nama_paket pagu jenis_realisasi no_realisasi tgl_realisasi nilai_realisasi dok_realisasi ket_realisasi nama_penyedia npwp_penyedia nip_ppk nama_ppk _event_date"),
    Endpoint("1059", "SPSE-PencatatanSwakelola", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker kd_rup kd_lpse kd_swakelola_pct kd_pkt_dce nama_paket pagu total_realisasi nilai_pdn_pct nilai_umk_pct sumber_dana uraian_pekerjaan informasi_lainnya tipe_swakelola tipe_swakelola_nama status_swakelola_pct status_swakelola_pct_ket alasan_pembatalan nip_ppk nama_ppk tgl_buat_paket tgl_mulai_paket tgl_selesai_paket _event_date"),
    Endpoint("1060", "SPSE-PencatatanSwakelolaRealisasi", "tahun_anggaran kd_klpd kd_satker kd_lpse kd_swakelola_pct jenis_realisasi no_realisasi tgl_realisasi nilai_realisasi dok_realisasi ket_realisasi nama_pelaksana npwp_pelaksana nip_ppk nama_ppk _event_date"),
    Endpoint("1070", "SPSE-PesertaTender", "tahun_anggaran kd_klpd kd_satker kd_satker_str kd_lpse kd_tender kd_pkt_dce kd_peserta kd_penyedia nama_penyedia npwp_penyedia npwp_penyedia_16 nilai_penawaran nilai_terkoreksi pemenang pemenang_terverifikasi alasan"),
    # Empty in the documented snapshot: assumed to mirror the non-tender BAP/BAST endpoint.
    Endpoint("1076", "SPSE-TenderEkontrak-4BAPBAST", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker alamat_satker kd_lpse kd_tender nama_paket no_sppbj no_kontrak tgl_kontrak nilai_kontrak nip_ppk nama_ppk jabatan_ppk nama_penyedia alamat_penyedia npwp_penyedia npwp_16_penyedia wakil_sah_penyedia jabatan_wakil_penyedia no_bast tgl_bast no_bap tgl_bap besar_pembayaran progres_pekerjaan cara_pembayaran_kontrak status_kontrak apakah_addendum versi_addendum alasan_addendum _event_date"),
    Endpoint("1073", "SPSE-TenderEkontrak-2Kontrak", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker alamat_satker kd_lpse kd_tender nama_paket lingkup_pekerjaan no_sppbj no_kontrak tgl_kontrak tgl_kontrak_awal tgl_kontrak_akhir kota_kontrak nip_ppk nama_ppk jabatan_ppk no_sk_ppk kd_penyedia nama_penyedia npwp_penyedia npwp_16_penyedia bentuk_usaha_penyedia tipe_penyedia anggota_kso wakil_sah_penyedia jabatan_wakil_penyedia nama_rek_bank no_rek_bank nama_pemilik_rek_bank nilai_kontrak alasan_ubah_nilai_kontrak alasan_nilai_kontrak_10_persen nilai_pdn_kontrak nilai_umk_kontrak jenis_kontrak informasi_lainnya status_kontrak tgl_penetapan_status_kontrak alasan_penetapan_status_kontrak apakah_addendum versi_addendum alasan_addendum"),
    Endpoint("1077", "SPSE-TenderEkontrak-3SPMKSPP", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker alamat_satker kd_lpse kd_tender nama_paket no_sppbj no_kontrak no_spmk_spp tgl_spmk_spp tgl_mulai_pekerjaan tgl_selesai_pekerjaan waktu_penyelesaian kota_spmk_spp alamat_pengiriman nama_ppk nip_ppk jabatan_ppk nama_penyedia alamat_penyedia npwp_penyedia npwp_penyedia_16 wakil_sah_penyedia jabatan_wakil_penyedia _event_date"),
    Endpoint("1075", "SPSE-TenderEkontrak-1SPPBJ", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker alamat_satker kd_lpse kd_tender nama_paket no_sppbj lampiran_sppbj tgl_sppbj kota_sppbj nip_ppk nama_ppk jabatan_ppk nama_penyedia npwp_penyedia npwp_penyedia_16 harga_final nilai_jaminan_pelaksanaan masa_berlaku_jaminan status_kontrak tgl_penetapan_status_kontrak alasan_penetapan_status_kontrak apakah_addendum versi_addendum alasan_addendum _event_date"),
    Endpoint("1013", "SPSE-TenderPengumuman", "tahun_anggaran list_tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker kd_lpse nama_lpse kd_tender kd_pkt_dce kd_rup nama_paket pagu hps sumber_dana kualifikasi_paket jenis_pengadaan mtd_pemilihan mtd_evaluasi mtd_kualifikasi kontrak_pembayaran status_tender tanggal_status versi_tender ket_ditutup ket_diulang tgl_buat_paket tgl_kolektif_kolegial tgl_pengumuman_tender nip_ppk nama_ppk nip_pokja nama_pokja lokasi_pekerjaan url_lpse _event_date"),
    Endpoint("1014", "SPSE-TenderSelesai", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker kd_satker_str nama_satker kd_lpse nama_lpse kd_tender kd_pkt_dce kd_rup nama_paket pagu hps sumber_dana mak kualifikasi_paket jenis_pengadaan mtd_pemilihan mtd_evaluasi mtd_kualifikasi kontrak_pembayaran status_tender tgl_pengumuman_tender tgl_penetapan_pemenang url_lpse"),
    Endpoint("1015", "SPSE-TenderSelesaiNilai", "tahun_anggaran kd_klpd nama_klpd jenis_klpd kd_satker nama_satker kd_lpse kd_tender kd_paket kd_rup_paket pagu hps nilai_penawaran nilai_terkoreksi nilai_negosiasi nilai_kontrak tgl_pengumuman_tender tgl_penetapan_pemenang kd_penyedia nama_penyedia npwp_penyedia npwp_16_penyedia nilai_pdn_kontrak nilai_umk_kontrak _event_date"),
    Endpoint("1213", "Ecat-PaketEPurchasingV6", "tahun_anggaran jenis_instansi nama_instansi nama_satker kd_klpd kd_satker_str kd_paket kd_rup rup_nama_pkt product_ids sumber_dana mak kd_penyedia_v6 kd_penyedia_sikap jml_jenis_produk jml_produk ongkir total_harga tgl_order status_pkt status_pengiriman"),
]
# fmt: on
BY_ID = {e.id: e for e in ENDPOINTS}
# The key an endpoint's rows cannot lack: it tells a tender's e-contract stage from a
# non-tender's even when the other fields look alike.
KEY_FIELDS = {
    **dict.fromkeys(
        ("1013", "1014", "1015", "1070", "1068", "1075", "1073", "1077", "1076"), "kd_tender"
    ),
    **dict.fromkeys(("1016", "1017", "1081", "1080", "1083", "1082"), "kd_nontender"),
    **dict.fromkeys(("1057", "1058"), "kd_nontender_pct"),
    **dict.fromkeys(("1059", "1060"), "kd_swakelola_pct"),
    "1213": "kd_paket",
    "1061": "order_id",
    "1039": "kd_subkegiatan",
    "1040": "kd_kegiatan",
    "1041": "kd_program",
}
BY_NAME = {e.name.lower(): e for e in ENDPOINTS}


def from_file_name(name: str) -> Endpoint | None:
    """The endpoint a file name (``47_1013_SPSE-TenderPengumuman.json``) says, if any."""
    match = FILE_NAME.search(name)
    if not match:
        return None
    return BY_ID.get(match.group(1)) or BY_NAME.get(match.group(2).lower())


def from_fields(keys: set[str], hint: Endpoint | None = None) -> tuple[Endpoint | None, float]:
    """The endpoint whose fields are closest to ``keys`` (Jaccard), and how close.

    Several endpoints can share a shape (the two province masters): the file name's
    endpoint wins a tie.
    """
    best, best_score = None, 0.0
    for endpoint in ENDPOINTS:
        fields = endpoint.fields
        if not fields or not keys or KEY_FIELDS.get(endpoint.id, "") not in keys | {""}:
            continue
        score = len(keys & fields) / len(keys | fields)
        if score > best_score or (score == best_score and endpoint is hint):
            best, best_score = endpoint, score
    if best_score < MIN_SIMILARITY:
        return None, best_score
    return best, best_score


def identify(name: str, keys: set[str]) -> tuple[Endpoint, str]:
    """The endpoint of a file from its fields and name, and how it was known.

    Raises ``InputError`` when neither the fields nor the name say which endpoint it is.
    """
    hint = from_file_name(name)
    found, _ = from_fields(keys, hint)
    if found is not None:
        return found, "fields" if hint in (None, found) else f"fields (named {hint.name})"
    if hint is not None and not keys:
        return hint, "name"
    if hint is not None and not hint.fields:  # an endpoint never seen with data
        return hint, "name"
    sample = ", ".join(sorted(keys)[:6])
    raise InputError(name, f"fields match no ISB/INAPROC endpoint (fields: {sample} …)")


class InaprocReader:
    """ISB/INAPROC feed files: a JSON array of flat objects from one endpoint."""

    id = "inaproc-json"
    title = "ISB/INAPROC feed (JSON array, one endpoint a file)"

    @staticmethod
    def sniff(member: Member) -> float:
        """Confident when the first object's keys look like an endpoint's fields."""
        head = member.head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not HEAD_OBJECT.match(head) and head[:1] != b"{":  # {"data": [...]}: a wrapped page
            return 1.0 if head.strip() == b"[]" and from_file_name(member.name) else 0.0
        keys = set(re.findall(rb'"([A-Za-z_][A-Za-z0-9_]*)"\s*:', head[: 16 * 1024]))
        found, _ = from_fields({k.decode() for k in keys}, from_file_name(member.name))
        return 0.8 if found else 0.0

    @staticmethod
    def read(member: Member) -> Iterator[tuple[int, dict[str, Any] | None]]:
        """``(position, row)`` for each item (1-based); ``row`` is ``None`` for a non-object."""
        import ijson

        from .limits import parse

        stream = skip_bom(member.open())
        position = 0
        wrapped = member.head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"
        try:
            items = (
                _wrapped_rows(stream, member)
                if wrapped
                else ijson.items(parse(stream, member.name), "item")  # depth and size bounded
            )
            for position, item in enumerate(items, 1):
                yield position, item if isinstance(item, dict) else None
        except ijson.JSONError as error:
            problem = " ".join(str(error).split()) or type(error).__name__
            raise InputError(
                member.name, f"invalid or truncated JSON after item {position}: {problem[:160]}"
            ) from None
        except UnicodeDecodeError as error:
            raise InputError(member.name, f"not UTF-8 text: {error.reason}") from None
        except UNREADABLE as error:
            raise InputError(member.name, f"cannot read (truncated or corrupt?): {error}") from None
        finally:
            stream.close()


def _wrapped_rows(stream: Any, member: Member) -> list[Any]:
    """Rows of an API page that wraps them (``{"data": [...]}``): small, read whole."""
    from .jsonrows import find_rows
    from .limits import load_json, read_whole

    try:
        rows = find_rows(load_json(read_whole(stream, member.name), member.name))
    except ValueError as error:
        raise InputError(member.name, f"invalid or truncated JSON: {error}") from None
    if rows is None:
        raise InputError(member.name, "no array of rows found")
    return rows
