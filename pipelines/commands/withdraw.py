"""``terbuka withdraw``: take a publication down (or roll it back), here and in CKAN."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from terbuka.pipelines.errors import EXIT_ENVIRONMENT, EXIT_OK
from terbuka.pipelines.record import RunRecord, write_record

from .options import command, echo, json_option, out_option


@command()
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
    from terbuka.pipelines.errors import UsageError
    from terbuka.pipelines.runner import new_run_id, now

    name = Path(dataset).name
    record: RunRecord = {
        "run_id": new_run_id(),
        "dataset": name,
        "status": "rolled_back" if rollback else "withdrawn",
        "started": now(),
        "out": str(out_dir),
    }
    if not out_dir.is_dir() and not ckan_url:
        raise UsageError(f"{out_dir}: nothing published for {name!r}")
    held = _withdraw_here(out_dir, record, rollback, ckan_too=bool(ckan_url))
    code = _withdraw_from_ckan(ckan_url, ckan_id or "", purge, record) if ckan_url else EXIT_OK
    held.release()
    record["finished"] = now()
    problem = write_record(out_dir, record)
    if problem:  # the withdrawal took effect; that it is not on record is the environment's
        echo(f"Error: {problem}", err=True)
        code = code or EXIT_ENVIRONMENT
    if as_json:
        echo(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        _tell(record, out_dir)
    sys.exit(code)


def _withdraw_here(out_dir: Path, record: RunRecord, rollback: bool, ckan_too: bool) -> Any:
    """The publication out of DIR (or rolled back); returns the dataset's run lock, held.

    A run must not switch the publication while it is withdrawn, here or in CKAN: the
    caller releases the lock when both are done. A publication that cannot be withdrawn
    is a usage error, unless CKAN is still to be asked (``ckan_too``): then it is noted.
    """
    from terbuka.pipelines.errors import EnvironmentFault, UsageError
    from terbuka.pipelines.state import private_dir, state_dir
    from terbuka.publish import lock
    from terbuka.publish.withdraw import WithdrawError
    from terbuka.publish.withdraw import withdraw as withdraw_publication

    name = record["dataset"]
    held = lock.RunLock(out_dir, name, record["run_id"], "withdraw")
    try:
        held.acquire()
    except lock.LockHeld as error:
        raise EnvironmentFault(str(error)) from None
    try:
        record["publication"] = withdraw_publication(
            out_dir, name, private_dir(state_dir(out_dir) / "withdrawn"), rollback
        )
    except WithdrawError as error:
        held.release()
        if not ckan_too:
            raise UsageError(str(error)) from None
        record["publication"] = {"error": str(error)}
    return held


def _withdraw_from_ckan(ckan_url: str, ckan_id: str, purge: bool, record: RunRecord) -> int:
    """The CKAN dataset made private (or purged); its exit code (0, or the failure's)."""
    from terbuka.catalogs.mapping import slug
    from terbuka.catalogs.withdraw import CkanWithdrawError, withdraw_from_ckan

    try:
        # the name `terbuka publish` gives the dataset (without a --name-prefix)
        record["ckan"] = withdraw_from_ckan(ckan_url, ckan_id or slug(record["dataset"]), purge)
    except CkanWithdrawError as error:
        record["ckan"] = {"error": str(error)}
        record["error"] = str(error)
        return int(error.exit_code)
    return int(EXIT_OK)


def _tell(record: RunRecord, out_dir: Path) -> None:
    """One line for the publication, one for CKAN, on stderr."""
    name = record["dataset"]
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
