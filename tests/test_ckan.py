"""Publishing to a real CKAN 2.12 (fixture ``ckan``): create, update, no-op, outages, DCAT.

Every publication has its own dataset-name prefix, so tests never see each other's
packages, and a CKAN kept between sessions still starts each one empty. Tests that only
read a publication share it (module fixtures ``publication_a`` and ``publication_ab``, each
published once); a test that changes a package in CKAN publishes its own.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import ckanapi
import pytest
import rdflib
import requests
from ckanapi.errors import NotAuthorized, NotFound
from conftest import _reachable, free_port, invoke_cli

from terbuka.catalogs import mapping, ocds
from terbuka.catalogs.client import connect
from terbuka.catalogs.datastore import CHUNK
from terbuka.catalogs.published import load_published
from terbuka.pipelines import plugins
from terbuka.publish.database import SYSTEM_TABLES

# slow: a real CKAN 2.12 (PostgreSQL, Redis, gunicorn) behind real HTTP
pytestmark = pytest.mark.slow

SITE = "https://data.example.go.id"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
RDF = rdflib.Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")


def expected_resources(site: Path) -> int:
    """The procurement dataset's resources, counted from its published database: every data
    table with a CSV and a Datasette page each, four files (package, database, OCDS, API),
    and one CSV per system table (_quarantine, _quality_notes, _privacy, _runs, ...)."""
    with sqlite3.connect(site / "procurement.db") as db:
        names = [r[0] for r in db.execute("select name from sqlite_master where type = 'table'")]
    data = [
        n
        for n in names
        if not n.startswith("_") and not n.startswith("sqlite_") and "_fts" not in n
    ]
    return 2 * len(data) + 4 + len(SYSTEM_TABLES)


def unique() -> str:
    return uuid.uuid4().hex[:8]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def extras(package: dict) -> dict:
    return {e["key"]: e["value"] for e in package["extras"]}


def copy_site(source: Path, target: Path) -> Path:
    # Publications are links into .publications/: copied as links, the copy stays a site.
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns(".catalogs"))
    return target


@pytest.fixture(scope="module")
def site_a(published_demo, tmp_path_factory):
    """A copy of the published demo (run A), shared by the module's tests: publishing it only
    writes its ``.catalogs`` record, one entry per catalog address."""
    out, _ = published_demo
    return copy_site(out, tmp_path_factory.mktemp("site-a") / "site")


@pytest.fixture(scope="module")
def site_b(published_demo, demo_sources, tmp_path_factory):
    """The demo site after a second run (B) that read only the OCDS JSON: changed tables."""
    out, _ = published_demo
    site = copy_site(out, tmp_path_factory.mktemp("site-b") / "site")
    paths, _ = demo_sources
    ocds_json = [p for p in paths if p.suffix == ".json"]
    result = invoke_cli(
        "run", "procurement", *[a for p in ocds_json for a in ("--source", str(p))],
        "--out", str(site), "--force", "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return site


def publish(ckan, site: Path, *args: str, prefix: str, org: str, site_url: str = SITE):
    return invoke_cli(
        "publish", str(site), *args, "--ckan", ckan.url, "--name-prefix", prefix,
        "--org", org, "--site-url", site_url, "--json",
        env={"CKAN_API_TOKEN": ckan.token},
    )  # fmt: skip


def publish_once(ckan, site: Path, prefix: str, org: str) -> tuple[dict, str]:
    """One successful ``terbuka publish`` of the procurement dataset: (outcome, stderr)."""
    result = publish(ckan, site, prefix=prefix, org=org)
    assert result.returncode == 0, result.stderr
    [outcome] = json.loads(result.stdout)
    return outcome, result.stderr


def answering(ckan):
    """The session's CKAN, started again if an earlier test's outage left it down (what the
    ``ckan`` fixture does for each test, for module fixtures)."""
    if ckan.base and not _reachable(ckan.url):
        ckan.start()
    return ckan


@dataclass
class Publication:
    """What one ``terbuka publish`` of the procurement dataset did, and CKAN's package after it."""

    prefix: str
    org: str
    stdout: str
    stderr: str
    outcome: dict
    package: dict

    @property
    def name(self) -> str:
        return f"{self.prefix}procurement"


