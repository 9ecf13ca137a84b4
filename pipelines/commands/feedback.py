"""``terbuka feedback``: readers' problem reports, listed and marked handled."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from terbuka.pipelines.errors import EXIT_BAD_INPUT

from .options import command, echo


@command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--handled",
    "handled",
    multiple=True,
    type=int,
    help="Mark the report with this id as handled; repeatable.",
)
@click.option("--all", "show_all", is_flag=True, help="List handled reports too.")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON on stdout.")
def feedback(directory: Path, handled: tuple[int, ...], show_all: bool, as_json: bool) -> None:
    """List readers' problem reports for the data published in DIRECTORY.

    Reports come from the "report a problem with this data" form on the site and are
    kept in DIRECTORY/.feedback/feedback.db, apart from the published data. Messages
    are shown as plain text: control characters a reader typed never reach your
    terminal.
    """
    from terbuka.datasette_plugins import feedback_store

    if not directory.is_dir():
        echo(f"Error: {directory}: no such folder", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if handled:
        missing = feedback_store.mark_handled(directory, list(handled))
        if missing:
            echo(f"Error: {directory}: no report with id {', '.join(map(str, missing))}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        echo(f"Marked {len(handled)} report(s) handled.", err=True)
    reports = feedback_store.reports(directory, include_handled=show_all)
    if as_json:
        echo(json.dumps(reports, ensure_ascii=False, indent=2))
        return
    if not reports:
        echo("No open reports." if not show_all else "No reports.", err=True)
        return
    for report in reports:
        where = "/".join(p for p in (report["dataset"], report["table_name"]) if p)
        echo(
            f"#{report['id']}  {report['created']}  {where}  [{report['status']}]  "
            f"{feedback_store.clean(report['page'] or '')}"
        )
        for line in feedback_store.clean(report["message"]).splitlines():
            echo(f"    {line}")
