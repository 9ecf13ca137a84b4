"""Take a publication down, or roll it back to the previous good version, after a leak.

Withdrawing removes the live link (``DIR/.live/<dataset>``, see ``swap.py``) in one step:
from then on nothing in the published folder reaches the withdrawn files, and a running
``terbuka serve`` stops serving them at its next request. A rollback instead points the
link at the newest kept previous publication, with the same atomic rename a publication
uses. The withdrawn publication folder then moves to a private, owner-only folder outside
``DIR``, where the retention period of the private state applies.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from . import swap


class WithdrawError(ValueError):
    """Nothing to withdraw, or nothing to roll back to."""


def _private(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def withdraw(out_dir: Path, dataset: str, private: Path, rollback: bool = False) -> dict:
    """Take the live publication of ``dataset`` down (and maybe restore the previous one).

    Returns what happened: the withdrawn run id and, for a rollback, the restored one.
    The caller holds the dataset's run lock.
    """
    if (out_dir / f"{dataset}.db").is_file() and not (out_dir / f"{dataset}.db").is_symlink():
        swap.ensure_links(out_dir, dataset)  # a folder published before .publications/
    live = swap.live_target(out_dir, dataset)
    if live is None:
        raise WithdrawError(f"{out_dir}: nothing published for {dataset!r}")
    previous = swap.history(out_dir, dataset)
    if rollback and not previous:
        raise WithdrawError(f"{out_dir}: no previous publication of {dataset!r} to roll back to")
    if rollback:
        swap.switch(out_dir, dataset, swap.publications_dir(out_dir, dataset) / previous[-1])
        swap.kill_point("withdraw:switched")
    else:
        swap.live_link(out_dir, dataset).unlink()
        swap.fsync_dir(swap.live_link(out_dir, dataset).parent)
        swap.kill_point("withdraw:switched")
        for name in swap.fixed_links(dataset):  # dangling now; remove so nothing lists them
            (out_dir / name).unlink(missing_ok=True)
        swap.fsync_dir(out_dir)
        swap.kill_point("withdraw:unlinked")
    target = _private(private / dataset) / live.name
    if target.exists():
        shutil.rmtree(target)
    shutil.move(str(live), str(target))
    os.chmod(target, 0o700)
    for path in target.rglob("*"):
        os.chmod(path, 0o700 if path.is_dir() else 0o600)
    return {
        "dataset": dataset,
        "withdrawn_run_id": live.name,
        "restored_run_id": previous[-1] if rollback else None,
        "kept_in": str(target),
    }
