"""Cardinal's bid and item indicators (R024 … R058), read from the compiled OCDS releases.

Cardinal (https://github.com/open-contracting/cardinal-rs) computes these from compiled
releases with ``bids.details`` (the OCDS bid extension) and ``awards[].items``. Its program
cannot be installed here, so each class follows the indicator's documentation page
(``docs/cli/indicators/R/NNN.md``) and, where the page leaves a detail open, Cardinal's
source (``src/indicators/rNNN.rs``, ``src/lib.rs``) — rule for rule, on the published
``compiled_releases.release`` JSON, so national feeds and OCDS publishers are judged
alike. ``tests/test_cardinal_indicators.py`` runs every worked example of Cardinal's
documentation and asserts the documented output.

Shared rules (Cardinal's ``indicators`` page): a process is skipped when its ``ocid`` is
not a string, when ``tender.status`` is ``cancelled`` or when its
``tender.procurementMethodDetails`` is in ``exclusions.procurement_method_details``;
amounts in another currency than the main one (``currency``, else the first observed)
are skipped. Quartiles are statrs' (Hyndman–Fan type 8), as Cardinal uses.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from .base import Flag, PartyFlag, RedFlag, RedFlagError

PRICE_SETTINGS = {
    "no_price_comparison_procurement_methods": "",
    "price_comparison_procurement_methods": "",
}
EXCLUSIONS = {"exclusions": {}}


# --- statistics and OCDS helpers (Cardinal's src/lib.rs) ---------------------------------


def quantile(values: Iterable[float], tau: float) -> float:
    """The quantile as Cardinal's statrs computes it (Hyndman–Fan type 8); NaN for no data."""
    data = sorted(values)
    n = len(data)
    if not n or not 0.0 <= tau <= 1.0:
        return float("nan")
    h = (n + 1 / 3) * tau + 1 / 3
    hf = int(h)
    if hf <= 0 or tau == 0.0:
        return data[0]
    if hf >= n or tau == 1.0:
        return data[-1]
    a, b = data[hf - 1], data[hf]
    return a + (h - hf) * (b - a)


def pipe_set(value: Any) -> set[str]:
    """Cardinal's pipe-separated lists (``Random Selection|Sorteo``); a YAML list also works."""
    if value is None:
        return set()
    if isinstance(value, str):
        return {v for v in value.split("|") if v}
    return {str(v) for v in value}


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def matches_method_details(release: dict, include: set[str], exclude: set[str]) -> bool:
    """``matches_procurement_method_details``: an allow list wins over a deny list."""
    details = _object(release.get("tender")).get("procurementMethodDetails")
    if isinstance(details, str):
        return details in include if include else details not in exclude
    return not include


def submitted_bids(release: dict) -> list[dict]:
    """Bids whose status is a string other than invited or withdrawn."""
    return [
        bid
        for bid in _list(_object(release.get("bids")).get("details"))
        if isinstance(bid, dict)
        and isinstance(bid.get("status"), str)
        and bid["status"] not in ("invited", "withdrawn")
    ]


def complete_awards_and_bids(release: dict) -> tuple[list[dict], list[Any]] | None:
    """Active awards and all bids, or None if an award is not final (e.g. pending)."""
    awards = release.get("awards")
    details = _object(release.get("bids")).get("details")
    if not isinstance(awards, list) or not isinstance(details, list):
        return None
    complete = []
    for award in awards:
        status = _object(award).get("status")
        if isinstance(status, str):
            if status == "active":
                complete.append(award)
            elif status not in ("cancelled", "unsuccessful"):
                return None
    return complete, details


def valid_priced_bids(details: list[Any]) -> list[tuple[str, float, str]]:
    """(tenderer, amount, currency) of valid bids with one identified tenderer and a price."""
    found = []
    for bid in details:
        bid = _object(bid)
        value = _object(bid.get("value"))
        amount, currency = _number(value.get("amount")), value.get("currency")
        tenderers = _list(bid.get("tenderers"))
        if (
            bid.get("status") == "valid"
            and amount is not None
            and isinstance(currency, str)
            and len(tenderers) == 1
            and isinstance(_object(tenderers[0]).get("id"), str)
        ):
            found.append((tenderers[0]["id"], amount, currency))
    return found