def publish_and_read(ckan, site: Path, prefix: str, org: str, site_url: str = SITE) -> Publication:
    """Publish ``site`` and read the package back as an anonymous client sees it."""
    result = publish(ckan, site, prefix=prefix, org=org, site_url=site_url)
    assert result.returncode == 0, result.stderr
    [outcome] = json.loads(result.stdout)
    package = ckanapi.RemoteCKAN(ckan.url).action.package_show(id=f"{prefix}procurement")
    return Publication(prefix, org, result.stdout, result.stderr, outcome, package)


@pytest.fixture(scope="module")
def embedded_site_url(datasette_url) -> str:
    """The site URL the embedded catalog of the published demo announces."""
    return ckanapi.RemoteCKAN(datasette_url).action.status_show()["site_url"]


@pytest.fixture(scope="module")
def publication_a(ckan_server, site_a, embedded_site_url):
    """Run A published once (created) and then once more (unchanged), and left at run A.

    It is published with the embedded catalog's site URL and organisation, so the embedded
    catalog's ``package_show`` can be compared with it; read-only tests share it.
    """
    ckan = answering(ckan_server)
    prefix, org = f"t{unique()}-", "pemerintah-kota-contoh"
    created = publish_and_read(ckan, site_a, prefix, org, embedded_site_url)
    again = publish_and_read(ckan, site_a, prefix, org, embedded_site_url)
    return created, again


@pytest.fixture(scope="module")
def publication_ab(ckan_server, site_a, site_b):
    """Run A published (created), then run B over it (updated): (A's, B's publication)."""
    ckan = answering(ckan_server)
    prefix, org = f"t{unique()}-", f"org-{unique()}"
    return publish_and_read(ckan, site_a, prefix, org), publish_and_read(ckan, site_b, prefix, org)


def run_id(site: Path) -> str:
    return json.loads((site / "procurement" / "run.json").read_text())["run_id"]


def expected_hashes(site: Path, site_url: str = SITE) -> dict[str, str]:
    """terbuka_key → sha256 of every file a publication uploads."""
    published = load_published(site, "procurement")
    hashes = {}
    for spec in mapping.resource_specs(published, site_url):
        if not spec.is_file:
            continue
        if spec.generate is not None:
            path = site / ".." / f"generated-{spec.key}.json"
            ocds.record_package_writer(published, site_url)(path)
            hashes[spec.key] = sha256(path)
            path.unlink()
        else:
            hashes[spec.key] = sha256(spec.path)
    return hashes


def test_create_then_republish_changes_nothing(
    ckan, site_a, published_demo, publication_a, embedded_site_url
):
    _, record = published_demo
    created, again = publication_a
    site_url, org = embedded_site_url, created.org
    outcome = created.outcome
    assert outcome["status"] == "created" and outcome["package"] == created.name
    assert ckan.token not in created.stderr + created.stdout

    reader = ckanapi.RemoteCKAN(ckan.url)  # a separate, anonymous client
    package = created.package
    assert package["state"] == "active" and not package["private"]
    assert package["license_id"] == "cc-by" and package["license_title"]
    assert package["isopen"] is True
    assert package["organization"]["name"] == org
    assert package["organization"]["title"] == "Pemerintah Kota Contoh"
    assert package["title"] == "Pengadaan barang/jasa pemerintah"
    assert extras(package)["terbuka_run_id"] == record["run_id"]
    assert "NIK" in extras(package)["privacy_summary"]
    published_a = load_published(site_a, "procurement")
    specs = mapping.resource_specs(published_a, site_url)
    assert [r["terbuka_key"] for r in package["resources"]] == [s.key for s in specs]
    hashes = expected_hashes(site_a, site_url)
    by_key = {r["terbuka_key"]: r for r in package["resources"]}
    for key, digest in hashes.items():
        assert by_key[key]["url_type"] == "upload" and by_key[key]["terbuka_sha256"] == digest
    for key in ("table:tenders", "datapackage", "sqlite", "ocds-records"):
        download = requests.get(by_key[key]["url"], timeout=60)
        assert download.status_code == 200
        assert hashlib.sha256(download.content).hexdigest() == hashes[key], key
    assert by_key["datasette:tenders"]["url"] == f"{site_url}/procurement/tenders"

    assert again.outcome["status"] == "unchanged" and again.outcome["writes"] == 0
    after = reader.action.package_show(id=created.name)
    assert after["metadata_modified"] == package["metadata_modified"]
    assert [r["metadata_modified"] for r in after["resources"]] == [
        r["metadata_modified"] for r in package["resources"]
    ]


