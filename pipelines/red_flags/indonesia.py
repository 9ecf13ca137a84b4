"""Indonesia's own procurement rules as red flags, by the rule in force on the tender date.

Each indicator names the regulation it reads (Perpres 16/2018 on government procurement,
as amended by Perpres 12/2021; LKPP regulations) and which of ICW opentender.net's
indicators it matches. Thresholds are descriptor settings; where a default is not taken
from an article checked here, the methodology page (docs/red-flags.md) marks it
**unverified**. Date-dependent settings are a list of ``rules``, each with ``from`` (the
first day it applies, ISO date) and its values; the rule with the latest ``from`` on or
before the process's date applies, and a process dated before every rule is not judged.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from . import regulations as law
from .base import NOT_CANCELLED, Flag, PartyFlag, RedFlag, parse_instant, whole_days
from .cardinal_bids import _list, _number, _object, compiled_releases
from .dated_rules import check_rules, rule_for, rule_name

PL_METHODS = ["Pengadaan Langsung"]
# Perpres 16/2018 (in force 1 July 2018) and its amendment Perpres 12/2021 (in force on
# promulgation, 2 February 2021): both dates and the ceilings are unverified here (see
# docs/red-flags.md); a descriptor replaces the whole list.
PL_RULES = [
    {"from": "2018-07-01", "until": "2021-02-01", "regulation": "Perpres 16/2018",
     "goods_works_services": 200_000_000, "consultancy": 100_000_000},
    {"from": "2021-02-02", "regulation": "Perpres 12/2021", "goods_works_services": 200_000_000,
     "consultancy": 100_000_000},
]  # fmt: skip
PERIOD_RULES = [
    {"from": "2018-07-01", "regulation": "Perpres 16/2018 (LKPP rules)",
     "minimum_days": {"Tender": 7, "Seleksi": 7, "Tender Cepat": 3}},
]  # fmt: skip
# The direct-procurement ceiling the split packages add up past (Perpres 16/2018 art. 38(3)).
SPLIT_RULES = [{"from": "2018-07-01", "regulation": "Perpres 16/2018", "threshold": 200_000_000}]
# Additional work up to 10 % of the original contract price (Perpres 16/2018 art. 54(2)).
INCREASE_RULES = [{"from": "2018-07-01", "regulation": "Perpres 16/2018", "max_increase": 0.10}]
# 40 % of the goods/services budget for micro and small businesses and cooperatives
# (Perpres 12/2021 art. 65(3)); from Inpres 2/2022, for their domestic products, which
# sets a floor for the domestic-product (PDN) share too (see regulations.py).
UMK_RULES = [{"from": "2021-02-02", "regulation": "Perpres 12/2021", "minimum_share": 0.40}]
PDN_RULES = [{"from": "2022-03-30", "regulation": "Inpres 2/2022", "minimum_share": 0.40}]


class DatedRules(RedFlag):
    """An indicator whose threshold settings are ``rules`` by date (``dated_rules``)."""

    # The values every rule must carry.
    rule_keys: frozenset[str] = frozenset()

    @classmethod
    def check_settings(cls, given: dict[str, Any]) -> dict[str, Any]:
        """The rules must each name the values ``rule_keys`` lists."""
        settings = super().check_settings(given)
        settings["rules"] = check_rules(cls, settings["rules"], set(cls.rule_keys))
        return settings

    def rule(self, when: Any) -> dict[str, Any] | None:
        """The rule in force on ``when``."""
        return rule_for(self.settings["rules"], when)


def is_consultancy(category: Any, details: Any) -> bool:
    """Consultancy services (jasa konsultansi) by the SPSE category text."""
    return "konsultansi" in f"{details or ''} {category or ''}".lower()


class DirectProcurementCeiling(DatedRules):
    """TBK-PL-CEILING: Pengadaan Langsung above the ceiling for its category on its date."""

    id = "TBK-PL-CEILING"
    measure_unit = "amount"
    sources = law.PL_CEILING
    thresholds = ("rules",)
    icw = law.icw_mapping(
        None,
        "none",
        "icw_pl_ceiling_bands",
    )
    defaults = {"procurement_method_details": PL_METHODS, "currency": "IDR", "rules": PL_RULES}
    rule_keys = frozenset({"goods_works_services", "consultancy"})

    def evaluate(self, db: Any) -> Iterator[Flag]:
        """The estimate (or largest award) against the ceiling of its category and date."""
        methods = set(self.settings["procurement_method_details"])
        currency = self.settings["currency"]
        self.judged = set()
        for release in compiled_releases(db):
            tender = _object(release.get("tender"))
            if tender.get("procurementMethodDetails") not in methods:
                continue
            if tender.get("status") == "cancelled" or not isinstance(release.get("ocid"), str):
                continue
            when = _object(tender.get("tenderPeriod")).get("startDate") or release.get("date")
            rule = self.rule(when)
            amount = _amount(tender.get("value"), currency)
            if amount is None:
                awards = [
                    _amount(_object(a).get("value"), currency) for a in _list(release.get("awards"))
                ]
                amount = max((a for a in awards if a is not None), default=None)
            if rule is None or amount is None:
                continue
            ocid = release["ocid"]
            self.judged.add(ocid)
            consultancy = is_consultancy(tender.get("mainProcurementCategory"),
                                         tender.get("mainProcurementCategoryDetails"))  # fmt: skip
            ceiling = float(rule["consultancy" if consultancy else "goods_works_services"])
            if amount > ceiling:
                kind = "consultancy" if consultancy else "goods/works/other services"
                yield Flag(ocid, amount, amount, ceiling,
                           f"{kind}: {amount:,.0f} {currency} above {ceiling:,.0f} "
                           f"({rule_name(rule)})")  # fmt: skip


def _amount(value: Any, currency: str) -> float | None:
    value = _object(value)
    if value.get("currency") != currency:
        return None
    return _number(value.get("amount"))


class PackageSplitting(DatedRules):
    """TBK-SPLIT-PACKAGES: several direct purchases of one object that together exceed the ceiling."""

    id = "TBK-SPLIT-PACKAGES"
    measure_unit = "amount"
    sources = law.SPLIT_PACKAGES
    thresholds = ("rules", "window_days", "minimum_packages")
    icw = law.icw_mapping(None, "none", "icw_none_across_packages")
    defaults = {
        "procurement_method_details": PL_METHODS,
        "window_days": 30,
        "minimum_packages": 2,
        "rules": SPLIT_RULES,
        "currency": "IDR",
    }
    rule_keys = frozenset({"threshold"})

    def evaluate(self, db: Any) -> Iterator[Flag]:
        """Groups by buyer and object; a window from each package, its ceiling by its date."""
        methods = list(self.settings["procurement_method_details"])
        if not methods:
            return
        marks = ", ".join("?" for _ in methods)
        rows = db.execute(
            f"""
            select t.ocid, coalesce(t.buyer_id, t.buyer_name), t.title, t.value_amount,
                t.tender_period_start
            from tenders t
            where t.procurement_method_details in ({marks}) and t.value_currency = ?
              and t.value_amount is not null and t.tender_period_start is not null
              and coalesce(t.buyer_id, t.buyer_name) is not null and t.title is not null
              and {NOT_CANCELLED}
            order by t.tender_period_start, t.ocid
            """,
            [*methods, self.settings["currency"]],
        ).fetchall()
        groups: dict[tuple[str, str], list[tuple[str, float, Any, dict]]] = defaultdict(list)
        self.judged = set()
        for ocid, buyer, title, amount, start in rows:
            started, rule = parse_instant(start), self.rule(start)
            if started is None or rule is None:
                continue
            self.judged.add(ocid)
            groups[buyer, object_key(title)].append((ocid, amount, started, rule))
        window = int(self.settings["window_days"])
        minimum = int(self.settings["minimum_packages"])
        flagged: dict[str, Flag] = {}
        for (_, key), packages in groups.items():
            for i, (_, _, first, rule) in enumerate(packages):
                together = [p for p in packages[i:] if whole_days(first, p[2]) <= window]
                total, threshold = sum(p[1] for p in together), float(rule["threshold"])
                if len(together) < minimum or total <= threshold:
                    continue
                for ocid, *_ in together:
                    if ocid not in flagged or flagged[ocid].measure < total:
                        flagged[ocid] = Flag(ocid, total, total, threshold,
                                             f"{len(together)} packages '{key}' within {window} "
                                             f"days add up to {total:,.0f} ({rule_name(rule)})")  # fmt: skip
        yield from sorted(flagged.values())


def object_key(title: str) -> str:
    """What a package buys, for comparing titles: lower case, no digits or punctuation."""
    return " ".join(re.sub(r"[\W\d_]+", " ", title.lower()).split())


class TenderPeriodBelowMinimum(DatedRules):
    """TBK-TENDER-PERIOD: the tender period is shorter than the rule's minimum for its method."""

    id = "TBK-TENDER-PERIOD"
    measure_unit = "days"
    sources = law.TENDER_PERIOD
    thresholds = ("rules",)
    icw = law.icw_mapping(
        None,
        "none",
        "icw_tender_period_other_span",
    )
    defaults = {"rules": PERIOD_RULES}
    rule_keys = frozenset({"minimum_days"})  # method details → minimum days

    def evaluate(self, db: Any) -> Iterator[Flag]:
        """Whole days of the tender period against the minimum of the rule in force."""
        rows = db.execute(
            f"""
            select t.ocid, t.procurement_method_details, t.tender_period_start,
                t.tender_period_end
            from tenders t
            where t.tender_period_start is not null and t.tender_period_end is not null
              and {NOT_CANCELLED}
            """
        )
        self.judged = set()
        for ocid, details, start, end in rows:
            rule = self.rule(start)
            minimum = (rule or {}).get("minimum_days", {}).get(details)
            started, ended = parse_instant(start), parse_instant(end)
            if minimum is None or started is None or ended is None:
                continue
            self.judged.add(ocid)
            days = whole_days(started, ended)
            if days < minimum:
                yield Flag(ocid, 1.0, days, minimum,
                           f"{details}: {days} days, minimum {minimum} "
                           f"({rule_name(rule)})")  # fmt: skip


