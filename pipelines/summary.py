"""A one-screen summary of a run record, on stderr, for the steward at the terminal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table

from .progress import console

STATUS_STYLE = {"published": "green", "unchanged": "cyan", "stopped": "yellow", "failed": "red"}


def print_summary(record: Mapping[str, Any]) -> None:
    """What was read, published, quarantined and removed — or why nothing was."""
    status = record.get("status", "failed")
    label = f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"
    if record.get("dry_run"):
        label = f"dry run — would be {label}"
    console.print(f"[bold]{record.get('dataset')}[/] {label}  run {record.get('run_id')}")
    _print_indented(lineage_lines(record))
    if record.get("error"):
        # One line whatever the terminal's width: scripts and log searches rely on it.
        console.print(f"Error: {record['error']}", markup=False, highlight=False, soft_wrap=True)
    for problem in record.get("record_errors") or []:
        console.print(f"Error: {problem}", markup=False, highlight=False, soft_wrap=True)
    inputs = record.get("inputs") or []
    if inputs:
        read = sum(i.get("records", 0) for i in inputs)
        console.print(f"  read {read} records from {len(inputs)} input(s)")
    for entry in record.get("skipped_inputs") or []:  # one line per file set aside
        console.print(
            f"  {entry['status']}: {entry['path']}: {entry['reason']}",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
    pull = record.get("pull")
    if pull:
        console.print(
            f"  pulled: {pull['requests']} request(s), {pull['downloaded_bytes']:,} bytes downloaded, "
            f"sources {'changed' if pull['changed'] else 'unchanged'} since the last pull"
        )
    tables = record.get("tables") or {}
    if tables and status != "unchanged":
        changes = record.get("changes") or {}
        grid = Table(box=None, padding=(0, 1), show_edge=False)
        grid.add_column("table", no_wrap=True)
        for heading in ("rows", "quarantined", "duplicates", "added", "changed", "removed"):
            grid.add_column(heading, justify="right", no_wrap=True)
        for name, counts in tables.items():
            change = changes.get(name, {})
            grid.add_row(
                name, str(counts.get("rows", 0)), str(counts.get("quarantined", 0)), str(counts.get("duplicates", 0)),
                str(change.get("added", "")), str(change.get("changed", "")), str(change.get("removed", "")),
            )  # fmt: skip
        console.print(grid)
    privacy = record.get("privacy") or {}
    if privacy:
        removed = ", ".join(f"{entity} {count}" for entity, count in privacy.items())
        console.print(f"  personal data removed: {removed}")
    quality = record.get("quality") or {}
    if quality:
        score = quality.get("score")
        console.print(
            f"  quality: {'' if score is None else f'score {score}/100, '}"
            f"{quality.get('checks', 0)} checks, {quality.get('failed', 0)} failed",
            markup=False,
        )
        for reason in (quality.get("gate") or {}).get("reasons", [])[1:]:
            console.print(f"  also: {reason}", markup=False, highlight=False)
    _print_indented(truth_lines(record))
    if record.get("published"):
        console.print(f"  published: {record['published'].get('datasette')}")


def _print_indented(lines: list[str]) -> None:
    """Lines under the heading, as written (no markup: they may quote a steward's text)."""
    for line in lines:
        console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)


def lineage_lines(record: Mapping[str, Any]) -> list[str]:
    """The publication a run replaced (or matched, when unchanged), and the reason given.

    A steward reading a log finds which version a publication replaced without opening
    the site; the reason is the ``--note``/``--answers`` kept in ``_changes``.
    """
    lines = []
    previous, status = record.get("previous_run_id"), record.get("status")
    if previous and status == "published":
        lines.append(f"{'would replace' if record.get('dry_run') else 'replaces'} run {previous}")
    elif previous and status == "unchanged":
        lines.append(f"same as the live run {previous}")
    if record.get("reason"):
        lines.append(f"reason: {record['reason']}")
    return lines


def truth_lines(record: dict[str, Any]) -> list[str]:
    """What the publication says of itself that a steward must know: who, when, validated.

    The publisher when it is not the steward's own (or not set), conflicts between the
    sources and the descriptor, the period the data covers, and a skipped validation.
    """
    from .provenance import summary_line

    lines = []
    provenance = record.get("provenance") or {}
    line = summary_line(provenance)
    if line:
        lines.append(line)
    lines += [f"warning: {conflict}" for conflict in provenance.get("conflicts") or []]
    coverage = record.get("coverage") or {}
    if coverage.get("end"):
        lines.append(
            f"data covers {coverage['start']} – {coverage['end']} ({coverage['column']})"
            + ("; overdue for its update frequency" if coverage.get("overdue") else "")
        )
    for flag in (record.get("quality") or {}).get("flags") or []:
        if flag.get("id") == "ocds-validated" and flag.get("status") == "fail":
            lines.append(f"OCDS releases {flag.get('message')}; the quality score counts it")
    return lines
