"""The embedded catalog over HTTP: a real Datasette read by ckanapi.RemoteCKAN and rdflib."""

import hashlib
import json
import urllib.error
import urllib.request

import ckanapi
import pytest
import rdflib
from ckanapi.errors import CKANAPIError, NotAuthorized, NotFound
from rdflib.compare import isomorphic

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
RDF = rdflib.Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")


@pytest.fixture(scope="module")
def site(datasette_url):
    return ckanapi.RemoteCKAN(datasette_url)


def fetch(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_status_and_lists(site, datasette_url):
    status = site.action.status_show()
    assert status["ckan_version"].startswith("2.")
    assert status["site_url"].startswith("http")
    assert site.action.package_list() == ["procurement"]
    assert site.action.organization_list() == ["pemerintah-kota-contoh"]
    assert "cc-by" in {item["id"] for item in site.action.license_list()}


def test_package_show_over_post_and_get(site, datasette_url, published_demo):
    _, record = published_demo
    posted = site.action.package_show(id="procurement")
    fetched = ckanapi.RemoteCKAN(datasette_url, get_only=True).action.package_show(id="procurement")
    assert posted == fetched
    assert posted["license_id"] == "cc-by"
    assert posted["organization"]["title"] == "Pemerintah Kota Contoh"
    extras = {e["key"]: e["value"] for e in posted["extras"]}
    assert extras["terbuka_run_id"] == record["run_id"]
    assert posted["num_resources"] == len(posted["resources"]) > 20


def test_package_search_with_filters_and_paging(site):
    assert site.action.package_search(q="pengadaan")["count"] == 1
    result = site.action.package_search(
        fq="organization:pemerintah-kota-contoh tags:OCDS", rows=1, start=0
    )
    assert [p["name"] for p in result["results"]] == ["procurement"]
    assert site.action.package_search(fq="tags:anggaran")["count"] == 0
    assert site.action.package_search(rows=1, start=1)["results"] == []


def test_errors_are_ckan_errors(site, datasette_url):
    with pytest.raises(NotFound):
        site.action.package_show(id="tidak-ada")
    with pytest.raises(NotAuthorized):
        site.action.package_create(name="x", title="x")
    with pytest.raises(CKANAPIError):
        site.action.user_list()
    status, headers, body = fetch(f"{datasette_url}/api/3/action/package_show?id=tidak-ada")
    assert status == 404 and json.loads(body)["error"]["__type"] == "Not Found Error"
    assert headers.get("access-control-allow-origin") == "*"


def test_every_file_resource_downloads_with_its_hash(site, published_demo):
    out, _ = published_demo
    package = site.action.package_show(id="procurement")
    files = [r for r in package["resources"] if r["url_type"] == "upload"]
    assert {r["terbuka_key"] for r in files} >= {
        "datapackage",
        "sqlite",
        "ocds-records",
        "table:tenders",
    }
    for resource in files:
        status, _, body = fetch(resource["url"])
        assert status == 200, resource["url"]
        assert hashlib.sha256(body).hexdigest() == resource["terbuka_sha256"], resource["name"]
        assert len(body) == resource["size"]
    tenders = next(r for r in files if r["terbuka_key"] == "table:tenders")
    assert fetch(tenders["url"])[2] == (out / "procurement" / "data" / "tenders.csv").read_bytes()
    records = next(r for r in files if r["terbuka_key"] == "ocds-records")
    package_json = json.loads(fetch(records["url"])[2])
    assert package_json["uri"] == records["url"]
    assert (
        package_json["records"][0]["compiledRelease"]["ocid"] == package_json["records"][0]["ocid"]
    )


def test_links_point_at_the_datasette_pages(site, datasette_url):
    package = site.action.package_show(id="procurement")
    links = {r["terbuka_key"]: r["url"] for r in package["resources"] if r["url_type"] != "upload"}
    base = site.action.status_show()["site_url"]
    assert links["datasette:tenders"] == f"{base}/procurement/tenders"
    if base == datasette_url:  # unless TERBUKA_SITE_URL names another address
        status, _, body = fetch(links["datasette-api"])
        assert status == 200
        assert "tenders" in {table["name"] for table in json.loads(body)["tables"]}
        assert fetch(links["datasette:tenders"])[0] == 200


def test_dcat_catalog_and_dataset_documents(datasette_url, site):
    base = site.action.status_show()["site_url"]
    graphs = {}
    for suffix, fmt in (("jsonld", "json-ld"), ("ttl", "turtle"), ("rdf", "xml")):
        status, headers, body = fetch(f"{datasette_url}/catalog.{suffix}")
        assert status == 200
        graphs[suffix] = rdflib.Graph().parse(data=body, format=fmt)
    assert isomorphic(graphs["jsonld"], graphs["ttl"]) and isomorphic(graphs["ttl"], graphs["rdf"])
    graph = graphs["ttl"]
    catalog = next(graph.subjects(RDF.type, DCAT.Catalog))
    dataset = rdflib.URIRef(f"{base}/dataset/procurement")
    assert (catalog, DCAT.dataset, dataset) in graph
    assert (
        dataset,
        DCTERMS.license,
        rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/"),
    ) in graph
    status, headers, body = fetch(f"{datasette_url}/dataset/procurement.ttl")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    one = rdflib.Graph().parse(data=body, format="turtle")
    assert (dataset, RDF.type, DCAT.Dataset) in one
    assert fetch(f"{datasette_url}/dataset/tidak-ada.ttl")[0] == 404


def test_dataset_iri_leads_to_the_database_page(datasette_url):
    status, _, body = fetch(f"{datasette_url}/dataset/procurement")
    assert status == 200 and b"procurement" in body