def test_ckanext_dcat_serves_the_published_dataset(ckan, site_a, publication_a):
    name = publication_a[0].name
    for suffix, fmt in (("jsonld", "json-ld"), ("rdf", "xml"), ("ttl", "turtle")):
        response = requests.get(f"{ckan.url}/dataset/{name}.{suffix}", timeout=60)
        assert response.status_code == 200, (suffix, response.text[:200])
        graph = rdflib.Graph().parse(data=response.content, format=fmt)
        dataset = next(graph.subjects(RDF.type, DCAT.Dataset))
        assert str(graph.value(dataset, DCTERMS.title)) == "Pengadaan barang/jasa pemerintah"
        assert "OCDS" in {str(k) for k in graph.objects(dataset, DCAT.keyword)}
        assert str(graph.value(dataset, DCTERMS.accrualPeriodicity)).endswith("/MONTHLY")
        distributions = list(graph.objects(dataset, DCAT.distribution))
        assert len(distributions) == expected_resources(site_a)
        for distribution in distributions:  # DCAT-AP puts the licence on each distribution
            assert graph.value(distribution, DCTERMS.license) == rdflib.URIRef(CC_BY), suffix


def test_update_uploads_only_changed_files_and_announces_the_new_run(
    ckan, site_a, site_b, publication_ab
):
    first, update = publication_ab
    before, after = first.package, update.package
    assert first.outcome["status"] == "created" and update.outcome["status"] == "updated"
    run_b = run_id(site_b)
    assert extras(after)["terbuka_run_id"] == run_b != extras(before)["terbuka_run_id"]
    old = {r["terbuka_key"]: r for r in before["resources"]}
    new = {r["terbuka_key"]: r for r in after["resources"]}
    assert set(old) == set(new) and {r["id"] for r in old.values()} == {
        r["id"] for r in new.values()
    }
    hashes_a, hashes_b = expected_hashes(site_a), expected_hashes(site_b)
    changed = {k for k in hashes_b if hashes_a[k] != hashes_b[k]}
    assert {"table:tenders", "sqlite"} <= changed
    for key, digest in hashes_b.items():
        assert new[key]["terbuka_sha256"] == digest
        if key in changed:
            assert new[key]["last_modified"] != old[key]["last_modified"], key
            # as stored: a .csv.gz is served with Content-Encoding gzip, which requests
            # would otherwise undo
            download = requests.get(new[key]["url"], timeout=60, stream=True)
            body = download.raw.read(decode_content=False)
            assert hashlib.sha256(body).hexdigest() == digest, key
        else:
            assert new[key]["last_modified"] == old[key]["last_modified"], f"{key} re-uploaded"
    uploads = update.stderr.count("uploading ")
    assert uploads == len(changed)