def single_supplier(awards: list[dict]) -> str | None:
    """The supplier of the only active award, when it has exactly one identified supplier."""
    if len(awards) != 1:
        return None
    suppliers = _list(awards[0].get("suppliers"))
    if len(suppliers) != 1:
        return None
    supplier_id = _object(suppliers[0]).get("id")
    return supplier_id if isinstance(supplier_id, str) else None


def compiled_releases(db: Any) -> Iterator[dict]:
    """The published compiled releases (JSON), in ocid order; unreadable ones are skipped."""
    if "compiled_releases" not in db.table_names():
        return
    for (text,) in db.execute("select release from compiled_releases order by ocid"):
        try:
            release = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            continue
        if isinstance(release, dict):
            yield release


class Names:
    """Organisation names seen in the releases, so a flagged id can be shown by name."""

    def __init__(self) -> None:
        self.names: dict[tuple[str, str], str] = {}

    def see(self, release: dict) -> None:
        """Remember buyer, procuring entity, tenderer and supplier names in ``release``."""
        buyer = _object(release.get("buyer"))
        self._add("buyer", buyer)
        self._add(
            "procuring_entity", _object(_object(release.get("tender")).get("procuringEntity"))
        )
        for bid in _list(_object(release.get("bids")).get("details")):
            for tenderer in _list(_object(bid).get("tenderers")):
                self._add("tenderer", _object(tenderer))
        for award in _list(release.get("awards")):
            for supplier in _list(_object(award).get("suppliers")):
                self._add("tenderer", _object(supplier))

    def _add(self, role: str, org: dict) -> None:
        if isinstance(org.get("id"), str) and isinstance(org.get("name"), str):
            self.names.setdefault((role, org["id"]), org["name"])

    def get(self, role: str, party_id: str) -> str | None:
        """The name of ``party_id`` in ``role``, if any release gave one."""
        return self.names.get((role, party_id))


def fold_together(indicators: list[CardinalIndicator], db: Any) -> None:
    """Fold every compiled release into each of ``indicators`` in one pass.

    Each indicator would read and parse every release on its own; in one pass each is
    parsed once. Their ``finish`` then gives what ``evaluate`` would have.
    """
    for indicator in indicators:
        indicator.start()
    for release in compiled_releases(db):
        for indicator in indicators:
            indicator.take(release)


def folds_releases(indicator: RedFlag) -> bool:
    """Whether ``indicator`` is evaluated by folding the compiled releases one by one."""
    return isinstance(indicator, CardinalIndicator) and (
        type(indicator).evaluate is CardinalIndicator.evaluate
    )


# --- the indicators ----------------------------------------------------------------------


