"""The public satisfaction index (IKM) of PermenPAN-RB 14/2017.

Respondents score nine service elements from 1 (tidak baik) to 4 (sangat baik). Each
element's NRR is the mean of its valid scores; the unit's index is the mean of the nine
element means times 25 (a 25–100 scale). The regulation's bands, on that scale:

| IKM (×25)       | NRR             | mutu | kinerja     |
|-----------------|-----------------|------|-------------|
| 88,31 – 100,00  | 3,5324 – 4,00   | A    | Sangat Baik |
| 76,61 – 88,30   | 3,0644 – 3,532  | B    | Baik        |
| 65,00 – 76,60   | 2,60 – 3,064    | C    | Kurang Baik |
| 25,00 – 64,99   | 1,00 – 2,5996   | D    | Tidak Baik  |

The bands are given to two decimals, so the index is rounded to two decimals (half up)
before it is placed in a band; the published index is that rounded value.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..messages import shown
from ..parse import parse_number
from ..unusable import quarantines

ELEMENTS = {
    "U1": "Persyaratan",
    "U2": "Sistem, Mekanisme, dan Prosedur",
    "U3": "Waktu Penyelesaian",
    "U4": "Biaya/Tarif",
    "U5": "Produk Spesifikasi Jenis Pelayanan",
    "U6": "Kompetensi Pelaksana",
    "U7": "Perilaku Pelaksana",
    "U8": "Penanganan Pengaduan, Saran dan Masukan",
    "U9": "Sarana dan Prasarana",
}
BANDS = [
    (Decimal("88.31"), "A", "Sangat Baik"),
    (Decimal("76.61"), "B", "Baik"),
    (Decimal("65.00"), "C", "Kurang Baik"),
    (Decimal("25.00"), "D", "Tidak Baik"),
]


def score(value: Any) -> tuple[int | None, str | None]:
    """A score 1–4; ``(None, reason)`` for anything else (``None, None`` when blank)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    _, unusable = parse_number(value)  # 1e309, 400 digits: the whole response is quarantined
    if quarantines(unusable):
        return None, unusable
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None, f"not a score: {shown(value)}"
    if not math.isfinite(number) or number != int(number) or not 1 <= number <= 4:
        return None, f"score {shown(value)} is not one of 1, 2, 3, 4"
    return int(number), None


def round2(value: float) -> float:
    """Half-up rounding to two decimals, as the regulation's tables are written."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def category(index: float | None) -> tuple[str | None, str | None]:
    """``(mutu, kinerja)`` of an index on the 25–100 scale."""
    if index is None:
        return None, None
    rounded = Decimal(repr(round2(index)))
    for floor, grade, label in BANDS:
        if rounded >= floor:
            return grade, label
    return "D", "Tidak Baik"


def period_of(date_iso: str | None, period: str) -> str | None:
    """``2024-05-17`` → ``2024`` / ``2024-H1`` / ``2024-Q2`` / ``2024-05``."""
    if not date_iso or len(date_iso) < 7:
        return None
    year, month = date_iso[:4], int(date_iso[5:7])
    if period == "month":
        return date_iso[:7]
    if period == "quarter":
        return f"{year}-Q{(month - 1) // 3 + 1}"
    if period == "half":
        return f"{year}-H{1 if month <= 6 else 2}"
    return year


def ikm_tables(
    responses: Iterable[dict[str, Any]], elements: dict[str, str]
) -> tuple[list[dict], list[dict]]:
    """``(units, elements)`` rows: per unit and period, the index and each element's NRR."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for response in responses:
        groups[
            (response.get("unit") or "(unspecified)", response.get("period") or "(unspecified)")
        ].append(response)
    unit_rows, element_rows = [], []
    for (unit, period), members in sorted(groups.items()):
        means = []
        for code, name in elements.items():
            scores = [r[code.lower()] for r in members if r.get(code.lower()) is not None]
            nrr = sum(scores) / len(scores) if scores else None
            if nrr is not None:
                means.append(nrr)
            converted = None if nrr is None else nrr * 25
            grade, label = category(converted)
            element_rows.append(
                {
                    "unit": unit, "period": period, "element": code, "element_name": name,
                    "respondents": len(scores), "nrr": None if nrr is None else round(nrr, 4),
                    "converted": None if converted is None else round2(converted),
                    "category": grade, "performance": label, "suppressed": False,
                }
            )  # fmt: skip
        index = sum(means) / len(means) * 25 if len(means) == len(elements) else None
        grade, label = category(index)
        unit_rows.append(
            {
                "unit": unit, "period": period, "respondents": len(members),
                "elements_answered": len(means), "ikm": None if index is None else round2(index),
                "category": grade, "performance": label, "suppressed": False,
            }
        )  # fmt: skip
    return unit_rows, element_rows


def suppress(rows: list[dict[str, Any]], k: int, stats: list[str]) -> int:
    """Blank the figures of groups with fewer than ``k`` respondents."""
    from terbuka.privacy.disclosure import suppress_small_groups

    return suppress_small_groups(rows, "respondents", k, stats)