class ContractAboveAward(DatedRules):
    """TBK-CONTRACT-INCREASE: the contract grew more than 10 % over the awarded value."""

    id = "TBK-CONTRACT-INCREASE"
    measure_unit = "share"
    sources = law.CONTRACT_INCREASE
    thresholds = ("rules",)
    icw = law.icw_mapping(None, "none", "icw_none_contract_vs_award")
    defaults = {"rules": INCREASE_RULES}
    rule_keys = frozenset({"max_increase"})

    def evaluate(self, db: Any) -> Iterator[Flag]:
        """The largest contract-to-award increase per process, by the rule on its tender date."""
        rows = db.execute(
            f"""
            select c.ocid, c.contract_id, c.value_amount, a.value_amount, t.tender_period_start
            from contracts c
            join awards a on a.ocid = c.ocid and a.award_id = c.award_id
            join tenders t on t.ocid = c.ocid
            where c.value_amount is not null and a.value_amount > 0
              and c.value_currency is a.value_currency and {NOT_CANCELLED}
            order by c.ocid, c.value_amount / a.value_amount desc
            """
        )
        self.judged = set()
        for ocid, contract_id, contracted, awarded, start in rows:
            rule = self.rule(start)
            if ocid in self.judged or rule is None:
                continue
            self.judged.add(ocid)
            increase, limit = contracted / awarded - 1, float(rule["max_increase"])
            # Compared as amounts, not as a computed ratio: 110 on 100 is exactly 10 %.
            if contracted > awarded * (1 + limit):
                yield Flag(ocid, increase, increase, limit,
                           f"contract {contract_id}: {contracted:,.0f} against an award of "
                           f"{awarded:,.0f} ({rule_name(rule)})")  # fmt: skip