class CardinalIndicator(RedFlag):
    """A Cardinal indicator over compiled releases: ``fold`` each process, then ``finish``."""

    origin = "cardinal"

    @classmethod
    def check_settings(cls, given: dict[str, Any]) -> dict[str, Any]:
        """Cardinal's settings, plus its ``exclusions.procurement_method_details``."""
        settings = super().check_settings(given)
        exclusions = settings.get("exclusions") or {}
        if not isinstance(exclusions, dict) or set(exclusions) - {"procurement_method_details"}:
            raise RedFlagError(
                f"red_flags.{cls.id}: 'exclusions' takes only 'procurement_method_details'"
            )
        return settings

    def evaluate(self, db: Any) -> Iterator[Flag | PartyFlag]:
        """The indicator over the published compiled releases."""
        return self.evaluate_releases(compiled_releases(db))

    def evaluate_releases(self, releases: Iterable[dict]) -> Iterator[Flag | PartyFlag]:
        """The indicator over OCDS compiled releases (Cardinal's input, one dict each)."""
        self.start()
        for release in releases:
            self.take(release)
        yield from self.finish()

    def start(self) -> None:
        """Forget what earlier releases were folded: a new pass begins."""
        self.excluded = pipe_set(
            (self.settings.get("exclusions") or {}).get("procurement_method_details")
        )
        self.judged, self.names = set(), Names()
        self.currency: str | None = self.settings.get("currency")

    def take(self, release: dict) -> None:
        """Fold one compiled release, unless it is cancelled or its method is excluded."""
        ocid = release.get("ocid")
        tender = _object(release.get("tender"))
        if not isinstance(ocid, str) or tender.get("status") == "cancelled":
            return
        if not matches_method_details(release, set(), self.excluded):
            return
        self.names.see(release)
        self.fold(release, ocid)

    def price_comparable(self, release: dict) -> bool:
        """``price_comparison_procurement_methods`` / ``no_price_…`` (Cardinal's globals)."""
        return matches_method_details(
            release,
            pipe_set(self.settings.get("price_comparison_procurement_methods")),
            pipe_set(self.settings.get("no_price_comparison_procurement_methods")),
        )

    def main_currency(self, currency: str) -> bool:
        """Whether ``currency`` is the main one (the setting, else the first observed)."""
        if self.currency is None:
            self.currency = currency
        return currency == self.currency

    def fold(self, release: dict, ocid: str) -> None:
        """Take in one contracting process."""
        raise NotImplementedError

    def finish(self) -> Iterator[Flag | PartyFlag]:
        """The flags, once every process has been folded."""
        raise NotImplementedError

    def party(self, role: str, party_id: str, value: float, measure: float | None,
              threshold: float | None, processes: int | None, detail: str) -> PartyFlag:  # fmt: skip
        """A flag on an organisation, with its name when the releases give one."""
        return PartyFlag(role, party_id, value, measure, threshold, processes, detail,
                         self.names.get(role, party_id))  # fmt: skip

    def tenderers_counted(self, counts: dict[str, int], value: float, threshold: float | None,
                          detail: str) -> Iterator[PartyFlag]:  # fmt: skip
        """A flag on each tenderer counted, by id; ``{count}`` in ``detail`` is its processes."""
        for tenderer, count in sorted(counts.items()):
            yield self.party("tenderer", tenderer, value, None, threshold, count,
                             detail.format(count=count))  # fmt: skip

    def tukey_fence(self, values: Iterable[float], side: str) -> tuple[float, float]:
        """``(fence, q1)``: the ``threshold`` setting (q1 then 1.0), or Tukey's fence.

        ``side`` is ``lower`` (q1 − 1.5 IQR) or ``upper`` (q3 + 1.5 IQR); the quartiles
        and the fence go into the run's meta, as Cardinal reports them.
        """
        if self.settings["threshold"] is not None:
            fence, q1 = float(self.settings["threshold"]), 1.0
        else:
            data = list(values)
            q1, q3 = quantile(data, 0.25), quantile(data, 0.75)
            fence = q1 - 1.5 * (q3 - q1) if side == "lower" else q3 + 1.5 * (q3 - q1)
            self.record_meta(q1=q1, q3=q3)
        self.record_meta(**{f"{side}_fence": fence})
        return fence, q1


class _FlagsPerProcess(CardinalIndicator):
    """Flags found process by process, then one on each tenderer counted in them."""

    party_value = 1.0
    party_detail = ""  # the tenderer's flag, ``{count}`` its processes

    def start(self) -> None:
        """Flags per process as they are found; tenderers at the end."""
        self.found: list[Flag] = []
        self.tenderers: dict[str, int] = defaultdict(int)
        super().start()

    def finish(self) -> Iterator[Flag | PartyFlag]:
        """The processes, then the tenderers counted in them."""
        yield from self.found
        yield from self.tenderers_counted(self.tenderers, self.party_value, None, self.party_detail)


