"""Where terbuka's Indonesian red flags come from: regulation articles and ICW's indicators.

Kept apart from the rules (``indonesia.py``, ``tbk.py``) so a steward can check every
citation in one place. A ``Source`` is ``verified`` only when its article and value were
read in a quoted text (``quote``, found at ``evidence``); every other one is published,
and shown on the methodology page (docs/red-flags.md), as **unverified**. In-force dates
are as commonly cited, except Inpres 2/2022's (30 March 2022, in BPK's abstract); the
others were not read in a quoted text here (docs/red-flags.md says what was found).
"""

from __future__ import annotations

from typing import Any

from .base import CITATIONS, Source

PERPRES_16_2018 = "Perpres 16/2018"
PERPRES_12_2021 = "Perpres 12/2021"
PERPRES_16_FROM = "2018-07-01"
PERPRES_12_FROM = "2021-02-02"

# ICW opentender.net's "Potential Fraud Analysis" (opentender.net/method). Indicators 1–4
# were read on that page; 5–7 only in a secondary list that cites it (see the docs).
ICW_INDICATORS: dict[int, str] = {
    1: "Durasi antara tanggal pengumuman dengan penetapan pemenang",
    2: "Perbandingan Nilai Kontrak dan HPS",
    3: "Nilai Kontrak Tinggi",
    4: "Tender dengan judul kurang dari 20 karakter",
    5: "Tender dengan deskripsi kurang dari 60 karakter",
    6: "Pengadaan di kuartal 4",
    7: "Pemenang berulang",
}
ICW_CONFIRMED_ON_ITS_PAGE = (1, 2, 3, 4)
ICW_METHOD = "https://opentender.net/method/"

# Where a quoted text was found (``Source.quote``; the search of stored public pages).
CHRISTIANGAMAS_ADDENDUM = "https://christiangamas.net/mengenai-perubahan-adendum-kontrak/"
CHRISTIANGAMAS_UMK = (
    "https://christiangamas.net/alokasi-umk-koperasi-pada-pengadaan-barang-jasa-pemerintah"
)
BPK_INPRES_2_2022 = "https://peraturan.bpk.go.id/Search?p=10&tema=39"
INPRES_2_2022 = "Inpres 2/2022"
INPRES_2_2022_FROM = "2022-03-30"

PL_CEILING = (
    Source(PERPRES_16_2018, "38(3)", "pl_goods_ceiling", PERPRES_16_FROM, "2021-02-01",
           settings=("rules",)),
    Source(PERPRES_16_2018, "41(3)", "pl_consultancy_ceiling", PERPRES_16_FROM, "2021-02-01",
           settings=("rules",)),
    Source(PERPRES_12_2021, None, "pl_ceiling_unchanged_2021", PERPRES_12_FROM,
           settings=("rules",)),
)  # fmt: skip
SPLIT_PACKAGES = (
    Source(PERPRES_16_2018, "20(2)(d)", "split_forbidden", PERPRES_16_FROM),
    Source(PERPRES_16_2018, "38(3)", "split_ceiling", PERPRES_16_FROM, settings=("rules",)),
)  # fmt: skip
TENDER_PERIOD = (
    Source("Peraturan LKPP 9/2018", None, "lkpp_9_2018_schedules", PERPRES_16_FROM,
           settings=("rules",)),
    Source("Peraturan LKPP 12/2021", None, "lkpp_12_2021_schedules", None, settings=("rules",)),
)  # fmt: skip
CONTRACT_INCREASE = (
    Source(PERPRES_16_2018, "54(2)", "contract_increase_10", PERPRES_16_FROM, verified=True,
           evidence=CHRISTIANGAMAS_ADDENDUM, settings=("rules",),
           quote="maksimal pertambahan nilainya 10% dari nilai total kontrak awal, kecuali "
                 "terdapat persetujuan PA untuk kondisi / keadaan darurat"),
)  # fmt: skip
HIGH_BID_FEW_BIDS = (Source(PERPRES_16_2018, None, "hps_ceiling_no_ratio", PERPRES_16_FROM),)
REPEAT_WINNER = (Source("none", None, "repeat_winner_none", None),)
PDN_SHARE = (
    Source(PERPRES_12_2021, None, "pdn_must_be_used", PERPRES_12_FROM),
    Source(INPRES_2_2022, "poin ketiga", "pdn_inpres_40", INPRES_2_2022_FROM, verified=True,
           evidence=BPK_INPRES_2_2022, settings=("rules",),
           quote="Merencanakan, mengalokasikan, dan merealisasikan paling sedikit 40% (empat "
                 "puluh persen) nilai anggaran belanja barang/jasa untuk menggunakan produk "
                 "Usaha Mikro, Usaha Kecil, dan Koperasi dari hasil produksi dalam negeri"),
)  # fmt: skip
UMK_SHARE = (
    Source(PERPRES_12_2021, "65(3)", "umk_40_budget", PERPRES_12_FROM, verified=True,
           evidence=CHRISTIANGAMAS_UMK, settings=("rules",),
           quote="Kementerian/Lembaga/Pemerintah Daerah sebagaimana dimaksud pada ayat (2) "
                 "wajib mengalokasikan paling sedikit 40% (empat puluh persen) dari nilai "
                 "anggaran belanja barang/jasaKementerian/Lembaga/Pemerintah Daerah."),
)  # fmt: skip
DIRECT_ABOVE_LIMIT = (
    Source(PERPRES_16_2018, "38(3)", "direct_above_limit_ceiling", PERPRES_16_FROM,
           settings=("limit",)),
)  # fmt: skip
AWARD_ABOVE_ESTIMATE = (Source(PERPRES_16_2018, None, "hps_ceiling", PERPRES_16_FROM),)
SUPPLIER_CONCENTRATION = (Source("none", None, "own_rule_no_share", None),)


def icw_mapping(number: int | None, match: str, note: str) -> dict[str, Any]:
    """The ICW mapping with the indicator's name (``match``: full, partial or none).

    ``note`` is a key of ``citations.json``: published as ``note`` (English) and
    ``note_id`` (Indonesian).
    """
    return {
        "indicator": number,
        "name": ICW_INDICATORS.get(number) if number else None,
        "confirmed_on_icw_page": number in ICW_CONFIRMED_ON_ITS_PAGE if number else None,
        "match": match,
        "note": CITATIONS[note]["en"],
        "note_id": CITATIONS[note]["id"],
    }
