"""Every real OCDS file in ../shared goes through the pipeline, quirks and all."""

import json
from pathlib import Path

import pytest
from conftest import SHARED_DATA

from terbuka.pipelines.errors import InputError
from terbuka.pipelines.readers import detect, members
from terbuka.pipelines.runner import run_dataset

EXAMPLES = SHARED_DATA / "procurement" / "ocds-real-examples-2018"
FOLDERS = (
    sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.glob("**/sample/*") if p.is_dir())
    if EXAMPLES.exists()
    else []
)


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_publisher_folder(ocds_examples, tmp_path, folder):
    source = ocds_examples / folder
    files = [p for p in sorted(source.iterdir()) if p.is_file() and p.stat().st_size > 0]
    out = tmp_path / "site"
    record = run_dataset("procurement", [str(p) for p in files], out, show_progress=False)
    assert record["status"] in ("published", "stopped"), record.get("error")
    releases = record["tables"]["releases"]
    if all(i["kind"] == "release" for i in record["inputs"]):
        read = sum(i["records"] for i in record["inputs"])
        assert releases["rows"] + releases["quarantined"] + releases["duplicates"] == read
    if record["status"] == "stopped":
        # Only when every release conflicts with an upgraded copy of itself (Canada).
        assert releases["rows"] == 0 and "none of the" in record["error"]
        assert not (out / "procurement.db").exists()
    else:
        assert (out / "procurement.db").exists()


def test_every_file_reads_or_fails_with_one_clear_line(ocds_examples):
    counts = {"release": 0, "record": 0, "invalid": 0, "unreadable": 0}
    for path in sorted(ocds_examples.rglob("*.json")):
        try:
            for member in members(path):
                for item in detect(member).read(member):
                    counts[item.kind] += 1
        except InputError as error:
            assert str(path) in str(error) and "\n" not in str(error)
            counts["unreadable"] += 1
    assert counts["release"] > 300 and counts["record"] > 100
    assert counts["unreadable"] == 3, "three Paraguay files are zero bytes"


def test_all_publishers_together(real_ocds_site):
    out, record = real_ocds_site  # every non-empty file, in one run
    assert record["status"] == "published", record.get("error")
    notes = record["notes"]
    assert notes.get("ocds-schema", 0) > 0, "schema errors are reported, not fatal"
    assert notes.get("wrong-shape", 0) > 0, "planning arrays and {} where arrays belong are noted"
    db_tables = json.loads((out / "procurement" / "datapackage.json").read_text())["resources"]
    assert {r["name"] for r in db_tables} >= {"releases", "awards", "_quarantine"}


def test_a_zero_byte_file_fails_the_run(ocds_examples, tmp_path):
    empty = next(p for p in (ocds_examples / "paraguay").rglob("*.json") if p.stat().st_size == 0)
    record = run_dataset("procurement", [str(empty)], tmp_path / "site", show_progress=False)
    assert record["status"] == "failed" and "empty (0 bytes)" in record["error"]
    assert Path(str(empty)).name in record["error"]
