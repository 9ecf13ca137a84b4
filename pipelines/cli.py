"""The ``terbuka`` command line.

Exit codes are the same for every command (the table is in :mod:`.errors` and in every
command's ``--help``). Anything that goes wrong is one line on stderr that names the
file, and the row and column where known; every line and JSON document this module
prints passes through :func:`echo`, which scrubs secrets.
"""

from __future__ import annotations

import errno
import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .errors import (
    EXIT_BAD_INPUT,
    EXIT_CODES_HELP,
    EXIT_ENVIRONMENT,
    EXIT_INTERNAL,
    EXIT_OK,
    disk_full_message,
    write_traceback,
)

DEFAULT_SITE = "terbuka-site"


def echo(message: Any = "", err: bool = False, nl: bool = True) -> None:
    """``click.echo`` with secrets scrubbed: the one way text leaves this command line."""
    from terbuka.catalogs.secrets import scrub

    click.echo(scrub(str(message)), err=err, nl=nl)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def out_option(default: str | None = None) -> Callable:
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


def json_option(func: Callable) -> Callable:
    """``--json``: exactly one JSON document on stdout; logs stay on stderr."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print the run record as JSON on stdout."
    )(func)


def port_options(func: Callable) -> Callable:
    """``--port`` and ``--host`` for commands that serve."""
    func = click.option(
        "--host", default="127.0.0.1", show_default=True, help="Interface to listen on."
    )(func)
    return click.option(
        "--port", "-p", default=8001, show_default=True, type=int, help="Port to serve on."
    )(func)


class Command(click.Command):
    """A command whose help ends with the exit-code table."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("epilog", EXIT_CODES_HELP)
        super().__init__(*args, **kwargs)


class Group(click.Group):
    """Lists commands in definition order; every failure becomes one line and an exit code.

    Known errors carry their code (2 bad input, 3 environment …); a full disk is 3 with
    the device and the file; anything else is a bug: 4, with the traceback in a file.
    """

    command_class = Command

    def list_commands(self, ctx: click.Context) -> list[str]:  # noqa: D102
        return list(self.commands)

    def invoke(self, ctx: click.Context) -> Any:  # noqa: D102
        from terbuka.metadata import DescriptorError

        from .errors import TerbukaError

        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            if "--json" in sys.argv[1:]:
                # The --json contract holds even when the command line itself is wrong.
                echo(
                    json.dumps(
                        {
                            "status": "failed",
                            "error": error.format_message(),
                            "exit_code": EXIT_BAD_INPUT,
                        }
                    )
                )
            raise
        except (TerbukaError, DescriptorError) as error:
            echo(f"Error: {error}", err=True)
            sys.exit(getattr(error, "exit_code", EXIT_BAD_INPUT))
        except (
            click.ClickException,
            click.exceptions.Exit,
            click.Abort,
            SystemExit,
            KeyboardInterrupt,
        ):
            raise
        except Exception as error:
            full = disk_full_message(error)
            if full:
                echo(f"Error: {full}", err=True)
                sys.exit(EXIT_ENVIRONMENT)
            log = write_traceback(None, "terbuka")
            echo(f"Error: internal error: {type(error).__name__} (traceback in {log})", err=True)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=Group, epilog=EXIT_CODES_HELP)
@click.version_option(package_name="terbuka")
def cli() -> None:
    """terbuka: publish procurement, budget and service data as open datasets.

    Pipelines pull the source data, Presidio strips personal data, Frictionless and
    Great Expectations check quality, and the result is published as licensed datasets
    through Datasette and CKAN.
    """
    signal.signal(signal.SIGTERM, _terminate)


