"""Acceptance: a paginated OCDS API and a CKAN terbuka has not seen.

It pulls everything once, then on the next runs fetches only what changed, and every
published row can be traced to the archived raw bytes it came from.
"""

from __future__ import annotations

import hashlib
import sqlite3
import uuid

import pytest
from conftest import leaked
from pullkit import LoopbackServer, OcdsApi, demo_releases, descriptor_with_sources, later_releases

from terbuka.pipelines.archive import Archive
from terbuka.pipelines.demo import generate_procurement
from terbuka.pipelines.runner import run_dataset
from terbuka.pipelines.state import state_dir

# slow: pulls from a real CKAN 2.12
pytestmark = pytest.mark.slow


def traced_rows(out, dataset):
    """(source, sha256) of every published release, each checked against the archive."""
    archive = Archive.in_state(state_dir(out))
    db = sqlite3.connect(out / f"{dataset}.db")
    rows = db.execute("select source, source_sha256 from releases").fetchall()
    for source, sha in set(rows):
        data = archive.path(sha).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha
        assert source in {t["url"] for t in archive.trace(sha)}
    archive.close()
    return rows


def test_ocds_api_and_ckan_pulled_once_then_only_changes(ckan, tmp_path):
    generated, planted = generate_procurement(tmp_path / "generated", seed=11, processes=40)
    releases = demo_releases(tmp_path / "api-data", processes=30, seed=5)
    csv_v1 = generated[1].read_bytes()
    lines = csv_v1.split(b"\r\n")
    extra = [lines[1].replace(b";9100000;", f";91999{i:02d};".encode(), 1) for i in range(3)]
    csv_v2 = b"\r\n".join([*lines[:2], *extra, *lines[2:]])
    (tmp_path / "tenders.csv").write_bytes(csv_v1)

    client = ckan.client()
    suffix = uuid.uuid4().hex[:8]
    org = client.action.organization_create(name=f"kota-contoh-{suffix}")
    package = client.action.package_create(name=f"spse-tender-{suffix}", owner_org=org["id"])
    with open(tmp_path / "tenders.csv", "rb") as handle:
        resource = client.action.resource_create(
            package_id=package["id"], name="spse-tender.csv", format="CSV", upload=handle
        )

    with LoopbackServer() as server:
        api = OcdsApi(server, releases, page_size=10)
        folder = descriptor_with_sources(
            tmp_path,
            [
                {"id": "portal", "kind": "ocds-api", "url": api.url, "since_param": "since"},
                {"id": "catalog", "kind": "ckan", "url": ckan.url, "datasets": [package["name"]]},
            ],
        )
        out = tmp_path / "site"

        first = run_dataset(folder, [], out, show_progress=False)
        assert first["status"] == "published", first.get("error")
        sources = {s["id"]: s for s in first["pull"]["sources"]}
        assert sources["portal"]["requests"] == api.pages_served() == -(-len(releases) // 10)
        assert sources["catalog"]["requests"] == 2  # package_show + one download
        rows = traced_rows(out, "pulled")
        from_ckan = [r for r in rows if "/resource/" in r[0]]
        from_api = [r for r in rows if r[0].startswith(api.url)]
        assert from_ckan and from_api and len(from_ckan) + len(from_api) == len(rows)
        assert {r[0] for r in from_ckan} == {resource["url"]}
        published = "".join(p.read_text() for p in (out / "pulled" / "data").glob("*.csv"))
        assert planted.all() and not leaked(planted.all(), published)

        second = run_dataset(folder, [], out, show_progress=False)
        assert second["status"] == "unchanged"
        sources = {s["id"]: s for s in second["pull"]["sources"]}
        assert sources["portal"]["requests"] == 1
        assert sources["catalog"]["requests"] == 1 and sources["catalog"]["skipped"] == 1
        assert second["pull"]["downloaded_bytes"] < 5000  # one small, empty page of news

        api.add(later_releases(releases, 4))
        (tmp_path / "tenders.csv").write_bytes(csv_v2)
        with open(tmp_path / "tenders.csv", "rb") as handle:
            client.action.resource_patch(id=resource["id"], upload=handle)
        third = run_dataset(folder, [], out, show_progress=False)
        assert third["status"] == "published", third.get("error")
        sources = {s["id"]: s for s in third["pull"]["sources"]}
        assert sources["portal"]["requests"] == 1 and sources["portal"]["new_payloads"] == 1
        assert sources["catalog"]["requests"] == 2 and sources["catalog"]["new_payloads"] == 1
        assert third["changes"]["releases"]["added"] == 4 + 3
        assert third["changes"]["releases"]["removed"] == 0
        rows = traced_rows(out, "pulled")
        hashes = {r[1] for r in rows if "/resource/" in r[0]}
        assert hashes == {hashlib.sha256(csv_v2).hexdigest()}
