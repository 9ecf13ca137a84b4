"""Bahasa Indonesia and English for every label terbuka adds to Datasette.

The reader picks the language with ``?_lang=id`` or ``?_lang=en`` (remembered in a
cookie); otherwise the browser's ``Accept-Language`` decides, and Indonesian is the
default. Descriptor texts carry both languages already; labels live in ``LABELS``.
Datasette has no translations of its own: terbuka's copies of its table.html and
_facet_results.html put its interface strings through ``LABELS`` too (keys ``ds_…``).
"""

from __future__ import annotations

import string
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

from . import filter_text

LANGUAGES = ("id", "en")
DEFAULT = "id"
COOKIE = "terbuka_lang"
PARAM = "_lang"

LABELS: dict[str, dict[str, str]] = {
    "language": {"id": "Bahasa", "en": "Language"},
    "about_data": {"id": "Tentang data ini", "en": "About this data"},
    "licence": {"id": "Lisensi", "en": "Licence"},
    "publisher": {"id": "Penerbit", "en": "Publisher"},
    "source": {"id": "Sumber", "en": "Source"},
    "updated": {"id": "Data diperbarui", "en": "Data last updated"},
    "published": {"id": "dipublikasikan", "en": "published"},
    "data_period": {"id": "periode", "en": "period"},
    "publisher_unset": {
        "id": "penerbit belum ditetapkan — buat deskriptor Anda sendiri dengan `terbuka init`",
        "en": "publisher not set — create your own descriptor with `terbuka init`",
    },
    "publisher_from_source": {
        "id": "menurut metadata sumber; deskriptor ini contoh",
        "en": "as the source's metadata names it; this descriptor is an example",
    },
    "ocds_not_validated": {
        "id": "skema OCDS tidak divalidasi (skema tidak tersedia)",
        "en": "OCDS schema not validated (schema unavailable)",
    },
    "frequency": {"id": "Frekuensi pembaruan", "en": "Update frequency"},
    "overdue": {"id": "terlambat diperbarui", "en": "update overdue"},
    "quality": {"id": "Kualitas", "en": "Quality"},
    "quality_score": {"id": "Skor kualitas", "en": "Quality score"},
    "checks_passed": {
        "id": "{passed} dari {total} pemeriksaan lolos",
        "en": "{passed} of {total} checks passed",
    },
    "quarantined": {"id": "baris dikarantina: {count}", "en": "quarantined rows: {count}"},
    "quality_report": {"id": "laporan kualitas", "en": "quality report"},
    "failing_flags": {"id": "Tanda kualitas yang gagal", "en": "Quality flags that fail"},
    "quality_notes": {"id": "catatan kualitas", "en": "quality notes"},
    "privacy": {"id": "Privasi", "en": "Privacy"},
    "privacy_none": {
        "id": "Tidak ada data pribadi yang ditemukan atau dihapus.",
        "en": "No personal data was found or removed.",
    },
    "privacy_removed": {
        "id": "Dihapus sebelum dipublikasikan:",
        "en": "Removed before publication:",
    },
    "privacy_this_table": {"id": "Di tabel ini", "en": "In this table"},
    "privacy_summary": {
        "id": "{count} nilai data pribadi dihapus atau diganti",
        "en": "{count} personal values removed or replaced",
    },
    "privacy_detail": {"id": "Rincian privasi", "en": "Privacy details"},
    "k_anonymity": {
        "id": "{table}: k = {k} (target {target}): setiap baris sama dengan sedikitnya {others} baris lain pada {columns}",
        "en": "{table}: k = {k} (target {target}): every row shares {columns} with at least {others} others",
    },
    "k_generalised": {"id": "digeneralisasi: {steps}", "en": "generalised: {steps}"},
    "k_suppressed": {
        "id": "kuasi-identifier disembunyikan pada {rows} baris",
        "en": "quasi-identifiers suppressed in {rows} rows",
    },
    "QUASI_IDENTIFIER": {"id": "kuasi-identifier", "en": "quasi-identifiers"},
    "op_replace": {"id": "diganti dalam teks", "en": "replaced in text"},
    "op_keep": {"id": "dipertahankan", "en": "kept"},
    "PERSONAL_DATA": {"id": "data pribadi lain", "en": "other personal data"},
    "values": {"id": "nilai", "en": "values"},
    "columns": {"id": "Kolom", "en": "Columns"},
    "cite": {"id": "Cara mengutip", "en": "How to cite"},
    "api": {"id": "API", "en": "API"},
    "api_intro": {"id": "Data tabel ini sebagai JSON:", "en": "This table's data as JSON:"},
    "questions": {"id": "Pertanyaan siap pakai", "en": "Ready-made questions"},
    "charts": {"id": "Grafik", "en": "Charts"},
    "chart_data": {"id": "Data grafik", "en": "Chart data"},
    "chart_empty": {"id": "Belum ada data untuk grafik ini.", "en": "No data for this chart yet."},
    "red_flags": {"id": "Tanda bahaya", "en": "Red flags"},
    "red_flags_none": {
        "id": "Tidak ada tanda bahaya untuk proses ini.",
        "en": "No red flags for this process.",
    },
    "methodology": {"id": "metodologi", "en": "methodology"},
    "permalink": {"id": "Tautan tetap", "en": "Permalink"},
    "version": {"id": "Versi (run)", "en": "Version (run)"},
    "report_problem": {
        "id": "Laporkan masalah pada data ini",
        "en": "Report a problem with this data",
    },
    "report_intro": {
        "id": "Ceritakan apa yang salah. Jangan tulis data pribadi (nama, NIK, nomor telepon, e-mail).",
        "en": "Tell us what is wrong. Do not write personal data (names, NIK, phone numbers, e-mail).",
    },
    "message": {"id": "Pesan", "en": "Message"},
    "send": {"id": "Kirim laporan", "en": "Send report"},
    "thanks": {
        "id": "Terima kasih. Laporan Anda sudah kami terima:",
        "en": "Thank you. We received your report:",
    },
    "thanks_queued": {
        "id": "Terima kasih. Saat ini banyak laporan masuk; laporan Anda masuk antrean:",
        "en": "Thank you. Many reports are arriving right now; yours is queued:",
    },
    "back": {"id": "Kembali ke data", "en": "Back to the data"},
    "feedback_too_long": {
        "id": "Pesan terlalu panjang (maksimal {max} karakter).",
        "en": "The message is too long (at most {max} characters).",
    },
    "feedback_empty": {"id": "Pesan tidak boleh kosong.", "en": "The message must not be empty."},
    "feedback_rate": {
        "id": "Terlalu banyak laporan; coba lagi nanti.",
        "en": "Too many reports; please try again later.",
    },
    "feedback_unknown": {
        "id": "Dataset atau tabel tidak dikenal.",
        "en": "Unknown dataset or table.",
    },
    "daily": {"id": "harian", "en": "daily"},
    "weekly": {"id": "mingguan", "en": "weekly"},
    "monthly": {"id": "bulanan", "en": "monthly"},
    "quarterly": {"id": "triwulanan", "en": "quarterly"},
    "biannual": {"id": "semesteran", "en": "twice a year"},
    "annual": {"id": "tahunan", "en": "yearly"},
    "continuous": {"id": "berkelanjutan", "en": "continuous"},
    "irregular": {"id": "tidak tetap", "en": "irregular"},
    "op_drop": {"id": "kolom dihapus", "en": "column removed"},
    "op_redact": {"id": "dikosongkan", "en": "emptied"},
    "op_mask": {"id": "disamarkan", "en": "masked"},
    "op_hash": {"id": "diganti pseudonim", "en": "pseudonymised"},
    "op_scan": {"id": "diganti dalam teks", "en": "replaced in text"},
    "op_generalise": {"id": "digeneralisasi", "en": "generalised"},
    "op_suppress": {"id": "disembunyikan", "en": "suppressed"},
    "EMAIL_ADDRESS": {"id": "alamat e-mail", "en": "e-mail addresses"},
    "PHONE_NUMBER": {"id": "nomor telepon", "en": "phone numbers"},
    "PERSON": {"id": "nama orang", "en": "names of people"},
    "ID_NIK": {"id": "NIK", "en": "NIKs (national id numbers)"},
    "NIK": {"id": "NIK", "en": "NIKs (national id numbers)"},
    "ID_KK": {"id": "nomor KK", "en": "family card (KK) numbers"},
    "ID_NPWP": {"id": "NPWP", "en": "tax ids (NPWP)"},
    "NPWP": {"id": "NPWP", "en": "tax ids (NPWP)"},
    "ID_NIP": {"id": "NIP", "en": "civil-servant ids (NIP)"},
    "BANK_ACCOUNT": {"id": "nomor rekening", "en": "bank account numbers"},
    "ID_BANK_ACCOUNT": {"id": "nomor rekening", "en": "bank account numbers"},
    "LOCATION": {"id": "alamat", "en": "addresses"},
    "ADDRESS": {"id": "alamat", "en": "addresses"},
    "STREET_ADDRESS": {"id": "alamat", "en": "addresses"},
    "red_flag_link": {"id": "Lihat tanda bahaya proses ini", "en": "See this process's red flags"},
    # Datasette's own interface strings (templates/table.html, _facet_results.html, …).
    "ds_table_actions": {"id": "Tindakan tabel", "en": "Table actions"},
    "ds_search": {"id": "Cari", "en": "Search"},
    "ds_filter_column": {"id": "Kolom saringan", "en": "Filter column"},
    "ds_filter_op": {"id": "Cara menyaring", "en": "Filter operation"},
    "ds_filter_value": {"id": "Nilai saringan", "en": "Filter value"},
    "ds_sort_by": {"id": "Urutkan menurut", "en": "Sort by"},
    "ds_descending": {"id": "menurun", "en": "descending"},
    "ds_apply": {"id": "Terapkan", "en": "Apply"},
    "ds_view_sql": {"id": "Lihat dan ubah SQL", "en": "View and edit SQL"},
    "ds_this_data_as": {"id": "Data ini sebagai", "en": "This data as"},
    "ds_advanced": {"id": "lanjutan", "en": "advanced"},
    "ds_facets_timed_out": {"id": "Faset ini melewati batas waktu", "en": "These facets timed out"},
    "ds_next_page": {"id": "Halaman berikutnya", "en": "Next page"},
    "ds_advanced_export": {"id": "Ekspor lanjutan", "en": "Advanced export"},
    "ds_json_shape": {"id": "Bentuk JSON", "en": "JSON shape"},
    "ds_csv_options": {"id": "Pilihan CSV", "en": "CSV options"},
    "ds_download_file": {"id": "unduh berkas", "en": "download file"},
    "ds_expand_labels": {"id": "tampilkan label", "en": "expand labels"},
    "ds_stream_all": {"id": "alirkan semua baris", "en": "stream all rows"},
    "ds_export_csv": {"id": "Ekspor CSV", "en": "Export CSV"},
    "ds_rows": {"id": "{count} baris", "en": "{count} rows"},
    "ds_rows_one": {"id": "{count} baris", "en": "{count} row"},
    "ds_remove_filter": {"id": "Hapus saringan ini", "en": "Remove this filter"},
    "ds_remove_facet": {"id": "Sembunyikan faset ini", "en": "Hide this facet"},
    "ds_sql_label": {"id": "Kueri SQL", "en": "SQL query"},
    "ds_custom_sql": {"id": "Kueri SQL sendiri", "en": "Custom SQL query"},
    "ds_format_sql": {"id": "Rapikan SQL", "en": "Format SQL"},
    "ds_run_sql": {"id": "Jalankan SQL", "en": "Run SQL"},
    "ds_edit_sql": {"id": "Ubah SQL", "en": "Edit SQL"},
    "ds_show_sql": {"id": "tampilkan SQL", "en": "show"},
    "ds_hide_sql": {"id": "sembunyikan SQL", "en": "hide"},
    "ds_returning": {"id": "menghasilkan {count} baris", "en": "returning {count} rows"},
    "ds_returning_one": {"id": "menghasilkan {count} baris", "en": "returning {count} row"},
    "ds_returning_more": {
        "id": "menghasilkan lebih dari {count} baris",
        "en": "returning more than {count} rows",
    },
    "ds_immutable": {
        "id": "Kueri ini tidak dapat dijalankan karena basis data tidak dapat diubah.",
        "en": "This query cannot be executed because the database is immutable.",
    },
    "ds_remove_filter_option": {"id": "hapus saringan", "en": "remove filter"},
    "ds_sort_placeholder": {"id": "Urutkan…", "en": "Sort..."},
    "ds_extra_wheres": {"id": "{count} klausa where tambahan", "en": "{count} extra where clauses"},
    "ds_extra_where_one": {
        "id": "{count} klausa where tambahan",
        "en": "{count} extra where clause",
    },
    "ds_remove": {"id": "hapus", "en": "remove"},
    "ds_zero_records": {"id": "0 baris", "en": "0 records"},
    "ds_attached": {
        "id": "Basis data berikut terpasang pada koneksi ini dan dapat dipakai untuk join antar-basis data:",
        "en": "The following databases are attached to this connection, and can be used for cross-database joins:",
    },
    "ds_queries": {"id": "Kueri", "en": "Queries"},
    "ds_tables": {"id": "Tabel", "en": "Tables"},
    "ds_views": {"id": "View (tabel turunan)", "en": "Views"},
    "ds_hidden": {"id": "tersembunyi", "en": "hidden"},
    "ds_many_rows": {"id": "Banyak baris", "en": "Many rows"},
    "ds_hidden_tables": {"id": "dan {count} tabel tersembunyi", "en": "and {count} hidden tables"},
    "ds_download_db": {"id": "Unduh basis data SQLite", "en": "Download SQLite DB"},
    "ds_query_parameters": {"id": "Parameter kueri", "en": "Query parameters"},
    "ds_zero_results": {"id": "Tidak ada hasil", "en": "0 results"},
    "ds_links_from": {"id": "Tautan dari tabel lain", "en": "Links from other tables"},
}


