"""The ISB/INAPROC pipeline: LKPP's national feeds → OCDS releases, bids and plan→payment.

A snapshot's rows are read endpoint by endpoint into the staging database; each
contracting process's rows (from up to nine endpoints) are then mapped to dated OCDS
releases (``inaproc_map``) and staged exactly as the procurement pipeline stages OCDS
files, so compiling, flattening, validation and red flags are the same code. The side
tables (``bids``, ``participants``, ``amounts``, ``officials``) travel with their ``ocid``;
the snapshot-wide ones (``budget_lines``, ``work_units``, ``suppliers``) form one last unit.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from ..batch import Batch
from ..errors import InputError
from ..readers import Input, members, note_skipped, public_source
from ..readers.inaproc import BY_ID, InaprocReader, from_file_name, identify
from ..staging import insert_in_chunks
from ..unusable import UnusableValue, unusable_record
from . import demo_from
from .inaproc_map import (
    MASTER_TABLES,
    PROCESS_KEYS,
    Context,
    ProcessMapper,
    Row,
    _slug,
    code,
    process_key,
    public_npwp,
    supplier_kind,
)
from .procurement import STAGE_BATCH, TABLES, ProcurementPipeline

EXTRA_TABLES = [
    "bids",
    "participants",
    "amounts",
    "officials",
    "budget_lines",
    "work_units",
    "suppliers",
]
HEAD_ROWS = 50  # rows whose keys decide the endpoint
BUDGET_LEVELS = {
    "1041": ("program", "kd_program", "kd_program_str", "nama_program", "pagu_program", None),
    "1040": ("kegiatan", "kd_kegiatan", "kd_kegiatan_str", "nama_kegiatan", "pagu_kegiatan", "kd_program"),
    "1039": (
        "subkegiatan", "kd_subkegiatan", "kd_subkegiatan_str", "nama_subkegiatan",
        "pagu_subkegiatan", "kd_kegiatan",
    ),
}  # fmt: skip


class InaprocPipeline(ProcurementPipeline):
    """ISB/INAPROC feed files (SiRUP, SPSE, e-contract, e-catalogue) → OCDS and tables."""

    # Units carry each process's feed rows and a last whole-dataset unit (work units,
    # suppliers): not independent per ocid, so every run transforms them all.
    partitions = None

    id = "inaproc"
    title = "Procurement from the ISB/INAPROC feeds (OCDS + bids)"
    readers = ["inaproc-json"]
    empty_inputs = True  # a 0-byte endpoint file is an endpoint with no rows (pipelines/ingest.py)
    tables = [*TABLES, *EXTRA_TABLES]
    primary_table = "releases"
    extensions = ("bids",)

    def __init__(self, descriptor: Any):
        super().__init__(descriptor)
        self.ocid_prefix = (descriptor.get("ocds") or {}).get("ocid_prefix") or "ocds-terbuka"

    # A synthetic snapshot of the feeds and the personal values planted in it.
    demo_sources = demo_from("demo_inaproc", "generate_inaproc")

    def release_schema(self) -> str | None:
        """The release schema with the vendored bid extension merged in."""
        from ..ocds_schema import extended_location

        return extended_location(super().release_schema(), self.extensions)

    # --- extract -------------------------------------------------------------------

    def extract(self, inputs: list[Input], staging: Any, progress: Any = None) -> Batch:
        """Read every endpoint file, then map each contracting process to releases."""
        rejects = Batch()
        staging["isb_rows"].create(
            {"seq": int, "endpoint": str, "input": int, "position": int, "pkey": str,
             "record": str, "data": str},
            pk="seq",
        )  # fmt: skip
        staging["isb_extra"].create({"seq": int, "ocid": str, "tbl": str, "data": str}, pk="seq")
        for index, source in enumerate(inputs):
            self._read_input(index, source, staging, rejects, progress)
        staging.execute("create index isb_by_pkey on isb_rows(pkey, seq)")
        staging.execute("create index isb_extra_by_ocid on isb_extra(ocid, seq)")
        staging.conn.commit()
        self._fill_publisher(staging, inputs)
        self._map_processes(inputs, staging, rejects, progress)
        return self._finish_extract(staging, inputs, rejects)

    def _read_input(
        self, index: int, source: Input, staging: Any, rejects: Batch, progress: Any
    ) -> None:
        source.kind = "inaproc"
        source.reader = "inaproc-json"
        shown = public_source(source.display) or source.display
        if source.size == 0 or _blank_array(source):
            endpoint = from_file_name(source.display)
            if endpoint is None:
                raise InputError(
                    source.display,
                    "an empty file whose name names no ISB/INAPROC endpoint "
                    "(expected <n>_<endpoint id>_<endpoint name>.json)",
                )
            source.extra.update(_endpoint_record(endpoint.id, "name", 0))
            return
        counts: Counter[str] = Counter()
        found = members(source.path, source.display)
        note_skipped(found, rejects, "releases", source.display)
        for member in found:
            rows = InaprocReader.read(member)
            head: list[tuple[int, dict | None]] = []
            for item in rows:
                head.append(item)
                if len(head) >= HEAD_ROWS:
                    break
            keys = {k for _, r in head if r for k in r}
            endpoint, how = identify(member.name, keys)
            staged = _staged(
                index, source, member, endpoint, _chain(head, rows), shown, counts, rejects
            )
            insert_in_chunks(staging["isb_rows"], staged, STAGE_BATCH, batch_size=STAGE_BATCH)
            source.extra.update(_endpoint_record(endpoint.id, how, source.records, counts))
        if progress:
            progress(source.records)

    def _fill_publisher(self, staging: Any, inputs: list[Input]) -> None:
        """A publisher named ``{nama_klpd}`` becomes the feeds' (most frequent) institution."""
        publisher = self.descriptor.get("publisher") or {}
        if "{nama_klpd}" not in str(publisher.get("name")):
            return
        found = staging.execute(
            """
            select json_extract(data, '$.nama_klpd') as institution, count(*) from isb_rows
            where institution is not null and institution != ''
            group by institution order by count(*) desc limit 1
            """
        ).fetchone()
        if found is None:
            raise InputError(
                ", ".join(i.display for i in inputs[:3]) or "(no inputs)",
                "no row names its institution (nama_klpd), which the descriptor's publisher needs",
            )
        publisher["name"] = publisher["name"].replace("{nama_klpd}", found[0])

    def _context(self, staging: Any) -> Context:
        """Snapshot-wide facts: re-tenders, suppliers' legal forms, catalogue names."""
        ctx = Context(
            self.ocid_prefix,
            self.timezone,
            {e.id: f"{e.id} {e.name}" for e in BY_ID.values()},
        )
        announced: dict[tuple[str, str], list[tuple[int, str, str | None]]] = {}
        for endpoint, pkey, data in staging.execute(
            "select endpoint, pkey, data from isb_rows where endpoint in ('1013', '1016')"
        ):
            row = json.loads(data)
            rup = code(row.get("kd_rup"))
            if not rup:
                continue
            status_field = "status_tender" if endpoint == "1013" else "status_nontender"
            text = str(row.get(status_field) or "").lower()
            status = None
            if "gagal" in text or "batal" in text:
                closed = str(row.get("ket_ditutup") or "").lower()
                status = "cancelled" if "batal" in closed else "unsuccessful"
            number = _as_int(pkey.split(":", 1)[1])
            announced.setdefault((endpoint, rup), []).append((number, pkey, status))
        for processes in announced.values():
            processes.sort()
            for position, (_, pkey, _) in enumerate(processes):
                ctx.earlier[pkey] = [
                    (f"{self.ocid_prefix}-{k.replace(':', '-')}", status)
                    for _, k, status in processes[:position]
                ]
        for data in staging.execute(
            "select data from isb_rows where endpoint in ('1073', '1080')"
        ).fetchall():
            row = json.loads(data[0])
            form = row.get("bentuk_usaha_penyedia") or None
            if not form and not row.get("tipe_penyedia"):
                continue
            if not form and "perseorangan" in str(row.get("tipe_penyedia")).lower():
                form = "Perseorangan"
            kind = supplier_kind(form)
            if code(row.get("kd_penyedia")):
                ctx.kinds[f"ID-SPSE-{code(row.get('kd_penyedia'))}"] = (kind, form)
            if row.get("nama_penyedia"):
                ctx.kinds[f"NAMA-{_slug(row.get('nama_penyedia'))}"] = (kind, form)
        for unit, text in staging.execute(
            """
            select distinct json_extract(data, '$.kd_satker'), json_extract(data, '$.kd_satker_str')
            from isb_rows where json_extract(data, '$.kd_satker_str') is not null
              and json_extract(data, '$.kd_satker') is not null
            """
        ):
            ctx.satker_codes.setdefault(str(text).strip(), code(unit) or "")
        for data in staging.execute("select data from isb_rows where endpoint = '1023'"):
            row = json.loads(data[0])
            if code(row.get("kode_penyedia_sikap")) and row.get("nama_penyedia"):
                ctx.sikap_names[code(row.get("kode_penyedia_sikap"))] = row["nama_penyedia"]
        return ctx

    def _map_processes(
        self, inputs: list[Input], staging: Any, rejects: Batch, progress: Any
    ) -> None:
        """Each process's rows → releases in ``raw_releases`` and side rows in ``isb_extra``."""
        ctx = self._context(staging)
        self._create_raw_releases(staging)
        suppliers: dict[str, dict] = {}
        keys = [k for (k,) in staging.execute(
            "select distinct pkey from isb_rows where pkey != '' order by pkey"
        ).fetchall()]  # fmt: skip
        releases: list[dict] = []
        extras: list[dict] = []
        for pkey in keys:
            rows = [
                Row(endpoint, record, input_index, json.loads(data))
                for endpoint, record, input_index, data in staging.execute(
                    "select endpoint, record, input, data from isb_rows where pkey = ? order by seq",
                    [pkey],
                )
            ]
            mapper = ProcessMapper(pkey, rows, ctx)
            try:
                mapped = mapper.map()
            except UnusableValue as error:  # an amount out of range: the process waits
                rejects.reject("releases", mapper.ocid, "unusable-value", str(error), row={"ocid": mapper.ocid}, column=error.column)  # fmt: skip
                continue
            except Exception as error:  # one odd process must not stop the snapshot
                rejects.reject(
                    "releases", mapper.ocid, "unmappable-process",
                    f"{pkey}: could not be mapped ({type(error).__name__})",
                    row={"ocid": mapper.ocid},
                )  # fmt: skip
                continue
            for check, message, column in mapped.notes:
                rejects.note("releases", mapper.ocid, check, message, column)
            for release, input_index, record in mapped.releases:
                staged = self._stage_release(
                    release, _position(record), "release", inputs[input_index].display, rejects
                )
                if staged:
                    staged["input"] = input_index
                    releases.append(staged)
            for table, row in mapped.rows:
                extras.append({"ocid": mapper.ocid, "tbl": table, "data": _dump(row)})
            for supplier in mapped.suppliers:
                _merge_supplier(suppliers, supplier)
            if len(releases) >= STAGE_BATCH:
                staging["raw_releases"].insert_all(releases, batch_size=STAGE_BATCH)
                releases = []
            if len(extras) >= STAGE_BATCH:
                staging["isb_extra"].insert_all(extras, batch_size=STAGE_BATCH)
                extras = []
        for table, row in self._master_rows(staging, suppliers):
            extras.append({"ocid": "", "tbl": table, "data": _dump(row)})
        if releases:
            staging["raw_releases"].insert_all(releases, batch_size=STAGE_BATCH)
        if extras:
            staging["isb_extra"].insert_all(extras, batch_size=STAGE_BATCH)
        staging.conn.commit()

    def _master_rows(self, staging: Any, suppliers: dict[str, dict]) -> Iterator[tuple[str, dict]]:
        """Budget ceilings, work units and suppliers: one row each for the whole snapshot."""
        names = {e.id: f"{e.id} {e.name}" for e in BY_ID.values()}
        units: dict[str, dict] = {}
        seen_lines: set[tuple] = set()
        for endpoint, record, data in staging.execute(
            "select endpoint, record, data from isb_rows where pkey = '' order by seq"
        ):
            row = json.loads(data)
            if endpoint in BUDGET_LEVELS:
                level, key, key_str, name, ceiling, parent = BUDGET_LEVELS[endpoint]
                line = {
                    "level": level,
                    "code": code(row.get(key)),
                    "code_text": row.get(key_str),
                    "name": row.get(name),
                    "work_unit_id": code(row.get("kd_satker")),
                    "parent_code": code(row.get(parent)) if parent else None,
                    "fiscal_year": _as_int(row.get("tahun_anggaran")),
                    "ceiling": row.get(ceiling),
                    "currency": "IDR",
                    "deleted": bool(row.get("is_deleted")),
                    "source_endpoint": names[endpoint],
                    "source_record": record,
                }
                identity = (level, line["code"], line["work_unit_id"])
                if line["code"] is None or identity in seen_lines:
                    continue
                seen_lines.add(identity)
                yield "budget_lines", line
            elif endpoint in ("1008", "1025", "1084"):
                unit_id = code(row.get("kd_satker"))
                if unit_id is None:
                    continue
                unit = units.setdefault(
                    unit_id,
                    {
                        "work_unit_id": unit_id,
                        "source_endpoint": names[endpoint],
                        "source_record": record,
                    },
                )
                for target, source in (
                    ("code_text", "kd_satker_str"), ("name", "nama_satker"),
                    ("institution_code", "kd_klpd"), ("institution", "nama_klpd"),
                    ("unit_type", "jenis_satker"), ("status", "status_satker"),
                    ("address", "alamat"), ("procurement_spending", "belanja_pengadaan"),
                    ("total_spending", "total_belanja"),
                ):  # fmt: skip
                    if row.get(source) not in (None, "") and unit.get(target) is None:
                        unit[target] = row.get(source)
        yield from (("work_units", u) for u in units.values())
        yield from (("suppliers", s) for s in suppliers.values())

    # --- batches -------------------------------------------------------------------

    def batches(self, staging: Any, inputs: list[Input]) -> Iterator[list[tuple]]:
        """The procurement pipeline's ocid groups, each with its side rows; masters last."""
        for batch in super().batches(staging, inputs):
            yield [(ocid, releases, _extras(staging, ocid)) for ocid, releases in batch]
        yield [("", [], _extras(staging, ""))]

    @staticmethod
    def unit_size(groups: list[tuple]) -> int:
        """Releases in a unit (the progress bar counts releases)."""
        return sum(len(group[1]) for group in groups)

    def transform(self, groups: list[tuple]) -> Batch:  # type: ignore[override]
        """Releases → tables as for OCDS files; side rows added as they were mapped."""
        batch = super().transform([(ocid, releases) for ocid, releases, _ in groups if releases])
        for _, _, extras in groups:
            for table, row in extras:
                batch.add(table, row)
        return batch