class _SecondLowestBid(CardinalIndicator):
    """R024 and R058: (second-lowest valid bid − winning bid) ÷ winning bid, per process."""

    defaults = {"threshold": None, "currency": None, **PRICE_SETTINGS, **EXCLUSIONS}
    side = "lower"  # R024 flags ratios at or below the lower fence, R058 at or above the upper
    second_bidder_flagged = True  # R024 flags both bidders, R058 the winner only
    party_detail = ""  # the tenderer's flag, ``{count}`` its processes

    def start(self) -> None:
        """Ratios first (``SecondLowestBidRatio`` in Cardinal's util.rs), then the fence."""
        self.ratios: dict[str, float] = {}
        self.pairs: dict[str, tuple[str, str, float, float]] = {}
        super().start()

    def fold(self, release: dict, ocid: str) -> None:
        """The winner's and the lowest other valid bid, when the process is price-only."""
        if not self.price_comparable(release):
            return
        found = complete_awards_and_bids(release)
        if found is None:
            return
        supplier = single_supplier(found[0])
        if supplier is None:
            return
        winner = loser = None
        for tenderer, amount, currency in valid_priced_bids(found[1]):
            if not self.main_currency(currency):
                continue
            if tenderer == supplier:
                if winner is None or amount < winner[1]:
                    winner = (tenderer, amount)
            elif loser is None or amount < loser[1]:
                loser = (tenderer, amount)
        # The lowest bid must have won (price-only award). A zero winning bid has no ratio
        # (Cardinal would divide by zero); such processes are left unjudged.
        if winner and loser and loser[1] >= winner[1] and winner[1] > 0:
            self.ratios[ocid] = (loser[1] - winner[1]) / winner[1]
            self.pairs[ocid] = (winner[0], loser[0], winner[1], loser[1])

    def finish(self) -> Iterator[Flag | PartyFlag]:
        """Processes past the fence on ``side``, then their tenderers."""
        fence, q1 = self.tukey_fence(self.ratios.values(), self.side)
        # Cardinal skips R024 when 75 % of processes have no difference (q1 = 0), and
        # either indicator when the fence is ≤ 0.
        if not fence > 0 or (self.side == "lower" and not q1 > 0):
            return
        self.judged = set(self.ratios)
        tenderers: dict[str, int] = defaultdict(int)
        for ocid, ratio in sorted(self.ratios.items()):
            if ratio <= fence if self.side == "lower" else ratio >= fence:
                winner, loser, won, second = self.pairs[ocid]
                yield Flag(ocid, ratio, ratio, fence,
                           f"winning bid {won:,.0f}, second-lowest valid bid {second:,.0f}")  # fmt: skip
                tenderers[winner] += 1
                if self.second_bidder_flagged:
                    tenderers[loser] += 1
        yield from self.tenderers_counted(tenderers, 0.0, fence, self.party_detail)


class PriceCloseToWinningBid(_SecondLowestBid):
    """R024: the second-lowest valid bid is very close to the winning bid."""

    id = "R024"
    measure_unit = "share"
    party_detail = "winner or second-lowest bidder in {count} flagged process(es)"


class HeavilyDiscountedBid(_SecondLowestBid):
    """R058: the winning bid is far below the second-lowest valid bid."""

    id = "R058"
    measure_unit = "share"
    side = "upper"
    second_bidder_flagged = False
    party_detail = "winner of {count} heavily discounted process(es)"


class ExcessiveUnsuccessfulBids(CardinalIndicator):
    """R025: a top tenderer wins an outlyingly small share of its valid bids."""

    id = "R025"
    measure_unit = "share"
    defaults = {"percentile": 75, "threshold": None, **EXCLUSIONS}
    subjects = ("tenderer",)

    def start(self) -> None:
        """Won and valid-bid counts per tenderer, then the fences."""
        self.fractions: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        super().start()

    def fold(self, release: dict, ocid: str) -> None:
        """Each valid tenderer once per process; a win when it supplies the only award."""
        found = complete_awards_and_bids(release)
        supplier = single_supplier(found[0]) if found else None
        if found is None or supplier is None:
            return
        valid = set()
        for bid in found[1]:
            bid = _object(bid)
            tenderers = _list(bid.get("tenderers"))
            if bid.get("status") == "valid" and len(tenderers) == 1:
                tenderer = _object(tenderers[0]).get("id")
                if isinstance(tenderer, str):
                    valid.add(tenderer)
        for tenderer in valid:
            self.fractions[tenderer][0] += tenderer == supplier
            self.fractions[tenderer][1] += 1

    def finish(self) -> Iterator[Flag | PartyFlag]:
        """Top tenderers at or below the lower fence."""
        counts = [d for _, d in self.fractions.values()]
        upper = quantile(counts, int(self.settings["percentile"]) / 100)
        ratios = {t: n / d for t, (n, d) in self.fractions.items()}
        fence, q1 = self.tukey_fence(ratios.values(), "lower")
        if not (q1 > 0 and fence > 0):
            return
        self.judged_parties = {
            ("tenderer", t) for t, (_, bids) in self.fractions.items() if bids >= upper
        }
        for tenderer, ratio in sorted(ratios.items()):
            won, bids = self.fractions[tenderer]
            if bids >= upper and ratio <= fence:
                yield self.party("tenderer", tenderer, ratio, ratio, fence, bids,
                                 f"won {won} of {bids} processes with a valid bid "
                                 f"(top tenderers: at least {upper:g} bids)")  # fmt: skip


