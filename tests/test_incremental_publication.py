"""Incremental publication (issue 19): reused units give the full rebuild's publication.

A published demo is copied (its folder and its private state) twice; the same changed
inputs are run into one copy incrementally and into the other with ``--full``, and every
published table and the Data Package are compared (run ids and timings aside).
"""

import csv
import io
import json
import re
import shutil
import sqlite3

import pytest
import yaml
from conftest import OCDS_SCHEMA, demo_procurement, read_published

from terbuka.pipelines import incremental
from terbuka.pipelines.domains import procurement
from terbuka.pipelines.runner import run_dataset

VOLATILE = ("run_id", "previous_run_id")  # columns that name the run, not the data
EMAIL = "rahasia.pemenang.baru@example.org"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A demo published in small units (so a change leaves most of them as they were)."""
    base = tmp_path_factory.mktemp("incremental")
    paths, _, descriptor = demo_procurement(base, seed=7, processes=40)
    with pytest.MonkeyPatch.context() as patch:
        small_units(patch)
        patch.setenv("TERBUKA_STATE_DIR", str(base / "state"))
        schema = OCDS_SCHEMA if OCDS_SCHEMA.exists() else base / "no-schema-here.json"
        patch.setenv("TERBUKA_OCDS_SCHEMA", str(schema))  # as the tests' own runs see it
        record = run_dataset(
            descriptor, [str(p) for p in paths], base / "site", show_progress=False, workers=1
        )
    assert record["status"] == "published", record.get("error")
    assert record["incremental"] == {"used": False, "reason": "nothing published yet"}
    return base, paths


def small_units(patch) -> None:
    patch.setattr(procurement, "BATCH_RELEASES", 20)
    patch.setattr(procurement, "CUT_EVERY", 3)


def copy_of(published, tmp_path, name):
    """The published site and its state, copied: ``(site, state, descriptor, sources)``."""
    base, paths = published
    target = tmp_path / name
    for part in ("site", "state", "procurement", "sources"):
        shutil.copytree(base / part, target / part, symlinks=True)
    return target


def run_into(copy, monkeypatch, sources, **options):
    monkeypatch.setenv("TERBUKA_STATE_DIR", str(copy / "state"))
    record = run_dataset(
        copy / "procurement", [str(s) for s in sources], copy / "site", show_progress=False,
        workers=1, **options,
    )  # fmt: skip
    assert record["status"] == "published", record.get("error")
    return record


def changed_sources(folder, published):
    """The demo's inputs with a new release of one ocid, a new ocid (with an e-mail address
    in it) and one ocid removed."""
    _, paths = published
    changed = folder / "changed"
    changed.mkdir()
    for path in paths:
        shutil.copy(path, changed / path.name)
    releases_file = next(p for p in changed.iterdir() if p.suffix == ".json")
    package = json.loads(releases_file.read_text("utf-8"))
    releases = package["releases"]
    ocids = sorted({r["ocid"] for r in releases})
    updated, removed = ocids[5], ocids[-3]
    later = json.loads(json.dumps(next(r for r in releases if r["ocid"] == updated)))
    later.update(
        id=later["id"] + "-amendment", date="2024-12-30T10:00:00+07:00", tag=["tenderUpdate"]
    )
    later.setdefault("tender", {})["title"] = "Perubahan jadwal pekerjaan"
    fresh = json.loads(json.dumps(releases[0]))
    fresh.update(ocid="ocds-terbuka-demo-2024zz1", id="ocds-terbuka-demo-2024zz1-tender")
    fresh.setdefault("tender", {})["description"] = f"Hubungi {EMAIL} atau 0812-3456-7890."
    package["releases"] = [r for r in releases if r["ocid"] != removed] + [later, fresh]
    releases_file.write_text(json.dumps(package, ensure_ascii=False), "utf-8")
    return [changed / p.name for p in paths], (updated, removed)


def published_tables(site, dataset="procurement"):
    """Every table of the published database: its SQL and its rows in order, run ids masked."""
    db = sqlite3.connect(site / f"{dataset}.db")
    tables = {}
    for name, sql in db.execute("select name, sql from sqlite_master where type = 'table'"):
        if name == "_runs":  # the history of runs: timings and run ids by nature
            continue
        cursor = db.execute(f"select * from [{name}]")
        columns = [d[0] for d in cursor.description]
        masked = [i for i, c in enumerate(columns) if c in VOLATILE]
        rows = [tuple(None if i in masked else v for i, v in enumerate(r)) for r in cursor]
        tables[name] = (sql, columns, rows)
    db.close()
    return tables


def package_contents(site, dataset="procurement"):
    """The Data Package: its descriptor without hashes and sizes, and every CSV's rows."""
    folder = site / dataset
    package = json.loads((folder / "datapackage.json").read_text("utf-8"))
    for resource in package["resources"]:
        resource.pop("hash", None)
        resource.pop("bytes", None)
    files = {}
    for path in sorted((folder / "data").iterdir()):
        if path.name == "_runs.csv":  # the history of runs, as in published_tables
            continue
        rows = list(csv.reader(io.StringIO(read_published(path).decode("utf-8"))))
        masked = [i for i, c in enumerate(rows[0]) if c in VOLATILE]
        files[path.name] = [[None if i in masked else v for i, v in enumerate(r)] for r in rows]
    return package, files


def assert_same_publication(left, right):
    one, other = published_tables(left), published_tables(right)
    assert sorted(one) == sorted(other)
    for table in one:
        assert one[table] == other[table], f"{table} differs"
    assert package_contents(left) == package_contents(right)


