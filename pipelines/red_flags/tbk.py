"""terbuka's own indicators (``TBK-…``): rules Cardinal does not define.

Each is stated in its ``definition`` so anyone can recompute it from the published tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from . import regulations as law
from .base import METHODOLOGY, NOT_CANCELLED, Flag, RedFlag

# An award counts when it is in force: OCDS status 'active', or no status given.
AWARD_IN_FORCE = "coalesce(a.status, 'active') = 'active'"


class AwardAboveEstimate(RedFlag):
    """TBK-AWARD-ABOVE-ESTIMATE: an award exceeds the owner's estimate (HPS)."""

    id = "TBK-AWARD-ABOVE-ESTIMATE"
    methodology_url = METHODOLOGY.format("tbk-award-above-estimate")
    measure_unit = "ratio"
    title = {"id": "Nilai pemenang di atas HPS", "en": "Award above the owner's estimate"}
    definition = {
        "id": (
            "Nilai penetapan pemenang yang berlaku (status 'active' atau kosong) lebih besar "
            "dari nilai perkiraan pemilik (HPS, tender.value) dalam mata uang yang sama, "
            "dikali (1 + margin); margin bawaan 0. HPS adalah batas tertinggi penawaran yang "
            "sah untuk barang, pekerjaan konstruksi dan jasa lainnya (Perpres 16/2018). "
            "Nilai indikator: rasio nilai pemenang terhadap HPS (yang terbesar per proses)."
        ),
        "en": (
            "An award in force (status 'active' or none) is larger than the owner's estimate "
            "(HPS, tender.value) in the same currency times (1 + margin); the default margin "
            "is 0. In Indonesia the HPS is the upper bound of a valid offer for goods, works "
            "and other services (Perpres 16/2018). Value: the award-to-estimate ratio (the "
            "largest per process)."
        ),
    }
    explain = {
        "id": "Nilai pemenang {measure:.2f}× HPS (ambang {threshold:.2f}×)",
        "en": "Award is {measure:.2f}× the estimate (threshold {threshold:.2f}×)",
    }
    defaults = {"margin": 0.0}
    sources = law.AWARD_ABOVE_ESTIMATE
    thresholds = ("margin",)
    icw = law.icw_mapping(
        2, "partial", "ICW 2 scores a contract above the HPS highest; this reads the award"
    )

    def evaluate(self, db: Any) -> Iterator[Flag]:
        """The largest award-to-estimate ratio per process, when above 1 + margin."""
        threshold = 1.0 + float(self.settings["margin"])
        rows = db.execute(
            f"""
            select a.ocid, a.award_id, a.value_amount, t.value_amount
            from awards a join tenders t on t.ocid = a.ocid
            where a.value_amount is not null and t.value_amount > 0
              and a.value_currency is t.value_currency
              and {AWARD_IN_FORCE} and {NOT_CANCELLED}
            order by a.ocid, a.value_amount desc, a.award_id
            """
        )
        seen: set[str] = set()
        self.judged = seen
        for ocid, award_id, awarded, estimate in rows:
            if ocid in seen:
                continue
            seen.add(ocid)
            ratio = awarded / estimate
            if ratio > threshold:
                yield Flag(
                    ocid, ratio, ratio, threshold,
                    f"award {award_id}: {awarded:,.0f} against an estimate of {estimate:,.0f}",
                )  # fmt: skip


