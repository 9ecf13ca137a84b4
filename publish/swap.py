"""A publication is a folder; one atomic rename of a symbolic link makes it live.

Layout of a published folder ``DIR``::

    DIR/<dataset>.db  -> .live/<dataset>/<dataset>.db      fixed links, made once
    DIR/<dataset>     -> .live/<dataset>/<dataset>
    DIR/.live/<dataset> -> ../.publications/<dataset>/<run_id>     THE switch
    DIR/.publications/<dataset>/<run_id>/<dataset>.db     one whole publication:
    DIR/.publications/<dataset>/<run_id>/<dataset>/       data package, run.json, ...

Everything a reader opens goes through ``.live/<dataset>``, and only that link ever
changes: a new link is made beside it and renamed over it (``rename(2)`` is atomic), so a
reader — Datasette, a download, a catalog — sees the old publication or the new one,
never half of each. A run builds in ``DIR/.build-<run_id>/`` (same file system), fsyncs
it, renames it into ``.publications/`` and switches. Previous publications stay for
rollback and as citable versions; how many are kept is the descriptor's retention
(``versions.py``; ``KEEP_HISTORY`` when a caller gives none).

``TERBUKA_KILL_AT=<point>`` (one of ``KILL_POINTS``) kills the process with SIGKILL when
it reaches that point. It exists for the crash tests only (tests/test_publication_swap.py,
bench/reliability.py); never set it in production.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

from .sharing import share_unchanged
from .site import write_site

KEEP_HISTORY = 3
RUN_FILE = "run.json"
LIVE = ".live"
PUBLICATIONS = ".publications"
BUILD_PREFIX = ".build-"
KILL_ENV = "TERBUKA_KILL_AT"
# Where a crash test may kill a publishing or withdrawing process, in the order reached.
KILL_POINTS = (
    "publish:built",  # the build is complete and fsynced, still in .build-<run>
    "publish:moved",  # the build is in .publications/, not live
    "publish:linked",  # the fixed links DIR/<dataset>(.db) exist
    "publish:link-made",  # the new link exists beside .live/<dataset>
    "publish:switched",  # renamed: the new publication is live
    "publish:pruned",  # old publications pruned, the run record not yet written
)
WITHDRAW_KILL_POINTS = (
    "withdraw:switched",  # the live link is gone (or points to the previous publication)
    "withdraw:unlinked",  # the fixed links are gone too (withdraw without rollback)
)
_RUN_ID = re.compile(r"^\d{8}T\d{6}Z-(\d{6}-)?[0-9a-f]{6}$")  # with microseconds, or older


def kill_point(name: str) -> None:
    """Die here, at once and without clean-up, if ``TERBUKA_KILL_AT`` names this point."""
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (new names, renames) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """Flush every file and folder below ``root`` to disk, then ``root`` itself."""
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(folder))


def build_dir(out_dir: Path, run_id: str) -> Path:
    """A fresh build folder for a run, inside the published folder's file system."""
    path = out_dir / f"{BUILD_PREFIX}{run_id}"
    path.mkdir(parents=True, exist_ok=False)
    return path


def discard_build(path: Path) -> None:
    """Remove a build folder (a failed or stopped run)."""
    shutil.rmtree(path, ignore_errors=True)


def publications_dir(out_dir: Path, dataset: str) -> Path:
    """``DIR/.publications/<dataset>/``: every kept publication of ``dataset``."""
    return out_dir / PUBLICATIONS / dataset


def live_link(out_dir: Path, dataset: str) -> Path:
    """``DIR/.live/<dataset>``: the one link that decides what is published."""
    return out_dir / LIVE / dataset


def live_target(out_dir: Path, dataset: str) -> Path | None:
    """The live publication folder of ``dataset``, or None when nothing is published."""
    link = live_link(out_dir, dataset)
    try:
        target = link.parent / os.readlink(link)
    except OSError:
        return None
    return target if target.is_dir() else None


def published_run_id(out_dir: Path, dataset: str) -> str | None:
    """The run id of the live publication of ``dataset``, if any."""
    target = live_target(out_dir, dataset)
    if target is not None:
        return target.name
    record = out_dir / dataset / RUN_FILE  # a folder published before .publications/
    try:
        return json.loads(record.read_text("utf-8")).get("run_id")
    except (OSError, ValueError):
        return None


def publications(out_dir: Path, dataset: str) -> list[str]:
    """Run ids of every kept publication folder of ``dataset``, oldest first."""
    root = publications_dir(out_dir, dataset)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def history(out_dir: Path, dataset: str) -> list[str]:
    """Run ids of the kept publications older than the live one, oldest first.

    A publication marked as being withdrawn is never one of them: a rollback cannot
    bring it back, even when the withdraw that marked it was killed half-way.
    """
    live = published_run_id(out_dir, dataset)
    return [
        r
        for r in publications(out_dir, dataset)
        if (live is None or r < live) and not withdrawn_marker(out_dir, dataset, r).exists()
    ]


def withdrawn_marker(out_dir: Path, dataset: str, run_id: str) -> Path:
    """``.publications/<dataset>/.withdrawn-<run_id>``: written before a withdraw switches."""
    return publications_dir(out_dir, dataset) / f".withdrawn-{run_id}"