class HighBidFewBidders(RedFlag):
    """TBK-HIGH-BID-FEW-BIDS: the winner bid ≥ 95 % of the estimate with at most 2 bids."""

    id = "TBK-HIGH-BID-FEW-BIDS"
    measure_unit = "share"
    sources = law.HIGH_BID_FEW_BIDS
    thresholds = ("ratio", "max_bids")
    icw = law.icw_mapping(
        2,
        "partial",
        "icw_high_bid_partial",
    )
    defaults = {"ratio": 0.95, "max_bids": 2}

    def evaluate(self, db: Any) -> Iterator[Flag]:
        """From the compiled releases: estimate, submitted bids and the winner's bid."""
        ratio_needed, max_bids = float(self.settings["ratio"]), int(self.settings["max_bids"])
        self.judged = set()
        for release in compiled_releases(db):
            tender = _object(release.get("tender"))
            ocid = release.get("ocid")
            estimate = _object(tender.get("value"))
            amount, currency = _number(estimate.get("amount")), estimate.get("currency")
            if not isinstance(ocid, str) or tender.get("status") == "cancelled" or not amount:
                continue
            winners = {
                s["id"]
                for a in _list(release.get("awards"))
                if _object(a).get("status") == "active"
                for s in _list(a.get("suppliers"))
                if isinstance(_object(s).get("id"), str)
            }
            submitted = [
                _object(b)
                for b in _list(_object(release.get("bids")).get("details"))
                if _object(b).get("status") not in ("invited", "withdrawn")
            ]
            winning = [
                value
                for b in submitted
                if {_object(t).get("id") for t in _list(b.get("tenderers"))} & winners
                and _object(b.get("value")).get("currency") == currency
                and (value := _number(_object(b.get("value")).get("amount"))) is not None
            ]
            if not winners or not winning:
                continue
            self.judged.add(ocid)
            ratio = min(winning) / amount
            if ratio >= ratio_needed and len(submitted) <= max_bids:
                yield Flag(ocid, ratio, ratio, ratio_needed,
                           f"winning bid {min(winning):,.0f} of an estimate of {amount:,.0f}; "
                           f"{len(submitted)} bid(s)")  # fmt: skip


