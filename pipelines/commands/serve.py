"""``terbuka serve``: serve what was published, following each dataset's live link."""

from __future__ import annotations

from pathlib import Path

import click

from ..steward import metadata_option
from .options import check_port, command, fail_unless_published, port_options


@command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@port_options
@metadata_option
def serve(directory: Path, port: int, host: str) -> None:
    """Serve everything published in DIRECTORY with Datasette."""
    from terbuka.publish.serve import serve_directory

    fail_unless_published(directory)
    check_port(host, port)
    serve_directory(directory, host=host, port=port)