def swap_in(
    build: Path,
    out_dir: Path,
    dataset: str,
    run_id: str | None = None,
    prune: Callable[[Path, str], object] | None = None,
) -> Path:
    """Make a finished build the live publication of ``dataset``; returns its folder.

    ``prune(out_dir, dataset)`` removes old versions after the switch (``versions.prune``
    with the descriptor's retention); without it the newest ``KEEP_HISTORY`` are kept.

    Files byte-identical to the live publication's become hard links to them first
    (``sharing.py``): unchanged tables cost no disk in the new version.

    A crash anywhere in here leaves the previous publication live and whole, or the new
    one: the only change readers can see is the rename of ``.live/<dataset>``.
    """
    run_id = run_id or build.name.removeprefix(BUILD_PREFIX)
    share_unchanged(build, live_target(out_dir, dataset))
    fsync_tree(build)
    kill_point("publish:built")
    root = publications_dir(out_dir, dataset)
    root.mkdir(parents=True, exist_ok=True)
    target = root / run_id
    os.rename(build, target)
    fsync_dir(root)
    fsync_dir(out_dir)
    kill_point("publish:moved")
    ensure_links(out_dir, dataset)
    kill_point("publish:linked")
    switch(out_dir, dataset, target)
    kill_point("publish:switched")
    write_site(out_dir)
    (prune or prune_history)(out_dir, dataset)
    kill_point("publish:pruned")
    return target


def switch(out_dir: Path, dataset: str, target: Path) -> None:
    """Point ``.live/<dataset>`` at ``target`` with one ``rename(2)``."""
    link = live_link(out_dir, dataset)
    link.parent.mkdir(exist_ok=True)
    _replace_with_link(link, os.path.relpath(target, link.parent), "publish:link-made")


def _replace_with_link(path: Path, target: str, kill_at: str | None = None) -> None:
    """Atomically make ``path`` a symbolic link to ``target`` (a new link renamed over it)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp-link")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    if kill_at:
        kill_point(kill_at)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fixed_links(dataset: str) -> dict[str, str]:
    """``DIR/<dataset>.db`` and ``DIR/<dataset>``: names in DIR and where they point."""
    return {
        f"{dataset}.db": f"{LIVE}/{dataset}/{dataset}.db",
        dataset: f"{LIVE}/{dataset}/{dataset}",
    }


def ensure_links(out_dir: Path, dataset: str) -> None:
    """Create the fixed links through ``.live/<dataset>`` (once; repairs a crashed migration).

    They may dangle while nothing is live: a dangling link reads as "not published".
    A folder published before ``.publications/`` (a real ``<dataset>.db`` and folder) is
    first moved into ``.publications/`` and made live through the link, unchanged.
    """
    if (out_dir / f"{dataset}.db").is_file() and not (out_dir / f"{dataset}.db").is_symlink():
        _migrate(out_dir, dataset)
    for name, target in fixed_links(dataset).items():
        path = out_dir / name
        if path.is_symlink() and os.readlink(path) == target:
            continue
        if path.is_dir() and not path.is_symlink():  # a stray folder of the old layout
            aside = out_dir / f".old-{dataset}-{os.getpid()}"
            os.rename(path, aside)
            _replace_with_link(path, target)
            shutil.rmtree(aside, ignore_errors=True)
            continue
        _replace_with_link(path, target)


def _migrate(out_dir: Path, dataset: str) -> None:
    """Move an old-layout publication into ``.publications/`` and make it live through the link."""
    db, folder = out_dir / f"{dataset}.db", out_dir / dataset
    run_id = published_run_id(out_dir, dataset) or "legacy"
    target = publications_dir(out_dir, dataset) / run_id
    target.mkdir(parents=True, exist_ok=True)
    if not (target / db.name).exists():
        os.link(db, target / db.name)  # the same file under a second name: nothing copied
    if folder.is_dir() and not (target / dataset).exists():
        shutil.copytree(folder, target / dataset, copy_function=os.link)
    fsync_tree(target)
    switch(out_dir, dataset, target)  # identical content: readers see no change
    _replace_with_link(db, fixed_links(dataset)[db.name])


def prune_history(out_dir: Path, dataset: str, keep: int = KEEP_HISTORY) -> None:
    """Keep only the newest ``keep`` publications older than the live one."""
    root = publications_dir(out_dir, dataset)
    for old in history(out_dir, dataset)[:-keep] if keep else history(out_dir, dataset):
        shutil.rmtree(root / old, ignore_errors=True)


def sweep_builds(out_dir: Path, live_runs: set[str]) -> list[str]:
    """Remove ``.build-*`` folders and stray temporary links of runs not in ``live_runs``."""
    swept = []
    if not out_dir.is_dir():
        return swept
    for path in sorted(out_dir.glob(f"{BUILD_PREFIX}*")):
        if path.name.removeprefix(BUILD_PREFIX) not in live_runs:
            shutil.rmtree(path, ignore_errors=True)
            swept.append(str(path.relative_to(out_dir)))
    for path in list(out_dir.glob(".*.tmp-link")) + list(out_dir.glob(f"{LIVE}/.*.tmp-link")):
        path.unlink(missing_ok=True)
        swept.append(str(path.relative_to(out_dir)))
    return swept


def sweep_unpublished(out_dir: Path, dataset: str) -> list[str]:
    """Remove publication folders newer than the live one: a run died before its switch.

    (They hold only checked, redacted data; removing them keeps rollback unambiguous.)

    Only called while holding the dataset's run lock, so no run is about to switch to them.
    """
    live = live_target(out_dir, dataset)
    if live is None:  # nothing live (withdrawn, or never): kept versions are not orphans
        return []
    root = publications_dir(out_dir, dataset)
    swept = []
    for run_id in publications(out_dir, dataset):
        if _RUN_ID.match(run_id) and run_id > live.name:
            shutil.rmtree(root / run_id, ignore_errors=True)
            swept.append(f"{PUBLICATIONS}/{dataset}/{run_id}")
    return swept
