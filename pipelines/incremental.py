"""Incremental publication (issue 19): a run transforms only the units whose records changed.

A unit is a group of whole partitions (procurement: contracting processes, by ``ocid``)
whose boundaries depend only on the partitions' own keys (``procurement.unit_ends``), so
a new, changed or removed ocid changes its own unit and no other. Every run keeps, in the
private state folder, each unit's batch as it left privacy and row checks (redacted: what
the publication holds), keyed by a digest of the unit's input records. The next run
consumes a unit whose digest it finds there instead of transforming it again; everything
after the batches (disclosure control, derived tables, the gate, FTS, the package) runs
over the whole new tables as in a full run.

The result is the full rebuild's as long as a unit's batch depends only on its records
and on the run-wide settings the store records as its basis (descriptor, software,
pseudonym key, release schema, recognizers, the column plans settled on the run's
sample). When any of them differs, nothing is reused and the record says why.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import sqlite3
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .batch import Batch
from .column_plans import source_unit
from .readers import public_source
from .state import private_dir

STORE_FORMAT = "2"  # 2: the scans of derived tables are kept too
BUILDING = ".building"


def store_path(state: Path, dataset: str) -> Path:
    """Where the units of a dataset's current publication are kept."""
    return private_dir(state / "incremental") / f"{dataset.replace('/', '_')}.db"


@dataclass
class Reuse:
    """One run's view of the previous units (``previous``) and the store it writes (``path``)."""

    path: Path | None
    basis: dict[str, str]
    reason: str | None = None  # why nothing is reused; None: units are reused
    previous: sqlite3.Connection | None = None
    writer: sqlite3.Connection | None = None
    ocids: Counter[str] = field(default_factory=Counter)
    units: Counter[str] = field(default_factory=Counter)
    seen: set[str] = field(default_factory=set)
    inputs: list[Any] = field(default_factory=list)

    def stored(self, digest: str) -> bytes | None:
        """The previous publication's batch of a unit, compressed (None: not kept)."""
        if self.previous is None:
            return None
        row = self.previous.execute("select batch from units where digest = ?", [digest]).fetchone()
        return row[0] if row else None

    def has(self, digest: str) -> bool:
        """Whether the previous publication kept a unit with this digest."""
        if self.previous is None:
            return False
        found = self.previous.execute("select 1 from units where digest = ?", [digest])
        return found.fetchone() is not None

    def keep(self, digest: str, ocids: list[str], blob: bytes) -> None:
        """Add a unit of this run to the store it writes."""
        if self.writer is not None:
            self.writer.execute(
                "insert or replace into units values (?, ?, ?)", [digest, json.dumps(ocids), blob]
            )

    def summary(self) -> dict[str, Any]:
        """The run record's ``incremental`` section."""
        if self.reason is not None:
            return {"used": False, "reason": self.reason}
        removed = 0
        if self.previous is not None:
            for (ocids,) in self.previous.execute("select ocids from units"):
                removed += sum(o not in self.seen for o in json.loads(ocids))
        return {
            "used": True,
            "ocids": {**dict(self.ocids), "removed": removed},
            "units": dict(self.units),
        }


def basis(run: Any, pipeline: Any, redactor: Any) -> dict[str, str]:
    """What, besides its own records, a unit's published batch depends on."""
    from . import plugins

    plans = [
        [d["table"], d["column"], d["operator"], d["entity"], d["role"]]
        for d in redactor.decisions()
    ]
    location = pipeline.release_schema() if hasattr(pipeline, "release_schema") else None
    return {
        "format": STORE_FORMAT,
        "pipeline": pipeline.id,
        "descriptor": run.descriptor.fingerprint,
        "software": json.dumps(run.record["versions"], sort_keys=True),
        "code": code_digest(),
        "pseudonym key": hashlib.sha256(b"terbuka-units:" + redactor.hash_key).hexdigest(),
        "release schema": _schema_digest(location),
        "recognizers": ",".join(sorted(type(r).__name__ for r in plugins.recognizers())),
        "column plans": json.dumps(plans, sort_keys=True),
    }


