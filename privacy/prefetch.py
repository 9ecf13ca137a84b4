"""Scan JSON documents' strings in one batch before the documents are walked (issue 19).

``Redactor.document`` walks a compiled release and scans its strings one call at a time;
Presidio's per-call overhead made that walk the largest part of the privacy stage on
real OCDS. Collecting the strings the walk will scan and passing them, de-duplicated, to
``TextScanner.scan_many`` (one analyzer call per batch of texts) fills the scanner's
cache, so the walk that follows finds every result there. The walk itself is unchanged:
it still decides what is scanned, replaced and counted, so a string the prefetch missed
is scanned as before (privacy fails closed), and the strings the flat tables already
scanned cost nothing twice (one cache per scanner, shared by the tables and documents).
``Redactor.rows`` prefetches all the documents of a JSON column at once: one document
holds a few short strings, and a batch per document still cost one call each.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def document_strings(node: Any, rules: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[str]:
    """The strings ``Redactor._walk`` passes to the scanner, in walk order.

    Values under ``keep_keys`` (unless the path is forced by ``scan``) are not scanned as
    text by the walk, so they are not collected either.
    """
    if isinstance(node, dict):
        forced = any(_within(path, p) for p in rules["scan"])
        for key, value in node.items():
            if key in rules["keep_keys"] and not forced:
                continue
            yield from document_strings(value, rules, (*path, key))
    elif isinstance(node, list):
        for value in node:
            yield from document_strings(value, rules, (*path, "*"))
    elif isinstance(node, str) and node:
        yield node


def kept_strings(
    node: Any, rules: dict[str, Any], path: tuple[str, ...] = ()
) -> Iterator[tuple[str, str, bool]]:
    """``(key, string, scanned)`` for each string ``Redactor._walk`` searches for identifiers.

    Strings under ``keep_keys`` are searched as they are (``key``: the kept key); a string
    under an ``id`` key elsewhere is scanned as text first and its scanned form searched.
    """
    if isinstance(node, dict):
        forced = any(_within(path, p) for p in rules["scan"])
        for key, value in node.items():
            if key in rules["keep_keys"] and not forced:
                yield from ((key, text, False) for text in _leaves(value))
            else:
                yield from kept_strings(value, rules, (*path, key))
    elif isinstance(node, list):
        for value in node:
            yield from kept_strings(value, rules, (*path, "*"))
    elif isinstance(node, str) and node and path and path[-1] == "id":
        yield "id", node, True


def _leaves(node: Any) -> Iterator[str]:
    """Every non-empty string below ``node``."""
    if isinstance(node, dict):
        for value in node.values():
            yield from _leaves(value)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value)
    elif isinstance(node, str) and node:
        yield node


def prefetch(scanner: Any, nodes: list[Any], rules: dict[str, Any]) -> None:
    """Fill ``scanner``'s cache with the results for the strings of ``nodes`` (one batch).

    A JSON column's documents go together: one document of a compiled release holds a
    few short strings, and one Presidio call per document cost more than the scans.
    """
    if not hasattr(scanner, "scan_many"):  # a stand-in scanner: the walk scans one by one
        return
    strings = list(dict.fromkeys(text for node in nodes for text in document_strings(node, rules)))
    if strings:
        scanner.scan_many(strings)


def _within(path: tuple[str, ...], pattern: list[str]) -> bool:
    """Whether ``path`` is at or below ``pattern`` (``*`` matches any key or element)."""
    return len(path) >= len(pattern) and all(
        p in ("*", k) for k, p in zip(path, pattern, strict=False)
    )