class IdenticalBidPrices(_FlagsPerProcess):
    """R028: different tenderers submitted bids with the same price."""

    id = "R028"
    measure_unit = "count"
    defaults = {**PRICE_SETTINGS, **EXCLUSIONS}
    party_detail = "same price as another tenderer in {count} process(es)"

    def fold(self, release: dict, ocid: str) -> None:
        """Same (amount, currency) from a different set of tenderers flags the process."""
        if not self.price_comparable(release):
            return
        prices: dict[tuple[float, str], frozenset[str]] = {}
        same: set[str] = set()
        priced = 0
        for bid in submitted_bids(release):
            value = _object(bid.get("value"))
            amount, currency = _number(value.get("amount")), value.get("currency")
            tenderers = bid.get("tenderers")
            if not isinstance(tenderers, list) or amount is None or not isinstance(currency, str):
                continue
            ids = frozenset(t["id"] for t in tenderers if isinstance(_object(t).get("id"), str))
            if not ids:
                continue
            priced += 1
            other = prices.get((amount, currency))
            if other is not None and ids != other:
                same |= ids | other
            prices[amount, currency] = ids
        if priced:
            self.judged.add(ocid)  # type: ignore[union-attr]
        if same:
            self.found.append(
                Flag(ocid, 1.0, len(same), 2, f"{len(same)} tenderers with one price")
            )
            for tenderer in same:
                self.tenderers[tenderer] += 1


class LateBidWon(_FlagsPerProcess):
    """R030: a valid bid received after the submission deadline won."""

    id = "R030"
    defaults = {**EXCLUSIONS}
    party_detail = "won with a late bid in {count} process(es)"

    def fold(self, release: dict, ocid: str) -> None:
        """Dates compared as Cardinal does: as strings (RFC 3339 in one offset sorts right)."""
        end = _object(_object(release.get("tender")).get("tenderPeriod")).get("endDate")
        awards = release.get("awards")
        details = _object(release.get("bids")).get("details")
        if (
            not isinstance(end, str)
            or not isinstance(awards, list)
            or not isinstance(details, list)
        ):
            return
        self.judged.add(ocid)  # type: ignore[union-attr]
        suppliers = {
            s["id"]
            for a in awards
            if _object(a).get("status") == "active" and isinstance(a.get("suppliers"), list)
            for s in a["suppliers"]
            if isinstance(_object(s).get("id"), str)
        }
        late = set()
        for bid in details:
            bid = _object(bid)
            date = bid.get("date")
            if bid.get("status") == "valid" and isinstance(date, str) and date > end:
                late |= {
                    t["id"]
                    for t in _list(bid.get("tenderers"))
                    if _object(t).get("id") in suppliers
                }
        if late:
            self.found.append(Flag(ocid, 1.0, None, None, f"valid bid after the deadline {end}"))
            for tenderer in late:
                self.tenderers[tenderer] += 1


