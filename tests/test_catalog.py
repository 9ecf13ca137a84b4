"""The catalog mapping, DCAT, the OCDS record package and the embedded API, in-process.

CKAN itself is exercised in test_ckan.py; the embedded API over HTTP in
test_catalog_embedded.py.
"""

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema
import pytest
import rdflib
from ckanapi.errors import NotAuthorized, NotFound, SearchQueryError, ValidationError
from conftest import OCDS_SCHEMA, demo_copy, free_port, invoke_cli, leaked, nonempty
from rdflib.compare import isomorphic

from terbuka.catalogs import dcat, mapping, ocds
from terbuka.catalogs.client import CatalogError, CkanClient
from terbuka.catalogs.embedded import EmbeddedCKAN, UnknownAction
from terbuka.catalogs.published import load_published
from terbuka.metadata import get_licence
from terbuka.pipelines import plugins

SITE = "https://data.example.go.id"
# Open namespaces: pytest's collection probes module attributes, which rdflib's closed ones warn about.
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
RDF = rdflib.Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")


@pytest.fixture(scope="module")
def published(published_demo):
    out, _ = published_demo
    return load_published(out, "procurement")


@pytest.fixture
def site_copy(published_demo, tmp_path):
    return demo_copy(published_demo, tmp_path / "site", ".catalogs")


# ------------------------------------------------------------------ mapping


def test_package_fields_come_from_the_descriptor_and_the_run(published, published_demo):
    _, record = published_demo
    fields = mapping.package_fields(published)
    assert fields["name"] == "procurement"
    assert fields["title"] == "Pengadaan barang/jasa pemerintah"
    assert "Open Contracting Data Standard" in fields["notes"]
    assert "**Public procurement.**" in fields["notes"], "the English description follows"
    assert fields["license_id"] == get_licence("CC-BY-4.0").ckan == "cc-by"
    assert fields["version"] == "1.0"
    assert {t["name"] for t in fields["tags"]} == {
        "pengadaan",
        "procurement",
        "tender",
        "OCDS",
        "kontrak",
    }
    extras = {e["key"]: e["value"] for e in fields["extras"]}
    assert extras["terbuka_run_id"] == record["run_id"]
    assert extras["terbuka_dataset"] == "procurement"
    assert extras["update_frequency"] == "monthly"
    assert extras["frequency"].endswith("/frequency/MONTHLY")
    assert extras["spatial_text"] == "Indonesia"
    assert extras["source"] == "https://standard.open-contracting.org/1.1/en/"
    assert extras["licence_spdx"] == "CC-BY-4.0"
    for entity, count in record["privacy"].items():
        assert f"{count} {entity}" in extras["privacy_summary"]
    assert all(isinstance(v, str) and v for v in nonempty(extras.values(), "extras"))


def test_organisation_is_the_publisher(published):
    organization = mapping.organization_fields(published)
    assert organization == {
        "name": "pemerintah-kota-contoh",
        "title": "Pemerintah Kota Contoh",
        "description": "https://example.go.id",
    }
    assert mapping.organization_fields(published, "pemkot-contoh")["name"] == "pemkot-contoh"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Pemerintah Kota Contoh", "pemerintah-kota-contoh"),
        ("Dinas PU & Penataan Ruang (DPUPR)", "dinas-pu-penataan-ruang-dpupr"),
        ("Kabupaten Pidië", "kabupaten-pidie"),
        ("x", "x0"),
        ("", "dataset"),
        ("a" * 150, "a" * 100),
    ],
)
def test_slug_makes_valid_ckan_names(text, expected):
    assert mapping.slug(text) == expected


@pytest.mark.parametrize(
    "keyword, expected",
    [("OCDS", "OCDS"), ("barang/jasa", "barang jasa"), ("x", None), ("  APBD  2024 ", "APBD 2024")],
)
def test_tag_names(keyword, expected):
    assert mapping.tag_name(keyword) == expected


