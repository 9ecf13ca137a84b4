"""Gzipped CSVs in the Data Package (``terbuka run --csv-gzip``, issue 19).

A real run of the demo procurement data with the flag; Frictionless' full check of the
package it wrote; the catalog serving the ``.csv.gz`` files byte for byte; and the next
run without the flag writing plain CSV again (the flag is part of the fingerprint).
"""

import csv
import gzip
import hashlib
import io
import json
import shutil
import sqlite3
from pathlib import Path

import ckanapi
import pytest
import requests
import yaml
from conftest import OCDS_SCHEMA, InProcessSite, demo_procurement, invoke_cli, nonempty

from terbuka.pipelines.package_check import gzipped_tables
from terbuka.publish.datapackage import validate_package


def publish(sources, out, state, *flags):
    env = {
        "TERBUKA_STATE_DIR": str(state),
        "TERBUKA_OCDS_SCHEMA": str(OCDS_SCHEMA) if OCDS_SCHEMA.exists() else "",
    }
    args = [arg for p in sources for arg in ("--source", str(p))]
    result = invoke_cli(
        "run", "procurement", *args, "--out", str(out), "--json", "-q", *flags, env=env
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def gzipped(tmp_path_factory, demo_sources):
    folder = tmp_path_factory.mktemp("csv-gzip")
    record = publish(demo_sources[0], folder / "site", folder / "state", "--csv-gzip")
    return folder, record


def package_of(site):
    return json.loads((site / "procurement" / "datapackage.json").read_text("utf-8"))


def test_every_table_is_a_gzipped_csv_with_the_rows_of_the_database(gzipped):
    folder, record = gzipped
    site = folder / "site"
    assert record["status"] == "published" and record["quality"]["package_valid"] is True
    db = sqlite3.connect(site / "procurement.db")
    for resource in nonempty(package_of(site)["resources"]):
        name = resource["name"]
        assert resource["path"] == f"data/{name}.csv.gz"
        assert (resource["compression"], resource["format"]) == ("gz", "csv")
        raw = (site / "procurement" / resource["path"]).read_bytes()
        assert raw[:2] == b"\x1f\x8b", name  # the gzip magic number
        assert resource["bytes"] == len(raw)
        assert resource["hash"] == "sha256:" + hashlib.sha256(raw).hexdigest()
        rows = list(csv.reader(io.StringIO(gzip.decompress(raw).decode("utf-8"))))
        assert rows[0] == [f["name"] for f in resource["schema"]["fields"]]
        assert len(rows) - 1 == db.execute(f"select count(*) from [{name}]").fetchone()[0]
    assert list((site / "procurement" / "data").glob("*.csv")) == []


def test_frictionless_validates_every_cell_of_the_gzipped_package(gzipped):
    folder, _ = gzipped
    assert validate_package(folder / "site" / "procurement" / "datapackage.json") == []


def test_frictionless_reads_inside_the_gzip_a_bad_cell_is_found(gzipped, tmp_path):
    """The check is not vacuous: a wrong value inside a ``.csv.gz`` is reported by row."""
    folder, _ = gzipped
    copy = tmp_path / "procurement"
    shutil.copytree(folder / "site" / "procurement", copy)
    package = json.loads((copy / "datapackage.json").read_text("utf-8"))
    tenders = next(r for r in package["resources"] if r["name"] == "tenders")
    path = copy / tenders["path"]
    rows = list(csv.reader(io.StringIO(gzip.decompress(path.read_bytes()).decode("utf-8"))))
    number = next(
        i for i, f in enumerate(tenders["schema"]["fields"]) if f["type"] in ("number", "integer")
    )
    rows[2][number] = "lots"
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    path.write_bytes(gzip.compress(text.getvalue().encode("utf-8")))
    tenders["bytes"] = path.stat().st_size
    tenders["hash"] = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    (copy / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    errors = validate_package(copy / "datapackage.json")
    assert any(e.startswith("tenders, row 3:") for e in errors), errors


def test_the_catalog_serves_the_gzipped_files_as_published(gzipped):
    folder, _ = gzipped
    site = folder / "site"
    with InProcessSite(site) as served:
        package = served.json("/api/3/action/package_show?id=procurement")["result"]
        tables = [r for r in package["resources"] if r["terbuka_key"].startswith("table:")]
        for resource in nonempty(tables):
            name = resource["terbuka_key"].removeprefix("table:")
            assert resource["url"].endswith(f"/download/{name}.csv.gz")
            assert resource["mimetype"] == "application/gzip"
            response = served.get(resource["url"])
            assert response.status_code == 200, resource["url"]
            assert response.headers["content-type"].startswith("application/gzip")
            published = (site / "procurement" / "data" / f"{name}.csv.gz").read_bytes()
            assert response.content == published
            assert hashlib.sha256(response.content).hexdigest() == resource["terbuka_sha256"]
        export = served.get("/procurement/tenders.csv?_size=max")  # Datasette's own export
        assert export.status_code == 200
        header, *lines = export.text.splitlines()
        assert "ocid" in header.split(",") and len(lines) > 1


def test_the_same_rows_give_the_same_gzip_bytes_and_the_flag_is_remembered(
    gzipped, demo_sources, tmp_path
):
    """No time or name in the gzip header: a rebuild writes byte-identical files (versions
    share them by hard link). A run without the flag is not "unchanged": it writes plain CSV."""
    folder, _ = gzipped
    site = tmp_path / "site"
    shutil.copytree(folder / "site", site, symlinks=True)
    state = tmp_path / "state"
    shutil.copytree(folder / "state", state)
    before = {r["name"]: r["hash"] for r in package_of(site)["resources"]}
    again = publish(demo_sources[0], site, state, "--csv-gzip", "--force")
    assert again["status"] == "published"
    after = {r["name"]: r["hash"] for r in package_of(site)["resources"]}
    stable = [t for t in before if not t.startswith("_")]  # system tables carry the run id
    assert {t: after[t] for t in nonempty(stable)} == {t: before[t] for t in stable}
    plain = publish(demo_sources[0], site, state)
    assert plain["status"] == "published"
    resources = {r["name"]: r for r in package_of(site)["resources"]}
    descriptor = Path(__file__).resolve().parents[1] / "metadata" / "procurement" / "dataset.yml"
    listed = set(yaml.safe_load(descriptor.read_text("utf-8"))["package"]["csv_gzip"])
    assert "compiled_releases" in listed
    for name, resource in resources.items():
        gz = name in listed
        assert resource["path"] == f"data/{name}.csv" + (".gz" if gz else ""), name
        assert resource.get("compression") == ("gz" if gz else None), name
        raw = (site / "procurement" / resource["path"]).read_bytes()
        assert (raw[:2] == b"\x1f\x8b") is gz, name
    assert validate_package(site / "procurement" / "datapackage.json", sample_rows=100) == []


@pytest.mark.parametrize(
    ("option", "flag", "expected"),
    [
        (None, False, set()),
        (False, False, set()),
        (True, False, {"tenders", "compiled_releases", "_runs"}),
        (None, True, {"tenders", "compiled_releases", "_runs"}),
        (["compiled_releases"], False, {"compiled_releases"}),
        (["compiled_releases", "not_a_table"], False, {"compiled_releases"}),
        (["compiled_releases"], True, {"tenders", "compiled_releases", "_runs"}),
    ],
)
def test_which_tables_are_gzipped(option, flag, expected):
    """``csv_gzip`` is all or nothing, or a list of tables; the flag gzips every table."""
    descriptor = {} if option is None else {"package": {"csv_gzip": option}}
    tables = ["tenders", "compiled_releases", "_runs"]
    assert gzipped_tables(descriptor, tables, flag) == expected


@pytest.mark.slow
def test_ckan_holds_the_gzipped_csvs_and_republishing_writes_nothing(ckan, gzipped, tmp_path):
    """A real CKAN: each table's ``.csv.gz`` uploaded as published, its rows in the
    DataStore (read from the database, not the CSV), and a second publish a no-op."""
    from test_ckan import copy_site, expected_hashes, publish_once, unique

    folder, _ = gzipped
    site = copy_site(folder / "site", tmp_path / "site")
    prefix, org = f"gz{unique()}-", f"org-{unique()}"
    outcome, _ = publish_once(ckan, site, prefix, org)
    assert outcome["status"] == "created"
    client = ckanapi.RemoteCKAN(ckan.url)
    package = client.action.package_show(id=f"{prefix}procurement")
    by_key = {r["terbuka_key"]: r for r in package["resources"]}
    for key, digest in nonempty(list(expected_hashes(site).items())):
        assert by_key[key]["terbuka_sha256"] == digest, key
    tenders = by_key["table:tenders"]
    assert tenders["url"].endswith("/tenders.csv.gz")
    download = requests.get(tenders["url"], timeout=60, stream=True)
    assert download.status_code == 200
    published = (site / "procurement" / "data" / "tenders.csv.gz").read_bytes()
    assert download.raw.read(decode_content=False) == published
    rows = client.action.datastore_search(resource_id=tenders["id"], limit=0)["total"]
    with sqlite3.connect(site / "procurement.db") as db:
        assert rows == db.execute("select count(*) from tenders").fetchone()[0] > 0
    again, _ = publish_once(ckan, site, prefix, org)
    assert again["status"] == "unchanged" and again["writes"] == 0


def test_a_csv_gzip_list_naming_no_table_stops_the_run_before_any_work(tmp_path):
    """A typo in ``package.csv_gzip`` is one line naming the file and the word, exit 2."""
    import yaml

    paths, _, folder = demo_procurement(tmp_path, seed=3, processes=5)
    dataset = folder / "dataset.yml"
    settings = yaml.safe_load(dataset.read_text("utf-8"))
    settings["package"] = {"csv_gzip": ["compiled_release"]}
    dataset.write_text(yaml.safe_dump(settings, allow_unicode=True), "utf-8")
    result = invoke_cli(
        "run", str(folder), *[a for p in paths for a in ("--source", str(p))],
        "--out", str(tmp_path / "site"), "-q",
        env={"TERBUKA_STATE_DIR": str(tmp_path / "state")},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "package.csv_gzip names compiled_release, not a table" in result.stderr
    assert "dataset.yml" in result.stderr
    assert not (tmp_path / "site" / "procurement.db").exists()