class AllExceptWinningBidDisqualified(_FlagsPerProcess):
    """R035: every bid but the single winner's was disqualified."""

    id = "R035"
    measure_unit = "count"
    defaults = {"threshold": 1, **EXCLUSIONS}
    party_value = 0.0  # the winners
    party_detail = "sole qualified winner in {count} flagged process(es)"

    def fold(self, release: dict, ocid: str) -> None:
        """Valid and disqualified tenderers against the active awards' suppliers."""
        found = complete_awards_and_bids(release)
        if found is None:
            return
        awards, details = found
        if awards:
            self.judged.add(ocid)  # type: ignore[union-attr]
        suppliers = {
            s["id"]
            for a in awards
            for s in _list(a.get("suppliers"))
            if isinstance(_object(s).get("id"), str)
        }
        valid: set[str] = set()
        disqualified: set[str] = set()
        for bid in details:
            bid = _object(bid)
            status, tenderers = bid.get("status"), bid.get("tenderers")
            if not isinstance(status, str) or not isinstance(tenderers, list):
                continue
            target = {"valid": valid, "disqualified": disqualified}.get(status)
            if target is not None:
                target |= {t["id"] for t in tenderers if isinstance(_object(t).get("id"), str)}
        threshold = max(int(self.settings["threshold"]), 1)
        others = len(disqualified - valid)
        if len(valid) == 1 and valid == suppliers and others >= threshold:
            self.found.append(Flag(ocid, float(others), others, threshold,
                                   f"{others} other tenderer(s) disqualified"))  # fmt: skip
            self.tenderers[next(iter(valid))] += 1


class LowestBidDisqualified(_FlagsPerProcess):
    """R036: the lowest submitted bid was disqualified (no tenderer is flagged)."""

    id = "R036"
    measure_unit = "amount"
    defaults = {"currency": None, **PRICE_SETTINGS, **EXCLUSIONS}

    def fold(self, release: dict, ocid: str) -> None:
        """The lowest submitted amount and whether its bid was disqualified."""
        if not self.price_comparable(release):
            return
        if not any(_object(a).get("status") == "active" for a in _list(release.get("awards"))):
            return
        lowest: tuple[float, bool] | None = None
        lowest_valid: float | None = None
        for bid in submitted_bids(release):
            value = _object(bid.get("value"))
            amount, currency = _number(value.get("amount")), value.get("currency")
            if amount is None or not isinstance(currency, str) or not self.main_currency(currency):
                continue
            if lowest is None or amount < lowest[0]:
                lowest = (amount, bid["status"] == "disqualified")
            if bid["status"] == "valid":
                lowest_valid = amount if lowest_valid is None else min(lowest_valid, amount)
        if lowest_valid is None or lowest is None:
            return
        self.judged.add(ocid)  # type: ignore[union-attr]
        if lowest[1]:
            self.found.append(Flag(ocid, 1.0, lowest[0], lowest_valid,
                                   f"lowest bid {lowest[0]:,.0f} disqualified"))  # fmt: skip


