import json

import pytest
from conftest import invoke_cli, leaked, nonempty, published_text, query, run_cli, tree_digest

from terbuka.pipelines import plugins
from terbuka.pipelines.red_flags.tables import RED_FLAG_TABLES
from terbuka.pipelines.runner import STAGES, run_dataset

REQUIRED_RECORD_KEYS = {
    "dataset",
    "status",
    "inputs",
    "tables",
    "privacy",
    "quality",
    "changes",
    "versions",
    "run_id",
}


def test_demo_run_record(published_demo):
    out, record = published_demo
    assert REQUIRED_RECORD_KEYS <= set(record)
    assert record["status"] == "published"
    assert {i["path"].rsplit("/", 1)[-1] for i in record["inputs"]} == {
        "ocds-releases.json",
        "spse-tender.csv",
    }
    for item in record["inputs"]:
        assert len(item["sha256"]) == 64 and item["records"] > 0
    core = "releases compiled_releases tenders parties awards award_suppliers contracts items"
    red_flags = ["red_flag_indicators", "red_flags", *RED_FLAG_TABLES]
    assert set(record["tables"]) == {*core.split(), *red_flags}
    assert record["privacy"]["EMAIL_ADDRESS"] > 0 and record["privacy"]["PHONE_NUMBER"] > 0
    assert record["quality"]["checks"] >= record["quality"]["failed"]
    assert record["versions"]["terbuka"]
    assert all(c["removed"] == 0 for c in nonempty(record["changes"].values(), "changes"))


def test_every_release_read_is_accounted_for(published_demo):
    out, record = published_demo
    read = sum(i["records"] for i in record["inputs"])
    releases = record["tables"]["releases"]
    assert releases["rows"] + releases["quarantined"] + releases["duplicates"] == read
    assert releases["duplicates"] == 1, "the generator plants one exact duplicate"
    conflicts = query(
        out / "procurement.db",
        "select count(*) from _quarantine where check_id = 'release-conflict'",
    )[0][0]
    assert conflicts == 2, "a conflicting pair is quarantined with both kept"
    assert query(out / "procurement.db", "select count(*) from releases")[0][0] == releases["rows"]


def test_one_compiled_release_per_ocid(published_demo):
    out, _ = published_demo
    db = out / "procurement.db"
    ocids = query(db, "select count(distinct ocid) from releases")[0][0]
    assert query(db, "select count(*) from compiled_releases")[0][0] == ocids
    multi = query(
        db,
        "select ocid, release_count, release from compiled_releases where release_count > 1 limit 1",
    )[0]
    compiled = json.loads(multi[2])
    assert "compiled" in compiled["tag"]
    assert compiled["ocid"] == multi[0]


def test_amounts_are_numbers_and_dates_iso(published_demo):
    out, _ = published_demo
    db = out / "procurement.db"
    rows = query(
        db,
        "select value_amount, value_currency, tender_period_start from tenders where value_amount is not null limit 50",
    )
    assert rows and all(isinstance(r[0], int | float) and r[1] == "IDR" for r in rows)
    assert all(r[2] is None or (len(r[2]) == 20 and r[2].endswith("Z")) for r in rows)
    spse = query(
        db,
        "select budget_amount from tenders where ocid like 'ocds-terbuka-9%' and budget_amount is not null",
    )
    assert spse and all(r[0] >= 100_000_000 for r in spse), (
        "1.250.000,00-style amounts became rupiah"
    )


def test_impossible_dates_become_null_with_a_note(published_demo):
    out, _ = published_demo
    notes = query(
        out / "procurement.db",
        "select table_name, column_name, message from _quality_notes where check_id = 'invalid-date'",
    )
    assert notes
    assert all("impossible date" in n[2] for n in notes)


def test_no_planted_personal_value_is_published(published_demo, demo_sources):
    out, _ = published_demo
    _, planted = demo_sources
    published = published_text(out)
    assert planted.all(), "the generator planted personal data"
    assert leaked(planted.all(), published) == []


