"""Shared fixtures: real data from ../shared, isolated state, a published demo, a live Datasette."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TERBUKA_SHARED", ROOT.parent / "shared"))
SHARED_DATA = SHARED / "data"
OCDS_SCHEMA = SHARED_DATA / "procurement" / "ocds-schema-1.1.5" / "release-schema.json"
# TERBUKA_OCDS_SCHEMA for the shared sample sites: the release schema, or none (an empty value)
OCDS_SCHEMA_VALUE = str(OCDS_SCHEMA) if OCDS_SCHEMA.exists() else ""


def rows(db: Path, sql: str, params=()) -> list[dict]:
    """The rows a query returns, as dicts (tests import it: ``from conftest import rows``)."""
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in connection.execute(sql, params)]
    finally:
        connection.close()


def table_schema(primary_key: str | list[str], **types: str) -> dict:
    """A Table Schema: the fields ``name=type`` in their order, and the primary key."""
    key = [primary_key] if isinstance(primary_key, str) else primary_key
    return {"fields": [{"name": n, "type": t} for n, t in types.items()], "primaryKey": key}


def query(db_path: Path, sql: str, *params) -> list[tuple]:
    """The rows a query returns, as tuples (``from conftest import query``)."""
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


def published_inaproc(folder: Path, out: Path) -> tuple[dict, sqlite3.Connection]:
    """``run_dataset("inaproc")`` over a snapshot folder with the OCDS schema: (record, db)."""
    from terbuka.pipelines.runner import run_dataset

    if not OCDS_SCHEMA.exists():
        pytest.skip("the OCDS 1.1.5 schema is not in the shared data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TERBUKA_OCDS_SCHEMA", str(OCDS_SCHEMA))
        record = run_dataset("inaproc", [str(folder)], out, show_progress=False)
    assert record["status"] == "published", record.get("error")
    db = sqlite3.connect(out / "inaproc.db")
    db.row_factory = sqlite3.Row
    return record, db


def pytest_configure(config):
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session", autouse=True)
def isolated_session_environment(tmp_path_factory):
    """Session fixtures (published demo sites, real-data runs) keep their state in the
    test's temporary folder too, never in the user's ``~/.local/state``."""
    with pytest.MonkeyPatch.context() as patch:
        base = tmp_path_factory.getbasetemp()
        patch.setenv("TERBUKA_STATE_DIR", str(base / "state"))
        patch.setenv("XDG_CACHE_HOME", str(base / "cache"))
        yield


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory, monkeypatch):
    """Private state, caches and the OCDS schema location never leak between tests."""
    base = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("TERBUKA_STATE_DIR", str(base / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(base / "cache"))
    if OCDS_SCHEMA.exists():
        monkeypatch.setenv("TERBUKA_OCDS_SCHEMA", str(OCDS_SCHEMA))
    else:
        monkeypatch.setenv("TERBUKA_OCDS_SCHEMA", str(base / "no-schema-here.json"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data in ../shared/data (skips when this checkout has none)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not available: {SHARED_DATA} is missing (set TERBUKA_SHARED)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def ocds_examples(shared_data) -> Path:
    """The folder of ~500 real OCDS releases and records from 12 publishers."""
    return shared_data / "procurement" / "ocds-real-examples-2018"


@pytest.fixture(scope="session")
def real_ocds_site(tmp_path_factory, ocds_examples) -> tuple[Path, dict]:
    """``(site, run record)``: every real OCDS file but the empty ones published in one run,
    once per test run (read-only for tests)."""
    from terbuka.pipelines.runner import run_dataset

    def publish(folder: Path) -> tuple[Path, dict]:
        files = [str(p) for p in sorted(ocds_examples.rglob("*.json")) if p.stat().st_size > 0]
        with pytest.MonkeyPatch.context() as patch:  # set per test, after session fixtures
            patch.setenv("TERBUKA_OCDS_SCHEMA", OCDS_SCHEMA_VALUE)
            record = run_dataset("procurement", files, folder / "site", show_progress=False)
        return folder / "site", record

    return once_per_run(tmp_path_factory, "real-ocds-site", publish)


def once_per_run(tmp_path_factory, name: str, build):
    """``build(folder)`` once per test run, even with pytest-xdist workers; its value is shared.

    A session fixture runs once per *worker*; the expensive ones (publishing a sample site)
    are built by the first worker that needs them, under a file lock in the run's common
    temporary folder, and the others read the pickled value (paths into that folder).
    A failed build is not cached: each worker that needs it fails the same way.
    """
    import pickle

    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the folder every worker's basetemp lives in
    done = base / f"once-{name}.pickle"
    with FileLock(str(base / f"once-{name}.lock")):
        if done.exists():
            return pickle.loads(done.read_bytes())
        folder = base / f"once-{name}"
        if folder.exists():  # a build that failed half-way in another worker
            import shutil

            shutil.rmtree(folder)
        folder.mkdir()
        value = build(folder)
        done.write_bytes(pickle.dumps(value))
        return value


@pytest.fixture(scope="session")
def demo_sources(tmp_path_factory):
    """The bundled generator's procurement sources and the personal values planted in them."""
    from terbuka.pipelines.demo import generate_procurement

    return once_per_run(
        tmp_path_factory,
        "demo-sources",
        lambda folder: generate_procurement(folder, seed=7, processes=120),
    )