@cli.command()
@click.argument("dataset", required=False)
@click.option(
    "--source", "sources", multiple=True, help="A file, a folder or an http(s) URL; repeatable."
)
@out_option()
@json_option
@click.option("--dry-run", is_flag=True, help="Do everything but publish; show what would change.")
@click.option(
    "--force", is_flag=True, help="Rebuild even when nothing changed since the last publication."
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary on stderr.")
@click.option("--all", "run_all", is_flag=True, help="Every dataset that declares sources.")
@click.option("--due", is_flag=True, help="Every dataset due by its update_frequency (for cron).")
@click.option("--ckan", "ckan_url", metavar="URL", help="Then publish to this CKAN (see publish).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: one per core, up to 4).",
)
@click.option(
    "--wait",
    is_flag=True,
    help="If another run holds the dataset's lock, wait for it (else exit 3).",
)
def run(
    dataset: str | None,
    sources: tuple[str, ...],
    out_dir: Path,
    as_json: bool,
    dry_run: bool,
    force: bool,
    quiet: bool,
    run_all: bool = False,
    due: bool = False,
    ckan_url: str | None = None,
    workers: int | None = None,
    wait: bool = False,
) -> None:
    """Run DATASET's pipeline on the sources and publish it into --out.

    DATASET is a descriptor name in metadata/ (procurement, ...) or a path to a
    descriptor folder. Without --source, the sources declared in its dataset.yml are
    pulled (only what changed is fetched). --all or --due run many datasets. Each run replaces the dataset's previous publication atomically;
    a failed or stopped run leaves it untouched.
    """
    from .runner import exit_code, run_dataset
    from .summary import print_summary

    if run_all or due or not dataset:
        _run_many(
            dataset,
            sources,
            out_dir,
            as_json,
            dry_run,
            force,
            quiet,
            run_all,
            due,
            ckan_url,
            workers,
            wait,
        )
    record = run_dataset(
        dataset,
        list(sources),
        out_dir,
        dry_run=dry_run,
        force=force,
        show_progress=not quiet,
        workers=workers,
        wait=wait,
    )
    code = exit_code(record)
    if ckan_url and code == EXIT_OK and not dry_run:
        record["catalogs"], code = _publish_to_ckan(
            out_dir, [record["dataset"]], ckan_url, quiet=quiet
        )
    if as_json:
        echo(json.dumps(record, ensure_ascii=False, indent=2))
    if not quiet:
        print_summary(record)
    elif code != EXIT_OK:  # -q drops the summary, never the one error line
        echo(f"Error: {record['dataset']}: {record.get('error') or record['status']}", err=True)
    sys.exit(code)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@port_options
def serve(directory: Path, port: int, host: str) -> None:
    """Serve everything published in DIRECTORY with Datasette."""
    from terbuka.publish.serve import serve_directory

    _fail_unless_published(directory)
    _check_port(host, port)
    serve_directory(directory, host=host, port=port)


@cli.command()
@out_option(DEFAULT_SITE)
@port_options
@click.option("--no-serve", is_flag=True, help="Generate and publish, then exit.")
@click.option("--seed", default=2024, show_default=True, help="Seed of the synthetic data.")
@json_option
def demo(out_dir: Path, port: int, host: str, no_serve: bool, seed: int, as_json: bool) -> None:
    """Generate sample sources, run every pipeline on them, and serve the result."""
    from terbuka.metadata import list_datasets

    from . import plugins
    from .descriptors import load as load_descriptor
    from .runner import exit_code, run_dataset
    from .state import private_dir, state_dir
    from .summary import print_summary

    if not no_serve:
        _check_port(host, port)  # before minutes of work, and again before serving
    out_dir.mkdir(parents=True, exist_ok=True)
    sources_root = private_dir(state_dir(out_dir) / "demo-sources")
    records, worst = [], EXIT_OK
    for name in list_datasets():
        descriptor = load_descriptor(name)
        pipeline = plugins.pipelines().get(descriptor.pipeline)
        if pipeline is None or not hasattr(pipeline, "demo_sources"):
            continue
        paths, planted = pipeline.demo_sources(sources_root / name, seed)
        (sources_root / name / "planted.json").write_text(json.dumps(planted.as_json(), indent=1))
        record = run_dataset(
            name, [str(p) for p in paths], out_dir, force=True, show_progress=not as_json
        )
        records.append(record)
        if not as_json:
            print_summary(record)
        worst = max(worst, exit_code(record))
    if as_json:
        echo(json.dumps(records, ensure_ascii=False, indent=2))
    if worst != EXIT_OK or no_serve:
        sys.exit(worst)
    from terbuka.publish.serve import serve_directory

    _check_port(host, port)
    echo(f"Serving {out_dir} on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    serve_directory(out_dir, host=host, port=port)


def _check_port(host: str, port: int) -> None:
    """One line and exit 3 when the port is taken, before Datasette logs its own failure."""
    import socket

    from .errors import EnvironmentFault

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


def _fail_unless_published(directory: Path) -> None:
    if not directory.is_dir() or not any(p.exists() for p in directory.glob("*.db")):
        echo(
            f"Error: {directory}: nothing published here (no .db files); run `terbuka run` first",
            err=True,
        )
        sys.exit(EXIT_BAD_INPUT)


def _run_many(
    dataset: str | None,
    sources: tuple[str, ...],
    out_dir: Path,
    as_json: bool,
    dry_run: bool,
    force: bool,
    quiet: bool,
    run_all: bool,
    due: bool,
    ckan_url: str | None = None,
    workers: int | None = None,
    wait: bool = False,
) -> None:
    """``run --all`` / ``run --due``: each dataset from its declared sources; one summary line."""
    from .errors import UsageError
    from .runner import exit_code, run_dataset
    from .schedule import due_datasets
    from .summary import print_summary

    problem = (
        "give a DATASET, or --all or --due"
        if not (run_all or due)
        else "give either --all or --due, not both"
        if run_all and due
        else "--all and --due use each dataset's declared sources: no DATASET or --source"
        if dataset or sources
        else None
    )
    if problem and as_json:  # the --json contract holds for usage errors too
        echo(json.dumps({"status": "failed", "error": problem, "exit_code": EXIT_BAD_INPUT}))
    if problem:
        raise UsageError(problem)
    which = "--due" if due else "--all"
    entries = due_datasets(out_dir)
    chosen = [
        e
        for e in entries
        if e.get("error")
        or (e["due"] if due else not str(e.get("reason", "")).startswith("declares no sources"))
    ]
    records, failures, worst = [], [], EXIT_OK
    for entry in chosen:
        if entry.get("error"):
            failures.append(f"{entry['dataset']}: {entry['error']}")
            worst = max(worst, EXIT_BAD_INPUT)
            continue
        record = run_dataset(
            entry["path"], [], out_dir, dry_run=dry_run, force=force,
            show_progress=not (quiet or as_json), workers=workers, wait=wait,
        )  # fmt: skip
        records.append(record)
        if not (quiet or as_json):
            print_summary(record)
        code = exit_code(record)
        if ckan_url and code == EXIT_OK and not dry_run:
            record["catalogs"], code = _publish_to_ckan(
                out_dir, [record["dataset"]], ckan_url, quiet=quiet or as_json
            )
        worst = max(worst, code)
        if code != EXIT_OK:
            error = record.get("error") or "; ".join(
                c.get("error", "") for c in record.get("catalogs", [])
            )
            failures.append(f"{record['dataset']}: {record['status']}: {error}")
    if as_json:
        echo(json.dumps(records, ensure_ascii=False, indent=2))
    counts: dict[str, int] = {}
    for record in records:
        counts[record["status"]] = counts.get(record["status"], 0) + 1
    done = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing to do"
    if failures:
        echo(
            f"terbuka run {which}: {len(failures)} of {len(chosen)} dataset(s) failed — "
            + "; ".join(f.replace("\n", " ") for f in failures),
            err=True,
        )
    elif not quiet:
        echo(f"terbuka run {which}: {len(chosen)} dataset(s): {done}", err=True)
    sys.exit(worst)


@cli.command()
@click.argument("dataset")
@out_option(DEFAULT_SITE)
@json_option
@click.option("--full", is_flag=True, help="Ignore watermarks: fetch every page again.")
def pull(dataset: str, out_dir: Path, as_json: bool, full: bool) -> None:
    """Fetch DATASET's declared sources into the private archive; show what changed.

    Nothing is published: `terbuka run DATASET --out DIR` reads what was pulled (and pulls
    again first, which costs a few conditional requests when nothing changed).
    """
    from terbuka.metadata import DescriptorError

    from .descriptors import load as load_descriptor
    from .errors import TerbukaError
    from .pull import pull_dataset
    from .state import state_dir

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


@cli.command("due")
@out_option()
@json_option
def due_command(out_dir: Path, as_json: bool) -> None:
    """List which datasets are due now by their update_frequency (what `run --due` runs)."""
    from .schedule import due_datasets

    entries = due_datasets(out_dir)
    if as_json:
        echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    for entry in entries:
        if entry.get("error"):
            echo(f"{entry['dataset']}: broken descriptor — {entry['error']}")
            continue
        mark = "due" if entry["due"] else "not due"
        last = entry["last_success"] or "never"
        echo(
            f"{entry['dataset']}: {mark} ({entry['reason']}; last success {last}; "
            f"update_frequency {entry['update_frequency'] or '-'})"
        )


@cli.command()
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
    results, code = _publish_to_ckan(
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


def _lock_guard(out_dir: Path, command: str = "publish") -> Callable[[str], Any]:
    """A dataset's run lock as a context manager; held elsewhere: a CatalogError, exit 3."""
    from contextlib import contextmanager

    from terbuka.catalogs.published import CatalogError
    from terbuka.publish import lock

    from .errors import EXIT_ENVIRONMENT
    from .runner import new_run_id

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


def _publish_to_ckan(
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
    from terbuka.catalogs import mapping, runs
    from terbuka.catalogs.client import TOKEN_VARIABLE, connect, token_from_environment
    from terbuka.catalogs.published import CatalogError, list_published

    from . import plugins

    def log(message: str) -> None:
        if not quiet:
            echo(f"  {message}", err=True)

    try:
        base = mapping.site_url(site)
        if not base:
            raise CatalogError(
                f"no public address for the Datasette site: set {mapping.SITE_URL_VARIABLE} "
                "or --site-url (CKAN links to its table pages and API)",
                exit_code=EXIT_BAD_INPUT,
            )
        if not token_from_environment():
            raise CatalogError(
                f"set {TOKEN_VARIABLE} to a CKAN API token (it is never read from options "
                "or files)",
                exit_code=EXIT_BAD_INPUT,
            )
        client = connect(ckan_url, retries=retries)
        names = names or list_published(directory)
        if not names:
            raise CatalogError(
                f"{directory}: nothing published here; run `terbuka run` first",
                exit_code=EXIT_BAD_INPUT,
            )
    except CatalogError as error:
        echo(f"Error: {error}", err=True)
        return [{"status": "failed", "error": str(error), "exit_code": error.exit_code}], (
            error.exit_code
        )
    publisher = plugins.publishers()["ckan"](
        client, base, organization=organization, name_prefix=name_prefix, log=log
    )
    results = runs.publish_datasets(directory, names, publisher, guard=_lock_guard(directory))
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


@cli.command()
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


@cli.command()
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
    from terbuka.privacy import PrivacyError, Redactor, TextScanner
    from terbuka.privacy.csvfile import (
        CsvError,
        column_summary,
        policy_from,
        read_csv,
        redact_table,
    )

    from .errors import EXIT_STOPPED, InputError
    from .state import hash_key, state_dir

    try:
        table = read_csv(input_path) if input_path.is_file() else None
        if table is None:
            raise InputError(str(input_path), "no such file")
        policy = policy_from(policy_path)
        key, origin = hash_key(state_dir(output.parent))
        from . import plugins

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


@cli.command()
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
    from terbuka.privacy import PrivacyError, Redactor, TextScanner
    from terbuka.privacy.csvfile import CsvError, policy_from, read_csv, scan_table

    from .errors import EXIT_STOPPED, InputError

    try:
        if not input_path.is_file():
            raise InputError(str(input_path), "no such file")
        table = read_csv(input_path)
        from . import plugins

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


@cli.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON on stdout.")
def plugins_command(as_json: bool) -> None:
    """List every registered unit and stage hook, with the plugin that registered it.

    Units are readers, pipelines, sources, checks, red flags, recognizers and publishers;
    installed plugins are found through their entry points in the ``terbuka`` group.
    """
    from . import plugins

    rows = plugins.listing()
    if as_json:
        echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in ("kind", "id", "plugin")}
    for row in [{"kind": "kind", "id": "id", "plugin": "plugin", "title": "title"}, *rows]:
        echo(
            "  ".join(row[k].ljust(widths[k]) for k in ("kind", "id", "plugin"))
            + "  "
            + row["title"]
        )


@cli.command()
@click.argument("dataset")
@out_option()
@click.option("--rollback", is_flag=True, help="Restore the previous publication instead of none.")
@click.option("--ckan", "ckan_url", help="Also take the dataset down on this CKAN.")
@click.option("--ckan-id", help="The dataset's name in CKAN (default: DATASET).")
@click.option("--purge", is_flag=True, help="Purge the CKAN dataset instead of making it private.")
@json_option
def withdraw(
    dataset: str,
    out_dir: Path,
    rollback: bool,
    ckan_url: str | None,
    ckan_id: str | None,
    purge: bool,
    as_json: bool,
) -> None:
    """Take DATASET's publication down after a leak, or roll it back with --rollback.

    The withdrawn database and files leave DIR at once and are kept in the private
    state folder (owner-only, subject to retention_days). With --ckan, the CKAN
    dataset is made private (or purged); the token comes from CKAN_API_TOKEN.
    """
    from terbuka.catalogs.withdraw import CkanWithdrawError, withdraw_from_ckan
    from terbuka.publish import lock
    from terbuka.publish.withdraw import WithdrawError
    from terbuka.publish.withdraw import withdraw as withdraw_publication

    from .errors import EnvironmentFault, UsageError
    from .runner import _write_record, new_run_id, now
    from .state import private_dir, state_dir

    name = Path(dataset).name
    record: dict[str, Any] = {
        "run_id": new_run_id(),
        "dataset": name,
        "status": "rolled_back" if rollback else "withdrawn",
        "started": now(),
        "out": str(out_dir),
    }
    if not out_dir.is_dir() and not ckan_url:
        raise UsageError(f"{out_dir}: nothing published for {name!r}")
    held = lock.RunLock(out_dir, name, record["run_id"], "withdraw")
    try:
        held.acquire()  # a run must not switch the publication while it is withdrawn
    except lock.LockHeld as error:
        raise EnvironmentFault(str(error)) from None
    try:
        record["publication"] = withdraw_publication(
            out_dir, name, private_dir(state_dir(out_dir) / "withdrawn"), rollback
        )
    except WithdrawError as error:
        held.release()
        if not ckan_url:
            raise UsageError(str(error)) from None
        record["publication"] = {"error": str(error)}
    code = EXIT_OK
    if ckan_url:
        try:
            from terbuka.catalogs.mapping import slug

            # the name `terbuka publish` gives the dataset (without a --name-prefix)
            record["ckan"] = withdraw_from_ckan(ckan_url, ckan_id or slug(name), purge)
        except CkanWithdrawError as error:
            record["ckan"] = {"error": str(error)}
            record["error"] = str(error)
            code = error.exit_code
    held.release()
    record["finished"] = now()
    _write_record(out_dir, record)
    if as_json:
        echo(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        publication = record["publication"]
        if "withdrawn_run_id" in publication:
            restored = publication.get("restored_run_id")
            echo(
                f"{name}: publication {publication['withdrawn_run_id']} withdrawn from {out_dir}"
                + (f"; restored {restored}" if restored else "")
                + f" (kept privately in {publication['kept_in']})",
                err=True,
            )
        if "ckan" in record:
            echo(
                f"{name}: CKAN: {record['ckan'].get('action') or record['ckan'].get('error')}",
                err=True,
            )
    sys.exit(code)