def _extras(staging: Any, ocid: str) -> list[tuple[str, dict]]:
    return [
        (table, json.loads(data))
        for table, data in staging.execute(
            "select tbl, data from isb_extra where ocid = ? order by seq", [ocid]
        )
    ]


def _merge_supplier(suppliers: dict[str, dict], found: dict) -> None:
    """One row per supplier; company NPWPs and addresses public, individuals' not.

    An individual's (or unknown) NPWP goes to ``npwp_pseudonym``, which privacy.yml hashes
    with the run's key; their address is never kept.
    """
    current = suppliers.get(found["supplier_id"])
    if current is None or (current["kind"] == "unknown" and found["kind"] != "unknown"):
        company = found["kind"] == "company" and public_npwp(found["npwp"] or "0")
        suppliers[found["supplier_id"]] = {
            "supplier_id": found["supplier_id"],
            "name": found["name"],
            "kind": found["kind"],
            "legal_form": found["legal_form"],
            "npwp": found["npwp"] if company else None,
            "npwp_pseudonym": None if company else found["npwp"],
            "address": found["address"] if company else None,
            "source_endpoint": found["source_endpoint"],
            "source_record": found["source_record"],
        }
        return
    if current["kind"] == "company" and public_npwp(found["npwp"] or "0"):
        current["npwp"] = current["npwp"] or found["npwp"]
        current["address"] = current["address"] or found["address"]
    elif current["kind"] == found["kind"]:
        current["npwp_pseudonym"] = current["npwp_pseudonym"] or found["npwp"]