@pytest.mark.parametrize(
    "run, expected",
    [
        ({}, None),
        ({"quality": {"checks": 3, "failed": 0}}, None),
        ({"quality": {"score": 87.5}}, "87.5"),
        ({"quality": {"score": 90}}, "90"),
        ({"quality": {"score": {"value": 72, "max": 100}}}, "72"),
        ({"quality_score": "B"}, "B"),
        ({"quality": {"score": True}}, None),
        ({"quality": "bad"}, None),
    ],
)
def test_quality_score_is_read_defensively(run, expected):
    assert mapping.quality_score(run) == expected


def test_resources_cover_tables_package_database_ocds_and_datasette(published):
    specs = mapping.resource_specs(published, SITE)
    keys = [s.key for s in specs]
    tables = [t["name"] for t in published.tables]
    assert [k for k in keys if k.startswith("table:")] == [
        f"table:{t}" for t in tables if not t.startswith("_")
    ] + [f"table:{t}" for t in tables if t.startswith("_")]
    assert {"datapackage", "sqlite", "ocds-records", "datasette-api"} <= set(keys)
    data_tables = [t for t in tables if not t.startswith("_")]
    assert [k for k in keys if k.startswith("datasette:")] == [
        f"datasette:{t}" for t in data_tables
    ]
    assert len(keys) == len(set(keys)), "keys are unique"
    for spec in specs:
        if spec.is_file and spec.generate is None:
            assert spec.path.exists(), spec.path
        if not spec.is_file:
            assert spec.url.startswith(SITE + "/procurement")
    links = {s.key: s.url for s in specs if not s.is_file}
    assert links["datasette:tenders"] == f"{SITE}/procurement/tenders"
    assert links["datasette-api"] == f"{SITE}/procurement.json"


def test_site_url_comes_from_the_option_or_the_environment(monkeypatch):
    monkeypatch.delenv(mapping.SITE_URL_VARIABLE, raising=False)
    assert mapping.site_url() is None
    monkeypatch.setenv(mapping.SITE_URL_VARIABLE, "https://data.go.id/")
    assert mapping.site_url() == "https://data.go.id"
    assert mapping.site_url("https://other.id") == "https://other.id"


# ------------------------------------------------------------------ OCDS


def _record_package_validator():
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    folder = OCDS_SCHEMA.parent
    schema = json.loads((folder / "record-package-schema.json").read_text())
    release = json.loads((folder / "release-schema.json").read_text())
    resource = Resource.from_contents(release, default_specification=DRAFT4)
    return jsonschema.Draft4Validator(
        schema,
        registry=Registry().with_resource(release["id"], resource),
        format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
    )


def test_ocds_record_package_is_valid_complete_private_and_deterministic(
    published, tmp_path, demo_sources
):
    if not OCDS_SCHEMA.exists():
        pytest.skip("the OCDS schema in ../shared is needed")
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    ocds.record_package_writer(published, SITE)(first)
    ocds.record_package_writer(published, SITE)(second)
    assert first.read_bytes() == second.read_bytes(), "same publication, same bytes"
    package = json.loads(first.read_text())
    errors = sorted(_record_package_validator().iter_errors(package), key=str)
    # Impossible dates in the sources are removed from the compiled release (with a quality
    # note), so the whole package validates, date formats included.
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    import sqlite3

    connection = sqlite3.connect(published.db_path)
    ocids = [r[0] for r in connection.execute("select ocid from compiled_releases order by ocid")]
    linked = connection.execute("select count(*) from releases where date is not null").fetchone()[
        0
    ]
    connection.close()
    assert [r["ocid"] for r in package["records"]] == ocids
    assert sum(len(r["releases"]) for r in package["records"]) >= linked
    assert package["license"] == published.licence.url
    assert package["publishedDate"] == published.run["finished"]
    release_url = package["records"][0]["releases"][0]["url"]
    assert release_url.startswith(f"{SITE}/procurement/releases/") and release_url.endswith(".json")
    _, planted = demo_sources
    text = first.read_text()
    assert planted.all() and not leaked(planted.all(), text)


# ------------------------------------------------------------------ DCAT


