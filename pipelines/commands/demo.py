"""``terbuka demo``: synthetic sources for every pipeline that has them, run and served."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from terbuka.pipelines.errors import EXIT_OK

from ..steward import metadata_option
from .options import DEFAULT_SITE, check_port, command, echo, json_option, out_option, port_options


@command()
@out_option(DEFAULT_SITE)
@port_options
@click.option("--no-serve", is_flag=True, help="Generate and publish, then exit.")
@click.option("--seed", default=2024, show_default=True, help="Seed of the synthetic data.")
@json_option
@metadata_option
def demo(out_dir: Path, port: int, host: str, no_serve: bool, seed: int, as_json: bool) -> None:
    """Generate sample sources, run every pipeline on them, and serve the result."""
    if not no_serve:
        check_port(host, port)  # before minutes of work, and again before serving
    out_dir.mkdir(parents=True, exist_ok=True)
    records, worst = _run_demos(out_dir, seed, verbose=not as_json)
    if as_json:
        echo(json.dumps(records, ensure_ascii=False, indent=2))
    if worst != EXIT_OK or no_serve:
        sys.exit(worst)
    from terbuka.publish.serve import serve_directory

    check_port(host, port)
    echo(f"Serving {out_dir} on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    serve_directory(out_dir, host=host, port=port)


def _run_demos(out_dir: Path, seed: int, verbose: bool) -> tuple[list[Any], int]:
    """Every dataset whose pipeline writes demo sources, run on them; records, worst code.

    ``verbose``: progress and each dataset's summary on stderr as it finishes.
    """
    from terbuka.metadata import list_datasets, metadata_root
    from terbuka.pipelines import plugins
    from terbuka.pipelines.demo import DEMO_PUBLISHER
    from terbuka.pipelines.descriptors import load as load_descriptor
    from terbuka.pipelines.runner import exit_code, run_dataset
    from terbuka.pipelines.state import private_dir, state_dir
    from terbuka.pipelines.summary import print_summary

    sources_root = private_dir(state_dir(out_dir) / "demo-sources")
    records, worst = [], EXIT_OK
    for name in list_datasets():
        descriptor = load_descriptor(metadata_root() / name)  # the bundled one, not a steward's
        pipeline = plugins.pipelines().get(descriptor.pipeline)
        if pipeline is None or not hasattr(pipeline, "demo_sources"):
            continue
        paths, planted = pipeline.demo_sources(sources_root / name, seed)
        (sources_root / name / "planted.json").write_text(json.dumps(planted.as_json(), indent=1))
        record = run_dataset(
            descriptor.folder, [str(p) for p in paths], out_dir, force=True,
            show_progress=verbose, publisher=DEMO_PUBLISHER,
        )  # fmt: skip
        records.append(record)
        if verbose:
            print_summary(record)
        worst = max(worst, exit_code(record))
    return records, worst
