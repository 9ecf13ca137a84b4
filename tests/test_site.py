"""The published site: a valid Data Package and a real Datasette over HTTP."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path


def test_data_package_passes_frictionless_validate(published_demo):
    out, _ = published_demo
    frictionless = Path(sys.executable).with_name("frictionless")
    result = subprocess.run(
        [str(frictionless), "validate", str(out / "procurement" / "datapackage.json")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_every_resource_carries_its_bytes_and_hash(published_demo):
    out, _ = published_demo
    folder = out / "procurement"
    package = json.loads((folder / "datapackage.json").read_text())
    assert {r["name"] for r in package["resources"]} >= {"tenders", "_quality", "_privacy"}
    for resource in package["resources"]:
        data = (folder / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data), resource["name"]
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), resource["name"]


def test_a_changed_file_fails_frictionless_validate(published_demo, tmp_path):
    import shutil

    out, _ = published_demo
    copy = tmp_path / "procurement"
    shutil.copytree(out / "procurement", copy)
    tenders = copy / "data" / "tenders.csv"
    tenders.write_bytes(tenders.read_bytes().replace(b",", b";", 1))
    frictionless = Path(sys.executable).with_name("frictionless")
    result = subprocess.run(
        [str(frictionless), "validate", str(copy / "datapackage.json")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode != 0
    assert "hash" in result.stdout.lower() or "bytes" in result.stdout.lower()


def test_data_package_carries_licence_and_sources(published_demo):
    out, _ = published_demo
    package = json.loads((out / "procurement" / "datapackage.json").read_text())
    assert package["licenses"] == [
        {
            "name": "CC-BY-4.0",
            "path": "https://creativecommons.org/licenses/by/4.0/",
            "title": "Creative Commons Attribution 4.0 International",
        }
    ]
    assert package["sources"] and package["sources"][0]["title"]


def test_datasette_serves_tables_with_licence(demo_site_client):
    metadata = demo_site_client.json("/-/metadata.json")
    database = metadata["databases"]["procurement"]
    assert database["license"] == "CC-BY-4.0"
    assert database["license_url"].startswith("https://creativecommons.org/")
    assert database["tables"]["tenders"]["columns"]["value_amount"]
    tenders = demo_site_client.json("/procurement/tenders.json?_shape=objects&_size=5")
    assert len(tenders["rows"]) == 5 and "ocid" in tenders["rows"][0]


def test_datasette_html_page_shows_licence(demo_site_client):
    response = demo_site_client.get("/procurement/tenders")
    assert response.status_code == 200
    html = response.text
    assert "CC-BY-4.0" in html and "creativecommons.org/licenses/by/4.0" in html


def test_facets_and_full_text_search(demo_site_client):
    faceted = demo_site_client.json("/procurement/tenders.json?_facet=procurement_method&_size=0")
    assert faceted["facet_results"]["procurement_method"]["results"]
    assert not faceted.get("facets_timed_out")
    found = demo_site_client.json("/procurement/tenders.json?_search=jalan&_shape=objects")
    assert found["rows"] and all(
        "jalan" in (r["title"] or "").lower() or "jalan" in (r["description"] or "").lower()
        for r in found["rows"]
    )


def test_canned_query_runs(demo_site_client):
    result = demo_site_client.json("/procurement/single_bidder_tenders.json?_shape=objects")
    assert result["rows"]
    assert all(r["number_of_tenderers"] == 1 for r in result["rows"])


def test_settings_keep_big_tables_fast(published_demo):
    out, _ = published_demo
    settings = json.loads((out / "settings.json").read_text())
    assert settings["suggest_facets"] is False
    import sqlite3

    with sqlite3.connect(out / "procurement.db") as conn:
        indexes = {
            r[2]
            for r in conn.execute(
                "select * from sqlite_master where type='index' and tbl_name='tenders'"
            ).fetchall()
        }
        columns = {
            row[2]
            for name in [
                r[1]
                for r in conn.execute(
                    "select * from sqlite_master where type='index' and tbl_name='tenders'"
                )
            ]
            for row in conn.execute(f"pragma index_info([{name}])")
        }
    assert {"status", "procurement_method", "buyer_name"} <= columns, indexes
