"""Declared sources end to end: pull, incremental runs, unchanged runs, traceability, schedule."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pullkit import (
    LoopbackServer,
    OcdsApi,
    Reply,
    demo_releases,
    descriptor_with_sources,
    later_releases,
)

from terbuka.metadata import DescriptorError, load_descriptor
from terbuka.pipelines.archive import Archive
from terbuka.pipelines.pull import source_specs
from terbuka.pipelines.readers import public_source
from terbuka.pipelines.runner import run_dataset
from terbuka.pipelines.schedule import due_status, period
from terbuka.pipelines.state import state_dir


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    return demo_releases(tmp_path_factory.mktemp("generated"), processes=20)


@pytest.fixture
def server():
    with LoopbackServer() as running:
        yield running


def invoke(*args: str, env: dict | None = None):
    """The real CLI, in-process (a subprocess costs seconds of imports per call)."""
    from click.testing import CliRunner

    from terbuka.pipelines.cli import cli

    return CliRunner(env=env, catch_exceptions=False).invoke(cli, list(args))


def run(folder: Path, out: Path, **kwargs) -> dict:
    record = run_dataset(folder, [], out, show_progress=False, **kwargs)
    assert record["status"] in ("published", "unchanged"), record.get("error")
    return record


def assert_traceable(out: Path, dataset: str) -> int:
    """Every published release row leads to archived bytes that hold that very release."""
    archive = Archive.in_state(state_dir(out))
    db = sqlite3.connect(out / f"{dataset}.db")
    rows = db.execute("select ocid, release_id, source, source_sha256 from releases").fetchall()
    assert rows
    payloads: dict[str, bytes] = {}
    for ocid, release_id, source, sha in rows:
        if sha not in payloads:
            path = archive.path(sha)
            assert path.exists(), f"{source}: payload {sha} is not archived"
            payloads[sha] = path.read_bytes()
            assert hashlib.sha256(payloads[sha]).hexdigest() == sha
            # Published rows name local files by their name only; the private manifest has the path.
            assert source in {public_source(t["url"]) for t in archive.trace(sha)}, source
        text = payloads[sha].decode()
        if ocid in text:  # OCDS: the release itself is in the payload
            assert release_id in text
        else:  # a tabular row: its key (kd_tender) is
            assert f'"kd_tender": {release_id.split("-")[0]}' in text, (ocid, release_id)
    archive.close()
    return len(rows)


def published_releases(out: Path, dataset: str) -> int:
    db = sqlite3.connect(out / f"{dataset}.db")
    return db.execute("select count(*) from releases").fetchone()[0]


def test_ocds_api_pulls_everything_once_then_only_new_pages(tmp_path, server, releases):
    api = OcdsApi(server, releases, page_size=10)
    pages = -(-len(releases) // 10)
    folder = descriptor_with_sources(
        tmp_path, [{"id": "portal", "kind": "ocds-api", "url": api.url, "since_param": "since"}]
    )
    out = tmp_path / "site"

    first = run(folder, out)
    assert first["status"] == "published"
    assert first["pull"]["sources"][0]["requests"] == pages == api.pages_served()
    assert len(first["inputs"]) == pages
    assert all(i["path"].startswith(api.url) for i in first["inputs"])
    count = published_releases(out, "pulled")
    assert count == first["tables"]["releases"]["rows"] > 0
    assert_traceable(out, "pulled")

    second = run(folder, out)
    assert second["status"] == "unchanged"
    assert second["pull"]["sources"][0]["requests"] == 1  # ?since=watermark: nothing new
    assert second["pull"]["changed"] is False
    assert api.pages_served() == pages + 1
    assert server.hits[-1].query["since"] == first["pull"]["sources"][0]["watermark"]

    api.add(later_releases(releases, 12))
    third = run(folder, out)
    assert third["status"] == "published"
    # 12 new releases + the boundary one (since is inclusive) = 13 → 2 pages of 10.
    assert third["pull"]["sources"][0]["requests"] == 2
    assert third["pull"]["sources"][0]["new_payloads"] == 2
    assert len(third["inputs"]) == pages + 2  # kept pages + new pages: a complete publication
    assert published_releases(out, "pulled") == count + 12
    assert third["changes"]["releases"]["added"] == 12
    assert third["changes"]["releases"]["removed"] == 0
    assert_traceable(out, "pulled")


def test_newest_first_api_stops_at_the_first_page_with_known_releases(tmp_path, server, releases):
    api = OcdsApi(server, releases, page_size=10, newest_first=True)
    pages = -(-len(releases) // 10)
    folder = descriptor_with_sources(
        tmp_path, [{"id": "feed", "kind": "ocds-api", "url": api.url, "order": "newest-first"}]
    )
    out = tmp_path / "site"
    first = run(folder, out)
    assert first["pull"]["sources"][0]["requests"] == pages
    count = published_releases(out, "pulled")

    second = run(folder, out)
    assert second["status"] == "unchanged"
    assert second["pull"]["sources"][0]["requests"] == 1

    api.add(later_releases(releases, 3))
    third = run(folder, out)
    assert third["pull"]["sources"][0]["requests"] == 1  # page 1 holds 3 new + 7 known: stop
    assert published_releases(out, "pulled") == count + 3
    assert_traceable(out, "pulled")


def test_without_incremental_options_every_page_is_fetched_but_unchanged_releases_are_unchanged(
    tmp_path, server, releases
):
    api = OcdsApi(server, releases, page_size=25)  # publishedDate differs on every response
    folder = descriptor_with_sources(tmp_path, [{"kind": "ocds-api", "url": api.url}])
    out = tmp_path / "site"
    first = run(folder, out)
    second = run(folder, out)
    pages = -(-len(releases) // 25)
    assert second["pull"]["sources"][0]["requests"] == pages
    assert second["pull"]["sources"][0]["downloaded_bytes"] > 0
    assert second["status"] == "unchanged"
    assert [i["sha256"] for i in second["inputs"]] == [i["sha256"] for i in first["inputs"]]


def test_http_source_uses_conditional_requests(tmp_path, server, releases):
    package = {"version": "1.1", "releases": releases}
    server.static("/export/releases.json", json.dumps(package).encode())
    folder = descriptor_with_sources(
        tmp_path, [{"kind": "http", "url": server.url("/export/releases.json")}]
    )
    out = tmp_path / "site"
    assert run(folder, out)["status"] == "published"
    again = run(folder, out)
    assert again["status"] == "unchanged"
    assert again["pull"]["sources"][0]["not_modified"] == 1
    assert again["pull"]["downloaded_bytes"] == 0
    assert_traceable(out, "pulled")


SPSE_COLUMNS = ["kd_tender", "nama_paket", "nama_satker", "kd_satker", "pagu", "hps",
                "mtd_pemilihan", "tgl_pengumuman_tender", "status_tender", "nama_klpd"]  # fmt: skip


def spse_rows(count: int) -> list[dict]:
    return [
        {
            "tahun_anggaran": 2024, "kd_tender": 10_000 + i, "nama_paket": f"Pembangunan Jalan Desa {i}",
            "kd_satker": 5000 + i % 7, "nama_satker": "Dinas Pekerjaan Umum", "nama_klpd": "Kota Contoh",
            "pagu": 1_500_000_000.0 + i, "hps": 1_450_000_000 + i, "mtd_pemilihan": "Tender",
            "tgl_pengumuman_tender": f"2024-03-{i % 28 + 1:02d} 10:00:00", "status_tender": "Aktif",
            "nip_ppk": "198001012010011001", "nama_ppk": "Budi Santoso",
        }
        for i in range(count)
    ]  # fmt: skip


def test_paged_api_of_spse_rows_is_mapped_through_the_layouts(tmp_path, server):
    rows = spse_rows(23)

    def tender_api(hit):
        page, limit = int(hit.query["page"]), int(hit.query["limit"])
        chunk = rows[(page - 1) * limit : page * limit]
        body = {"data": chunk, "meta": {"page": page, "generated": datetime.now(UTC).isoformat()}}
        return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    server.routes["/api/SPSE-TenderPengumuman"] = tender_api
    source = {
        "id": "spse", "kind": "paged-api", "url": server.url("/api/SPSE-TenderPengumuman"),
        "params": {"tahun": 2024}, "page_param": "page", "size_param": "limit", "page_size": 10,
    }  # fmt: skip
    folder = descriptor_with_sources(tmp_path, [source])
    out = tmp_path / "site"
    first = run(folder, out)
    assert first["status"] == "published"
    assert [h.query["page"] for h in server.hits] == [
        "1",
        "2",
        "3",
    ]  # 10 + 10 + 3: short page ends it
    assert {i["reader"] for i in first["inputs"]} == {"json-rows"}
    assert {i["layout"] for i in first["inputs"]} == {"spse-tender"}
    db = sqlite3.connect(out / "pulled.db")
    titles = {r[0] for r in db.execute("select title from tenders")}
    assert titles == {r["nama_paket"] for r in rows}
    assert db.execute("select count(*) from releases").fetchone()[0] == 23
    assert "Budi Santoso" not in (out / "pulled" / "data" / "releases.csv").read_text()
    again = run(folder, out)  # the volatile `meta.generated` changes, the rows do not
    assert again["status"] == "unchanged"
    assert_traceable(out, "pulled")


def test_folder_source_skips_rehashing_unchanged_files(tmp_path, releases):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "releases.json").write_text(json.dumps({"releases": releases[:20]}))
    (drop / "notes.txt").write_text("not data")
    folder = descriptor_with_sources(
        tmp_path, [{"kind": "folder", "path": "../drop", "pattern": "*.json"}]
    )
    out = tmp_path / "site"
    first = run(folder, out)
    assert [Path(i["path"]).name for i in first["inputs"]] == ["releases.json"]
    second = run(folder, out)
    assert second["status"] == "unchanged" and second["pull"]["sources"][0]["skipped"] == 1
    (drop / "releases.json").write_text(json.dumps({"releases": releases[:25]}))
    third = run(folder, out)
    assert third["status"] == "published"
    assert published_releases(out, "pulled") == third["tables"]["releases"]["rows"]
    assert_traceable(out, "pulled")


def test_tokens_come_from_the_environment_and_never_reach_a_file(
    tmp_path, server, releases, monkeypatch
):
    token = "tok-" + "9" * 24
    api = OcdsApi(server, releases[:15], page_size=10, token=token)
    folder = descriptor_with_sources(
        tmp_path, [{"kind": "ocds-api", "url": api.url, "token_env": "PORTAL_TOKEN"}]
    )
    out = tmp_path / "site"
    missing = run_dataset(folder, [], out, show_progress=False)
    assert missing["status"] == "failed" and "PORTAL_TOKEN" in missing["error"]
    monkeypatch.setenv("PORTAL_TOKEN", token)
    assert run(folder, out)["status"] == "published"
    state = Path(os.environ["TERBUKA_STATE_DIR"])
    for root in (out, state / "sources", state / "archive"):
        for path in root.rglob("*"):
            if path.is_file():
                assert token.encode() not in path.read_bytes(), path


def test_a_failing_source_fails_the_run_and_keeps_the_publication(tmp_path, server, releases):
    api = OcdsApi(server, releases, page_size=50)
    folder = descriptor_with_sources(tmp_path, [{"kind": "ocds-api", "url": api.url, "retries": 0}])
    out = tmp_path / "site"
    run(folder, out)
    before = (out / "pulled.db").read_bytes()
    server.routes["/releases"] = lambda hit: Reply(500, b"down")
    record = run_dataset(folder, [], out, show_progress=False)
    assert record["status"] == "failed" and record["exit_code"] == 3  # the environment's fault
    assert record["error"] == f"{api.url}: HTTP 500 Internal Server Error (gave up after 1 attempt)"
    assert (out / "pulled.db").read_bytes() == before


def test_run_and_pull_commands(tmp_path, server, releases):
    api = OcdsApi(server, releases, page_size=10)
    folder = descriptor_with_sources(
        tmp_path, [{"id": "portal", "kind": "ocds-api", "url": api.url, "since_param": "since"}]
    )
    out = tmp_path / "site"
    pulled = invoke("pull", str(folder), "--out", str(out))
    assert pulled.exit_code == 0, pulled.stderr
    assert "pulled · portal (ocds-api): changed" in pulled.stdout
    assert "pulled: changed since the last pull" in pulled.stdout
    assert not (out / "pulled.db").exists()  # pull publishes nothing
    again = invoke("pull", str(folder), "--out", str(out), "--json")
    report = json.loads(again.stdout)
    assert report["changed"] is False and report["sources"][0]["requests"] == 1
    ran = invoke("run", str(folder), "--out", str(out), "--json", "--quiet")
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout)["status"] == "published"
    unchanged = invoke("run", str(folder), "--out", str(out), "--json", "--quiet")
    assert unchanged.exit_code == 0 and json.loads(unchanged.stdout)["status"] == "unchanged"


def test_run_without_source_or_declared_sources_is_a_usage_error(tmp_path):
    result = invoke("run", "procurement", "--out", str(tmp_path / "site"), "--json", "--quiet")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error.startswith(
        "no --source given and metadata/procurement/dataset.yml declares no `sources`"
    )
    assert "Traceback" not in result.stderr


def test_run_due_for_cron_one_line_on_failure(tmp_path, server, releases):
    api = OcdsApi(server, releases, page_size=50)
    server.routes["/broken.json"] = lambda hit: Reply(503, b"maintenance")
    descriptors = tmp_path / "descriptors"
    descriptor_with_sources(
        descriptors, [{"kind": "ocds-api", "url": api.url}], name="good", update_frequency="daily"
    )
    descriptor_with_sources(
        descriptors, [{"kind": "http", "url": server.url("/broken.json"), "retries": 0}],
        name="broken", update_frequency="daily",
    )  # fmt: skip
    out = tmp_path / "site"
    env = {"TERBUKA_METADATA_PATH": str(descriptors)}

    due = json.loads(invoke("due", "--out", str(out), "--json", env=env).stdout)
    by_name = {d["dataset"]: d for d in due}
    assert by_name["good"]["due"] and by_name["broken"]["due"]
    assert not by_name["procurement"]["due"]  # bundled, declares no sources

    result = invoke("run", "--due", "--out", str(out), "--quiet", env=env)
    assert result.exit_code == 3  # an unreachable or failing source
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0] == (
        "terbuka run --due: 1 of 2 dataset(s) failed — broken: failed: "
        f"{server.url('/broken.json')}: HTTP 503 Service Unavailable (gave up after 1 attempt)"
    )
    assert (out / "good.db").exists()

    listed = invoke("due", "--out", str(out), env=env).stdout
    assert "good: not due (daily: already ran this period; last success 20" in listed
    assert (
        "broken: due (never run successfully; last success never; update_frequency daily)" in listed
    )
    served = api.pages_served()
    server.routes["/broken.json"] = lambda hit: Reply(
        200, json.dumps({"releases": releases[:5]}).encode()
    )
    result = invoke("run", "--due", "--out", str(out), "--quiet", env=env)
    assert result.exit_code == 0 and result.stderr == ""
    assert api.pages_served() == served  # "good" was not due: not even pulled
    assert (out / "broken.db").exists()


def test_run_all(tmp_path, server, releases):
    api = OcdsApi(server, releases, page_size=50)
    descriptors = tmp_path / "descriptors"
    descriptor_with_sources(descriptors, [{"kind": "ocds-api", "url": api.url}], name="one")
    descriptor_with_sources(descriptors, [{"kind": "ocds-api", "url": api.url}], name="two")
    out = tmp_path / "site"
    env = {"TERBUKA_METADATA_PATH": str(descriptors)}
    result = invoke("run", "--all", "--out", str(out), "--json", env=env)
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert sorted(r["dataset"] for r in records) == ["one", "two"]
    assert {r["status"] for r in records} == {"published"}
    assert "terbuka run --all: 2 dataset(s): 2 published" in result.stderr
    noted = invoke(
        "run", "--all", "--out", str(out), "--json", "--force", "--note", "re-run", env=env
    )
    assert noted.exit_code == 0, noted.stderr
    assert {r.get("note") for r in json.loads(noted.stdout)} == {"re-run"}  # one note for each
    gzipped = invoke("run", "--all", "--out", str(out), "--force", "--csv-gzip", "-q", env=env)
    assert gzipped.exit_code == 0, gzipped.stderr
    for name in ("one", "two"):  # the package options reach every dataset's run
        package = json.loads((out / name / "datapackage.json").read_text())
        assert {r["path"].endswith(".csv.gz") for r in package["resources"]} == {True}
    answers = invoke("run", "--all", "--out", str(out), "--answers", "1", env=env)
    assert answers.exit_code == 2 and "--answers names one reader's report" in answers.stderr
    bad = invoke("run", "procurement", "--all", "--out", str(out), env=env)
    assert bad.exit_code == 2 and "no DATASET or --source" in bad.stderr
    bad = invoke("run", "--all", "--due", "--out", str(out), "--json", env=env)
    assert (
        bad.exit_code == 2
        and json.loads(bad.stdout)["error"] == "give either --all or --due, not both"
    )


def test_pull_json_reports_a_failing_source_as_one_document(tmp_path, server):
    server.routes["/gone.json"] = lambda hit: Reply(410, b"gone")
    folder = descriptor_with_sources(tmp_path, [{"kind": "http", "url": server.url("/gone.json")}])
    result = invoke("pull", str(folder), "--out", str(tmp_path / "site"), "--json")
    assert result.exit_code == 3
    assert json.loads(result.stdout) == {
        "dataset": str(folder), "status": "failed",
        "error": f"{server.url('/gone.json')}: HTTP 410 Gone",
    }  # fmt: skip
    assert f"Error: {server.url('/gone.json')}: HTTP 410 Gone" in result.stderr.splitlines()


@pytest.mark.parametrize(
    "frequency, last, now, due",
    [
        ("daily", "2025-03-01T02:00:05Z", "2025-03-02T02:00:00Z", True),
        ("daily", "2025-03-01T02:00:05Z", "2025-03-01T23:00:00Z", False),
        ("weekly", "2025-03-03T02:00:00Z", "2025-03-09T02:00:00Z", False),  # same ISO week
        ("weekly", "2025-03-03T02:00:00Z", "2025-03-10T02:00:00Z", True),
        ("monthly", "2025-03-31T10:00:00Z", "2025-04-01T10:00:00Z", True),
        ("monthly", "2025-03-01T10:00:00Z", "2025-03-31T10:00:00Z", False),
        ("quarterly", "2025-01-05T00:00:00Z", "2025-03-31T00:00:00Z", False),
        ("quarterly", "2025-03-05T00:00:00Z", "2025-04-01T00:00:00Z", True),
        ("biannual", "2025-02-01T00:00:00Z", "2025-07-01T00:00:00Z", True),
        ("annual", "2025-02-01T00:00:00Z", "2025-12-31T00:00:00Z", False),
        ("continuous", "2025-02-01T00:00:00Z", "2025-02-01T00:00:01Z", True),
        ("irregular", "2025-02-01T00:00:00Z", "2030-02-01T00:00:00Z", False),
    ],
)
def test_due_follows_calendar_periods(tmp_path, frequency, last, now, due):
    folder = descriptor_with_sources(
        tmp_path, [{"kind": "http", "url": "http://127.0.0.1:9/x"}],
        update_frequency=frequency, timezone="UTC",
    )  # fmt: skip
    runs = tmp_path / "site" / ".runs" / "pulled"
    runs.mkdir(parents=True)
    (runs / "1.json").write_text(json.dumps({"status": "published", "finished": last}))
    (runs / "2.json").write_text(json.dumps({"status": "failed", "finished": now}))
    moment = datetime.strptime(now, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    status = due_status(load_descriptor(folder), tmp_path / "site", moment)
    assert status["due"] is due, status
    assert period(frequency, moment) is None or isinstance(period(frequency, moment), str)


def test_due_uses_the_dataset_time_zone(tmp_path):
    folder = descriptor_with_sources(
        tmp_path, [{"kind": "http", "url": "http://127.0.0.1:9/x"}],
        update_frequency="daily", timezone="Asia/Jakarta",
    )  # fmt: skip
    runs = tmp_path / "site" / ".runs" / "pulled"
    runs.mkdir(parents=True)
    # 18:00 UTC is 01:00 the next day in Jakarta: the next local day has begun.
    (runs / "1.json").write_text(
        json.dumps({"status": "published", "finished": "2025-03-01T16:00:00Z"})
    )
    moment = datetime(2025, 3, 1, 18, tzinfo=UTC)
    assert due_status(load_descriptor(folder), tmp_path / "site", moment)["due"] is True
    assert (
        due_status(load_descriptor(folder), tmp_path / "site", moment - timedelta(hours=2))["due"]
        is False
    )


@pytest.mark.parametrize(
    "source, message",
    [
        (
            {"kind": "ftp", "url": "http://x"},
            "unknown kind 'ftp' (known: ckan, folder, http, ocds-api, paged-api)",
        ),
        ({"kind": "ckan", "url": "http://x"}, "a ckan source needs the key 'datasets'"),
        (
            {"kind": "http", "url": "http://x", "datasets": ["a"]},
            "key 'datasets' does not apply to a http source",
        ),
        ({"kind": "http", "url": "ftp://x"}, "key 'sources.0.url'"),
        ({"kind": "http", "url": "http://x", "colour": 1}, "unknown key 'sources.0.colour'"),
    ],
)
def test_source_declarations_are_checked_with_file_and_line(tmp_path, source, message):
    folder = descriptor_with_sources(tmp_path, [source])
    with pytest.raises(DescriptorError) as caught:
        source_specs(load_descriptor(folder))
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(folder / "dataset.yml") + ":")


def test_two_sources_need_distinct_ids(tmp_path):
    folder = descriptor_with_sources(
        tmp_path, [{"kind": "http", "url": "http://x/a"}, {"kind": "http", "url": "http://x/b"}]
    )
    with pytest.raises(DescriptorError, match="two sources are called 'http'; give each an `id`"):
        source_specs(load_descriptor(folder))


def test_due_knows_a_dataset_published_with_source(tmp_path):
    """A dataset without declared sources still shows its last success, and when it is late."""
    folder = descriptor_with_sources(tmp_path, [], update_frequency="monthly", timezone="UTC")
    runs = tmp_path / "site" / ".runs" / "pulled"
    runs.mkdir(parents=True)
    (runs / "1.json").write_text(
        json.dumps({"status": "published", "finished": "2025-03-10T10:00:00Z"})
    )
    same_month = datetime(2025, 3, 30, tzinfo=UTC)
    status = due_status(load_descriptor(folder), tmp_path / "site", same_month)
    assert status["last_success"] == "2025-03-10T10:00:00Z"
    assert status["due"] is False and status["overdue"] is False
    next_month = datetime(2025, 4, 2, tzinfo=UTC)
    status = due_status(load_descriptor(folder), tmp_path / "site", next_month)
    assert status["due"] is False and status["overdue"] is True
    assert "no successful run this period" in status["reason"]
