"""``terbuka publish``: the published datasets to a CKAN catalog (also used by ``run --ckan``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from terbuka.pipelines.errors import EXIT_BAD_INPUT

from .options import command, echo


@command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.argument("datasets", nargs=-1)
@click.option(
    "--ckan",
    "ckan_url",
    required=True,
    metavar="URL",
    help="Address of the CKAN to publish to; the API token is read from CKAN_API_TOKEN.",
)
@click.option(
    "--site-url",
    metavar="URL",
    help="Public address of the Datasette site, for links (default: $TERBUKA_SITE_URL).",
)
@click.option(
    "--org",
    "organization",
    metavar="NAME",
    help="CKAN organisation name (default: made from the publisher's name; created if missing).",
)
@click.option(
    "--name-prefix", default="", help="Prefix for CKAN dataset names, e.g. 'kota-contoh-'."
)
@click.option(
    "--retries",
    default=4,
    show_default=True,
    type=click.IntRange(0, 10),
    help="Retries (with back-off) on time-outs, refused connections and 5xx answers.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines on stderr.")
def publish(
    directory: Path,
    datasets: tuple[str, ...],
    ckan_url: str,
    site_url: str | None,
    organization: str | None,
    name_prefix: str,
    retries: int,
    as_json: bool,
    quiet: bool,
) -> None:
    """Publish datasets from DIRECTORY to a CKAN catalog (every dataset by default).

    Creates the organisation and the dataset when missing, uploads the CSVs, the data
    package, the SQLite file (and for procurement an OCDS record package), and links the
    Datasette pages. Publishing the same run again changes nothing in CKAN.
    """
    results, code = publish_to_ckan(
        directory,
        list(datasets),
        ckan_url,
        site=site_url,
        organization=organization,
        name_prefix=name_prefix,
        retries=retries,
        quiet=quiet,
    )
    if as_json:
        echo(json.dumps(results, ensure_ascii=False, indent=2))
    sys.exit(code)


def lock_guard(out_dir: Path, command: str = "publish") -> Callable[[str], Any]:
    """A dataset's run lock as a context manager; held elsewhere: a CatalogError, exit 3."""
    from contextlib import contextmanager

    from terbuka.catalogs.published import CatalogError
    from terbuka.pipelines.errors import EXIT_ENVIRONMENT
    from terbuka.pipelines.runner import new_run_id
    from terbuka.publish import lock

    @contextmanager
    def guard(name: str) -> Any:
        taken = lock.RunLock(out_dir, name, new_run_id(), command)
        try:
            taken.acquire()
        except lock.LockHeld as error:
            raise CatalogError(str(error), exit_code=EXIT_ENVIRONMENT) from None
        try:
            yield taken
        finally:
            taken.release()

    return guard


def publish_to_ckan(
    directory: Path,
    names: list[str],
    ckan_url: str,
    *,
    site: str | None = None,
    organization: str | None = None,
    name_prefix: str = "",
    retries: int = 4,
    quiet: bool = False,
) -> tuple[list[dict[str, Any]], int]:
    """Publish to CKAN with the registered ``ckan`` publisher; one line per dataset."""
    from terbuka.catalogs import runs
    from terbuka.catalogs.published import CatalogError
    from terbuka.pipelines import plugins

    def log(message: str) -> None:
        if not quiet:
            echo(f"  {message}", err=True)

    try:
        client, base, names = _ckan_and_datasets(directory, names, ckan_url, site, retries)
    except CatalogError as error:
        echo(f"Error: {error}", err=True)
        return [{"status": "failed", "error": str(error), "exit_code": error.exit_code}], (
            error.exit_code
        )
    publisher = plugins.publishers()["ckan"](
        client, base, organization=organization, name_prefix=name_prefix, log=log
    )
    results = runs.publish_datasets(directory, names, publisher, guard=lock_guard(directory))
    for result in results:
        if result["status"] == "failed":
            echo(f"Error: {result['dataset']}: {result['error']}", err=True)
        elif not quiet:
            echo(
                f"{result['dataset']}: {result['status']} {result['url']} "
                f"({result['resources']} resources, {result['writes']} changes)",
                err=True,
            )
    return results, runs.exit_code(results)


def _ckan_and_datasets(
    directory: Path, names: list[str], ckan_url: str, site: str | None, retries: int
) -> tuple[Any, str, list[str]]:
    """The CKAN client, the site's public address and the datasets to publish.

    Each missing piece is a ``CatalogError`` (exit 2) before anything is sent.
    """
    from terbuka.catalogs import mapping
    from terbuka.catalogs.client import TOKEN_VARIABLE, connect, token_from_environment
    from terbuka.catalogs.published import CatalogError, list_published

    base = mapping.site_url(site)
    if not base:
        raise CatalogError(
            f"no public address for the Datasette site: set {mapping.SITE_URL_VARIABLE} "
            "or --site-url (CKAN links to its table pages and API)",
            exit_code=EXIT_BAD_INPUT,
        )
    if not token_from_environment():
        raise CatalogError(
            f"set {TOKEN_VARIABLE} to a CKAN API token (it is never read from options or files)",
            exit_code=EXIT_BAD_INPUT,
        )
    client = connect(ckan_url, retries=retries)
    names = names or list_published(directory)
    if not names:
        raise CatalogError(
            f"{directory}: nothing published here; run `terbuka run` first",
            exit_code=EXIT_BAD_INPUT,
        )
    return client, base, names
