"""Budget amounts and the checks that show where a budget disagrees with itself.

Amounts are exact: ``"4.372,86 M"`` is 4,372,860,000,000 rupiah, and the source's
precision (here Rp 10 juta, one unit of the last digit) is kept beside it, because a
sum of rounded figures may differ from the rounded total by up to half a unit per term.
The checks are small registered units with stable ids; each turns one budget's lines
into quality notes (published in ``_quality_notes``), never into rejections: the source's
own figures are published as they are, with the disagreement shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from ..messages import shown
from ..parse import UNIT_SUFFIXES, parse_number
from ..unusable import RowProblem, number_kind

# The trailing letters only: a scan from each start of a letter run (never from inside
# one) stays linear on a cell of a million letters.
_SCIENTIFIC = re.compile(r"^[-+]?\d+(?:[.,]\d+)?[eE][-+]?\d{1,3}$")
_SUFFIX = re.compile(r"(?<![A-Za-z])(?P<unit>[A-Za-z]+)\.?$")


def amount(
    value: Any,
    default_unit: str | None = None,
    decimal: str | None = None,
    suffix_decimal: str | None = None,
) -> tuple[int | float | None, float | None, str | None]:
    """``(amount, precision, problem)`` for a cell such as ``"4.372,86 M"`` or ``8660.40``.

    A unit suffix (rb, jt, M, T) multiplies; without one, ``default_unit`` does (DJPK
    writes plain numbers in miliar). ``decimal`` is the decimal separator of plain numbers
    and ``suffix_decimal`` that of numbers with a unit (DJPK: ``8660.40`` but
    ``"8.660,40 M"``). ``precision`` is one unit of the last digit given.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None, None
    multiplier = Decimal(1)
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = repr(value) if isinstance(value, float) else str(value)
        body, unit = text, default_unit
        decimal = "."
    else:
        text = str(value).strip()
        match = _SUFFIX.search(text)
        unit = default_unit
        body = text
        if match and match.group("unit").lower() in UNIT_SUFFIXES:
            body, unit = text[: match.start()].rstrip(), match.group("unit")
            decimal = suffix_decimal or decimal or ","
    if unit:
        factor = UNIT_SUFFIXES.get(unit.lower())
        if factor is None:
            return None, None, f"unknown unit {unit!r}"
        multiplier = Decimal(int(factor))
    number, problem = parse_number(body, decimal)
    if problem or number is None:
        return None, None, problem or f"not a number: {shown(text)}"
    if _SCIENTIFIC.match(body):  # 1e25: its digits are not the amount, its exponent counts
        exact = Decimal(body.replace(",", "."))
        decimals = -int(exact.as_tuple().exponent)
    else:
        exact, decimals = _exact(body, number), _decimals(body, decimal)
    scaled = exact * multiplier
    precision = float(multiplier / (Decimal(10) ** decimals))
    if scaled == scaled.to_integral_value():
        too_large = number_kind(int(scaled))  # a unit can carry 19 digits past 64 bits
        if too_large:
            return None, None, RowProblem(too_large + (", with its unit" if unit else ""))
        return int(scaled), precision, None
    return float(scaled), precision, None


def _exact(body: str, number: float | int) -> Decimal:
    """The written digits as a Decimal, read the way ``parse_number`` read them.

    ``parse_number`` decides which separator is the decimal one; its float may round
    a long figure, so the digits themselves are taken, never the float.
    """
    digits = re.sub(r"[^0-9.,]", "", body)
    candidates = []
    for point, group in ((",", "."), (".", ",")):
        try:
            candidates.append(Decimal(digits.replace(group, "").replace(point, ".")))
        except InvalidOperation:
            continue
    target = abs(Decimal(repr(number) if isinstance(number, float) else number))
    best = min(candidates, key=lambda c: abs(c - target), default=target)
    return -best if number < 0 else best


def _decimals(body: str, decimal: str | None) -> int:
    """Digits after the decimal separator as written (``"1.250,5"`` → 1)."""
    body = re.sub(r"[^0-9.,]", "", body)
    separators = [s for s in ".," if s in body]
    if not separators:
        return 0
    if decimal is None:
        decimal = max(separators, key=body.rfind)
        if body.count(decimal) > 1 or (
            len(separators) == 1 and len(body.rsplit(decimal, 1)[1]) == 3
        ):
            return 0
    if decimal not in body:
        return 0
    return len(body.rsplit(decimal, 1)[1].strip())


def absorption(planned: Any, realised: Any) -> float | None:
    """Realised as a percentage of planned, two decimals; ``None`` when nothing was planned."""
    if planned in (None, 0) or realised is None:
        return None
    return round(float(Decimal(str(realised)) * 100 / Decimal(str(planned))), 2)