def test_ckan_going_away_mid_publish_fails_cleanly_and_the_next_run_completes(ckan, site_a, site_b):
    if ckan.base is None:
        pytest.skip("this CKAN (CKAN_URL) is not ours to stop")
    prefix, org = f"t{unique()}-", f"org-{unique()}"
    assert publish(ckan, site_a, prefix=prefix, org=org).returncode == 0
    run_a = run_id(site_a)
    command = [
        str(Path(sys.executable).with_name("terbuka")), "publish", str(site_b),
        "--ckan", ckan.url, "--name-prefix", prefix, "--org", org, "--site-url", SITE,
        "--retries", "2",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        env={**os.environ, "CKAN_API_TOKEN": ckan.token},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines, stopped = [], False
    try:
        for line in process.stderr:
            lines.append(line)
            if not stopped and sum("uploading " in seen for seen in lines) == 2:
                ckan.stop()  # CKAN goes away while the second file is on its way
                stopped = True
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
        start_web_server(ckan)
    assert stopped, "".join(lines)
    assert process.returncode == 3, "".join(lines)  # CKAN went away: the environment
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1 and "did not answer" in errors[0], "".join(lines)
    assert "Traceback" not in "".join(lines) and ckan.token not in "".join(lines)
    recorded = json.loads((site_b / ".catalogs" / "procurement.json").read_text())
    assert recorded[ckan.url]["status"] == "failed"

    reader = ckanapi.RemoteCKAN(ckan.url)
    halfway = reader.action.package_show(id=f"{prefix}procurement")
    assert extras(halfway)["terbuka_run_id"] == run_a, "the metadata does not announce run B yet"

    assert publish_once(ckan, site_b, prefix, org)[0]["status"] == "updated"
    done = reader.action.package_show(id=f"{prefix}procurement")
    run_b = run_id(site_b)
    assert extras(done)["terbuka_run_id"] == run_b
    keys = [r["terbuka_key"] for r in done["resources"]]
    assert len(keys) == len(set(keys)) == expected_resources(site_b)
    by_key = {r["terbuka_key"]: r for r in done["resources"]}
    for key, digest in expected_hashes(site_b).items():
        assert by_key[key]["terbuka_sha256"] == digest, key
    [outcome] = json.loads(publish(ckan, site_b, prefix=prefix, org=org).stdout)
    assert outcome["status"] == "unchanged"


def start_web_server(ckan) -> None:
    """Start CKAN's gunicorn again as step 8 of setup_ckan.sh does, and wait until it answers.

    ``ckan.stop()`` stops only the web server (PostgreSQL, Redis and the search server keep
    running), so the rest of setup_ckan.sh — six CKAN command-line runs, each loading CKAN —
    has nothing to do; ``ckan.start()`` (the whole script) stays the fallback.
    """
    base = ckan.base
    gunicorn = base / "venv" / "bin" / "gunicorn"
    if not gunicorn.exists() or not (base / "wsgi.py").exists():
        ckan.start()
        return
    with open(base / "log" / "ckan.log", "ab") as log:
        subprocess.Popen(
            [
                str(gunicorn), "--chdir", str(base), "-w", os.environ.get("CKAN_WORKERS", "2"),
                "-b", ckan.url.removeprefix("http://"), "--timeout", "120",
                "--pid", str(base / "run" / "gunicorn.pid"), "wsgi:application",
            ],
            env={**os.environ, "CKAN_INI": str(base / "ckan.ini")},
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not _reachable(ckan.url):
        time.sleep(0.2)
    if not _reachable(ckan.url):
        ckan.start()


class Proxy(BaseHTTPRequestHandler):
    """A loopback reverse proxy in front of the real CKAN that can lose its upstream (502)."""

    upstream = ""
    forward = 0  # requests still forwarded; then 502 like nginx with CKAN gone
    protocol_version = "HTTP/1.1"

    def _relay(self):
        length = int(self.headers.get("content-length", 0))
        body = self.rfile.read(length) if length else None
        if type(self).forward <= 0:
            self.send_response(502)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        type(self).forward -= 1
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
        }
        answer = requests.request(
            self.command, self.upstream + self.path, data=body, headers=headers, timeout=120,
            allow_redirects=False,
        )  # fmt: skip
        self.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in (
                "content-length",
                "content-encoding",
                "transfer-encoding",
                "connection",
            ):
                self.send_header(key, value)
        self.send_header("content-length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = _relay  # noqa: N815

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy(ckan):
    Proxy.upstream, Proxy.forward = ckan.url, 10**6
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_interrupted_first_publication_stays_an_invisible_draft(ckan, site_a, proxy):
    prefix, org = f"t{unique()}-", f"org-{unique()}"
    Proxy.forward = 8  # organisation, package and a few files; then CKAN is gone
    result = invoke_cli(
        "publish", str(site_a), "--ckan", proxy, "--name-prefix", prefix, "--org", org,
        "--site-url", SITE, "--retries", "1",
        env={"CKAN_API_TOKEN": ckan.token},
    )  # fmt: skip
    assert result.returncode == 3  # CKAN (behind its proxy) failed: the environment
    assert "HTTP 502" in result.stderr and "Traceback" not in result.stderr
    name = f"{prefix}procurement"
    admin = ckan.client()
    draft = admin.action.package_show(id=name)
    assert draft["state"] == "draft" and 0 < len(draft["resources"]) < expected_resources(site_a)
    anonymous = ckanapi.RemoteCKAN(ckan.url)
    with pytest.raises((NotAuthorized, NotFound)):
        anonymous.action.package_show(id=name)
    assert name not in [
        p["name"] for p in anonymous.action.package_search(q=name, rows=100)["results"]
    ]

    Proxy.forward = 10**6  # CKAN is back
    result = invoke_cli(
        "publish", str(site_a), "--ckan", proxy, "--name-prefix", prefix, "--org", org,
        "--site-url", SITE, "--json", env={"CKAN_API_TOKEN": ckan.token},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    package = anonymous.action.package_show(id=name)
    assert package["state"] == "active"
    keys = [r["terbuka_key"] for r in package["resources"]]
    assert len(keys) == len(set(keys)) == expected_resources(site_a)
    uploaded = {r["terbuka_key"] for r in draft["resources"] if r.get("url_type") == "upload"}
    assert 0 < len(uploaded) < len(draft["resources"])  # links come with the draft
    assert result.stderr.count("uploading ") == len(expected_hashes(site_a)) - len(uploaded)


def test_embedded_api_answers_the_same_package_show_as_ckan(ckan, datasette_url, publication_a):
    embedded = ckanapi.RemoteCKAN(datasette_url)
    created, _ = publication_a
    real = ckanapi.RemoteCKAN(ckan.url).action.package_show(id=created.name)
    mine = embedded.action.package_show(id="procurement")
    assert set(real) == set(mine)
    assert set(real["organization"]) == set(mine["organization"])
    assert [set(r) for r in real["resources"]] == [set(r) for r in mine["resources"]]
    assert [set(t) for t in real["tags"]] == [set(t) for t in mine["tags"]]
    for key in (
        "title", "notes", "license_id", "isopen", "maintainer", "maintainer_email", "url",
        "version", "state", "type", "private", "num_resources", "num_tags",
    ):  # fmt: skip
        assert real[key] == mine[key], key
    assert real["name"] == created.prefix + mine["name"]
    assert real["license_title"] and mine["license_title"]  # each from its own licence register
    assert sorted(t["name"] for t in real["tags"]) == sorted(t["name"] for t in mine["tags"])
    assert extras(real) == extras(mine)
    for field in ("name", "title"):
        assert real["organization"][field] == mine["organization"][field]

    def resource_facts(package):
        return [
            (r["terbuka_key"], r["name"], r["description"], r["format"].lower(),
             r.get("terbuka_sha256"), r["size"], r["url_type"], r["position"])
            for r in package["resources"]
        ]  # fmt: skip

    assert resource_facts(real) == resource_facts(mine)
    links = [(r["terbuka_key"], r["url"]) for r in real["resources"] if r["url_type"] != "upload"]
    assert links == [
        (r["terbuka_key"], r["url"]) for r in mine["resources"] if r["url_type"] != "upload"
    ]


def test_ckanext_dcat_reads_the_embedded_catalog(ckan, datasette_url, published_demo):
    python = ckan.base / "venv" / "bin" / "python" if ckan.base else None
    if python is None or not python.exists():
        pytest.skip("needs the CKAN venv that setup_ckan.sh installs (ckanext-dcat)")
    with urllib.request.urlopen(f"{datasette_url}/catalog.ttl", timeout=60) as response:
        turtle = response.read()
    script = (
        "import json, sys\n"
        "from ckanext.dcat.processors import RDFParser\n"
        "parser = RDFParser()\n"
        "parser.parse(sys.stdin.read(), _format='turtle')\n"
        "print(json.dumps(list(parser.datasets())))\n"
    )
    result = subprocess.run(
        [str(python), "-c", script],
        input=turtle.decode(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    [dataset] = json.loads(result.stdout.strip().splitlines()[-1])
    assert dataset["title"] in ("Public procurement", "Pengadaan barang/jasa pemerintah")
    assert {t["name"] for t in dataset["tags"]} >= {"OCDS", "pengadaan"}
    assert len(dataset["resources"]) == expected_resources(published_demo[0])
    harvested = {e["key"]: e["value"] for e in dataset["extras"]}
    assert harvested["publisher_name"] == "Pemerintah Kota Contoh"
    assert all(
        r["license"] == "https://creativecommons.org/licenses/by/4.0/" for r in dataset["resources"]
    )


@pytest.mark.parametrize("publisher_id", sorted(plugins.publishers()))
def test_every_registered_publisher_publishes_idempotently(ckan, site_a, publisher_id):
    publisher_class = plugins.publishers()[publisher_id]
    client = connect(ckan.url, ckan.token)
    prefix, org = f"t{unique()}-", f"org-{unique()}"
    dataset = load_published(site_a, "procurement")
    publisher = publisher_class(client, SITE, organization=org, name_prefix=prefix)
    first = publisher.publish(dataset)
    assert first["status"] == "created"
    calls = list(getattr(client, "calls", []))
    second = publisher.publish(dataset)
    assert second["status"] == "unchanged" and second["writes"] == 0
    assert publisher.writes == []
    if publisher_id == "ckan":  # the calls that reached CKAN
        # each table's first chunk of rows rides on its datastore_create: upserts only after it
        rows = [table["rows"] for table in first["datastore"].values()]
        assert calls.count("datastore_create") == len(rows) >= 10
        assert calls.count("datastore_upsert") == sum(-(-n // CHUNK) - 1 for n in rows if n)
        # the organisation CKAN answered for the first dataset is not asked for again
        assert "organization_show" not in client.calls[len(calls) :]


def test_a_resource_created_twice_is_removed_on_the_next_publish(ckan, site_b, publication_ab):
    """On the package ``publication_ab`` left at run B (the tests that read it read the
    snapshots taken when it was published, and row counts this test does not change)."""
    prefix, org = publication_ab[1].prefix, publication_ab[1].org
    admin = ckan.client()
    package = admin.action.package_show(id=f"{prefix}procurement")
    original = next(r for r in package["resources"] if r["terbuka_key"] == "datasette-api")
    twin = {k: original[k] for k in ("name", "description", "format", "url", "terbuka_key")}
    admin.action.resource_create(package_id=package["id"], **twin)
    admin.action.resource_create(package_id=package["id"], name="Added by hand", url=SITE)
    result = publish(ckan, site_b, prefix=prefix, org=org)
    assert result.returncode == 0, result.stderr
    after = admin.action.package_show(id=f"{prefix}procurement")
    keys = [r.get("terbuka_key") for r in after["resources"]]
    assert keys.count("datasette-api") == 1 and original["id"] in [
        r["id"] for r in after["resources"]
    ]
    assert after["resources"][-1]["name"] == "Added by hand", "resources added by hand are kept"
    assert (
        json.loads(publish(ckan, site_b, prefix=prefix, org=org).stdout)[0]["status"] == "unchanged"
    )


def test_refused_token_and_rejected_fields_are_one_line_errors(ckan, site_a):
    prefix = f"t{unique()}-"
    bad = "not-a-real-token-" + unique()
    result = invoke_cli(
        "publish", str(site_a), "--ckan", ckan.url, "--name-prefix", prefix, "--site-url", SITE,
        env={"CKAN_API_TOKEN": bad},
    )  # fmt: skip
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "refused" in errors[0] and "CKAN_API_TOKEN" in errors[0]
    assert bad not in result.stderr
    result = publish(ckan, site_a, prefix=prefix, org="x")  # CKAN wants two characters or more
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [
        f"Error: procurement: CKAN at {ckan.url} rejected organisation 'x': "
        "name: Must be at least 2 characters long"
    ]


def test_run_with_ckan_publishes_after_a_successful_run(ckan, demo_sources, tmp_path):
    paths, _ = demo_sources
    out = tmp_path / "site"
    sources = [a for p in paths for a in ("--source", str(p))]
    result = invoke_cli(
        "run", "procurement", *sources, "--out", str(out), "--json", "--quiet", "--ckan", ckan.url,
        env={"CKAN_API_TOKEN": ckan.token, "TERBUKA_SITE_URL": SITE},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    [outcome] = record["catalogs"]
    assert outcome["status"] in ("created", "updated") and outcome["package"] == "procurement"
    package = ckanapi.RemoteCKAN(ckan.url).action.package_show(id="procurement")
    assert extras(package)["terbuka_run_id"] == record["run_id"]
    assert package["organization"]["name"] == "pemerintah-kota-contoh"


def test_acceptance_every_demo_dataset_from_an_empty_catalog(ckan, demo_site, tmp_path):
    out = copy_site(demo_site[0], tmp_path / "demo")  # `terbuka demo --no-serve`, once per run
    datasets = list(demo_site[1])
    assert datasets
    prefix = f"t{unique()}-"
    reader = ckanapi.RemoteCKAN(ckan.url)
    for name in datasets:
        with pytest.raises(NotFound):
            reader.action.package_show(id=prefix + name)
    started = time.monotonic()
    result = invoke_cli(
        "publish", str(out), "--ckan", ckan.url, "--name-prefix", prefix, "--site-url", SITE,
        "--json", env={"CKAN_API_TOKEN": ckan.token},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    print(f"published {len(datasets)} datasets in {time.monotonic() - started:.1f} s")
    outcomes = json.loads(result.stdout)
    assert [o["status"] for o in outcomes] == ["created"] * len(datasets)
    first = {}
    for name in datasets:
        package = reader.action.package_show(id=prefix + name)
        published = load_published(out, name)
        assert package["license_id"] == published.licence.ckan and package["license_title"]
        assert package["organization"]["title"] == published.publisher["name"]
        assert len(package["resources"]) == len(mapping.resource_specs(published, SITE))
        first[name] = package["metadata_modified"]
    result = invoke_cli(
        "publish", str(out), "--ckan", ckan.url, "--name-prefix", prefix, "--site-url", SITE,
        "--json", env={"CKAN_API_TOKEN": ckan.token},
    )  # fmt: skip
    outcomes = json.loads(result.stdout)
    # the outcomes' errors say why when one fails (a CKAN starved of CPU once, in CI)
    assert [o["status"] for o in outcomes] == ["unchanged"] * len(datasets), outcomes
    for name in datasets:
        assert reader.action.package_show(id=prefix + name)["metadata_modified"] == first[name]


def published_rows(site: Path, table: str) -> dict[tuple, tuple]:
    """A published table's rows by primary key (the whole row when it has none)."""
    import sqlite3

    schema = next(
        r["schema"] for r in load_published(site, "procurement").tables if r["name"] == table
    )
    names = [f["name"] for f in schema["fields"]]
    keys = schema.get("primaryKey") or names
    with sqlite3.connect(site / "procurement.db") as conn:
        rows = conn.execute(f"select {', '.join(names)} from [{table}]").fetchall()
    return {tuple(str(r[names.index(k)]) for k in keys): tuple(r) for r in rows}


def test_datastore_holds_every_table_and_republishing_writes_no_row(ckan, site_a, publication_a):
    created, again = publication_a
    outcome = created.outcome
    reader = ckanapi.RemoteCKAN(ckan.url)  # anonymous: what any CKAN user sees
    package = reader.action.package_show(id=created.name)
    tables = [r for r in package["resources"] if r["terbuka_key"].startswith("table:")]
    assert len(tables) >= 10
    for resource in tables:
        table = resource["terbuka_key"].removeprefix("table:")
        assert resource["datastore_active"], table
        found = reader.action.datastore_search(resource_id=resource["id"], limit=1)
        assert found["total"] == len(published_rows(site_a, table)), table
        assert outcome["datastore"][table]["rows"] == found["total"]
    tenders = next(r for r in tables if r["terbuka_key"] == "table:tenders")
    fields = {f["id"]: f["type"] for f in reader.action.datastore_search(
        resource_id=tenders["id"], limit=0)["fields"]}  # fmt: skip
    assert fields["value_amount"] == "numeric" and fields["tender_period_start"] == "timestamp"
    first = next(iter(published_rows(site_a, "tenders").values()))
    sql = f"select title, value_amount from \"{tenders['id']}\" where ocid = '{first[0]}'"
    [row] = reader.action.datastore_search_sql(sql=sql)["records"]
    assert row["title"] == first[2]

    assert again.outcome["status"] == "unchanged"
    assert all(
        d["upserted"] == 0 and d["deleted"] == 0 for d in again.outcome["datastore"].values()
    )


def test_datastore_updates_only_changed_rows(ckan, site_a, site_b, publication_ab):
    _, update = publication_ab
    old, new = published_rows(site_a, "tenders"), published_rows(site_b, "tenders")
    changed = sum(1 for key, row in new.items() if old.get(key) != row)
    removed = sum(1 for key in old if key not in new)
    assert changed + removed > 0 and changed < len(new)
    assert update.outcome["datastore"]["tenders"] == {
        "rows": len(new), "upserted": changed, "deleted": removed,
    }  # fmt: skip
    reader = ckanapi.RemoteCKAN(ckan.url)
    deleted = 0
    for resource in update.package["resources"]:
        table = resource["terbuka_key"].removeprefix("table:")
        if table == resource["terbuka_key"] or table.startswith("_"):
            continue
        found = reader.action.datastore_search(resource_id=resource["id"], limit=1)
        assert found["total"] == len(published_rows(site_b, table)), table
        deleted += update.outcome["datastore"][table]["deleted"]
    assert deleted > removed  # rows keyed by several columns were removed too