def language_from_scope(scope: dict[str, Any]) -> str:
    """``?_lang=`` first, then the cookie, then ``Accept-Language``, then Indonesian."""
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    if query.get(PARAM) in LANGUAGES:
        return query[PARAM]
    headers = {
        k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
    }
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is the client's problem, not a 500
        cookie = SimpleCookie()
    if COOKIE in cookie and cookie[COOKIE].value in LANGUAGES:
        return cookie[COOKIE].value
    return _accept_language(headers.get("accept-language", ""))


def _accept_language(header: str) -> str:
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        primary = "id" if primary == "in" else primary  # "in" is the old code for Indonesian
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT


def language(request: Any) -> str:
    """The language of this request (see ``language_from_scope``)."""
    return language_from_scope(request.scope) if request is not None else DEFAULT


def translate(key: str, lang: str, **values: Any) -> str:
    """A label in ``lang`` (unknown keys come back as themselves, so nothing breaks)."""
    text = LABELS.get(key, {}).get(lang) or LABELS.get(key, {}).get(DEFAULT) or key
    return text.format(**values) if values else text


def number(value: float | int | None, lang: str, decimals: int | None = None) -> str:
    """``1.234,5`` in Indonesian, ``1,234.5`` in English; whole numbers without decimals."""
    if value is None:
        return "–"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    return localise_digits(f"{value:,.{decimals}f}", lang)


