"""The procurement pipeline: OCDS releases and records (or tender exports) to tables.

Extraction streams every release into the on-disk staging database, so grouping by
``ocid`` never holds a whole file in memory. Duplicates (same ``ocid``, release ``id``
and content) are counted once; two releases with the same ``ocid`` and ``id`` but
different content are a conflict: both are quarantined, neither is published.
Each contracting process is then compiled with the OCDS merge rules (``ocdsmerge``).
"""

from __future__ import annotations

import hashlib
import json
import warnings
import zlib
from collections.abc import Iterator
from typing import Any

from ..batch import Batch
from ..errors import InputError
from ..provenance import package_publisher
from ..readers import Input, detect, members, note_skipped, public_source
from ..readers.ocds import OcdsItem
from ..readers.tabular import Layout, reader_options
from ..red_flags.tables import RED_FLAG_TABLES
from ..staging import insert_in_chunks
from ..unusable import unusable_release, unusable_row
from . import demo_from
from .layouts import LayoutError, RowMapper, match_layout, normalise_header
from .ocds_flatten import Flattener, normalise_dates, text

BATCH_RELEASES = 500
CUT_EVERY = 64  # ocids: past half a batch, a unit ends after one in this many
STAGE_BATCH = 2000
# Parents first: foreign keys point at tables that already exist. ``tenders`` (one row per
# ocid, no JSON) is the parent of the other tables: light for Frictionless' lookups and
# labelled by its title in Datasette.
TABLES = [
    "tenders",
    "compiled_releases",
    "releases",
    "parties",
    "awards",
    "award_suppliers",
    "contracts",
    "items",
    "red_flag_indicators",
    "red_flags",
    *RED_FLAG_TABLES,
]