def _endpoint_record(
    endpoint: str, how: str, rows: int, counts: Counter | None = None
) -> dict[str, Any]:
    """What the run record says about one endpoint file: every row accounted for."""
    found = BY_ID[endpoint]
    counts = counts or Counter()
    return {
        "endpoint": f"{found.id} {found.name}",
        "recognised_by": how,
        "rows": rows,
        "rows_mapped": counts["mapped"],
        "rows_not_published": counts["not_published"],
        "rows_quarantined": counts["quarantined"],
    }


def _blank_array(source: Input) -> bool:
    if source.size > 64:
        return False
    try:
        return source.path.read_bytes().strip(b"\xef\xbb\xbf \t\r\n") in (b"[]", b"")
    except OSError:
        return False


def _staged(
    index: int,
    source: Input,
    member: Any,
    endpoint: Any,
    items: Iterable[tuple[int, dict | None]],
    shown: str,
    counts: Counter[str],
    rejects: Batch,
) -> Iterator[dict[str, Any]]:
    """One member's rows as staged, in order; each bad row quarantined, each counted."""
    for position, row in items:
        source.records += 1
        record = f"{public_source(member.name) or shown}#{position}"
        if row is None:
            rejects.reject(
                "releases", record, "not-an-object", f"item {position} is not an object",
                source=member.name, position=position,
            )  # fmt: skip
            counts["quarantined"] += 1
            continue
        if unusable_record(row, record, member.name, position, rejects, "releases"):
            counts["quarantined"] += 1
            continue
        pkey = ""
        if endpoint.id in PROCESS_KEYS:
            pkey, problem = process_key(endpoint.id, row)
            if problem:
                rejects.reject(
                    "releases", record, "missing-key",
                    f"{endpoint.name} row {position}: {problem}", column=PROCESS_KEYS[endpoint.id][1],
                    source=member.name, position=position,
                )  # fmt: skip
                counts["quarantined"] += 1
                continue
        elif endpoint.id not in MASTER_TABLES:
            counts["not_published"] += 1
            continue
        counts["mapped"] += 1
        yield (
            {
                "endpoint": endpoint.id,
                "input": index,
                "position": position,
                "pkey": pkey,
                "record": record,
                "data": json.dumps(row, ensure_ascii=False, default=str),
            }
        )


def _chain(head: list, rest: Iterator) -> Iterator:
    yield from head
    yield from rest


def _position(record: str) -> int:
    try:
        return int(record.rsplit("#", 1)[1])
    except (IndexError, ValueError):
        return 0


def _as_int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _dump(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False, default=str)