def localise_digits(text: str, lang: str) -> str:
    """Swap the thousands and decimal separators of an English-formatted number for ``id``."""
    return text.translate(str.maketrans(",.", ".,")) if lang == "id" else text


class NumberFormatter(string.Formatter):
    """``str.format`` whose numbers follow the language's separators."""

    def __init__(self, lang: str):
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:  # noqa: D102
        text = super().format_field(value, format_spec)
        return localise_digits(text, self.lang) if isinstance(value, int | float) else text


def translator(lang: str) -> Callable[..., str]:
    """``tr("licence")`` in templates."""
    return lambda key, **values: translate(key, lang, **values)


def pick(text: Any, lang: str) -> str:
    """A ``{id: …, en: …}`` text (or a plain string) in ``lang``, falling back to the other."""
    if isinstance(text, dict):
        return text.get(lang) or next((v for v in text.values() if v), "")
    return text or ""


def switch_links(request: Any, current: str) -> list[dict[str, Any]]:
    """Links to this same page in each language."""
    query = [
        (k, v)
        for k, v in parse_qsl(request.scope.get("query_string", b"").decode("latin-1"), True)
        if k != PARAM
    ]
    return [
        {
            "lang": lang,
            "label": {"id": "Bahasa Indonesia", "en": "English"}[lang],
            "href": request.path + "?" + urlencode([*query, (PARAM, lang)]),
            "current": lang == current,
        }
        for lang in LANGUAGES
    ]