def test_run_writes_dcat_in_json_ld_and_turtle(published):
    turtle = rdflib.Graph().parse(published.folder / "dcat.ttl", format="turtle")
    jsonld = rdflib.Graph().parse(published.folder / "dcat.jsonld", format="json-ld")
    assert len(turtle) > 50
    assert isomorphic(turtle, jsonld), "the two serialisations hold the same graph"
    dataset = next(turtle.subjects(RDF.type, DCAT.Dataset))
    assert str(dataset).endswith("/dataset/procurement")
    assert (dataset, DCTERMS.license, rdflib.URIRef(published.licence.url)) in turtle
    titles = {(t.language, str(t)) for t in turtle.objects(dataset, DCTERMS.title)}
    assert titles == {("id", "Pengadaan barang/jasa pemerintah"), ("en", "Public procurement")}
    distributions = list(turtle.objects(dataset, DCAT.distribution))
    assert len(distributions) == len(mapping.resource_specs(published, SITE))
    for distribution in distributions:
        assert (distribution, DCTERMS.license, rdflib.URIRef(published.licence.url)) in turtle


def test_dcat_catalog_lists_every_dataset(published):
    graph = dcat.catalog_graph([published], SITE, "Data terbuka")
    catalog = next(graph.subjects(RDF.type, DCAT.Catalog))
    assert list(graph.objects(catalog, DCAT.dataset)) == [
        rdflib.URIRef(f"{SITE}/dataset/procurement")
    ]
    for fmt in ("json-ld", "turtle", "xml"):
        again = rdflib.Graph().parse(data=dcat.serialize(graph, fmt), format=fmt)
        assert isomorphic(graph, again), fmt


# ------------------------------------------------------------------ embedded API, in-process


@pytest.fixture(scope="module")
def embedded(published):
    return EmbeddedCKAN(lambda: [published], SITE, title="Data terbuka")


def test_embedded_package_show_by_name_and_id(embedded):
    by_name = embedded.action.package_show(id="procurement")
    assert embedded.action.package_show(id=by_name["id"]) == by_name
    assert by_name["license_id"] == "cc-by" and by_name["isopen"] is True
    assert by_name["organization"]["name"] == "pemerintah-kota-contoh"
    assert by_name["num_resources"] == len(by_name["resources"])
    files = [r for r in by_name["resources"] if r["url_type"] == "upload"]
    assert files, "no uploaded resource to check"
    for resource in files:
        if resource["terbuka_key"] != "ocds-records":
            assert resource["url"].startswith(
                f"{SITE}/dataset/procurement/resource/{resource['id']}/download/"
            )


def test_embedded_file_hashes_match_the_files(embedded, published):
    package = embedded.action.package_show(id="procurement")
    by_key = {r["terbuka_key"]: r for r in package["resources"]}
    specs = [s for s in mapping.resource_specs(published, SITE) if s.is_file and s.generate is None]
    assert specs, "no file resource to check"
    for spec in specs:
        digest = hashlib.sha256(spec.path.read_bytes()).hexdigest()
        assert by_key[spec.key]["terbuka_sha256"] == digest
        assert by_key[spec.key]["size"] == spec.path.stat().st_size


@pytest.mark.parametrize(
    "params, count",
    [
        ({}, 1),
        ({"q": "pengadaan"}, 1),
        ({"q": "PENGADAAN tender"}, 1),
        ({"q": "anggaran-yang-tidak-ada"}, 0),
        ({"q": "*:*"}, 1),
        ({"fq": "organization:pemerintah-kota-contoh"}, 1),
        ({"fq": "tags:OCDS license_id:cc-by"}, 1),
        ({"fq": "-tags:OCDS"}, 0),
        ({"fq": 'update_frequency:"monthly"'}, 1),
        ({"fq": "extras_spatial_text:Indo*"}, 1),
        ({"fq": "metadata_modified:[2000-01-01T00:00:00Z TO *]"}, 1),
        ({"fq": "metadata_modified:[* TO 2000-01-01T00:00:00Z]"}, 0),
        ({"fq": "+dataset_type:dataset +capacity:public"}, 1),
        ({"fq": "res_format:SQLite"}, 1),
        ({"fq": "tags:unknown"}, 0),
        ({"q": "organization:pemerintah-kota-contoh"}, 1),
    ],
)
def test_embedded_package_search(embedded, params, count):
    result = embedded.call_action("package_search", params)
    assert result["count"] == count
    assert len(result["results"]) == count