class ExcessiveDisqualifiedBids(CardinalIndicator):
    """R038: an organisation's share of disqualified bids is a high outlier."""

    id = "R038"
    measure_unit = "share"
    defaults = {
        "threshold": None,
        "minimum_submitted_bids": 2,
        "minimum_contracting_processes": 2,
        **EXCLUSIONS,
    }
    GROUPS = ("buyer", "procuring_entity", "tenderer")
    subjects = GROUPS

    def start(self) -> None:
        """Disqualified and submitted counts per organisation, then the fences."""
        self.fractions: dict[str, dict[str, list[int]]] = {
            g: defaultdict(lambda: [0, 0]) for g in self.GROUPS
        }
        super().start()

    def fold(self, release: dict, ocid: str) -> None:
        """Every submitted bid counts for its tenderers, its buyer and procuring entity."""
        bids = submitted_bids(release)
        if not bids:
            return
        disqualified = 0
        for bid in bids:
            increment = int(bid.get("status") == "disqualified")
            disqualified += increment
            for tenderer in _list(bid.get("tenderers")):
                if isinstance(_object(tenderer).get("id"), str):
                    fraction = self.fractions["tenderer"][tenderer["id"]]
                    fraction[0] += increment
                    fraction[1] += 1
        organisations = {
            "buyer": _object(release.get("buyer")).get("id"),
            "procuring_entity": _object(_object(release.get("tender")).get("procuringEntity")).get(
                "id"
            ),
        }
        for group, org in organisations.items():
            if isinstance(org, str):
                fraction = self.fractions[group][org]
                fraction[0] += disqualified
                fraction[1] += len(bids)

    def finish(self) -> Iterator[Flag | PartyFlag]:
        """Per group: organisations at or above the upper fence.

        The minimum for buyers and procuring entities is compared, as in Cardinal's
        ``r038.rs``, with their number of submitted bids (the documented worked example
        gives its documented output only that way; see docs/red-flags.md).
        """
        minimums = {
            "buyer": int(self.settings["minimum_contracting_processes"]),
            "procuring_entity": int(self.settings["minimum_contracting_processes"]),
            "tenderer": int(self.settings["minimum_submitted_bids"]),
        }
        self.judged_parties = set()
        for group in self.GROUPS:
            ratios = {
                org: n / d for org, (n, d) in self.fractions[group].items() if d >= minimums[group]
            }
            if not ratios:
                continue
            if self.settings["threshold"] is not None:
                fence = float(self.settings["threshold"])
            else:
                q1, q3 = quantile(ratios.values(), 0.25), quantile(ratios.values(), 0.75)
                fence = q3 + 1.5 * (q3 - q1)
            if not fence > 0:
                continue
            self.judged_parties |= {(group, org) for org in ratios}
            for org, ratio in sorted(ratios.items()):
                if ratio >= fence:
                    n, d = self.fractions[group][org]
                    yield self.party(group, org, ratio, ratio, fence, None,
                                     f"{n} of {d} submitted bids disqualified")  # fmt: skip


class HeterogeneousSupplier(CardinalIndicator):
    """R048: the variety of items a supplier is awarded is a high outlier."""

    id = "R048"
    measure_unit = "count"
    defaults = {"digits": 2, "threshold": None, "minimum_contracting_processes": 20, **EXCLUSIONS}
    subjects = ("tenderer",)

    def start(self) -> None:
        """Classification prefixes and process counts per supplier, then the fence."""
        self.classes: dict[str, tuple[list[int], set[str]]] = defaultdict(lambda: ([0], set()))
        super().start()

    def fold(self, release: dict, ocid: str) -> None:
        """A supplier counts once per process; every classified item adds its prefix."""
        digits = int(self.settings["digits"])
        seen: set[str] = set()
        for award in _list(release.get("awards")):
            award = _object(award)
            items, suppliers = award.get("items"), award.get("suppliers")
            if award.get("status") != "active" or not isinstance(items, list):
                continue
            if not isinstance(suppliers, list) or len(suppliers) != 1:
                continue
            supplier = _object(suppliers[0]).get("id")
            if not isinstance(supplier, str):
                continue
            for item in items:
                code = _object(_object(item).get("classification")).get("id")
                if isinstance(code, str):
                    count, codes = self.classes[supplier]
                    if supplier not in seen:
                        seen.add(supplier)
                        count[0] += 1
                    codes.add(code[:digits])

    def finish(self) -> Iterator[Flag | PartyFlag]:
        """Suppliers (with enough processes) at or above the fence."""
        minimum = int(self.settings["minimum_contracting_processes"])
        varieties = {
            s: len(codes) for s, (count, codes) in self.classes.items() if count[0] >= minimum
        }
        fence, _ = self.tukey_fence(varieties.values(), "upper")
        if fence == fence:  # not NaN: there were suppliers to compare
            self.judged_parties = {("tenderer", s) for s in varieties}
        for supplier, variety in sorted(varieties.items()):
            if variety >= fence:
                yield self.party("tenderer", supplier, float(variety), variety, fence,
                                 self.classes[supplier][0][0],
                                 f"{variety} distinct item categories")  # fmt: skip


CARDINAL_BID_INDICATORS: list[type[RedFlag]] = [
    PriceCloseToWinningBid,
    ExcessiveUnsuccessfulBids,
    IdenticalBidPrices,
    LateBidWon,
    AllExceptWinningBidDisqualified,
    LowestBidDisqualified,
    ExcessiveDisqualifiedBids,
    HeterogeneousSupplier,
    HeavilyDiscountedBid,
]
