"""Indicators defined by Open Contracting's Cardinal, with Cardinal's ids and methodology.

Cardinal (https://github.com/open-contracting/cardinal-rs) computes red flags from OCDS compiled
releases. Its executable cannot be installed here, so these follow its published
methodology and source (``src/indicators/r003.rs``, ``r018.rs``) rule for rule, on the
published ``tenders`` table (one row per compiled release). One deliberate difference:
terbuka normalises dates before publishing (a date without a time is midnight, a time
without an offset is read in the descriptor's timezone), so R003 also judges processes
whose dates Cardinal would skip as not RFC 3339; on every process both can judge, the
result is the same (``tests/test_red_flags.py`` checks this on real OCDS data).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .base import NOT_CANCELLED, Flag, RedFlag, parse_instant, whole_days


def _methods(value: Any) -> set[str]:
    """Cardinal writes method lists pipe-separated (``open|selective``); YAML may use a list."""
    if isinstance(value, str):
        return {v.strip() for v in value.split("|") if v.strip()}
    return {str(v) for v in value or []}


class ShortSubmissionPeriod(RedFlag):
    """R003: the submission period is shorter than the threshold for its procurement method."""

    id = "R003"
    measure_unit = "days"
    origin = "cardinal"
    defaults = {"threshold": 15, "procurement_method_details": {}, "procurement_methods": []}

    def evaluate(self, db: Any) -> Iterator[Flag]:
        """Whole days between start and end of the tender period, against the threshold."""
        methods = _methods(self.settings["procurement_methods"])
        per_details = self.settings["procurement_method_details"] or {}
        rows = db.execute(
            f"""
            select t.ocid, t.procurement_method, t.procurement_method_details,
                t.tender_period_start, t.tender_period_end
            from tenders t
            where t.tender_period_start is not null and t.tender_period_end is not null
              and {NOT_CANCELLED}
            """
        )
        self.judged = set()
        for ocid, method, details, start, end in rows:
            if methods and method not in methods:
                continue
            start_at, end_at = parse_instant(start), parse_instant(end)
            if start_at is None or end_at is None:
                continue
            self.judged.add(ocid)
            days = whole_days(start_at, end_at)
            threshold = per_details.get(details, self.settings["threshold"])
            if days < threshold:
                yield Flag(ocid, 1.0, days, threshold, f"{days} days, threshold {threshold}")


class SingleBidReceived(RedFlag):
    """R018: a competitive procedure received exactly one bid."""

    id = "R018"
    measure_unit = "count"
    origin = "cardinal"
    defaults = {"procurement_methods": "open|selective"}

    def evaluate(self, db: Any) -> Iterator[Flag]:
        """Competitive tenders whose number of tenderers is exactly one."""
        methods = _methods(self.settings["procurement_methods"])
        rows = db.execute(
            f"""
            select t.ocid, t.procurement_method, t.number_of_tenderers from tenders t
            where t.number_of_tenderers is not null and {NOT_CANCELLED}
            """
        )
        self.judged = set()
        for ocid, method, tenderers in rows:
            if methods and method not in methods:
                continue
            self.judged.add(ocid)
            if tenderers == 1:
                yield Flag(ocid, 1.0, 1, 1, f"1 tenderer, method {method}")
