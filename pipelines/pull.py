"""Pull a dataset's declared sources: fetch what is new, archive it, say what changed.

``terbuka pull`` stops here; ``terbuka run`` without ``--source`` reads the payloads
this returns. Each source is a registered unit (``pipelines/sources``); sources run in
a few threads while the shared fetcher keeps to one request at a time per host.
"""

from __future__ import annotations

import fcntl
import json
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from terbuka.metadata import Descriptor, DescriptorError
from terbuka.metadata.descriptor import display, load_yaml

from . import plugins
from .archive import Archive
from .errors import UsageError
from .fetch import Fetcher
from .readers import Input
from .sources import Payload, PullContext, SourceReport, private_state

COMMON_KEYS = ("id", "kind")
PULL_FILE = "_pull.json"
SOURCE_THREADS = 4


@dataclass
class PullResult:
    """Every payload the dataset is built from, and the report of what pulling did."""

    payloads: list[Payload]
    report: dict[str, Any]


def source_specs(descriptor: Descriptor) -> list[dict[str, Any]]:
    """The descriptor's ``sources``, checked against each kind's keys; ids filled in."""
    specs = descriptor.get("sources") or []
    if not specs:
        return []
    units = plugins.sources()
    path = descriptor.folder / "dataset.yml"
    _, lines = load_yaml(path)
    checked, ids = [], set()
    for index, spec in enumerate(specs):
        where = f"{display(path)}:{lines.get(('sources', index), 1)}: sources.{index}"
        kind = spec.get("kind")
        unit = units.get(kind)
        if unit is None:
            raise DescriptorError(
                f"{where}: unknown kind {kind!r} (known: {', '.join(sorted(units))})"
            )
        missing = [k for k in unit.requires if spec.get(k) in (None, "", [])]
        if missing:
            raise DescriptorError(f"{where}: a {kind} source needs the key {missing[0]!r}")
        extra = sorted(set(spec) - {*COMMON_KEYS, *unit.requires, *unit.accepts})
        if extra:
            raise DescriptorError(f"{where}: key {extra[0]!r} does not apply to a {kind} source")
        source_id = spec.get("id") or kind
        if source_id in ids:
            raise DescriptorError(
                f"{where}: two sources are called {source_id!r}; give each an `id`"
            )
        ids.add(source_id)
        checked.append({**spec, "id": source_id})
    return checked


def pull_dataset(
    descriptor: Descriptor, state: Path, *, full: bool = False, per_host: int = 1
) -> PullResult:
    """Pull every declared source; raise the first source's error after all have finished."""
    specs = source_specs(descriptor)
    if not specs:
        raise UsageError(
            f"no --source given and {display(descriptor.folder / 'dataset.yml')} "
            "declares no `sources` (a file, a folder or an http(s) URL)"
        )
    units = plugins.sources()
    archive = Archive.in_state(state)
    fetcher = Fetcher(archive, dataset=descriptor.name, per_host=per_host)
    folder = private_state(state, descriptor.name)
    try:
        with _locked(folder):
            ctx = PullContext(descriptor.name, descriptor.folder, archive, fetcher, folder, full)
            previous = _load(folder / PULL_FILE)

            def pull_one(spec: dict[str, Any]) -> tuple[SourceReport, list[Payload]]:
                report = SourceReport(spec["id"], spec["kind"])
                return report, units[spec["kind"]].pull(spec, ctx, report)

            with ThreadPoolExecutor(max_workers=min(SOURCE_THREADS, len(specs))) as pool:
                futures = [pool.submit(pull_one, spec) for spec in specs]
                outcomes = []
                for future in futures:
                    try:
                        outcomes.append(future.result())
                    except Exception as error:  # noqa: BLE001 - re-raised below, after the others
                        outcomes.append(error)
            failures = [o for o in outcomes if isinstance(o, BaseException)]
            if failures:
                raise failures[0]
            payloads: list[Payload] = []
            reports: list[dict[str, Any]] = []
            summary: dict[str, list[str]] = {}
            for report, found in outcomes:
                before = set(previous.get(report.id, []))
                now = [p.sha256 for p in found]
                report.payloads = len(found)
                report.new_payloads = len(set(now) - before)
                report.removed_payloads = len(before - set(now))
                report.changed = set(now) != before
                reports.append(report.as_json())
                summary[report.id] = now
                payloads.extend(found)
            _save(folder / PULL_FILE, summary)
    finally:
        fetcher.close()
        archive.close()
    return PullResult(
        payloads,
        {
            "changed": any(r["changed"] for r in reports),
            "requests": sum(r["requests"] for r in reports),
            "downloaded_bytes": sum(r["downloaded_bytes"] for r in reports),
            "sources": reports,
        },
    )


def declared_inputs(run: Any) -> list[Input]:
    """The run's inputs from its declared sources (the run record gets the pull report)."""
    result = pull_dataset(run.descriptor, run.state)
    run.record["pull"] = result.report
    return [
        Input(
            path=p.path,
            display=p.display,
            sha256=p.sha256,
            size=p.size,
            extra={"catalog": dict(p.meta)} if p.meta else {},
        )
        for p in result.payloads
    ]


@contextmanager
def _locked(folder: Path):
    """One pull per dataset at a time, across processes (cron and a steward at once)."""
    fd = os.open(folder / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _load(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def _save(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
    os.replace(tmp, path)