def tolerance(lines: list[dict[str, Any]]) -> float:
    """How far a sum of rounded figures may honestly be from a rounded total."""
    return sum((line.get("precision") or 0) / 2 for line in lines) + 1e-6


def _fmt(value: float) -> str:
    """Indonesian digit grouping: ``1.056.430.000.000``, ``7.507.247,40``."""
    if float(value).is_integer() or abs(value) >= 1000:
        return f"{round(value):,}".replace(",", ".")
    return f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def _note(line: dict[str, Any], column: str, value: Any, message: str) -> dict[str, Any]:
    """A quality note on one budget line: its key, the column and value, and why."""
    return {"key": line["line_id"], "column": column, "value": value, "message": message}


class BudgetLinesCheck:
    """What every budget check shares: run by the budget pipeline on its ``budget_lines``.

    ``run(lines)`` yields a note for each disagreement it finds.
    """

    kind = "pipeline"
    table = "budget_lines"


class ChildrenSumCheck(BudgetLinesCheck):
    """A parent's planned and realised equal the (signed) sum of its children's."""

    id = "budget-children-sum"
    title = "Children add up to their parent"

    @staticmethod
    def run(lines: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Fill ``children_planned``/``children_realised``/``reconciles``; notes where off."""
        children: dict[str, list[dict]] = {}
        for line in lines:
            if line.get("parent_line_id"):
                children.setdefault(line["parent_line_id"], []).append(line)
        for line in lines:
            kids = children.get(line["line_id"])
            if not kids:
                line["children_planned"] = line["children_realised"] = line["reconciles"] = None
                continue
            agree = True
            for measure in ("planned", "realised"):
                values = [(k.get(measure), k.get("sign") or 1) for k in kids]
                if all(v is None for v, _ in values):
                    line[f"children_{measure}"] = None
                    continue
                total = sum(v * s for v, s in values if v is not None)
                total = int(total) if float(total).is_integer() else round(total, 2)
                line[f"children_{measure}"] = total
                parent = line.get(measure)
                if parent is None:
                    continue
                allowed = tolerance([line, *kids])
                if abs(parent - total) > allowed:
                    agree = False
                    message = (
                        f"{line['region']} {line['fiscal_year']} {line['account_name']!r}: "
                        f"{measure} {_fmt(parent)} but its {len(kids)} children add up to "
                        f"{_fmt(total)} (difference {_fmt(parent - total)}; rounding allows "
                        f"{_fmt(allowed)})"
                    )
                    yield _note(line, measure, parent, message)
            line["reconciles"] = agree


class BalanceCheck(BudgetLinesCheck):
    """Surplus/(Defisit) equals revenue minus expenditure, as the source reports them."""

    id = "budget-balance"
    title = "Surplus/(deficit) = revenue − expenditure"

    @staticmethod
    def run(lines: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """A note for each measure where the balance line disagrees."""
        tops = {line["account_name"]: line for line in lines if line.get("level") == 1}
        balance = next((line for line in lines if line.get("kind") == "balance"), None)
        revenue, spending = tops.get("Pendapatan Daerah"), tops.get("Belanja Daerah")
        if not (balance and revenue and spending):
            return
        for measure in ("planned", "realised"):
            values = (balance.get(measure), revenue.get(measure), spending.get(measure))
            if any(v is None for v in values):
                continue
            expected = values[1] - values[2]
            allowed = tolerance([balance, revenue, spending])
            if abs(values[0] - expected) > allowed:
                message = (
                    f"{balance['region']} {balance['fiscal_year']}: surplus/(deficit) {measure} "
                    f"{_fmt(values[0])} but revenue − expenditure is {_fmt(expected)}"
                )
                yield _note(balance, measure, values[0], message)


class ReportedAbsorptionCheck(BudgetLinesCheck):
    """The source's own percentage agrees with its planned and realised figures."""

    id = "budget-reported-absorption"
    title = "Reported percentage matches the amounts"

    @staticmethod
    def run(lines: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """A note where the reported percentage is outside what the rounded amounts allow."""
        for line in lines:
            reported = line.get("reported_absorption_pct")
            planned, realised = line.get("planned"), line.get("realised")
            half = (line.get("precision") or 0) / 2
            if reported is None or planned is None or realised is None or planned <= 2 * half:
                continue
            bounds = [
                100 * (realised + dr) / (planned + dp)
                for dr in (-half, half)
                for dp in (-half, half)
            ]
            low, high = min(bounds), max(bounds)
            if not low - 0.01 <= reported <= high + 0.01:
                computed = absorption(planned, realised)
                message = (
                    f"{line['region']} {line['fiscal_year']} {line['account_name']!r}: the source "
                    f"reports {reported} % but its amounts give {computed} %"
                )
                yield _note(line, "reported_absorption_pct", reported, message)


CHECKS = [ChildrenSumCheck, BalanceCheck, ReportedAbsorptionCheck]