class SupplierConcentration(RedFlag):
    """TBK-SUPPLIER-CONCENTRATION: one supplier wins most of a buyer's awarded value."""

    id = "TBK-SUPPLIER-CONCENTRATION"
    methodology_url = METHODOLOGY.format("tbk-supplier-concentration")
    measure_unit = "share"
    title = {"id": "Penyedia dominan pada satu pembeli", "en": "Supplier concentration"}
    definition = {
        "id": (
            "Untuk setiap pembeli (buyer) dan mata uang: jumlah nilai penetapan pemenang yang "
            "berlaku dengan satu penyedia dibagi per penyedia. Bila pembeli punya paling sedikit "
            "'minimum_awards' (bawaan 10) penetapan dan satu penyedia menerima paling sedikit "
            "'share' (bawaan 0,5) dari nilainya, setiap proses pembeli itu yang dimenangkan "
            "penyedia tersebut ditandai. Nilai indikator: porsi penyedia."
        ),
        "en": (
            "Per buyer and currency, the value of awards in force made to a single supplier is "
            "summed per supplier. When the buyer has at least 'minimum_awards' (default 10) "
            "such awards and one supplier holds at least 'share' (default 0.5) of their value, "
            "every process of that buyer won by that supplier is flagged. Value: the "
            "supplier's share."
        ),
    }
    explain = {
        "id": "Penyedia ini menerima {measure:.0%} nilai pembeli (ambang {threshold:.0%})",
        "en": "This supplier holds {measure:.0%} of the buyer's awarded value (threshold {threshold:.0%})",
    }
    defaults = {"share": 0.5, "minimum_awards": 10}
    sources = law.SUPPLIER_CONCENTRATION
    thresholds = ("share", "minimum_awards")
    icw = law.icw_mapping(None, "none", "ICW 7 counts repeat wins, not a share of value")

    def evaluate(self, db: Any) -> Iterator[Flag]:
        """Supplier shares per buyer; processes of dominant suppliers are flagged."""
        rows = db.execute(
            f"""
            select a.ocid, coalesce(t.buyer_id, t.buyer_name) as buyer, t.buyer_name,
                a.value_currency, coalesce(s.supplier_id, s.supplier_name) as supplier,
                s.supplier_name, a.value_amount
            from awards a
            join tenders t on t.ocid = a.ocid
            join award_suppliers s on s.ocid = a.ocid and s.award_id = a.award_id
            where a.suppliers_count = 1 and a.value_amount > 0
              and coalesce(t.buyer_id, t.buyer_name) is not null
              and coalesce(s.supplier_id, s.supplier_name) is not null
              and {AWARD_IN_FORCE} and {NOT_CANCELLED}
            """
        ).fetchall()
        totals: dict[tuple, float] = defaultdict(float)
        awards: dict[tuple, int] = defaultdict(int)
        per_supplier: dict[tuple, float] = defaultdict(float)
        for _, buyer, _, currency, supplier, _, amount in rows:
            totals[buyer, currency] += amount
            awards[buyer, currency] += 1
            per_supplier[buyer, currency, supplier] += amount
        share_needed = float(self.settings["share"])
        minimum = int(self.settings["minimum_awards"])
        flagged: dict[str, Flag] = {}
        self.judged = set()
        for ocid, buyer, buyer_name, currency, supplier, supplier_name, _ in rows:
            if awards[buyer, currency] < minimum:
                continue
            self.judged.add(ocid)
            share = per_supplier[buyer, currency, supplier] / totals[buyer, currency]
            if share >= share_needed and (ocid not in flagged or flagged[ocid].measure < share):
                flagged[ocid] = Flag(
                    ocid, share, share, share_needed,
                    f"{supplier_name or supplier} holds {share:.0%} of the value awarded by "
                    f"{buyer_name or buyer} ({awards[buyer, currency]} awards)",
                )  # fmt: skip
        yield from flagged.values()


class DirectAboveLimit(RedFlag):
    """TBK-DIRECT-ABOVE-LIMIT: direct procurement above the legal ceiling."""

    id = "TBK-DIRECT-ABOVE-LIMIT"
    methodology_url = METHODOLOGY.format("tbk-direct-above-limit")
    measure_unit = "amount"
    title = {"id": "Pengadaan langsung di atas batas", "en": "Direct procurement above the limit"}
    definition = {
        "id": (
            "Proses dengan metode pemilihan (procurementMethodDetails) dalam daftar "
            "'procurement_method_details' (bawaan: Pengadaan Langsung) yang HPS-nya "
            "(tender.value; bila kosong, nilai pemenang terbesar) melebihi 'limit' dalam "
            "'currency' (bawaan Rp200.000.000, batas pengadaan langsung barang, pekerjaan "
            "konstruksi dan jasa lainnya menurut Perpres 16/2018 sebagaimana diubah Perpres "
            "12/2021). Nilai indikator: nilai yang dibandingkan."
        ),
        "en": (
            "A process whose procurement method details are in 'procurement_method_details' "
            "(default: Pengadaan Langsung, direct procurement) and whose estimate (tender.value; "
            "if none, the largest award) exceeds 'limit' in 'currency' (default IDR "
            "200,000,000, the ceiling for direct procurement of goods, works and other "
            "services under Perpres 16/2018 as amended by Perpres 12/2021). Value: the amount "
            "compared."
        ),
    }
    explain = {
        "id": "Nilai {measure:,.0f} melebihi batas {threshold:,.0f}",
        "en": "Value of {measure:,.0f} above the limit of {threshold:,.0f}",
    }
    defaults = {
        "procurement_method_details": ["Pengadaan Langsung"],
        "limit": 200_000_000,
        "currency": "IDR",
    }
    sources = law.DIRECT_ABOVE_LIMIT
    thresholds = ("limit",)
    icw = law.icw_mapping(None, "none", "ICW 3 scores every contract's size in bands")

    def evaluate(self, db: Any) -> Iterator[Flag]:
        """Estimate (or the largest award) against the ceiling, for the listed methods."""
        methods = list(self.settings["procurement_method_details"])
        if not methods:
            return
        limit, currency = float(self.settings["limit"]), self.settings["currency"]
        marks = ", ".join("?" for _ in methods)
        rows = db.execute(
            f"""
            select t.ocid, t.procurement_method_details,
                case when t.value_amount is not null and t.value_currency = ? then t.value_amount
                     else (select max(a.value_amount) from awards a
                           where a.ocid = t.ocid and a.value_currency = ? and {AWARD_IN_FORCE})
                end as amount
            from tenders t
            where t.procurement_method_details in ({marks}) and {NOT_CANCELLED}
            """,
            [currency, currency, *methods],
        )
        self.judged = set()
        for ocid, details, amount in rows:
            if amount is not None:
                self.judged.add(ocid)
            if amount is not None and amount > limit:
                yield Flag(ocid, amount, amount, limit, f"{details}: {amount:,.0f} {currency}")