def test_embedded_takes_ckanapis_arguments_and_refuses_uploads(embedded):
    found = embedded.call_action("package_show", {"id": "procurement"}, None, "key")
    assert found["name"] == "procurement"
    upload = {"upload": ("x.csv", b"a,b")}
    for call in (
        lambda: embedded.call_action("package_show", {"id": "procurement"}, files=upload),
        lambda: embedded.call_action("package_show", {"id": "procurement"}, None, None, upload),
    ):
        with pytest.raises(NotAuthorized):
            call()


def test_embedded_search_paging_and_facets(embedded):
    result = embedded.action.package_search(rows=0, **{"facet.field": '["tags", "license_id"]'})
    assert result["count"] == 1 and result["results"] == []
    assert result["facets"]["license_id"] == {"cc-by": 1}
    assert embedded.action.package_search(start=1)["results"] == []
    with pytest.raises(ValidationError):
        embedded.action.package_search(rows="many")
    with pytest.raises(SearchQueryError):
        embedded.action.package_search(fq="tags:OCDS garbage")


def test_embedded_errors_match_ckan(embedded):
    with pytest.raises(NotFound):
        embedded.action.package_show(id="nope")
    with pytest.raises(NotAuthorized):
        embedded.action.package_create(name="x")
    with pytest.raises(NotAuthorized):
        embedded.action.resource_patch(id="x")
    with pytest.raises(UnknownAction):
        embedded.action.user_list()


def test_embedded_lists(embedded):
    assert embedded.action.package_list() == ["procurement"]
    assert embedded.action.organization_list() == ["pemerintah-kota-contoh"]
    organizations = embedded.action.organization_list(all_fields=True)
    assert organizations[0]["package_count"] == 1
    shown = embedded.action.organization_show(id="pemerintah-kota-contoh", include_datasets=True)
    assert [p["name"] for p in shown["packages"]] == ["procurement"]
    licences = {item["id"]: item for item in embedded.action.license_list()}
    assert licences["cc-by"]["od_conformance"] == "approved"
    assert embedded.action.status_show()["site_url"] == SITE
    assert [p["name"] for p in embedded.action.current_package_list_with_resources()] == [
        "procurement"
    ]


# ------------------------------------------------------------------ publishers and the client


@pytest.mark.parametrize("publisher_id", sorted(plugins.publishers()))
def test_registered_publishers_have_stable_ids(publisher_id):
    publisher = plugins.publishers()[publisher_id]
    assert publisher.id == publisher_id and publisher.title
    assert callable(publisher.publish)


def test_ckan_publisher_is_registered():
    assert "ckan" in plugins.publishers()


class FlakyCkan(BaseHTTPRequestHandler):
    """A loopback server answering like CKAN after a few 503s (the real CKAN runs in test_ckan)."""

    answers: list = []
    seen: list = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("content-length", 0))
        self.rfile.read(length)
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        status, body = type(self).answers.pop(0)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def flaky():
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), FlakyCkan)
    FlakyCkan.answers, FlakyCkan.seen = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_client_retries_5xx_with_back_off(flaky):
    FlakyCkan.answers = [(503, {}), (502, {}), (200, {"success": True, "result": "ok"})]
    pauses = []
    client = CkanClient(flaky, "secret-token", retries=3, backoff=0.5, sleep=pauses.append)
    assert client.action.status_show() == "ok"
    assert pauses == [0.5, 1.0]
    assert [seen[1] for seen in FlakyCkan.seen] == ["secret-token"] * 3