def canonical(data: Any) -> str:
    """The canonical JSON text of a release: the same content always hashes the same."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class ProcurementPipeline:
    """OCDS JSON, SPSE-style CSV/XLSX → releases, compiled releases and their tables."""

    id = "procurement"
    title = "Procurement (OCDS)"
    readers = ["ocds-json", "csv", "xlsx", "json-rows"]
    tables = TABLES
    primary_table = "releases"

    def __init__(self, descriptor: Any):
        self.descriptor = descriptor
        ocds = descriptor.get("ocds") or {}
        self.schema_location = ocds.get("schema")
        self.ocid_prefix = ocds.get("ocid_prefix") or "ocds-terbuka"
        self.timezone = descriptor.get("timezone")
        self.layouts = descriptor.get("layouts") or {}
        self.red_flags = _red_flags(descriptor)  # checked now: a typo fails before any work
        self.risk_score = _risk_score(descriptor, self.red_flags)

    # Synthetic sources for the demo and the planted personal values in them.
    demo_sources = demo_from("demo", "generate_procurement")

    def release_schema(self) -> str | None:
        """Where the release schema is read from (the environment wins over the descriptor)."""
        from ..ocds_schema import schema_location

        return schema_location(self.schema_location)

    # --- extract -------------------------------------------------------------------

    def extract(self, inputs: list[Input], staging: Any, progress: Any = None) -> Batch:
        """Read every input into ``staging``; what cannot be used is quarantined."""
        rejects = Batch()
        self._create_raw_releases(staging)
        for index, source in enumerate(inputs):
            items = self._staged(index, source, rejects)
            table = staging["raw_releases"]
            insert_in_chunks(table, items, STAGE_BATCH, progress, batch_size=STAGE_BATCH)
        return self._finish_extract(staging, inputs, rejects)

    def _staged(self, index: int, source: Input, rejects: Batch) -> Iterator[dict[str, Any]]:
        """Every release or row of one input, as staged, read member by member."""
        found = members(source.path, source.display)
        note_skipped(found, rejects, "releases", source.display)
        for member in found:
            reader = detect(member, self.readers)
            source.reader = reader.id
            if reader.id == "ocds-json":
                items = self._ocds_items(reader, member, source, rejects)
            else:
                items = self._tabular_items(reader, member, source, rejects)
            for staged in items:
                staged["input"] = index
                yield staged

    @staticmethod
    def _create_raw_releases(staging: Any) -> None:
        """The staging table every release goes into before it is compiled."""
        staging["raw_releases"].create(
            {
                "seq": int, "input": int, "position": int, "ocid": str, "release_id": str,
                "date": str, "sha256": str, "kind": str, "data": str, "disposition": str,
            },
            pk="seq",
            if_not_exists=True,
        )  # fmt: skip

    def _finish_extract(self, staging: Any, inputs: list[Input], rejects: Batch) -> Batch:
        """Mark duplicate releases; say when the release schema cannot validate them."""
        self._mark_duplicates(staging, inputs, rejects)
        from ..ocds_schema import validator_for

        validator, origin = validator_for(self.release_schema())
        if validator is None:
            rejects.note(
                "releases", "", "ocds-schema-unavailable", f"releases were not validated: {origin}"
            )
        return rejects

    def _ocds_items(
        self, reader: Any, member: Any, source: Input, rejects: Batch
    ) -> Iterator[dict]:
        kinds = set()
        for item in reader.read(member):
            source.records += 1
            kinds.add(item.kind)
            if item.package and "package" not in source.extra:
                source.extra["package"] = {
                    k: v
                    for k, v in item.package.items()
                    if k in ("shape", "uri", "publishedDate", "version", "license")
                }
                source.extra["package"].update(package_publisher(item.package))
            if item.kind == "invalid":
                source.extra.setdefault("invalid", 0)
                source.extra["invalid"] += 1
                rejects.reject(
                    "releases", f"{member.name}#{item.position}", "not-a-release", item.problem,
                    source=member.name, position=item.position,
                )  # fmt: skip
                continue
            if item.kind == "record":
                yield from self._record_releases(item, member, rejects)
            else:
                staged = self._stage_release(
                    item.data, item.position, "release", member.name, rejects
                )
                if staged:
                    yield staged
        source.kind = (
            "record"
            if kinds == {"record"}
            else "release"
            if kinds <= {"release", "invalid"}
            else "mixed"
        )

    def _record_releases(self, item: OcdsItem, member: Any, rejects: Batch) -> Iterator[dict]:
        record = item.data
        full = [
            r
            for r in record.get("releases") or []
            if isinstance(r, dict) and "ocid" in r and "id" in r
        ]
        if full:
            for release in full:
                staged = self._stage_release(
                    release, item.position, "release", member.name, rejects
                )
                if staged:
                    yield staged
            return
        compiled = record.get("compiledRelease")
        if isinstance(compiled, dict):
            compiled = dict(compiled)
            compiled.setdefault("ocid", record.get("ocid"))
            staged = self._stage_release(compiled, item.position, "compiled", member.name, rejects)
            if staged:
                yield staged
            return
        rejects.reject(
            "releases", f"{record.get('ocid')}", "record-without-releases",
            "record has neither embedded releases nor a compiledRelease",
            source=member.name, position=item.position,
        )  # fmt: skip

    def _stage_release(
        self, release: dict, position: int, kind: str, source: str, rejects: Batch
    ) -> dict | None:
        ocid, release_id = text(release.get("ocid")), text(release.get("id"))
        key = f"{ocid}/{release_id}"
        if not ocid or (not release_id and kind != "compiled"):
            missing = "ocid" if not ocid else "id"
            rejects.reject(
                "releases", key, f"missing-{missing}", f"release has no {missing}",
                row={"ocid": ocid, "release_id": release_id}, column="ocid" if not ocid else "release_id",
                source=source, position=position,
            )  # fmt: skip
            return None
        if unusable_release(release, key, position, source, rejects):
            return None
        data = canonical(release)
        date = release.get("date")
        return {
            "position": position,
            "ocid": ocid,
            "release_id": release_id or f"{ocid}-compiled",
            "date": date if isinstance(date, str) else None,
            "sha256": hashlib.sha256(data.encode()).hexdigest(),
            "kind": kind,
            "data": data,
            "disposition": "ok",
        }

    def _tabular_items(
        self, reader: Any, member: Any, source: Input, rejects: Batch
    ) -> Iterator[dict]:
        layout_info = Layout()
        rows = reader.read(member, reader_options(self.descriptor, member.name), layout_info)
        mapper = None
        for row in rows:
            if mapper is None:
                found = match_layout(layout_info.columns, self.layouts)
                if found is None:
                    known = "; ".join(
                        f"{k} ({', '.join(v['match'])})" for k, v in self.layouts.items()
                    )
                    raise InputError(
                        member.name,
                        f"columns match no layout in the descriptor (known: {known or 'none'})",
                        row=layout_info.header_row,
                    )
                layout_id, layout = found
                mapper = RowMapper(layout, self.ocid_prefix, self.timezone, layout_info.locales)
                unmapped = sorted(
                    c
                    for c in layout_info.columns
                    if normalise_header(c) not in mapper.mapped_columns()
                )
                source.kind = "table"
                source.extra.update(
                    {
                        "layout": layout_id,
                        **layout_info.as_record(),
                        "unmapped_columns": unmapped,
                    }
                )
            source.records += 1
            if row.problem:
                rejects.reject(
                    "releases", f"{member.name}#{row.number}", row.check or "ragged-row", row.problem,
                    source=member.name, position=row.number,
                )  # fmt: skip
                continue
            try:
                release, problems = mapper.release(row.values)
            except LayoutError as error:
                rejects.reject(
                    "releases", f"{member.name}#{row.number}", "unmappable-row", str(error),
                    source=member.name, position=row.number,
                )  # fmt: skip
                continue
            if unusable_row(problems, member.name, row.number, release, rejects):
                continue
            for column, problem, value in problems:
                rejects.note(
                    "releases", f"{release['ocid']}/{release['id']}", "unreadable-cell",
                    f"row {row.number}: {problem}", column, value,
                )  # fmt: skip
            staged = self._stage_release(release, row.number, "release", member.name, rejects)
            if staged:
                yield staged
        if mapper is None and source.records == 0:
            source.kind = "table"

    def _mark_duplicates(self, staging: Any, inputs: list[Input], rejects: Batch) -> None:
        """Exact copies are duplicates; same ocid and id with other content is a conflict."""
        staging.execute("create index if not exists raw_by_key on raw_releases(ocid, release_id)")
        conflicts = staging.execute(
            """
            select ocid, release_id from raw_releases
            group by ocid, release_id having count(distinct sha256) > 1
            """
        ).fetchall()
        for ocid, release_id in conflicts:
            rows = staging.execute(
                "select input, position, sha256, date from raw_releases where ocid = ? and release_id = ?",
                [ocid, release_id],
            ).fetchall()
            for input_index, position, sha, date in rows:
                rejects.reject(
                    "releases", f"{ocid}/{release_id}", "release-conflict",
                    f"{len(rows)} releases share this ocid and id but differ in content",
                    row={"ocid": ocid, "release_id": release_id, "date": date, "release_sha256": sha},
                    source=inputs[input_index].display, position=position,
                )  # fmt: skip
            staging.execute(
                "update raw_releases set disposition = 'conflict' where ocid = ? and release_id = ?",
                [ocid, release_id],
            )
        staging.execute(
            """
            update raw_releases set disposition = 'duplicate'
            where disposition = 'ok' and seq not in (
                select min(seq) from raw_releases group by ocid, release_id, sha256
            )
            """
        )
        duplicates = staging.execute(
            "select count(*) from raw_releases where disposition = 'duplicate'"
        ).fetchone()[0]
        rejects.counts["duplicates:releases"] += duplicates
        staging.execute(
            "create index if not exists raw_by_ocid on raw_releases(disposition, ocid, date)"
        )
        staging.conn.commit()

    # --- derive --------------------------------------------------------------------

    def derive(self, build_db: Any) -> Iterator[Batch]:
        """Red-flag indicators, computed from the published tables (``red_flags/``)."""
        from ..red_flags import derive_red_flags

        yield from derive_red_flags(build_db, self.red_flags, self.risk_score)

    # --- batches -------------------------------------------------------------------

    def count_units(self, staging: Any) -> int:
        """How many releases the transform will see (for the progress bar)."""
        return staging.execute(
            "select count(*) from raw_releases where disposition = 'ok'"
        ).fetchone()[0]

    def batches(self, staging: Any, inputs: list[Input]) -> Iterator[list[tuple[str, list[dict]]]]:
        """Groups of whole contracting processes, about ``BATCH_RELEASES`` releases each."""
        cursor = staging.execute(
            """
            select ocid, data, kind, input, sha256 from raw_releases
            where disposition = 'ok' order by ocid, date, seq
            """
        )
        batch: list[tuple[str, list[dict]]] = []
        size = 0
        current_ocid, current = None, []
        for ocid, data, kind, input_index, sha in cursor:
            if ocid != current_ocid and current:
                batch.append((current_ocid, current))
                size += len(current)
                current = []
                if unit_ends(current_ocid, size):
                    yield batch
                    batch, size = [], 0
            current_ocid = ocid
            source = inputs[input_index]
            current.append(
                {
                    "data": data,
                    "kind": kind,
                    "source": public_source(source.display),
                    "source_sha256": source.sha256,
                    "sha256": sha,
                }
            )
        if current:
            batch.append((current_ocid, current))
        if batch:
            yield batch

    @staticmethod
    def partitions(groups: list[tuple[str, list[dict]]]) -> list[tuple[str, list[str]]]:
        """Each ocid of a unit with what its rows depend on: its releases and their sources.

        An input's hash is left out: a kept unit gets its inputs' new hashes (``carry_over``).
        """
        return [
            (ocid, [f"{r['sha256']} {r['kind']} {r['source']}" for r in staged])
            for ocid, staged in groups
        ]

    @staticmethod
    def carry_over(batch: Batch, inputs: list[Input]) -> Batch:
        """A kept unit's batch with the ``source_sha256`` of this run's inputs, by their name.

        A new copy of a feed file changes every release's ``source_sha256`` and nothing
        else in the rows of the processes whose releases stayed the same.
        """
        current = {public_source(i.display): i.sha256 for i in inputs}
        quarantined = [q["row"] for q in batch.quarantine if q["table"] == "releases"]
        for row in [*batch.tables.get("releases", []), *quarantined]:
            if row and "source_sha256" in row:
                row["source_sha256"] = current.get(row.get("source"), row["source_sha256"])
        return batch

    @staticmethod
    def unit_size(groups: list[tuple[str, list[dict]]]) -> int:
        """Releases in a unit (the progress bar counts releases)."""
        return sum(len(releases) for _, releases in groups)

    # --- transform -----------------------------------------------------------------

    def transform(self, groups: list[tuple[str, list[dict]]]) -> Batch:
        """Releases → rows of every table, with one compiled release per ``ocid``."""
        from ..ocds_schema import validator_for

        batch = Batch()
        validator, _ = validator_for(self.release_schema())
        merger = _merger(self.release_schema())
        flat = Flattener(batch, self.timezone)
        for ocid, staged in groups:
            releases = []
            for entry in staged:
                release = json.loads(entry["data"])
                releases.append(release)
                key = f"{ocid}/{release.get('id')}"
                if validator is not None:
                    for message in validator.errors(release):
                        batch.note("releases", key, "ocds-schema", message, severity="info")
                batch.add("releases", flat.release_row(release, entry))
            compiled = self._compile(ocid, releases, staged, merger, batch)
            compiled["ocid"] = ocid  # the staged, textual ocid (some publishers use numbers)
            normalise_dates(compiled, flat, ocid)
            flat.compiled(compiled, len(releases), compiled)
        return batch

    def _compile(
        self, ocid: str, releases: list[dict], staged: list[dict], merger: Any, batch: Batch
    ) -> dict:
        if len(releases) == 1 and staged[0]["kind"] == "compiled":
            return releases[0]
        mergeable = []
        for release in releases:
            if not isinstance(release.get("date"), str):
                batch.note(
                    "releases",
                    f"{ocid}/{release.get('id')}",
                    "missing-date",
                    "release has no date; merged first",
                )
                release = {**release, "date": ""}
            mergeable.append(release)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return merger.create_compiled_release(mergeable)
        except Exception as error:  # ocdsmerge raises several types on malformed input
            batch.note(
                "compiled_releases", ocid, "merge-failed",
                f"releases could not be merged ({type(error).__name__}: {str(error)[:120]}); latest release used",
            )  # fmt: skip
            latest = max(mergeable, key=lambda r: r.get("date") or "")
            return {**latest, "tag": ["compiled"]}


def unit_ends(ocid: str, size: int) -> bool:
    """Whether a unit of ``size`` releases ends after ``ocid``.

    Past half of ``BATCH_RELEASES``, a unit ends after an ocid whose hash says so (one in
    ``CUT_EVERY``), so where units end depends on the ocids themselves, not on how many
    came before: a new or removed ocid changes its own unit and no other, and the next
    run reuses the rest (``incremental.py``). Units stop growing at twice the size.
    """
    if size >= 2 * BATCH_RELEASES:
        return True
    return size >= BATCH_RELEASES // 2 and zlib.crc32(ocid.encode()) % CUT_EVERY == 0


def _red_flags(descriptor: Any) -> list[Any]:
    from ..red_flags import enabled_indicators

    return enabled_indicators(descriptor)


def _risk_score(descriptor: Any, indicators: list[Any]) -> dict[str, Any]:
    from ..red_flags.risk import risk_settings

    return risk_settings(descriptor, indicators)


_MERGERS: dict[str | None, Any] = {}


def _merger(location: str | None) -> Any:
    """An ``ocdsmerge.Merger`` with the schema's merge rules (or the defaults without one)."""
    if location not in _MERGERS:
        import ocdsmerge

        from ..ocds_schema import load_schema

        schema, _ = load_schema(location)
        if schema is not None:
            _MERGERS[location] = ocdsmerge.Merger(schema=schema)
        else:
            _MERGERS[location] = ocdsmerge.Merger(merge_rules={})
    return _MERGERS[location]
