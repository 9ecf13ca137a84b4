"""Where terbuka's Indonesian red flags come from: regulation articles and ICW's indicators.

Kept apart from the rules (``indonesia.py``, ``tbk.py``) so a steward can check every
citation in one place. A ``Source`` is ``verified`` only when its article and value were
read in a quoted text (``evidence``); every other one is published, and shown on the
methodology page (docs/red-flags.md), as **unverified**. In-force dates are those of the
regulations' own closing articles as commonly cited; none was read in a quoted text here.
"""

from __future__ import annotations

from typing import Any

from .base import Source

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

PL_CEILING = (
    Source(PERPRES_16_2018, "38(3)", "Pengadaan Langsung of goods, works and other services "
           "up to Rp 200,000,000", PERPRES_16_FROM, settings=("rules",)),
    Source(PERPRES_16_2018, "41(3)", "Pengadaan Langsung of consultancy services up to "
           "Rp 100,000,000", PERPRES_16_FROM, settings=("rules",)),
    Source(PERPRES_12_2021, None, "amends Perpres 16/2018; the direct-procurement ceilings "
           "are taken as unchanged", PERPRES_12_FROM, settings=("rules",)),
)  # fmt: skip
SPLIT_PACKAGES = (
    Source(PERPRES_16_2018, "20(2)(d)", "splitting a package to avoid a tender or selection "
           "is forbidden", PERPRES_16_FROM),
    Source(PERPRES_16_2018, "38(3)", "the direct-procurement ceiling the packages add up "
           "past (Rp 200,000,000)", PERPRES_16_FROM, settings=("threshold",)),
)  # fmt: skip
TENDER_PERIOD = (
    Source("Peraturan LKPP 9/2018", None, "tender schedules (working days)", PERPRES_16_FROM,
           settings=("rules",)),
    Source("Peraturan LKPP 12/2021", None, "tender schedules (working days); replaces "
           "Peraturan LKPP 9/2018", None, settings=("rules",)),
)  # fmt: skip
CONTRACT_INCREASE = (
    Source(PERPRES_16_2018, "54(2)", "additional work by contract change up to 10 % of the "
           "price in the original contract", PERPRES_16_FROM, verified=True,
           evidence="http://www.mudjisantosa.net/2018/06/perubahan-kontrak-berdasar-perpres-16.html",
           settings=("max_increase",)),
)  # fmt: skip
HIGH_BID_FEW_BIDS = (
    Source(PERPRES_16_2018, None, "the HPS is the ceiling of a valid offer; no article sets "
           "the 95 % ratio or the number of bids", PERPRES_16_FROM),
)  # fmt: skip
REPEAT_WINNER = (
    Source("none", None, "no regulation limits how often one supplier wins; ICW's "
           "repeat-winner indicator", None),
)  # fmt: skip
PDN_SHARE = (
    Source(PERPRES_12_2021, None, "domestic products (PDN) must be used; no article read "
           "here sets a share of the contract value", PERPRES_12_FROM),
)  # fmt: skip
UMK_SHARE = (
    Source(PERPRES_12_2021, "65(3)", "ministries, agencies and local governments allocate "
           "at least 40 % of their goods/services budget to small businesses and "
           "cooperatives", PERPRES_12_FROM, verified=True,
           evidence="https://christiangamas.net/alokasi-umk-koperasi-pada-pengadaan-barang-jasa-pemerintah",
           settings=("minimum_share",)),
)  # fmt: skip
DIRECT_ABOVE_LIMIT = (
    Source(PERPRES_16_2018, "38(3)", "Pengadaan Langsung of goods, works and other services "
           "up to Rp 200,000,000 (one ceiling for every category and date)", PERPRES_16_FROM,
           settings=("limit",)),
)  # fmt: skip
AWARD_ABOVE_ESTIMATE = (
    Source(PERPRES_16_2018, None, "the HPS is the ceiling of a valid offer for goods, works "
           "and other services", PERPRES_16_FROM),
)  # fmt: skip
SUPPLIER_CONCENTRATION = (
    Source("none", None, "terbuka's own rule; no regulation sets a share", None),
)  # fmt: skip


def icw_mapping(number: int | None, match: str, note: str) -> dict[str, Any]:
    """The ICW mapping with the indicator's name (``match``: full, partial or none)."""
    return {
        "indicator": number,
        "name": ICW_INDICATORS.get(number) if number else None,
        "confirmed_on_icw_page": number in ICW_CONFIRMED_ON_ITS_PAGE if number else None,
        "match": match,
        "note": note,
    }
