"""A CKAN source's organisation and licence reach the publication (issue 17).

The catalog is a loopback HTTP server answering CKAN's Action API (``package_show``) with
the JSON CKAN 2.x returns, and serving the resource; ckanapi talks to it over TCP.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from pullkit import LoopbackServer, Reply, descriptor_with_sources

from terbuka.pipelines.archive import Archive
from terbuka.pipelines.demo import generate_procurement
from terbuka.pipelines.runner import run_dataset
from terbuka.pipelines.sources.ckan_metadata import catalog_metadata, spdx_for_ckan
from terbuka.pipelines.state import state_dir

ORG = {"name": "dinas-kominfo-kota-a", "title": "Dinas Kominfo Kota A"}


def serve_catalog(server: LoopbackServer, csv: bytes, **package) -> str:
    """A CKAN with one dataset ``spse-tender`` holding one uploaded CSV resource."""
    resource_url = server.url("/dataset/spse-tender/resource/r1/download/tender.csv")
    server.static("/dataset/spse-tender/resource/r1/download/tender.csv", csv)
    result = {
        "name": "spse-tender",
        "organization": ORG,
        "license_id": "cc-by",
        "license_url": "http://www.opendefinition.org/licenses/cc-by",
        "metadata_modified": "2026-11-30T04:05:06.123456",
        "maintainer_email": "budi@example.go.id",
        "resources": [
            {"id": "r1", "name": "tender.csv", "format": "CSV", "url": resource_url,
             "url_type": "upload", "size": len(csv), "last_modified": "2026-11-30T04:00:00"},
        ],
        **package,
    }  # fmt: skip

    def route(hit):
        if hit.query.get("id") != "spse-tender":
            body = {"success": False, "error": {"__type": "Not Found Error", "message": "x"}}
            return Reply(404, json.dumps(body).encode(), {"Content-Type": "application/json"})
        body = {"success": True, "result": result}
        return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    server.routes["/api/action/package_show"] = route  # the path ckanapi asks
    return server.url("")


@pytest.fixture(scope="module")
def csv(tmp_path_factory):
    """The demo tender CSV the catalog serves (bytes: read-only, shared by the module)."""
    folder = tmp_path_factory.mktemp("generated")
    generated, _ = generate_procurement(folder, seed=3, processes=12)
    return generated[1].read_bytes()


@pytest.mark.parametrize(
    ("license_id", "license_url", "spdx"),
    [
        ("cc-by", None, "CC-BY-4.0"),
        ("cc-by", "https://creativecommons.org/licenses/by/3.0/", "CC-BY-3.0"),
        ("odc-odbl", None, "ODbL-1.0"),
        ("CC-BY-SA-4.0", None, "CC-BY-SA-4.0"),
        ("other-closed", None, None),
    ],
)
def test_ckan_licence_ids_map_to_spdx(license_id, license_url, spdx):
    assert spdx_for_ckan(license_id, license_url) == spdx


def test_catalog_metadata_keeps_public_facts_only():
    meta = catalog_metadata(
        {"name": "x", "organization": ORG, "license_id": "notspecified",
         "maintainer": "Budi", "maintainer_email": "budi@example.go.id"},
        "https://portal.example",
    )  # fmt: skip
    assert meta["publisher"] == {
        "name": "Dinas Kominfo Kota A",
        "url": "https://portal.example/organization/dinas-kominfo-kota-a",
    }
    assert "license" not in meta and "budi" not in json.dumps(meta).lower()


def test_an_example_descriptor_publishes_under_the_catalogs_organisation_and_licence(tmp_path, csv):
    with LoopbackServer() as server:
        base = serve_catalog(server, csv, license_id="odc-odbl", license_url=None)
        folder = descriptor_with_sources(
            tmp_path, [{"id": "portal", "kind": "ckan", "url": base, "datasets": ["spse-tender"]}]
        )
        out = tmp_path / "site"
        record = run_dataset(folder, [], out, show_progress=False)
    assert record["status"] == "published", record.get("error")
    provenance = record["provenance"]
    assert provenance["publisher"]["name"] == "Dinas Kominfo Kota A"
    assert provenance["publisher_from"] == "source"
    assert (provenance["licence"], provenance["licence_from"]) == ("ODbL-1.0", "source")
    (entry,) = [i for i in record["inputs"] if i.get("catalog")]
    assert entry["catalog"]["modified"] == "2026-11-30T04:05:06.123456"
    package = json.loads((out / "pulled" / "datapackage.json").read_text())
    assert package["licenses"][0]["name"] == "ODbL-1.0"
    assert "Dinas Kominfo Kota A" in json.dumps(package)
    # The archive keeps the catalog's word beside the bytes it describes.
    archive = Archive.in_state(state_dir(out))
    try:
        assert archive.annotation(entry["sha256"])["publisher"]["name"] == ORG["title"]
    finally:
        archive.close()
    for path in (out / "pulled").rglob("*"):
        if path.is_file():
            assert b"budi@example" not in path.read_bytes(), path


def test_a_stewards_descriptor_that_disagrees_gets_the_source_metadata_warning(tmp_path, csv):
    with LoopbackServer() as server:
        base = serve_catalog(server, csv)
        folder = descriptor_with_sources(
            tmp_path,
            [{"id": "portal", "kind": "ckan", "url": base, "datasets": ["spse-tender"]}],
            example=False,
            publisher={"name": "Bappeda Kota B"},
            license="CC0-1.0",
        )
        record = run_dataset(folder, [], tmp_path / "site", show_progress=False)
    assert record["status"] == "published", record.get("error")
    assert record["provenance"]["publisher"] == {"name": "Bappeda Kota B"}
    (flag,) = [f for f in record["quality"]["flags"] if f["id"] == "source-metadata"]
    assert flag["status"] == "fail" and flag["action"] == "warn"
    assert "'Bappeda Kota B'" in flag["message"] and "'Dinas Kominfo Kota A'" in flag["message"]
    assert "CC0-1.0" in flag["message"] and "CC-BY-4.0" in flag["message"]
    db = sqlite3.connect(tmp_path / "site" / "pulled.db")
    assert db.execute("select count(*) from releases").fetchone()[0] > 0
