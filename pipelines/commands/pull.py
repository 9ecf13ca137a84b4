"""``terbuka pull``: fetch declared sources into the private archive; publish nothing."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..steward import metadata_option
from .options import DEFAULT_SITE, command, echo, json_option, out_option


@command()
@click.argument("dataset")
@out_option(DEFAULT_SITE)
@json_option
@click.option("--full", is_flag=True, help="Ignore watermarks: fetch every page again.")
@metadata_option
def pull(dataset: str, out_dir: Path, as_json: bool, full: bool) -> None:
    """Fetch DATASET's declared sources into the private archive; show what changed.

    Nothing is published: `terbuka run DATASET --out DIR` reads what was pulled (and pulls
    again first, which costs a few conditional requests when nothing changed).
    """
    from terbuka.metadata import DescriptorError
    from terbuka.pipelines.descriptors import load as load_descriptor
    from terbuka.pipelines.errors import TerbukaError
    from terbuka.pipelines.pull import pull_dataset
    from terbuka.pipelines.state import state_dir

    try:
        descriptor = load_descriptor(dataset)
        result = pull_dataset(descriptor, state_dir(out_dir), full=full)
    except (TerbukaError, DescriptorError) as error:
        if as_json:  # one JSON document on stdout, whatever happens
            failed = {"dataset": dataset, "status": "failed", "error": str(error)}
            echo(json.dumps(failed, ensure_ascii=False))
        raise
    report = {"dataset": descriptor.name, "status": "pulled", **result.report}
    if as_json:
        echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for source in report["sources"]:
        state = "changed" if source["changed"] else "unchanged"
        detail = (
            f"{source['requests']} request(s), {source['not_modified']} not modified, "
            f"{source['downloaded_bytes']:,} bytes; {source['payloads']} payload(s), "
            f"{source['new_payloads']} new, {source['removed_payloads']} gone"
        )
        echo(f"{descriptor.name} · {source['id']} ({source['kind']}): {state} — {detail}")
        for note in source["notes"]:
            echo(f"  note: {note}")
    echo(
        f"{descriptor.name}: {'changed' if report['changed'] else 'unchanged'} since the last pull"
    )
