"""Shared fixtures: real data from ../shared, isolated state, a published demo, a live Datasette."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TERBUKA_SHARED", ROOT.parent / "shared"))
SHARED_DATA = SHARED / "data"
OCDS_SCHEMA = SHARED_DATA / "procurement" / "ocds-schema-1.1.5" / "release-schema.json"


def pytest_configure(config):
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


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
def demo_sources(tmp_path_factory):
    """The bundled generator's procurement sources and the personal values planted in them."""
    from terbuka.pipelines.demo import generate_procurement

    folder = tmp_path_factory.mktemp("demo-sources")
    paths, planted = generate_procurement(folder, seed=7, processes=120)
    return paths, planted


def run_cli(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run the real ``terbuka`` console script in a subprocess."""
    command = [str(Path(sys.executable).with_name("terbuka")), *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )


@pytest.fixture(scope="session")
def published_demo(tmp_path_factory, demo_sources):
    """A site with the demo procurement data published by the real CLI."""
    out = tmp_path_factory.mktemp("site")
    env = {
        "TERBUKA_STATE_DIR": str(tmp_path_factory.mktemp("demo-state")),
        "TERBUKA_OCDS_SCHEMA": str(OCDS_SCHEMA) if OCDS_SCHEMA.exists() else "",
    }
    paths, _ = demo_sources
    sources = [arg for p in paths for arg in ("--source", str(p))]
    result = run_cli(
        "run", "procurement", *sources, "--out", str(out), "--json", "--quiet", env=env
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    return out, record


def tree_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every published file (hidden run records and history excluded)."""
    digests = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not relative.parts[0].startswith("."):
            digests[str(relative)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def datasette_url(published_demo):
    """A real Datasette (``terbuka serve``) over the published demo, reached over HTTP."""
    out, _ = published_demo
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("terbuka")),
        "serve",
        str(out),
        "--port",
        str(port),
    ]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/-/versions.json", timeout=2):
                break
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(server.stdout.read().decode()) from None
            time.sleep(0.3)
    else:
        server.kill()
        raise RuntimeError("Datasette did not start")
    yield url
    server.terminate()
    server.wait(timeout=10)


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())