@hookimpl
def extra_template_vars(request):
    """``terbuka_lang``, ``tr`` and the language switch for every page."""
    lang = language(request)
    return {
        "terbuka_lang": lang,
        "tr": translator(lang),
        "num_local": lambda value: number(value, lang),
        # Datasette's "where … sorted by …" line in the reader's language.
        "ds_description": lambda english, sort, sort_desc, search: filter_text.describe(
            english, lang, request, sort, sort_desc, bool(search)
        ),
        "terbuka_languages": switch_links(request, lang) if request is not None else [],
    }


@hookimpl
def asgi_wrapper(datasette):
    """Remember ``?_lang=`` in a cookie; mark HTML pages with their language."""

    def wrap(app):
        async def with_language(scope, receive, send):
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            lang = language_from_scope(scope)
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            remember = query.get(PARAM) in LANGUAGES
            pending: dict[str, Any] = {}

            async def send_with_language(message):
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    if remember:
                        headers.append(
                            [
                                b"set-cookie",
                                f"{COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax".encode(),
                            ]
                        )
                    content_type = _header(headers, b"content-type")
                    if content_type.startswith(b"text/html"):
                        headers.append([b"content-language", lang.encode()])
                        headers.append([b"vary", b"Cookie, Accept-Language"])
                        pending["start"] = {**message, "headers": headers}
                        return
                    await send({**message, "headers": headers})
                    return
                if message["type"] == "http.response.body" and "start" in pending:
                    start = pending.pop("start")
                    body = message.get("body", b"")
                    tagged = body.replace(b"<html>", f'<html lang="{lang}">'.encode(), 1)
                    start["headers"] = _fix_length(start["headers"], len(tagged) - len(body))
                    await send(start)
                    await send({**message, "body": tagged})
                    return
                await send(message)

            await app(scope, receive, send_with_language)
            if "start" in pending:  # a page that ended without a body
                await send(pending.pop("start"))

        return with_language

    return wrap


def _header(headers: list, name: bytes) -> bytes:
    for key, value in headers:
        if key.lower() == name:
            return value.lower()
    return b""


def _fix_length(headers: list, delta: int) -> list:
    if not delta:
        return headers
    fixed = []
    for key, value in headers:
        if key.lower() == b"content-length":
            value = str(int(value) + delta).encode()
        fixed.append([key, value])
    return fixed
