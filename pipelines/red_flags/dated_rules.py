"""Rules by date: the value a regulation sets, for the days it is in force.

A dated setting is a list of ``rules``. Each rule has ``from`` (the first day it applies,
ISO date), optionally ``until`` (the last day it applies), a ``regulation`` to name in a
flag, and its values. A process takes the rule in force on its date: among the rules whose
range holds that day, the one with the latest ``from``. A process dated outside every
rule, or without a date, gets no verdict: the indicator leaves it unjudged, which the risk
score counts as missing, never as clean.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .base import RedFlag, RedFlagError


def check_rules(cls: type[RedFlag], rules: Any, keys: set[str]) -> list[dict[str, Any]]:
    """Rules sorted by ``from``; each must carry ``from`` (ISO date) and ``keys``."""
    if not isinstance(rules, list) or not rules:
        raise RedFlagError(f"red_flags.{cls.id}: 'rules' is a non-empty list")
    checked = []
    for rule in rules:
        if not isinstance(rule, dict) or not keys | {"from"} <= set(rule):
            raise RedFlagError(
                f"red_flags.{cls.id}: each rule needs 'from' and {', '.join(sorted(keys))}"
            )
        first = _iso_day(cls, rule, "from")
        last = _iso_day(cls, rule, "until") if rule.get("until") is not None else None
        if last is not None and last < first:
            raise RedFlagError(f"red_flags.{cls.id}: rule 'until' {last} is before 'from' {first}")
        checked.append({**rule, "from": first, **({"until": last} if last else {})})
    return sorted(checked, key=lambda r: r["from"])


def _iso_day(cls: type[RedFlag], rule: dict[str, Any], key: str) -> str:
    try:
        return date.fromisoformat(str(rule[key])).isoformat()
    except ValueError:
        raise RedFlagError(f"red_flags.{cls.id}: rule {key!r} is not an ISO date") from None


def rule_for(rules: list[dict[str, Any]], when: Any) -> dict[str, Any] | None:
    """The rule in force on ``when`` (an ISO date or date-time), or None."""
    if not isinstance(when, str) or len(when) < 10:
        return None
    day = when[:10]
    found = None
    for rule in rules:
        if rule["from"] <= day and (rule.get("until") is None or day <= rule["until"]):
            found = rule
    return found


def rule_name(rule: dict[str, Any]) -> str:
    """How a flag names the rule it applied: its regulation, else its first day."""
    return str(rule.get("regulation") or "rule from " + rule["from"])
