"""``terbuka scan``: what personal data a CSV file holds, per column; no data written."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .options import command, echo, json_option


@command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@json_option
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A privacy.yml to show which operator each column would get.",
)
def scan(input_path: Path, as_json: bool, policy_path: Path | None) -> None:
    """Report what personal data INPUT (a CSV file) holds, per column, without writing data.

    Shows for each column what its name and values say it holds, the operator `redact`
    would apply, and how many values of each entity type its cells contain. Values are
    never printed.
    """
    from terbuka.pipelines.errors import EXIT_STOPPED, InputError
    from terbuka.pipelines.readers.limits import regular_file
    from terbuka.privacy import PrivacyError, Redactor, TextScanner
    from terbuka.privacy.csvfile import CsvError, policy_from, read_csv, scan_table

    try:
        if not input_path.exists():
            raise InputError(str(input_path), "no such file")
        regular_file(input_path, str(input_path))  # a FIFO or device would never end
        table = read_csv(input_path)
        from terbuka.pipelines import plugins

        scanner = TextScanner(extra_recognizers=tuple(plugins.recognizers()))
        result = scan_table(table, scanner, Redactor(policy_from(policy_path), scanner, b""))
    except CsvError as error:
        raise InputError(str(input_path), str(error).split(": ", 1)[-1]) from None
    except PrivacyError as error:
        echo(f"Error: {input_path}: scan failed: {error}", err=True)
        sys.exit(EXIT_STOPPED)
    if as_json:
        echo(
            json.dumps(
                {"file": str(input_path), "rows": len(table.rows), "columns": result},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    echo(f"{input_path}: {len(table.rows)} rows, {len(result)} columns")
    for item in result:
        found = ", ".join(f"{e} {n}" for e, n in item["found"].items()) or "-"
        detected = f"{item['detected']} ({item['source']})" if item["detected"] else "-"
        echo(f"  {item['column'][:28]:<28} {detected:<28} {item['operator']:<10} {found}")
