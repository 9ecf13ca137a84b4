"""``EX-SLOW-AWARD``: a contract awarded long after the tender closed.

A procurement red flag: terbuka computes the indicators a procurement descriptor lists
under ``red_flags`` from the published ``tenders`` and ``awards`` tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from terbuka.pipelines.red_flags.base import NOT_CANCELLED, Flag, RedFlag, parse_instant, whole_days


class SlowAward(RedFlag):
    """Whole days from the end of the tender period to the first award, above ``max_days``."""

    id = "EX-SLOW-AWARD"
    title = {"id": "Penetapan pemenang terlambat", "en": "Slow award"}
    definition = {
        "id": (
            "Jumlah hari penuh dari akhir masa penawaran (tenderPeriod.endDate) sampai tanggal "
            "penetapan pemenang pertama lebih dari 'max_days' (bawaan 20). Proses yang "
            "dibatalkan tidak dinilai. Nilai indikator: jumlah hari."
        ),
        "en": (
            "Whole days from the end of the tender period (tenderPeriod.endDate) to the first "
            "award's date exceed 'max_days' (default 20). Cancelled processes are not judged. "
            "Value: the days."
        ),
    }
    explain = {
        "id": "Pemenang ditetapkan {measure:g} hari setelah penawaran ditutup (ambang {threshold:g})",
        "en": "Awarded {measure:g} days after bids closed (threshold {threshold:g})",
    }
    methodology_url = "https://github.com/terbuka/terbuka/tree/main/tests/example_plugin"
    defaults = {"max_days": 20}

    def evaluate(self, db: Any) -> Iterator[Flag]:
        """One flag per process whose first award came too late."""
        limit = float(self.settings["max_days"])
        rows = db.execute(
            f"""
            select t.ocid, t.tender_period_end, min(a.date)
            from tenders t join awards a on a.ocid = t.ocid
            where t.tender_period_end is not null and a.date is not null and {NOT_CANCELLED}
            group by t.ocid order by t.ocid
            """
        )
        for ocid, closed, awarded in rows:
            start, end = parse_instant(closed), parse_instant(awarded)
            if start is None or end is None:
                continue
            days = whole_days(start, end)
            if days > limit:
                yield Flag(
                    ocid, float(days), float(days), limit, f"awarded {days} days after bids closed"
                )