@pytest.fixture
def units_small(monkeypatch):
    small_units(monkeypatch)


@pytest.fixture(scope="module")
def changed(published, tmp_path_factory):
    """The same changed inputs run incrementally (``fast``) and with ``--full`` (``full``)."""
    folder = tmp_path_factory.mktemp("changed")
    sources, ocids = changed_sources(folder, published)
    records = {}
    with pytest.MonkeyPatch.context() as patch:
        small_units(patch)
        schema = OCDS_SCHEMA if OCDS_SCHEMA.exists() else folder / "no-schema-here.json"
        patch.setenv("TERBUKA_OCDS_SCHEMA", str(schema))
        for name, options in (("fast", {}), ("full", {"full": True})):
            records[name] = run_into(copy_of(published, folder, name), patch, sources, **options)
    return folder, sources, ocids, records


def test_incremental_run_equals_full_rebuild(changed):
    folder, _, (updated, removed), records = changed
    full = records["full"]["incremental"]
    assert full == {"used": False, "reason": "--full: a full rebuild was asked for"}
    used = records["fast"]["incremental"]
    assert used["used"] is True, used
    assert used["ocids"]["removed"] == 1
    assert used["units"]["reused"] > used["units"]["reprocessed"] > 0
    # the derived tables' texts (red flag details) scanned in the previous run are not
    # scanned again, and the publication is still the full build's
    assert used["scans"]["reused"] > 0 and "scans" not in full
    tables = published_tables(folder / "fast" / "site")
    ocids = {row[0] for row in tables["compiled_releases"][2]}
    assert used["ocids"]["reused"] + used["ocids"]["reprocessed"] == len(ocids)
    assert updated in ocids and removed not in ocids and "ocds-terbuka-demo-2024zz1" in ocids
    assert_same_publication(folder / "fast" / "site", folder / "full" / "site")


def test_privacy_finding_in_a_new_ocid_is_redacted_as_in_a_full_build(changed):
    folder = changed[0]
    site = folder / "fast" / "site"
    db = sqlite3.connect(site / "procurement.db")
    (description,) = db.execute(
        "select description from tenders where ocid = 'ocds-terbuka-demo-2024zz1'"
    ).fetchone()
    assert description and EMAIL not in description and "0812-3456-7890" not in description
    for table in published_tables(site).values():
        assert not any(EMAIL in str(v) for row in table[2] for v in row)


def test_a_changed_descriptor_falls_back_to_a_full_rebuild(
    published, changed, tmp_path, monkeypatch, units_small
):
    folder, sources, _, _ = changed
    copy = copy_of(published, tmp_path, "keywords")
    dataset = copy / "procurement" / "dataset.yml"
    data = yaml.safe_load(dataset.read_text("utf-8"))
    data["keywords"] = [*data.get("keywords", []), "perubahan"]
    dataset.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    record = run_into(copy, monkeypatch, sources)
    assert record["incremental"] == {
        "used": False,
        "reason": "the descriptor changed since the previous publication",
    }
    # the rows of every contracting process are the full build's (keywords change no row
    # of them; whole-table outputs may quote the descriptor)
    per_ocid = procurement.TABLES[: procurement.TABLES.index("red_flag_indicators")]
    data, full = published_tables(copy / "site"), published_tables(folder / "full" / "site")
    assert [data[t] for t in per_ocid] == [full[t] for t in per_ocid]


def test_the_next_run_reuses_every_unit_and_a_lost_store_means_full(
    published, tmp_path, monkeypatch, units_small
):
    copy = copy_of(published, tmp_path, "again")
    again = run_into(copy, monkeypatch, sorted((copy / "sources").iterdir()), force=True)
    assert again["incremental"]["units"] == {"reused": again["incremental"]["units"]["reused"]}
    assert again["incremental"]["ocids"]["removed"] == 0
    assert again["incremental"]["scans"]["scanned"] == 0  # the same details: all kept
    assert again["incremental"]["scans"]["reused"] > 0
    with sqlite3.connect(incremental.store_path(copy / "state", "procurement")) as store:
        kept = store.execute("select digest, redacted from scans").fetchall()
    assert kept and all(re.fullmatch("[0-9a-f]{64}", digest) for digest, _ in kept)
    published = {v for t in published_tables(copy / "site").values() for r in t[2] for v in r}
    assert {redacted for _, redacted in kept} <= published  # only what is published
    incremental.store_path(copy / "state", "procurement").unlink()
    lost = run_into(copy, monkeypatch, sorted((copy / "sources").iterdir()), force=True)
    assert lost["incremental"]["used"] is False
    assert "kept no units" in lost["incremental"]["reason"]
    assert not list((copy / "state" / "incremental").glob("*.building"))


def test_the_release_schema_counts_by_content_not_by_location(tmp_path):
    """Units stay reusable when the same schema moves, or when none can be read anywhere."""
    one, two, other = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    one.write_text('{"title": "release", "properties": {"ocid": {"type": "string"}}}')
    two.write_text('{"properties": {"ocid": {"type": "string"}}, "title": "release"}')
    other.write_text('{"title": "release", "properties": {}}')
    assert (
        incremental._schema_digest(str(one))
        == incremental._schema_digest(str(two))
        != incremental._schema_digest(str(other))
    )
    missing = incremental._schema_digest(str(tmp_path / "gone.json"))
    assert missing == incremental._schema_digest(str(tmp_path / "elsewhere" / "gone.json"))
    assert missing == incremental._schema_digest(None) != incremental._schema_digest(str(one))