def test_contact_columns_are_dropped(published_demo):
    out, record = published_demo
    columns = [r[1] for r in query(out / "procurement.db", "pragma table_info(parties)")]
    assert "contact_email" not in columns and "name" in columns
    package = json.loads((out / "procurement" / "datapackage.json").read_text())
    parties = next(r for r in package["resources"] if r["name"] == "parties")
    assert "contact_email" not in [f["name"] for f in parties["schema"]["fields"]]
    assert any(
        d["column"] == "contact_email" and d["operator"] == "drop" for d in record["privacy_detail"]
    )


def test_company_names_survive(published_demo):
    out, _ = published_demo
    names = [
        r[0] for r in query(out / "procurement.db", "select supplier_name from award_suppliers")
    ]
    assert names and all(n.startswith(("CV ", "PT ")) for n in names)


def test_rerun_with_same_inputs_is_unchanged(published_demo, demo_sources, tmp_path):
    out, first = published_demo
    before = tree_digest(out)
    paths, _ = demo_sources
    sources = [a for p in paths for a in ("--source", str(p))]
    result = invoke_cli("run", "procurement", *sources, "--out", str(out), "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["status"] == "unchanged"
    assert [i["records"] for i in record["inputs"]] == [i["records"] for i in first["inputs"]]
    assert tree_digest(out) == before


def test_dry_run_publishes_nothing(small_sources, tmp_path):
    paths = small_sources
    out = tmp_path / "site"
    record = run_dataset(
        "procurement", [str(p) for p in paths], out, dry_run=True, show_progress=False
    )
    assert record["dry_run"] is True and record["status"] == "published"
    assert record["tables"]["releases"]["rows"] > 0 and record["privacy"]
    assert not (out / "procurement.db").exists()
    assert not [p for p in out.iterdir() if not p.name.startswith((".runs", ".locks"))]


@pytest.fixture(scope="module")
def small_sources(tmp_path_factory):
    """Demo sources of 20 processes, for tests where a run's size is not what is tested
    (the session's 120-process demo made each of these tests' runs six times dearer)."""
    from terbuka.pipelines.demo import generate_procurement

    paths, _ = generate_procurement(tmp_path_factory.mktemp("small"), seed=7, processes=20)
    return paths


class StopAt:
    def __init__(self, stage):
        self.stage = stage

    @plugins.hookspecs.hookimpl
    def before_stage(self, stage, run):
        if stage == self.stage:
            raise KeyboardInterrupt


@pytest.mark.parametrize("stage", [s for s in STAGES if s != "record"])
def test_a_run_stopped_at_any_stage_leaves_the_publication_intact(small_sources, tmp_path, stage):
    paths = small_sources
    out = tmp_path / "site"
    first = run_dataset("procurement", [str(paths[0])], out, show_progress=False)
    assert first["status"] == "published"
    before = tree_digest(out)
    stopper = StopAt(stage)
    plugins.pm.register(stopper)
    try:
        record = run_dataset("procurement", [str(p) for p in paths], out, show_progress=False)
    finally:
        plugins.pm.unregister(stopper)
    assert record["status"] == "stopped"
    assert tree_digest(out) == before
    assert not list(out.glob(".build-*"))
    written = json.loads((out / ".runs" / "procurement" / f"{record['run_id']}.json").read_text())
    assert written["status"] == "stopped"


@pytest.mark.slow  # a real CLI subprocess killed mid-run
def test_a_killed_run_leaves_the_publication_intact(demo_sources, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    paths, _ = demo_sources
    out = tmp_path / "site"
    assert (
        run_dataset("procurement", [str(paths[0])], out, show_progress=False)["status"]
        == "published"
    )
    before = tree_digest(out)
    command = [
        str(Path(sys.executable).with_name("terbuka")),
        "run",
        "procurement",
        "--out",
        str(out),
        "--quiet",
        "--force",
    ]
    for p in paths:
        command += ["--source", str(p)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy()
    )
    deadline = time.time() + 60
    while time.time() < deadline and not list(out.glob(".build-*")):
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the run finished before it could be stopped")
    assert process.returncode == 1, stderr
    assert tree_digest(out) == before


def test_changes_against_the_previous_publication(small_sources, tmp_path):
    paths = small_sources
    out = tmp_path / "site"
    run_dataset("procurement", [str(paths[0])], out, show_progress=False)
    record = run_dataset("procurement", [str(p) for p in paths], out, show_progress=False)
    assert record["changes"]["tenders"]["added"] > 0
    assert record["changes"]["tenders"]["removed"] == 0
    back = run_dataset("procurement", [str(paths[0])], out, show_progress=False)
    assert back["changes"]["tenders"]["removed"] == record["changes"]["tenders"]["added"]
    runs = query(out / "procurement.db", "select status from _runs")
    assert len(runs) == 3


@pytest.mark.parametrize(
    "content, name, fragment",
    [
        (b"", "empty.json", "empty (0 bytes)"),
        (
            b'{"releases": [{"ocid": "ocds-1", "id": "1", "date": "2024-01-01T00:00:00Z"}, {"oc',
            "truncated.json",
            "truncated",
        ),
        (bytes(range(256)) * 40, "junk.dat", "not a recognised format"),
        (b"x,y,z\n1,2,3\n", "other.csv", "match no layout"),
    ],
)
def test_unreadable_sources_exit_2_with_one_line(tmp_path, content, name, fragment):
    source = tmp_path / name
    source.write_bytes(content)
    result = invoke_cli(
        "run", "procurement", "--source", str(source), "--out", str(tmp_path / "site"), "--json"
    )
    assert result.returncode == 2
    record = json.loads(result.stdout)
    assert (
        record["status"] == "failed"
        and fragment in record["error"]
        and str(source) in record["error"]
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site" / "procurement.db").exists()


def test_usage_errors_exit_2(tmp_path):
    result = invoke_cli("run", "no-such-dataset", "--source", "x", "--out", str(tmp_path))
    assert (
        result.returncode == 2
        and "no such dataset" in result.stderr
        and "Traceback" not in result.stderr
    )
    missing = invoke_cli(
        "run",
        "procurement",
        "--source",
        str(tmp_path / "nope.json"),
        "--out",
        str(tmp_path),
        "--json",
    )
    assert missing.returncode == 2 and "no such file" in json.loads(missing.stdout)["error"]


def test_spse_rows_map_to_the_same_tables(published_demo):
    out, record = published_demo
    csv_input = next(i for i in record["inputs"] if i["path"].endswith(".csv"))
    assert (
        csv_input["layout"] == "spse-tender"
        and csv_input["encoding"] == "cp1252"
        and csv_input["delimiter"] == ";"
    )
    assert "nip_ppk" in csv_input["unmapped_columns"], (
        "the PPK's NIP is never mapped, so never published"
    )
    db = out / "procurement.db"
    awarded = query(db, "select count(*) from awards where ocid like 'ocds-terbuka-9%'")[0][0]
    assert awarded > 0
    buyers = query(
        db, "select roles from parties where ocid like 'ocds-terbuka-9%' and roles like '%buyer%'"
    )
    assert buyers


@pytest.mark.parametrize("pipeline_id", list(plugins.pipelines()))
def test_every_registered_pipeline_declares_its_tables(pipeline_id):
    from terbuka.metadata import list_datasets, load_descriptor

    pipeline = plugins.pipelines()[pipeline_id]
    assert pipeline.id == pipeline_id
    users = [
        load_descriptor(n) for n in list_datasets() if load_descriptor(n).pipeline == pipeline_id
    ]
    assert users, f"no bundled descriptor uses the {pipeline_id} pipeline"
    for descriptor in users:
        assert set(pipeline.tables) <= set(descriptor.schemas)


def test_worker_processes_do_not_change_the_output(tmp_path, monkeypatch):
    import hashlib

    from terbuka.pipelines import runner, work
    from terbuka.pipelines.demo import generate_procurement
    from terbuka.pipelines.domains import procurement

    # Small units (500 releases each in a real run), and the pool used from 3 of them:
    # many units on a small input, so the workers' order is really tested.
    monkeypatch.setattr(procurement, "BATCH_RELEASES", 40)
    monkeypatch.setattr(runner, "BATCH_HINT", 40)
    seen: list[dict] = []
    run_units = work.run_units

    def counted(context, units, total, workers=None):
        seen.append({"workers": workers, "total": total, "units": 0})
        for done in run_units(context, units, total, workers):
            seen[-1]["units"] += 1
            yield done

    monkeypatch.setattr(work, "run_units", counted)
    paths, _ = generate_procurement(tmp_path / "src", seed=11, processes=150)
    digests = []
    for workers in (1, 2):
        out = tmp_path / f"site-{workers}"
        record = run_dataset(
            "procurement", [str(p) for p in paths], out, show_progress=False, workers=workers
        )
        assert record["status"] == "published"
        data = out / "procurement" / "data"
        digests.append(
            {
                p.name: hashlib.sha256(
                    p.read_text().replace(record["run_id"], "RUN").encode()
                ).hexdigest()
                for p in data.glob("*.csv")
                if p.name != "_runs.csv"
            }
        )
        digests[-1]["privacy"] = json.dumps(record["privacy"], sort_keys=True)
    assert digests[0] == digests[1]
    # the second run went through the pool, with more units than units in flight
    pooled = seen[1]
    assert pooled["workers"] == 2 and pooled["total"] >= work.POOL_MIN_UNITS
    assert pooled["units"] > 2 * pooled["workers"]


def test_json_lines_with_a_broken_line_is_published_and_accounted_for(tmp_path):
    lines = []
    for year in (2022, 2023, 2024):
        for i in range(4):
            release = {"ocid": f"ocds-kota-{year}-{i}", "id": f"{year}-{i}-1", "date": f"{year}-03-01T00:00:00+07:00",
                       "tag": ["tender"], "tender": {"id": f"T{i}", "title": f"Paket {year} nomor {i}"}}  # fmt: skip
            lines.append(json.dumps(release))
    lines[5] = lines[5][:50]
    source = tmp_path / "kota-2022-2024.jsonl"
    source.write_text("\n".join(lines) + "\n")
    record = run_dataset("procurement", [str(source)], tmp_path / "site", show_progress=False)
    assert record["status"] == "published"
    releases = record["tables"]["releases"]
    assert record["inputs"][0]["records"] == 12
    assert (releases["rows"], releases["quarantined"], releases["duplicates"]) == (11, 1, 0)
    reason = query(
        tmp_path / "site" / "procurement.db",
        "select reason from _quarantine where check_id = 'not-a-release'",
    )
    assert len(reason) == 1 and reason[0][0].startswith("line 6: invalid JSON")


def test_an_spse_excel_export_maps_like_the_csv(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Daftar tender 2024"])
    sheet.append(
        [
            "kd_tender",
            "nama_paket",
            "nama_satker",
            "kd_satker",
            "hps",
            "pagu",
            "tgl_pengumuman_tender",
            "nama_penyedia",
            "kd_penyedia",
            "nilai_negosiasi",
            "nip_ppk",
        ]
    )
    sheet.append(
        [
            9100001,
            "Pembangunan Jembatan Desa",
            "Dinas PU",
            "1.03.01",
            1250000000,
            "1.300.000.000,00",
            "2024-03-12 09:00:00",
            "CV Maju Jaya",
            "P1",
            1200000000,
            "198803122010011001",
        ]
    )
    sheet.append(
        [
            9100002,
            "Pengadaan Laptop",
            "Dinas Pendidikan",
            "1.01.01",
            300000000,
            320000000,
            "12 Maret 2024",
            None,
            None,
            None,
            "198803122010011002",
        ]
    )
    path = tmp_path / "tender.xlsx"
    workbook.save(path)
    record = run_dataset("procurement", [str(path)], tmp_path / "site", show_progress=False)
    assert record["status"] == "published", record.get("error")
    assert (
        record["inputs"][0]["reader"] == "xlsx" and record["inputs"][0]["layout"] == "spse-tender"
    )
    db = tmp_path / "site" / "procurement.db"
    rows = query(
        db,
        "select ocid, value_amount, budget_amount, tender_period_start from tenders order by ocid",
    )
    assert rows == [
        ("ocds-terbuka-9100001", 1250000000, 1300000000, "2024-03-12T02:00:00Z"),
        ("ocds-terbuka-9100002", 300000000, 320000000, "2024-03-12T00:00:00Z"),
    ]
    assert query(db, "select supplier_name from award_suppliers") == [("CV Maju Jaya",)]
    everything = "".join(
        p.read_text() for p in (tmp_path / "site" / "procurement" / "data").glob("*.csv")
    )
    assert "198803122010011001" not in everything


@pytest.mark.slow  # true subprocesses: the --json contract is read from the process's own argv
@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--source", "x"], "Missing option '--out'"),
        (["--source", "x", "--out", "o", "--jsn"], "No such option"),
    ],
)
def test_command_line_errors_still_give_one_json_record(args, fragment):
    result = run_cli("run", "procurement", "--json", *args)
    assert result.returncode == 2
    record = json.loads(result.stdout)
    assert record["status"] == "failed" and fragment in record["error"]
    assert "Traceback" not in result.stderr


def test_numeric_ids_and_odd_values_are_published_as_text(tmp_path):
    releases = [
        {
            "ocid": 12345,
            "id": 1,
            "date": "2024-01-01",
            "tag": "tender",
            "tender": {"id": 7, "value": {"amount": "1,250,000.50", "currency": "idr"}},
        },
        {
            "ocid": 12345,
            "id": 2,
            "date": "2024-02-01",
            "tag": ["award"],
            "awards": [{"id": 3, "value": {"amount": 10, "currency": ""}}],
        },
    ]
    source = tmp_path / "odd.json"
    source.write_text(json.dumps({"releases": releases}))
    record = run_dataset("procurement", [str(source)], tmp_path / "site", show_progress=False)
    assert record["status"] == "published", record.get("error")
    assert record["tables"]["releases"] == {
        "rows_in": 2,
        "rows": 2,
        "quarantined": 0,
        "duplicates": 0,
    }
    db = tmp_path / "site" / "procurement.db"
    assert query(db, "select ocid, tender_id, value_amount, value_currency from tenders") == [
        ("12345", "7", 1250000.5, "IDR")
    ]
    assert query(db, "select award_id, value_amount, value_currency from awards") == [
        ("3", 10, None)
    ]
    assert query(db, "select count(*) from _quality_notes where check_id = 'invalid-currency'") == [
        (1,)
    ]


def test_local_paths_are_not_published(published_demo, demo_sources):
    out, record = published_demo
    paths, _ = demo_sources
    folder = str(paths[0].parent)
    assert any(folder in i["path"] for i in record["inputs"]), (
        "the steward's own record keeps full paths"
    )
    for path in out.rglob("*"):
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(out).parts):
            assert folder not in path.read_bytes().decode("utf-8", "replace"), path
    sources = {r[0] for r in query(out / "procurement.db", "select distinct source from releases")}
    assert sources == {"ocds-releases.json", "spse-tender.csv"}


def test_compiled_release_dates_match_the_tables(published_demo):
    out, _ = published_demo
    rows = query(out / "procurement.db", "select release from compiled_releases")
    text = "".join(r[0] for r in rows)
    assert "-0001-11-30" not in text
    first = json.loads(rows[0][0])
    assert first["date"].endswith("Z") and len(first["date"]) == 20
