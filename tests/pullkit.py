"""Real servers on loopback for the pull tests: static files with HTTP behaviours, an OCDS API.

Everything here is a real HTTP server (``http.server`` in a thread) that the tests start
and stop; the code under test talks to it over TCP like it would to a portal.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml
from conftest import free_port

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Hit:
    """One request the server saw."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    truncate_to: int | None = None  # send only this many body bytes, then close


class LoopbackServer:
    """A threaded HTTP server whose routes are plain functions ``(Hit) -> Reply``."""

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.routes: dict[str, Callable[[Hit], Reply]] = {}
        self.hits: list[Hit] = []
        self.inflight = 0
        self.max_inflight = 0
        self._lock = threading.Lock()
        self.port = free_port()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                parts = urlsplit(self.path)
                hit = Hit(
                    parts.path,
                    {k: v[0] for k, v in parse_qs(parts.query).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                )
                with server._lock:
                    server.hits.append(hit)
                    server.inflight += 1
                    server.max_inflight = max(server.max_inflight, server.inflight)
                try:
                    route = server.routes.get(parts.path)
                    reply = route(hit) if route else Reply(404, b"not found")
                    if reply.delay:
                        time.sleep(reply.delay)
                    self.send_response(reply.status)
                    headers = {"Content-Length": str(len(reply.body)), **reply.headers}
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    body = reply.body
                    if reply.truncate_to is not None:
                        body = body[: reply.truncate_to]
                        self.close_connection = True
                    self.wfile.write(body)
                    self.wfile.flush()
                finally:
                    with server._lock:
                        server.inflight -= 1

        self.httpd = ThreadingHTTPServer((host, self.port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # a client hanging up is fine
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"

    def hits_for(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    def static(
        self,
        path: str,
        body: bytes,
        *,
        etag: bool = True,
        last_modified: str | None = None,
        gzip_encoding: bool = False,
        content_type: str = "application/octet-stream",
    ) -> None:
        """Serve ``body`` with an ETag (or Last-Modified) and answer 304 when it matches."""

        def route(hit: Hit) -> Reply:
            tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            headers = {"Content-Type": content_type}
            if etag:
                headers["ETag"] = tag
                if hit.headers.get("if-none-match") == tag:
                    return Reply(304, b"", headers)
            if last_modified:
                headers["Last-Modified"] = last_modified
                if hit.headers.get("if-modified-since") == last_modified:
                    return Reply(304, b"", headers)
            data = body
            if gzip_encoding and "gzip" in hit.headers.get("accept-encoding", ""):
                data = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            return Reply(200, data, headers)

        self.routes[path] = route


class OcdsApi:
    """A paginated OCDS release package API, written for the tests.

    ``/releases`` serves releases oldest first, ``page_size`` per page, with
    ``links.next``; ``?since=DATE`` keeps releases dated at or after DATE (inclusive, as
    many real APIs do, so the boundary release comes back). ``publishedDate`` changes on
    every response, as it does on live APIs.
    """

    def __init__(
        self,
        server: LoopbackServer,
        releases: list[dict],
        page_size: int = 10,
        newest_first: bool = False,
        token: str | None = None,
    ):
        self.server = server
        self.newest_first = newest_first
        self.token = token
        self.releases = sorted(releases, key=lambda r: r["date"], reverse=newest_first)
        self.page_size = page_size
        self.calls = 0
        server.routes["/releases"] = self.route

    @property
    def url(self) -> str:
        return self.server.url("/releases")

    def add(self, releases: list[dict]) -> None:
        self.releases = sorted(
            [*self.releases, *releases], key=lambda r: r["date"], reverse=self.newest_first
        )

    def route(self, hit: Hit) -> Reply:
        self.calls += 1
        if self.token and hit.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, b'{"error": "token required"}')
        since = hit.query.get("since")
        chosen = [r for r in self.releases if not since or utc(r["date"]) >= utc(since)]
        page = int(hit.query.get("page", "1"))
        start = (page - 1) * self.page_size
        package = {
            "uri": self.url,
            "version": "1.1",
            "publishedDate": time.strftime("%Y-%m-%dT%H:%M:%S.") + str(time.time_ns())[-9:] + "Z",
            "publisher": {"name": "Loopback procurement portal"},
            "releases": chosen[start : start + self.page_size],
            "links": {},
        }
        if start + self.page_size < len(chosen):
            query = f"page={page + 1}" + (f"&since={since}" if since else "")
            package["links"]["next"] = f"{self.url}?{query}"
        return Reply(200, json.dumps(package).encode(), {"Content-Type": "application/json"})

    def pages_served(self) -> int:
        return len(self.server.hits_for("/releases"))


def utc(value: str) -> str:
    from terbuka.pipelines.parse import parse_datetime

    return parse_datetime(value, "UTC")[0]


def demo_releases(tmp: Path, processes: int = 30, seed: int = 7) -> list[dict]:
    """Realistic releases from the bundled generator (with its planted personal data), by date."""
    from terbuka.pipelines.demo import generate_procurement

    paths, _ = generate_procurement(tmp, seed=seed, processes=processes)
    releases = json.loads(paths[0].read_text("utf-8"))["releases"]
    return sorted(releases, key=lambda r: r["date"])


def later_releases(releases: list[dict], count: int, prefix: str = "new") -> list[dict]:
    """``count`` new releases dated after every one in ``releases`` (new ocids)."""
    from datetime import datetime, timedelta

    from terbuka.pipelines.parse import parse_datetime

    latest = max(datetime.fromisoformat(parse_datetime(r["date"], "UTC")[0]) for r in releases)
    fresh = []
    for index, release in enumerate(releases[:count]):
        copy = json.loads(json.dumps(release))
        copy["ocid"] = f"{release['ocid']}-{prefix}{index}"
        copy["id"] = f"{release['id']}-{prefix}{index}"
        copy["date"] = (latest + timedelta(days=index + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        fresh.append(copy)
    return fresh


def descriptor_with_sources(tmp: Path, sources: list[dict], name: str = "pulled", **extra) -> Path:
    """A copy of the procurement descriptor that declares ``sources``."""
    import shutil

    folder = tmp / name
    shutil.copytree(ROOT / "metadata" / "procurement", folder)
    data = yaml.safe_load((folder / "dataset.yml").read_text("utf-8"))
    data.update(name=name, sources=sources, **extra)
    (folder / "dataset.yml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return folder