def test_client_gives_up_with_one_line_and_no_token(flaky):
    FlakyCkan.answers = [(500, {})] * 3
    client = CkanClient(flaky, "secret-token", retries=2, sleep=lambda _: None)
    with pytest.raises(CatalogError) as caught:
        client.action.package_show(id="x")
    message = str(caught.value)
    assert caught.value.exit_code == 3
    assert "after 3 attempts" in message and "HTTP 500" in message
    assert (
        "\n" not in message and "secret-token" not in message and "secret-token" not in repr(client)
    )


def test_client_401_and_403_are_one_line_token_errors(flaky):
    FlakyCkan.answers = [
        (401, {}),
        (
            403,
            {
                "success": False,
                "error": {"__type": "Authorization Error", "message": "Access denied: no"},
            },
        ),
    ]
    client = CkanClient(flaky, "secret-token", retries=3, sleep=lambda _: None)
    for _ in range(2):
        with pytest.raises(CatalogError) as caught:
            client.action.package_create(name="x")
        assert caught.value.exit_code == 2 and "CKAN_API_TOKEN" in str(caught.value)
        assert "secret-token" not in str(caught.value)
    assert len(FlakyCkan.seen) == 2, "no retries for refused credentials"


def test_client_keeps_not_found_and_validation_errors(flaky):
    FlakyCkan.answers = [
        (
            404,
            {"success": False, "error": {"__type": "Not Found Error", "message": "Not found: x"}},
        ),
        (409, {"success": False, "error": {"__type": "Validation Error", "name": ["bad"]}}),
    ]
    client = CkanClient(flaky, None, sleep=lambda _: None)
    with pytest.raises(NotFound):
        client.action.package_show(id="x")
    with pytest.raises(ValidationError):
        client.action.package_create(name="x")


# ------------------------------------------------------------------ the command's own errors


def test_publish_needs_a_token_and_a_site_url(site_copy, monkeypatch):
    monkeypatch.delenv("CKAN_API_TOKEN", raising=False)
    result = invoke_cli(
        "publish", str(site_copy), "--ckan", "http://127.0.0.1:9", "--site-url", SITE
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "CKAN_API_TOKEN" in result.stderr
    monkeypatch.delenv("TERBUKA_SITE_URL", raising=False)
    result = invoke_cli(
        "publish", str(site_copy), "--ckan", "http://127.0.0.1:9", env={"CKAN_API_TOKEN": "t"}
    )
    assert result.returncode == 2 and "TERBUKA_SITE_URL" in result.stderr
    assert result.stderr.count("\n") == 1


def test_publish_unknown_dataset_or_empty_folder(site_copy, tmp_path):
    env = {"CKAN_API_TOKEN": "t", "TERBUKA_SITE_URL": SITE}
    result = invoke_cli(
        "publish", str(site_copy), "budgetx", "--ckan", "http://127.0.0.1:9", env=env
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"Error: budgetx: {site_copy}: dataset 'budgetx' is not published here "
        "(published: procurement)"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke_cli("publish", str(empty), "--ckan", "http://127.0.0.1:9", env=env)
    assert result.returncode == 2 and "nothing published" in result.stderr


def test_unreachable_ckan_fails_cleanly_and_is_recorded(site_copy):
    port = free_port()  # nothing listens there
    secret = "tok-" + "7" * 20
    result = invoke_cli(
        "publish", str(site_copy), "--ckan", f"http://127.0.0.1:{port}", "--retries", "1", "--json",
        env={"CKAN_API_TOKEN": secret, "TERBUKA_SITE_URL": SITE},
    )  # fmt: skip
    assert result.returncode == 3
    assert "Traceback" not in result.stderr and secret not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [
        f"Error: procurement: CKAN at http://127.0.0.1:{port} did not answer organization_show "
        "after 2 attempts: connection refused or dropped"
    ]
    [outcome] = json.loads(result.stdout)
    assert outcome["status"] == "failed" and outcome["exit_code"] == 3
    recorded = json.loads((site_copy / ".catalogs" / "procurement.json").read_text())
    assert recorded[f"http://127.0.0.1:{port}"]["status"] == "failed"
    for path in Path(site_copy).rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
