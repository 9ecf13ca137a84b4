"""What every command shares: the one way text leaves, option bundles, the help epilog.

Datasette bundles its shared options in decorators; so do we (``--out``, ``--json``,
``--port``/``--host``), so each command module declares only its own options.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from terbuka.pipelines.errors import EXIT_BAD_INPUT, EXIT_CODES_HELP

DEFAULT_SITE = "terbuka-site"
F = TypeVar("F", bound=Callable[..., Any])


def echo(message: Any = "", err: bool = False, nl: bool = True) -> None:
    """``click.echo`` with secrets scrubbed: the one way text leaves this command line."""
    from terbuka.catalogs.secrets import scrub

    click.echo(scrub(str(message)), err=err, nl=nl)


class Command(click.Command):
    """A command whose help ends with the exit-code table."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("epilog", EXIT_CODES_HELP)
        super().__init__(*args, **kwargs)


def command(name: str | None = None) -> Callable[[Callable[..., Any]], click.Command]:
    """``click.command`` with the exit-code table in its help."""
    return click.command(name, cls=Command)


def out_option(default: str | None = None) -> Callable[[F], F]:
    """``--out DIR``: the published folder (required unless a default is given)."""
    # click 8.2+ does not enforce `required` when `default=None` is passed explicitly.
    extra: dict[str, Any] = {"default": default} if default is not None else {"required": True}
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="The published folder (Datasette configuration directory).",
        **extra,
    )


def json_option(func: F) -> F:
    """``--json``: exactly one JSON document on stdout; logs stay on stderr."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print the run record as JSON on stdout."
    )(func)


def port_options(func: F) -> F:
    """``--port`` and ``--host`` for commands that serve."""
    func = click.option(
        "--host", default="127.0.0.1", show_default=True, help="Interface to listen on."
    )(func)
    return click.option(
        "--port", "-p", default=8001, show_default=True, type=int, help="Port to serve on."
    )(func)


def check_port(host: str, port: int) -> None:
    """One line and exit 3 when the port is taken, before Datasette logs its own failure."""
    import socket

    from terbuka.pipelines.errors import EnvironmentFault

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise EnvironmentFault(f"--host {host}: cannot listen there ({error.strerror})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as error:
            why = "already in use" if error.errno == errno.EADDRINUSE else error.strerror
            raise EnvironmentFault(
                f"{host}:{port}: cannot serve there ({why}); choose another with --port"
            ) from None


def fail_unless_published(directory: Path) -> None:
    """Exit 2 with one line when DIRECTORY holds no published database."""
    if not directory.is_dir() or not any(p.exists() for p in directory.glob("*.db")):
        echo(
            f"Error: {directory}: nothing published here (no .db files); run `terbuka run` first",
            err=True,
        )
        sys.exit(EXIT_BAD_INPUT)
