"""Every registered source kind, pulled from a real server (or folder) twice.

The first pull archives every payload; the second one finds nothing new. A new source
kind registered without a case here fails the suite.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from pathlib import Path

import pytest
from pullkit import LoopbackServer, OcdsApi, Reply, demo_releases, descriptor_with_sources

from terbuka.metadata import load_descriptor
from terbuka.metadata.descriptor import descriptor_schema
from terbuka.pipelines import plugins
from terbuka.pipelines.archive import Archive
from terbuka.pipelines.pull import pull_dataset

DOCS = Path(__file__).resolve().parents[1] / "docs"


def http_case(tmp, server, request):
    server.static("/releases.json", json.dumps({"releases": demo_releases(tmp / "g", 5)}).encode())
    return {"kind": "http", "url": server.url("/releases.json")}


def ocds_api_case(tmp, server, request):
    api = OcdsApi(server, demo_releases(tmp / "g", 8), page_size=5)
    return {"kind": "ocds-api", "url": api.url, "since_param": "since"}


def paged_api_case(tmp, server, request):
    rows = [{"kd_tender": i, "nama_paket": f"Paket {i}"} for i in range(7)]

    def route(hit):
        offset, limit = int(hit.query["offset"]), int(hit.query["limit"])
        return Reply(200, json.dumps(rows[offset : offset + limit]).encode())

    server.routes["/rows"] = route
    return {"kind": "paged-api", "url": server.url("/rows"), "offset_param": "offset",
            "size_param": "limit", "page_size": 3}  # fmt: skip


def folder_case(tmp, server, request):
    drop = tmp / "drop"
    (drop / "2024").mkdir(parents=True)
    (drop / "2024" / "tenders.csv").write_text("kd_tender,nama_paket\n1,Paket\n")
    (drop / ".hidden.csv").write_text("x\n")
    return {"kind": "folder", "path": str(drop), "pattern": "**/*.csv"}


def ckan_case(tmp, server, request):
    ckan = request.getfixturevalue("ckan")
    client = ckan.client()
    suffix = uuid.uuid4().hex[:8]
    org = client.action.organization_create(name=f"pemda-{suffix}")
    package = client.action.package_create(name=f"apbd-{suffix}", owner_org=org["id"])
    csv = tmp / "tenders.csv"
    csv.write_text("kd_tender,nama_paket\n1,Paket\n")
    with open(csv, "rb") as handle:
        client.action.resource_create(
            package_id=package["id"], name="tenders.csv", format="CSV", upload=handle
        )
    client.action.resource_create(
        package_id=package["id"], name="portal", format="HTML", url="https://example.go.id/"
    )
    return {"kind": "ckan", "url": ckan.url, "datasets": [package["name"]], "formats": ["csv"]}


CASES = {
    "http": http_case,
    "ocds-api": ocds_api_case,
    "paged-api": paged_api_case,
    "folder": folder_case,
    "ckan": ckan_case,
}


@pytest.mark.parametrize(
    "kind",
    [
        # the CKAN case starts the session's CKAN: it joins the CKAN group (tests/conftest.py)
        pytest.param(kind, marks=pytest.mark.ckan) if kind == "ckan" else kind
        for kind in sorted(plugins.sources())
    ],
)
def test_every_source_kind_pulls_and_archives_then_finds_nothing_new(kind, tmp_path, request):
    unit = plugins.sources()[kind]
    assert unit.id == kind and unit.title and unit.requires
    assert kind in CASES, f"source kind {kind!r} has no test case in tests/test_sources.py"
    with LoopbackServer() as server:
        spec = CASES[kind](tmp_path, server, request)
        descriptor = load_descriptor(descriptor_with_sources(tmp_path, [spec]))
        state = tmp_path / "state"
        first = pull_dataset(descriptor, state)
        second = pull_dataset(descriptor, state)
    assert first.payloads and first.report["changed"]
    archive = Archive.in_state(state)
    for payload in first.payloads:
        assert payload.path == archive.path(payload.sha256)
        assert hashlib.sha256(payload.path.read_bytes()).hexdigest() == payload.sha256
        assert archive.trace(payload.sha256)[0]["url"] == payload.display
    archive.close()
    assert second.report["changed"] is False
    assert [p.sha256 for p in second.payloads] == [p.sha256 for p in first.payloads]
    report = second.report["sources"][0]
    assert report["id"] == kind and report["kind"] == kind
    assert report["new_payloads"] == 0


@pytest.mark.parametrize("kind", sorted(plugins.sources()))
def test_every_source_key_is_in_the_schema_and_documented(kind):
    unit = plugins.sources()[kind]
    schema_keys = set(descriptor_schema()["definitions"]["source"]["properties"])
    text = (DOCS / "descriptors.md").read_text()
    for key in (*unit.requires, *unit.accepts):
        assert key in schema_keys, f"{kind}.{key} is not in descriptor-schema.yml"
        assert re.search(rf"`{key}`", text), f"{kind}.{key} is not in docs/descriptors.md"
    assert f"`{kind}`" in text, f"source kind {kind} is not in docs/descriptors.md"


def test_ckan_private_dataset_needs_the_token_from_the_environment(ckan, tmp_path, monkeypatch):
    client = ckan.client()
    suffix = uuid.uuid4().hex[:8]
    org = client.action.organization_create(name=f"private-{suffix}")
    package = client.action.package_create(
        name=f"secret-{suffix}", owner_org=org["id"], private=True
    )
    csv = tmp_path / "budget.csv"
    csv.write_text('akun,anggaran\nBelanja Pegawai,"4.372,86 M"\n')
    with open(csv, "rb") as handle:
        client.action.resource_create(
            package_id=package["id"], name="budget.csv", format="CSV", upload=handle
        )
    spec = {
        "kind": "ckan",
        "url": ckan.url,
        "datasets": [package["name"]],
        "token_env": "PORTAL_CKAN_TOKEN",
    }
    descriptor = load_descriptor(descriptor_with_sources(tmp_path, [spec]))
    monkeypatch.setenv("PORTAL_CKAN_TOKEN", "not-a-valid-token")
    from terbuka.pipelines.errors import InputError

    with pytest.raises(InputError) as caught:
        pull_dataset(descriptor, tmp_path / "state")
    assert f"dataset '{package['name']}'" in str(caught.value)
    monkeypatch.setenv("PORTAL_CKAN_TOKEN", ckan.token)
    result = pull_dataset(descriptor, tmp_path / "state")
    assert result.payloads[0].path.read_bytes() == csv.read_bytes()
    for path in (tmp_path / "state").rglob("*"):
        if path.is_file():
            assert ckan.token.encode() not in path.read_bytes(), path