class RepeatWinner(RedFlag):
    """TBK-REPEAT-WINNER: one supplier wins many processes of one buyer in one year."""

    id = "TBK-REPEAT-WINNER"
    measure_unit = "count"
    sources = law.REPEAT_WINNER
    thresholds = ("minimum_wins",)
    icw = law.icw_mapping(7, "partial", "icw_repeat_winner_partial")
    defaults = {"minimum_wins": 3}
    subjects = ("tender", "tenderer")

    def evaluate(self, db: Any) -> Iterator[Flag | PartyFlag]:
        """Wins per (buyer, year, supplier) from awards in force and their suppliers."""
        minimum = int(self.settings["minimum_wins"])
        rows = db.execute(
            f"""
            select distinct a.ocid, coalesce(t.buyer_id, t.buyer_name),
                substr(t.tender_period_start, 1, 4), coalesce(s.supplier_id, s.supplier_name),
                s.supplier_name
            from awards a
            join tenders t on t.ocid = a.ocid
            join award_suppliers s on s.ocid = a.ocid and s.award_id = a.award_id
            where coalesce(a.status, 'active') = 'active' and t.tender_period_start is not null
              and coalesce(t.buyer_id, t.buyer_name) is not null
              and coalesce(s.supplier_id, s.supplier_name) is not null and {NOT_CANCELLED}
            order by 1
            """
        ).fetchall()
        wins: dict[tuple, set[str]] = defaultdict(set)
        names: dict[str, str] = {}
        for ocid, buyer, year, supplier, name in rows:
            wins[buyer, year, supplier].add(ocid)
            if name:
                names[supplier] = name
        self.judged = {r[0] for r in rows}
        self.judged_parties = {("tenderer", r[3]) for r in rows}
        flagged: dict[str, Flag] = {}
        suppliers: dict[str, int] = defaultdict(int)
        for (buyer, year, supplier), ocids in sorted(wins.items()):
            if len(ocids) < minimum:
                continue
            suppliers[supplier] = max(suppliers[supplier], len(ocids))
            for ocid in ocids:
                if ocid not in flagged or flagged[ocid].measure < len(ocids):
                    flagged[ocid] = Flag(ocid, float(len(ocids)), len(ocids), minimum,
                                         f"{names.get(supplier, supplier)} won {len(ocids)} "
                                         f"processes of {buyer} in {year}")  # fmt: skip
        yield from sorted(flagged.values())
        for supplier, count in sorted(suppliers.items()):
            yield PartyFlag("tenderer", supplier, float(count), count, minimum, count,
                            f"won up to {count} processes of one buyer in one year",
                            names.get(supplier))  # fmt: skip