def code_digest() -> str:
    """The code and data of terbuka that shape a row (transform, privacy), edited or not.

    A checkout edited without a new version number must not reuse units made by the
    old code. Large files (models) count by size and modification time.
    """
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for folder in ("pipelines", "privacy"):
        for path in sorted((root / folder).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            stat = path.stat()
            digest.update(f"{path.relative_to(root)} {stat.st_size}".encode())
            if stat.st_size < 1_000_000:
                digest.update(path.read_bytes())
            else:
                digest.update(str(stat.st_mtime_ns).encode())
    return digest.hexdigest()


def _schema_digest(location: str | None) -> str:
    """The release schema a batch was merged with, by content.

    Two locations of the same schema are the same basis, and so are two where none can
    be read (no schema): only what the merge and the checks saw shapes a batch.
    """
    from .ocds_schema import load_schema

    schema, _ = load_schema(location)
    if schema is None:
        return "no release schema"
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()


def start(run: Any, pipeline: Any, redactor: Any, published_run_id: str | None) -> Reuse:
    """Open the previous publication's units (when they can be reused) and a store to write."""
    if getattr(pipeline, "partitions", None) is None:
        reason = f"the {pipeline.id} pipeline has no per-record partitions (procurement only)"
        return Reuse(None, {}, reason)
    target = store_path(run.state, run.descriptor.name)
    for left in target.parent.glob(f"{target.stem}-*{BUILDING}"):  # dead runs' (we hold the lock)
        left.unlink(missing_ok=True)
    building = target.with_name(f"{target.stem}-{run.run_id}{BUILDING}")
    reuse = Reuse(building, {}, inputs=run.inputs)
    reuse.basis = basis(run, pipeline, redactor)
    reuse.reason = _why_not(run, target, reuse.basis, published_run_id)
    if reuse.reason is None:
        reuse.previous = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    if not run.dry_run:
        reuse.writer = _create(building, {**reuse.basis, "run_id": run.run_id})
    return reuse


def _why_not(
    run: Any, target: Path, basis: dict[str, str], published_run_id: str | None
) -> str | None:
    """Why the previous units cannot be reused (None: they can)."""
    if run.full:
        return "--full: a full rebuild was asked for"
    if published_run_id is None:
        return "nothing published yet"
    names = Counter(public_source(i.display) for i in run.inputs)
    shared = sorted(str(name) for name, count in names.items() if count > 1)
    if shared:
        return f"several inputs are named {shared[0]}: their releases cannot be told apart"
    if not target.exists():
        return "the previous publication kept no units (made before incremental runs, or dry)"
    try:
        with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as store:
            meta = dict(store.execute("select key, value from meta").fetchall())
    except sqlite3.Error as error:
        return f"the kept units cannot be read ({error})"
    if meta.get("run_id") != published_run_id:
        return "the kept units belong to another publication than the one published"
    for part, value in basis.items():
        if meta.get(part) != value:
            return f"the {part} changed since the previous publication"
    return None


def _create(path: Path, meta: dict[str, str]) -> sqlite3.Connection:
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # redacted, still private
    os.close(fd)
    store = sqlite3.connect(path)
    store.execute("pragma journal_mode = off")
    store.execute("pragma synchronous = off")
    store.execute("create table meta (key text primary key, value text)")
    store.execute("create table units (digest text primary key, ocids text, batch blob)")
    store.execute(
        "create table scans (scanner text, digest text, redacted text, kinds text,"
        " primary key (scanner, digest)) without rowid"
    )
    store.executemany("insert into meta values (?, ?)", list(meta.items()))
    return store


class ScanMemo:
    """Texts the derived tables scanned in the previous publication, and their results.

    A red flag's detail names suppliers and titles: the NER model reads it, though most
    details are the same as in the previous run. Kept by a keyed digest of the text (the
    pseudonym key: no text, and no digest a dictionary could reverse) with its redacted
    form, which is what the publication holds. Only with ``Reuse``'s basis, so the same
    code, model, recognizers and settings would give the same result; results used or
    made in this run are kept for the next one.
    """

    def __init__(self, reuse: Reuse, key: bytes):
        self.reuse = reuse
        self.key = key
        self.hits = self.misses = 0

    def _digest(self, text: str) -> str:
        return hmac.new(self.key, text.encode("utf-8", "surrogatepass"), "sha256").hexdigest()

    def get(self, scanner: str, text: str) -> tuple[str, tuple[str, ...]] | None:
        """The previous publication's result for ``text`` (None: not kept).

        One indexed lookup per text, not the previous scans in memory: a national
        publication has millions of red flags, and memory stays flat.
        """
        digest = self._digest(text)
        row = None
        if self.reuse.previous is not None:
            row = self.reuse.previous.execute(
                "select redacted, kinds from scans where scanner = ? and digest = ?",
                [scanner, digest],
            ).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        found = (row[0], tuple(json.loads(row[1])))
        self._keep(scanner, digest, found)
        return found

    def put(self, scanner: str, text: str, result: tuple[str, tuple[str, ...]]) -> None:
        """Keep this run's result for the next run."""
        self._keep(scanner, self._digest(text), result)

    def _keep(self, scanner: str, digest: str, result: tuple[str, tuple[str, ...]]) -> None:
        if self.reuse.writer is not None:  # a text seen again is ignored by the store
            self.reuse.writer.execute(
                "insert or ignore into scans values (?, ?, ?, ?)",
                [scanner, digest, result[0], json.dumps(list(result[1]))],
            )


def scan_memo(reuse: Reuse | None, key: bytes) -> ScanMemo | None:
    """A memo for the derived tables' scans, when this run keeps a store (None: no memo).

    It reads the previous scans only when the units are reused (same basis); otherwise
    it starts the next run's.
    """
    if reuse is None or reuse.writer is None:
        return None
    return ScanMemo(reuse, key)


def unit_digest(partitions: list[tuple[str, list[str]]]) -> str:
    """A unit's digest: its partitions' keys and what their rows depend on."""
    return hashlib.sha256(json.dumps(partitions, ensure_ascii=False).encode()).hexdigest()


def run_units(
    reuse: Reuse,
    pipeline: Any,
    units: Iterable[Any],
    process: Callable[[Iterator[Any]], Iterator[tuple[Any, Batch]]],
) -> Iterator[tuple[int, Batch]]:
    """``(size, batch)`` for every unit, in order: kept batches reused, the rest ``process``-ed.

    ``process`` (the worker pool) sees only the units to transform; the kept ones are
    read from the store when their turn comes, so memory stays flat. ``size``: the unit's
    source records, for the progress bar.
    """
    if reuse.path is None:
        for unit, batch in process(iter(units)):
            yield unit_size(pipeline, source_unit(unit)), batch
        return
    order: deque[Entry] = deque()

    def todo() -> Iterator[Any]:
        for unit in units:
            parts = pipeline.partitions(source_unit(unit))
            digest = unit_digest(parts)
            kept = reuse.has(digest)
            order.append(Entry(digest, [o for o, _ in parts], sum(len(r) for _, r in parts), kept))
            if not kept:
                yield unit

    for entry, processed in _in_order(order, process(todo())):
        reuse.seen.update(entry.ocids)
        reuse.ocids["reused" if entry.kept else "reprocessed"] += len(entry.ocids)
        reuse.units["reused" if entry.kept else "reprocessed"] += 1
        if processed is None:
            blob = reuse.stored(entry.digest)
            assert blob is not None
            batch = pickle.loads(zlib.decompress(blob))
            if hasattr(pipeline, "carry_over"):
                batch = pipeline.carry_over(batch, reuse.inputs)
        else:
            batch = processed
            blob = zlib.compress(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL), 1)
        reuse.keep(entry.digest, entry.ocids, blob)
        yield entry.size, batch


