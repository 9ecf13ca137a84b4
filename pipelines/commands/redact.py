"""``terbuka redact``: personal data replaced in any CSV file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .options import command, echo


@command()
@click.argument("input_path", metavar="INPUT.csv", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the redacted CSV (written only if redaction succeeds).",
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A privacy.yml with csv.<column> policies (default: detect and scan everything).",
)
@click.option("--workers", type=int, default=None, help="Worker processes (default: 2).")
def redact(input_path: Path, output: Path, policy_path: Path | None, workers: int | None) -> None:
    """Replace personal data in any CSV file, keeping its rows, order and columns.

    Each column is classified from its name and a sample of its values; identifiers and
    contact details are replaced by their entity type (<NIK>, <PHONE_NUMBER>), free text
    is scanned and personal data replaced in place. A one-screen summary goes to stderr.
    """
    from terbuka.pipelines.errors import EXIT_STOPPED, InputError
    from terbuka.pipelines.readers.limits import regular_file
    from terbuka.pipelines.state import hash_key, state_dir
    from terbuka.privacy import PrivacyError, Redactor, TextScanner
    from terbuka.privacy.csvfile import (
        CsvError,
        column_summary,
        policy_from,
        read_csv,
        redact_table,
    )

    try:
        if not input_path.exists():
            raise InputError(str(input_path), "no such file")
        regular_file(input_path, str(input_path))  # a FIFO or device would never end
        table = read_csv(input_path)
        policy = policy_from(policy_path)
        key, origin = hash_key(state_dir(output.parent))
        from terbuka.pipelines import plugins

        scanner = TextScanner(extra_recognizers=tuple(plugins.recognizers()))
        redactor = Redactor(policy, scanner, key)
        header, rows = redact_table(table, redactor, workers)
    except CsvError as error:
        raise InputError(str(input_path), str(error).split(": ", 1)[-1]) from None
    except PrivacyError as error:
        echo(f"Error: {input_path}: stopped, nothing written: {error}", err=True)
        sys.exit(EXIT_STOPPED)
    from terbuka.privacy.csvfile import write_csv

    write_csv(table, header, rows, output)
    summary = column_summary(redactor, table.columns)
    removed = sum(redactor.report.values())
    echo(
        f"{input_path} → {output}: {len(rows)} rows, {len(header)} of {len(table.columns)} "
        f"columns, {removed} personal-data values replaced (hash key: {origin})",
        err=True,
    )
    for item in summary:
        found = ", ".join(f"{e} {n}" for e, n in item["found"].items()) or "-"
        detected = f"{item['detected']} ({item['source']})" if item["detected"] else "-"
        echo(f"  {item['column'][:28]:<28} {detected:<28} {item['operator']:<10} {found}", err=True)