class _ShareBelowMinimum(DatedRules):
    """A buyer's share of contract value of a kind (PDN, small business) below the minimum.

    Each process counts under the rule in force on its tender date; processes dated before
    every rule are not judged. The threshold is the rules' minimum weighted by contract
    value, so a buyer gets one verdict (with one rule, simply its minimum).
    """

    kind = ""
    subjects = ("buyer",)
    thresholds = ("rules",)
    rule_keys = frozenset({"minimum_share"})

    def evaluate(self, db: Any) -> Iterator[PartyFlag]:
        """Per buyer: Σ amounts of the kind ÷ Σ contract amounts, over processes that have both."""
        self.judged_parties = set()
        if "amounts" not in db.table_names():
            return
        rows = db.execute(
            f"""
            with per as (
              select ocid,
                sum(case when kind = ? then amount end) as part,
                sum(case when kind = 'contract' then amount end) as whole
              from amounts group by ocid
            )
            select coalesce(t.buyer_id, t.buyer_name), t.buyer_name, per.part, per.whole,
                t.tender_period_start
            from per join tenders t on t.ocid = per.ocid
            where per.part is not null and per.whole > 0
              and coalesce(t.buyer_id, t.buyer_name) is not null and {NOT_CANCELLED}
            order by 1, t.ocid
            """,
            [self.kind],
        )
        totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
        names: dict[str, str] = {}
        applied: dict[str, set[str]] = defaultdict(set)
        for buyer, name, part, whole, start in rows:
            rule = self.rule(start)
            if rule is None:
                continue
            names[buyer] = names.get(buyer) or name
            applied[buyer].add(rule_name(rule))
            total = totals[buyer]  # part, whole, whole × minimum, processes
            total[0] += part
            total[1] += whole
            total[2] += whole * float(rule["minimum_share"])
            total[3] += 1
        for buyer, (part, whole, required, processes) in totals.items():
            self.judged_parties.add(("buyer", buyer))
            share, minimum = part / whole, required / whole
            if share < minimum:
                yield PartyFlag("buyer", buyer, share, share, minimum, int(processes),
                                f"{self.kind} share {share:.1%} of {whole:,.0f} contracted "
                                f"over {int(processes)} process(es) "
                                f"({', '.join(sorted(applied[buyer]))})", names[buyer])  # fmt: skip


class DomesticShareBelowMinimum(_ShareBelowMinimum):
    """TBK-PDN-SHARE: a buyer's domestic-product (PDN) share is below the set share."""

    id = "TBK-PDN-SHARE"
    measure_unit = "share"
    kind = "pdn"
    defaults = {"rules": PDN_RULES}
    sources = law.PDN_SHARE
    icw = law.icw_mapping(None, "none", "icw_none_pdn")


class SmallBusinessShareBelowMinimum(_ShareBelowMinimum):
    """TBK-UMK-SHARE: a buyer's small-business (UMK) share is below the set share."""

    id = "TBK-UMK-SHARE"
    measure_unit = "share"
    kind = "umk"
    defaults = {"rules": UMK_RULES}
    sources = law.UMK_SHARE
    icw = law.icw_mapping(None, "none", "icw_none_umk")


INDONESIAN_INDICATORS: list[type[RedFlag]] = [
    DirectProcurementCeiling,
    PackageSplitting,
    TenderPeriodBelowMinimum,
    ContractAboveAward,
    HighBidFewBidders,
    RepeatWinner,
    DomesticShareBelowMinimum,
    SmallBusinessShareBelowMinimum,
]