@dataclass
class Entry:
    """A unit on its way: its digest, ocids, size and whether its batch is kept."""

    digest: str
    ocids: list[str]
    size: int
    kept: bool


def unit_size(pipeline: Any, unit: Any) -> int:
    """A unit's source records as the pipeline counts them (1 when it does not say)."""
    return pipeline.unit_size(unit) if hasattr(pipeline, "unit_size") else 1


def _in_order(
    order: deque[Entry], results: Iterator[tuple[Any, Batch]]
) -> Iterator[tuple[Entry, Batch | None]]:
    """Each entry of ``order`` in turn, a processed one with its batch from ``results``."""
    done: deque[Batch] = deque()
    exhausted = False
    while order or not exhausted:
        if order and (order[0].kept or done):
            entry = order.popleft()
            yield entry, None if entry.kept else done.popleft()
            continue
        if exhausted:  # a unit to transform that never came back: cannot happen
            raise RuntimeError("a unit was lost between the store and the workers")
        try:
            done.append(next(results)[1])
        except StopIteration:
            exhausted = True


def commit(reuse: Reuse | None, state: Path, dataset: str) -> None:
    """The publication is live: its units replace the previous ones."""
    if reuse is None or reuse.writer is None or reuse.path is None:
        return
    reuse.writer.commit()
    reuse.writer.close()
    reuse.writer = None
    os.replace(reuse.path, store_path(state, dataset))


def discard(reuse: Reuse | None) -> None:
    """Close the stores; a store not committed goes."""
    if reuse is None:
        return
    for store in (reuse.previous, reuse.writer):
        if store is not None:
            store.close()
    reuse.previous = reuse.writer = None
    if reuse.path is not None:
        reuse.path.unlink(missing_ok=True)
