"""Batch ingest survives bad files: README, .DS_Store, 0-byte and corrupt files among good ones.

Every domain is run on a folder of good files (real data where it publishes, else the
bundled generator's) spoiled with the same bad files; the good files are published, each
bad file is one summary line and one ``_quarantine`` / ``_quality_notes`` row naming it,
and a folder where every file is bad still stops with exit 2.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from conftest import invoke_cli, rows

from terbuka.pipelines import ingest
from terbuka.pipelines.runner import run_dataset

CORRUPT_ZIP = b"PK\x03\x04" + bytes(range(256)) * 4  # a zip header, then nothing a zip has


def spoil(folder: Path, empty_name: str = "empty.csv") -> dict[str, str]:
    """Add the usual bad files to ``folder``; returns {file name: expected status}."""
    (folder / "README.md").write_text("# Exports\nDownloaded by Budi.\n", "utf-8")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / empty_name).write_bytes(b"")
    (folder / "broken.xlsx").write_bytes(CORRUPT_ZIP)
    return {
        "README.md": "skipped",
        ".DS_Store": "skipped",
        empty_name: "empty",
        "broken.xlsx": "broken",
    }


def budget_folder(shared: Path, folder: Path) -> None:
    for name in ("Kota_Malang", "Batu", "Blitar"):
        target = folder / "2023"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared / "budget" / "apbd-jatim-djpk" / "2023" / f"{name}.csv", target)


def procurement_folder(shared: Path, folder: Path) -> None:
    releases = shared / "procurement" / "ocds-real-examples-2018" / "taiwan" / "sample" / "releases"
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(releases.glob("*.json"))[:6]:
        shutil.copy(path, folder)


def service_folder(shared: Path, folder: Path) -> None:
    from terbuka.pipelines.demo_services import generate_services

    generate_services(folder)  # the demo sizes: k = 5 is reachable


def inaproc_folder(shared: Path, folder: Path) -> None:
    from terbuka.pipelines.demo_inaproc import generate_inaproc

    generate_inaproc(folder, seed=5, tenders=4)
    shutil.copy(shared / "procurement" / "inaproc-isb" / "FIELDS.md", folder)  # a real README


DOMAINS = {
    "budget": budget_folder,
    "procurement": procurement_folder,
    "service-kpi": service_folder,
    "inaproc": inaproc_folder,
}


@pytest.mark.parametrize("dataset", sorted(DOMAINS))
def test_a_folder_with_bad_files_publishes_the_good_ones(dataset, shared_data, tmp_path, capsys):
    source = tmp_path / "src"
    DOMAINS[dataset](shared_data, source)
    good = sorted(
        p.name
        for p in source.rglob("*")
        if p.is_file() and ingest.not_data(p.relative_to(source)) is None
    )
    expected = spoil(source)
    if dataset == "inaproc":
        # An endpoint with no rows is a 0-byte file there: empty, not broken (it names its
        # endpoint); a 0-byte file naming no endpoint is broken.
        expected["empty.csv"] = "broken"
        expected["FIELDS.md"] = "skipped"
    out = tmp_path / "site"
    record = run_dataset(dataset, [str(source)], out, show_progress=False)

    assert record["status"] == "published", record.get("error")
    statuses = {Path(s["path"]).name: s["status"] for s in record["skipped_inputs"]}
    assert statuses == expected
    read = sorted(Path(i["path"]).name for i in record["inputs"])
    assert read == good  # every good file read, none of the bad ones
    assert sum(i["records"] for i in record["inputs"]) > 0

    db = out / f"{dataset}.db"
    quarantined = rows(db, "select * from _quarantine where check_id = 'broken-file'")
    broken = {Path(s["path"]).name for s in record["skipped_inputs"] if s["status"] == "broken"}
    assert {q["row_key"] for q in quarantined} == broken
    for entry in quarantined:
        stored = json.loads(entry["row"])
        assert (
            stored["sha256"] == hashlib.sha256((source / entry["row_key"]).read_bytes()).hexdigest()
        )
        assert entry["reason"].startswith("file set aside: ")
    notes = rows(db, "select row_key, check_id from _quality_notes where check_id like 'file-%'")
    noted = {n["row_key"]: n["check_id"] for n in notes}
    for name, status in expected.items():
        if status != "broken":
            assert noted[name] == ("file-empty" if status == "empty" else "file-skipped")
    published = json.loads((out / dataset / "run.json").read_text("utf-8"))
    assert all("/" not in s["path"] for s in published["skipped_inputs"])  # no local paths


def test_the_run_summary_names_each_bad_file_on_one_line(shared_data, tmp_path):
    source = tmp_path / "src"
    budget_folder(shared_data, source)
    spoil(source)
    result = invoke_cli("run", "budget", "--source", str(source), "--out", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    for status, name in (
        ("skipped", "README.md"),
        ("skipped", ".DS_Store"),
        ("empty", "empty.csv"),
        ("broken", "broken.xlsx"),
    ):
        found = [line for line in lines if line.strip().startswith(f"{status}:") and name in line]
        assert len(found) == 1, (name, result.stderr)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda f: (f / "README.md").write_text("notes"), "no data file in the folder"),
        (lambda f: [(f / n).write_bytes(b"") for n in ("a.csv", "b.csv")], "the file is empty"),
        (
            lambda f: [(f / n).write_bytes(CORRUPT_ZIP) for n in ("a.xlsx", "b.xlsx")],
            "every one of the 2 input files is unreadable",
        ),
    ],
    ids=["only-a-readme", "only-empty-files", "only-broken-files"],
)
def test_a_folder_where_every_file_is_bad_stops_with_exit_2(make, expected, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / ".DS_Store").write_bytes(b"Bud1")
    make(source)
    out = tmp_path / "site"
    result = invoke_cli("run", "budget", "--source", str(source), "--out", str(out), "-q")
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and expected in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (out / "budget.db").exists()


def test_a_single_broken_file_given_alone_is_bad_input(tmp_path):
    broken = tmp_path / "export.xlsx"
    broken.write_bytes(CORRUPT_ZIP)
    result = invoke_cli(
        "run", "budget", "--source", str(broken), "--out", str(tmp_path / "site"), "-q"
    )
    assert result.returncode == 2
    assert "export.xlsx" in result.stderr and "not a readable zip archive" in result.stderr


def test_the_gate_stops_when_too_many_files_are_broken(shared_data, tmp_path):
    descriptor = tmp_path / "budget"
    shutil.copytree(Path(__file__).parents[1] / "metadata" / "budget", descriptor)
    text = (descriptor / "dataset.yml").read_text("utf-8")
    (descriptor / "dataset.yml").write_text(text + "\nquality:\n  max_broken_files: 0.2\n", "utf-8")
    if "\nquality:" in text:
        pytest.skip("the bundled descriptor already has a quality block")
    source = tmp_path / "src"
    budget_folder(shared_data, source)
    spoil(source)  # 1 broken of 4 data files: 25 % > 20 %
    out = tmp_path / "site"
    record = run_dataset(str(descriptor), [str(source)], out, show_progress=False)
    assert record["status"] == "stopped"
    assert "1 of 4 input files are broken" in record["error"]
    assert not (out / "budget.db").exists()


@pytest.mark.parametrize(
    "name, skipped",
    [
        ("README", True), ("readme.txt", True), ("LICENSE.md", True), ("notes.md", True),
        (".DS_Store", True), ("Thumbs.db", True), ("~$budget.xlsx", True), (".hidden/x.csv", True),
        ("2023/Kota_Malang.csv", False), ("export.txt", False), ("releases.json", False),
        ("readme-data.csv", False), ("download", False),
    ],
)  # fmt: skip
def test_what_is_not_data_by_its_name(name, skipped):
    assert (ingest.not_data(Path(name)) is not None) is skipped
