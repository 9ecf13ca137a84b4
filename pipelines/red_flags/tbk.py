"""terbuka's own indicators (``TBK-…``): rules Cardinal does not define.

Each is stated in its ``definition`` so anyone can recompute it from the published tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from . import regulations as law
from .base import NOT_CANCELLED, Flag, RedFlag

# An award counts when it is in force: OCDS status 'active', or no status given.
AWARD_IN_FORCE = "coalesce(a.status, 'active') = 'active'"


class AwardAboveEstimate(RedFlag):
    """TBK-AWARD-ABOVE-ESTIMATE: an award exceeds the owner's estimate (HPS)."""

    id = "TBK-AWARD-ABOVE-ESTIMATE"
    measure_unit = "ratio"
    defaults = {"margin": 0.0}
    sources = law.AWARD_ABOVE_ESTIMATE
    thresholds = ("margin",)
    icw = law.icw_mapping(2, "partial", "icw_award_above_estimate")

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
    measure_unit = "share"
    defaults = {"share": 0.5, "minimum_awards": 10}
    sources = law.SUPPLIER_CONCENTRATION
    thresholds = ("share", "minimum_awards")
    icw = law.icw_mapping(None, "none", "icw_concentration_not_share")

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
    measure_unit = "amount"
    defaults = {
        "procurement_method_details": ["Pengadaan Langsung"],
        "limit": 200_000_000,
        "currency": "IDR",
    }
    sources = law.DIRECT_ABOVE_LIMIT
    thresholds = ("limit",)
    icw = law.icw_mapping(None, "none", "icw_direct_bands")

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