def run_cli(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run the real ``terbuka`` console script in a subprocess."""
    command = [str(Path(sys.executable).with_name("terbuka")), *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )


def invoke_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the ``terbuka`` command in this process with click's ``CliRunner``.

    Same exit code, stdout and stderr as :func:`run_cli` without a new interpreter (a
    subprocess pays seconds of imports per call). An exception that escapes the command
    is appended to stderr as the traceback the console script would have printed, so a
    test that asserts ``"Traceback" not in result.stderr`` still catches it. Use
    :func:`run_cli` where the process itself is under test (argv, signals, serving).
    """
    import traceback

    from click.testing import CliRunner

    from terbuka.pipelines.cli import cli

    result = CliRunner(env=env).invoke(cli, list(args))
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(["terbuka", *args], result.exit_code, result.stdout, stderr)


@pytest.fixture(scope="session")
def published_demo(tmp_path_factory, demo_sources):
    """A site with the demo procurement data published by the real CLI, once per test run:
    read-only for tests; a test that changes a site copies it first
    (``shutil.copytree(out, copy, symlinks=True)``: the publication lives behind links).

    In this process (``invoke_cli``): a subprocess paid an interpreter, Great Expectations'
    import and the NER model's load (≈ 10 s) while the other worker waited for the site.
    The console script itself is under test where a process is (kills, races, signals)."""
    paths, _ = demo_sources

    def publish(folder: Path):
        out = folder / "site"
        env = {
            "TERBUKA_STATE_DIR": str(folder / "state"),
            "TERBUKA_OCDS_SCHEMA": OCDS_SCHEMA_VALUE,
        }
        sources = [arg for p in paths for arg in ("--source", str(p))]
        result = invoke_cli(
            "run", "procurement", *sources, "--out", str(out), "--json", "--quiet", env=env
        )
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        return out, json.loads(result.stdout)

    return once_per_run(tmp_path_factory, "published-demo", publish)


def nonempty(items, what: str = "results") -> list:
    """``items`` as a list, failing when it is empty: a loop or ``all()`` over no results
    checks nothing, so a test that iterates over query results asserts there are some."""
    items = list(items)
    assert items, f"no {what} to check"
    return items


def published_text(folder: Path) -> str:
    """Every file under a published folder, decoded as UTF-8 (bytes that are not: replaced);
    a gzipped file (a ``.csv.gz`` of the Data Package) is searched inside."""
    return "".join(
        read_published(p).decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file()
    )


def read_published(path: Path) -> bytes:
    """A published file's bytes, decompressed when it is gzipped (``data/<table>.csv.gz``)."""
    raw = path.read_bytes()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def leaked(values, text: str) -> list[str]:
    """The ``values`` that occur in ``text``, sorted: ``sorted(v for v in values if v in text)``.

    Thousands of planted values over megabytes of a published site took minutes one ``in``
    at a time; one regular expression (the values as a trie) finds in seconds whether any
    occurs, and only then is each value looked for, so the list is the same.
    """
    values = sorted(set(values))
    if not values or not _any_of(values).search(text):
        return []
    return [v for v in values if v in text]


def _any_of(values: list[str]) -> re.Pattern[str]:
    """One pattern matching any of ``values`` literally, shared prefixes merged (a trie)."""
    trie: dict = {}
    for value in values:
        node = trie
        for char in value:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = "(?:" + "|".join(branches) + ")" if len(branches) > 1 or "" in node else branches[0]
        return body + "?" if "" in node else body

    return re.compile(pattern(trie))


def tree_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every published file (hidden run records and history excluded)."""
    digests = {}
    # Through the links: DIR/<dataset>(.db) lead into the live publication.
    for root, dirs, files in os.walk(folder, followlinks=True):
        base = Path(root).relative_to(folder)
        if base.parts and base.parts[0].startswith("."):
            dirs[:] = []
            continue
        for name in files:
            relative = base / name
            if not relative.parts[0].startswith(".") and (folder / relative).is_file():
                digests[str(relative)] = hashlib.sha256(
                    (folder / relative).read_bytes()
                ).hexdigest()
    return dict(sorted(digests.items()))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def datasette_url(published_demo):
    """A real Datasette (``terbuka serve``) over the published demo, reached over HTTP."""
    with serving(published_demo[0]) as served:
        yield served.url


def demo_copy(published_demo, folder: Path, leave_out: str | None = None) -> Path:
    """A copy of the published demo at ``folder``, without the names matching ``leave_out``."""
    out, _ = published_demo
    shutil.copytree(out, folder, ignore=shutil.ignore_patterns(leave_out) if leave_out else None)
    return folder


def feedback_reports(folder: Path) -> list[dict]:
    """The problem reports a published folder's feedback store holds, oldest first."""
    path = folder / ".feedback" / "feedback.db"
    return rows(path, "select * from reports order by id") if path.exists() else []


CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium as root in a sandbox-less container, with no background traffic.
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright (skipped where either is missing)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (run .ci/install as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


class Ckan:
    """A running CKAN: its URL, a sysadmin token (a secret: never print it), and its state folder."""

    def __init__(self, url: str, token: str, base: Path | None, env: dict[str, str]):
        self.url = url
        self.token = token
        self.base = base
        self.env = env

    def client(self):
        import ckanapi

        return ckanapi.RemoteCKAN(self.url, apikey=self.token)

    def stop(self) -> None:
        """Stop the web server only (PostgreSQL and Redis keep running), e.g. to test outages."""
        import signal

        if self.base is None:
            return
        pidfile = self.base / "run" / "gunicorn.pid"
        if not pidfile.exists():
            raise RuntimeError(f"cannot stop CKAN: no {pidfile}")
        master = int(pidfile.read_text().strip())
        os.kill(master, signal.SIGTERM)
        deadline = time.time() + 30
        while time.time() < deadline and _reachable(self.url):
            time.sleep(0.3)
        if _reachable(self.url):  # a graceful stop that did not end: its workers too
            for pid in [*_children(master), master]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(1)
        if _reachable(self.url):
            raise RuntimeError(f"CKAN at {self.url} still answers after its web server was stopped")

    def start(self) -> None:
        """Start it again (reuses the installed state: about 15 s) and wait until it answers."""
        if self.base:
            _setup_ckan(self.env)
            deadline = time.time() + 180
            while time.time() < deadline and not _reachable(self.url):
                time.sleep(1)


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc: no procps needed)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/api/3/action/status_show", timeout=3):
            return True
    except OSError:
        return False


def _setup_ckan(env: dict[str, str]) -> dict[str, str]:
    script = SHARED / "ckan" / "setup_ckan.sh"
    result = subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, timeout=1800
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"setup_ckan.sh failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        )
    values = {}
    for line in (Path(env["CKAN_BASE"]) / "ckan.env").read_text().splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            values[key] = value
    return values


@pytest.fixture
def ckan(ckan_server):
    """The session's CKAN, answering: started again if an earlier test's outage left it down."""
    if ckan_server.base and not _reachable(ckan_server.url):
        ckan_server.start()
    return ckan_server


@pytest.fixture(scope="session")
def ckan_server():
    """A real CKAN 2.12: the one in CKAN_URL/CKAN_API_TOKEN, or one this session starts and stops.

    Started with ../shared/ckan/setup_ckan.sh (PostgreSQL, Redis, CKAN with DataStore and
    ckanext-dcat); ports and the state folder follow that script's environment variables
    (CKAN_PORT, PG_PORT, REDIS_PORT, SOLR_PORT, CKAN_BASE — default /tmp/terbuka-ckan-tests).
    """
    if os.environ.get("CKAN_URL") and os.environ.get("CKAN_API_TOKEN"):
        yield Ckan(
            os.environ["CKAN_URL"].rstrip("/"), os.environ["CKAN_API_TOKEN"], None, dict(os.environ)
        )
        return
    if not (SHARED / "ckan" / "setup_ckan.sh").exists():
        pytest.skip(f"no CKAN: set CKAN_URL and CKAN_API_TOKEN, or provide {SHARED / 'ckan'}")
    env = {**os.environ, "CKAN_BASE": os.environ.get("CKAN_BASE", "/tmp/terbuka-ckan-tests")}
    values = _setup_ckan(env)
    instance = Ckan(values["CKAN_URL"], values["CKAN_API_TOKEN"], Path(env["CKAN_BASE"]), env)
    yield instance
    subprocess.run(
        ["bash", str(SHARED / "ckan" / "teardown_ckan.sh")],
        env=env,
        capture_output=True,
        timeout=300,
    )


DEMO_SEED = 7


@pytest.fixture(scope="session")
def service_kpi_exact(tmp_path_factory) -> str:
    """The bundled service-kpi descriptor without quasi-identifiers, for tests of parsing and
    KPI arithmetic on exact rows from inputs too small to be k-anonymous (the bundled
    policy stops those runs; tests/test_service_kpi_kanon.py checks that it does)."""
    import re
    import shutil

    folder = tmp_path_factory.mktemp("descriptor") / "service-kpi"
    shutil.copytree(ROOT / "metadata" / "service-kpi", folder)
    privacy = folder / "privacy.yml"
    privacy.write_text(re.sub(r"\nquasi_identifiers:\n(  .*\n)+", "\n", privacy.read_text()))
    assert "quasi_identifiers" not in privacy.read_text()
    return str(folder)


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory):
    """``terbuka demo --no-serve``: every bundled dataset published by the real CLI, once
    per test run (read-only for tests, like :func:`published_demo`, and in this process
    for the same reason)."""

    def demo(folder: Path):
        out = folder / "site"
        env = {"TERBUKA_STATE_DIR": str(folder / "state")}
        result = invoke_cli(
            "demo", "--no-serve", "--out", str(out), "--seed", str(DEMO_SEED), "--json", env=env
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return out, {r["dataset"]: r for r in json.loads(result.stdout)}

    return once_per_run(tmp_path_factory, "demo-site", demo)


@pytest.fixture(scope="session")
def demo_site_url(demo_site):
    """A real Datasette (``terbuka serve``) over the full demo site, reached over HTTP."""
    with serving(demo_site[0]) as served:
        yield served.url


class ServedSite:
    """A real ``terbuka serve`` over a published folder, for tests that need their own."""

    def __init__(self, folder: Path, port: int | None = None):
        self.folder = folder
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [str(Path(sys.executable).with_name("terbuka")), "serve", str(folder)]
        self.server = subprocess.Popen(
            [*command, "--port", str(self.port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/-/versions.json", timeout=2):
                    return
            except OSError:
                if self.server.poll() is not None:
                    raise RuntimeError(self.server.stdout.read().decode()) from None
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("Datasette did not start")

    def stop(self) -> None:
        self.server.terminate()
        try:
            self.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.server.kill()


@contextmanager
def serving(folder: Path) -> Iterator[ServedSite]:
    """A real ``terbuka serve`` over ``folder`` while the block runs."""
    served = ServedSite(folder)
    try:
        yield served
    finally:
        served.stop()


def database_datasette(folder: Path, database: str, metadata: dict | None = None):
    """A Datasette over one database of a published folder, with its metadata and settings."""
    from datasette.app import Datasette

    return Datasette(
        [str(folder / f"{database}.db")],
        metadata=metadata or json.loads((folder / "metadata.json").read_text()),
        settings=json.loads((folder / "settings.json").read_text()),
    )


def site_datasette(folder: Path):
    """The Datasette ``terbuka serve`` runs over a published folder, for in-process requests.

    Use ``await ds.client.get(path)`` (``ds.invoke_startup()`` first): no server, no port.
    """
    from datasette.app import Datasette

    return Datasette(config_dir=Path(folder), cors=True)


class InProcessSite:
    """The Datasette ``terbuka serve`` runs over a published folder, answering in this process.

    One instance (and one event loop) serves many requests: no server process, no port,
    no HTTP. ``get`` takes a path or a URL under :attr:`url` (the address Datasette's
    in-process client gives its pages) and returns an ``httpx.Response``.
    """

    url = "http://localhost"

    def __init__(self, folder: Path):
        import asyncio

        self.folder = Path(folder)
        self.loop = asyncio.new_event_loop()
        self.ds = site_datasette(self.folder)
        self.loop.run_until_complete(self.ds.invoke_startup())

    def get(self, path: str, **kwargs):
        if path.startswith(self.url + "/"):  # a link the site printed
            path = path[len(self.url) :]
        return self.loop.run_until_complete(self.ds.client.get(path, **kwargs))

    def json(self, path: str):
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[-500:])
        return response.json()

    def close(self) -> None:
        self.loop.close()

    def __enter__(self) -> InProcessSite:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@pytest.fixture(scope="session")
def demo_site_client(published_demo):
    """The published demo procurement site, served in-process (see :class:`InProcessSite`)."""
    with InProcessSite(published_demo[0]) as site:
        yield site


@pytest.fixture(scope="session")
def full_demo_client(demo_site):
    """Every bundled dataset (``terbuka demo``), served in-process."""
    with InProcessSite(demo_site[0]) as site:
        yield site


def site_get(folder: Path, *paths: str) -> list:
    """Responses of the published folder's Datasette to GET ``paths``, in-process."""
    import asyncio

    async def fetch():
        ds = site_datasette(folder)
        await ds.invoke_startup()
        return [await ds.client.get(path) for path in paths]

    return asyncio.run(fetch())


# --- pytest-xdist: whole files per worker, and every test that uses CKAN in one worker ----
# `.ci/run` runs `pytest -n 2 --dist loadgroup`. Module fixtures (a run shared by a file's
# tests) stay in one worker because files are the unit of work; files marked
# ``pytest.mark.xdist_group("ckan")`` share one worker, so one CKAN starts (on the ports of
# its environment) and a test that stops it for an outage never pulls it from another file.
CKAN_GROUP = "ckan"


@pytest.hookimpl(tryfirst=True)  # before the ``-m`` selection reads the marks
def pytest_collection_modifyitems(config, items):
    """Every test that uses the ``ckan`` fixture is marked ``ckan`` and ``slow`` (a real
    CKAN; ``-m "not ckan"`` leaves them out) and joins the CKAN group."""
    for item in items:
        if "ckan" in getattr(item, "fixturenames", ()) or item.get_closest_marker("ckan"):
            item.add_marker(pytest.mark.ckan)
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group(CKAN_GROUP))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` made file-wise: a file is a unit, a named group is one unit."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadFileScheduling

    ckan_files = files_using_ckan(Path(__file__).parent)

    class FileOrGroupScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            # xdist appends "@<group>" to grouped tests' ids, but since pytest 9.2 derives
            # ``nodeid`` from ``_id`` its suffix is lost: the files are named here too.
            if nodeid.endswith("@" + CKAN_GROUP) or nodeid.split("::", 1)[0] in ckan_files:
                return "@" + CKAN_GROUP
            return super()._split_scope(nodeid)

    return FileOrGroupScheduling(config, log)


_CKAN_USE = re.compile(r"def \w+\([^)]*\bckan(?:_server)?\b[^)]*\)|pytest\.mark\.ckan\b")


def files_using_ckan(folder: Path) -> set[str]:
    """``tests/test_x.py`` of every test file with a test or fixture taking ``ckan`` or
    ``ckan_server`` (or marked ``ckan``): the controller schedules them as one unit.

    The workers mark such tests (``pytest_collection_modifyitems``); the controller, which collects
    nothing, reads the files (``tests/test_scheduling.py`` checks that both agree).
    """
    return {
        f"{folder.name}/{path.name}"
        for path in folder.glob("test_*.py")
        if _CKAN_USE.search(path.read_text("utf-8"))
    }


def published_tables(path) -> dict:
    """Every table's rows, sorted, without the run id (the only column that must differ)."""
    db = sqlite3.connect(path)
    names = [
        r[0]
        for r in db.execute("select name from sqlite_master where type = 'table' order by name")
        if not r[0].startswith("sqlite_") and "_fts" not in r[0] and r[0] != "_runs"
    ]
    out = {}
    for name in names:
        columns = [r[1] for r in db.execute(f"pragma table_info([{name}])")]
        keep = [i for i, c in enumerate(columns) if c != "run_id"]
        rows = db.execute(f"select * from [{name}]").fetchall()
        out[name] = (columns, sorted(repr([row[i] for i in keep]) for row in rows))
    db.close()
    return out


def demo_procurement(folder: Path, seed: int, processes: int):
    """Demo sources in ``folder/sources``, the bundled descriptor copied to ``folder/procurement``.

    For tests that change the descriptor or keep their own state: ``(paths, planted, descriptor)``.
    """
    from terbuka.pipelines.demo import generate_procurement

    paths, planted = generate_procurement(folder / "sources", seed=seed, processes=processes)
    descriptor = folder / "procurement"
    shutil.copytree(ROOT / "metadata" / "procurement", descriptor)
    return paths, planted, descriptor
