"""A polite HTTP client that archives what it fetches.

Every GET is conditional when the archive holds an earlier copy (``If-None-Match`` /
``If-Modified-Since``), so an unchanged file costs one small request and a 304. Bodies
may arrive gzip-encoded; redirects are followed; a size limit, timeouts and retries with
exponential back-off (honouring ``Retry-After``) protect both sides. Requests to one host
run one at a time by default. Secrets (tokens from the environment) are removed from
every URL, message, log line and manifest row.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .archive import Archive
from .errors import InputError, SourceFault

log = logging.getLogger("terbuka.fetch")

USER_AGENT = "terbuka/{version} (open-data publishing; +https://github.com/terbuka/terbuka)"
MAX_BYTES = int(os.environ.get("TERBUKA_MAX_DOWNLOAD_BYTES", 2 * 1024**3))
TIMEOUT = 60.0  # seconds to connect and between bytes read
RETRIES = 3
BACKOFF = float(os.environ.get("TERBUKA_HTTP_BACKOFF", "1"))
MAX_WAIT = 300.0  # longest Retry-After we wait for, in seconds
MAX_REDIRECTS = 10
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}
SECRET_PARAMS = re.compile(
    r"^(api[-_]?key|apikey|key|token|access[-_]?token|auth|signature|sig|password|secret)$", re.I
)


@dataclass
class Fetched:
    """The outcome of one GET: where the payload is and how it was obtained."""

    url: str  # the URL as it may be shown (secrets removed)
    final_url: str  # after redirects, secrets removed
    status: int  # 200, or 304 when the archived copy is still current
    sha256: str
    path: Path
    size: int
    headers: dict[str, str] = field(default_factory=dict)
    new: bool = False  # bytes not in the archive before
    attempts: int = 1  # requests sent, retries included

    @property
    def not_modified(self) -> bool:
        """The server confirmed the archived copy (no body was sent)."""
        return self.status == 304


@dataclass
class Credentials:
    """A token from the environment and where it goes: a header or a query parameter."""

    token: str
    header: str | None = "Authorization"
    template: str = "Bearer {token}"
    param: str | None = None

    def apply(self, headers: dict[str, str], params: dict[str, Any]) -> None:
        """Put the token where the API expects it."""
        if self.param:
            params[self.param] = self.token
        elif self.header:
            headers[self.header] = self.template.format(token=self.token)


def user_agent() -> str:
    """``terbuka/<version> (…)``: servers can see who is fetching and find us."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return USER_AGENT.format(version=version("terbuka"))
    except PackageNotFoundError:
        return USER_AGENT.format(version="dev")


def redact_url(url: str, secrets: Iterable[str] = ()) -> str:
    """``url`` without user:password, credential-like query values or any known secret."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = urlencode(
        [
            (k, "***" if SECRET_PARAMS.match(k) else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*:,/",
    )
    return scrub(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)), secrets)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret value in ``text`` with ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def with_params(url: str, params: dict[str, Any] | None) -> str:
    """``url`` with ``params`` added to (or replacing those in) its query string."""
    if not params:
        return url
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({k: str(v) for k, v in params.items() if v is not None})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class HostLimiter:
    """At most ``per_host`` requests in flight to any one host."""

    def __init__(self, per_host: int = 1):
        self.per_host = max(1, per_host)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}

    def slot(self, url: str) -> threading.Semaphore:
        """The semaphore of ``url``'s host (scheme, host and port)."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.hostname}:{parts.port}"
        with self._lock:
            if key not in self._slots:
                self._slots[key] = threading.BoundedSemaphore(self.per_host)
            return self._slots[key]


class Fetcher:
    """GET with conditional requests, limits, retries and archiving of every payload."""

    def __init__(
        self,
        archive: Archive,
        *,
        dataset: str | None = None,
        per_host: int = 1,
        backoff: float = BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
    ):
        import requests

        self.archive = archive
        self.dataset = dataset
        self.limiter = HostLimiter(per_host)
        self.backoff = backoff
        self.sleep = sleep
        self.session = requests.Session()
        self.session.max_redirects = MAX_REDIRECTS
        self.session.headers.update({"User-Agent": user_agent(), "Accept-Encoding": "gzip"})
        self.requests = 0  # HTTP requests sent, retries included
        self._count_lock = threading.Lock()

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def get(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        credentials: Credentials | None = None,
        conditional: bool = True,
        timeout: float = TIMEOUT,
        retries: int = RETRIES,
        max_bytes: int = MAX_BYTES,
        source: str | None = None,
        accept: str | None = None,
    ) -> Fetched:
        """Fetch ``url`` (plus ``params``) into the archive; raise ``InputError`` on failure.

        The error names the URL (secrets removed) and the HTTP status or network problem.
        """
        secrets = [credentials.token] if credentials else []
        full_url = with_params(url, params)
        shown = redact_url(full_url, secrets)
        previous = self.archive.last_ok(shown) if conditional else None
        request_url, headers = _request(full_url, credentials, accept, previous)

        def handle(response: Any) -> Fetched:
            return self._handle(response, shown, secrets, previous, max_bytes, source)

        problem, asked = "", None
        attempts = retries + 1
        for attempt in range(attempts):
            if attempt:
                wait = asked if asked is not None else self.backoff * 2 ** (attempt - 1)
                log.info("retrying %s in %.1f s (%s)", shown, wait, problem)
                self.sleep(min(wait, MAX_WAIT))
            try:
                result = self._once(url, request_url, headers, timeout, shown, secrets, handle)
            except _Retry as retry:
                problem, asked = retry.problem, retry.wait
                if retry.wait is not None and retry.wait > MAX_WAIT:
                    raise SourceFault(
                        shown, f"{problem}; the server asks to retry after {retry.wait:.0f} s"
                    ) from None
                continue
            log.info("GET %s → %s (%s bytes)", shown, result.status, result.size)
            result.attempts = attempt + 1
            return result
        tries = f"{attempts} attempts" if attempts > 1 else "1 attempt"
        raise SourceFault(shown, f"{problem} (gave up after {tries})")

    def _once(
        self,
        url: str,
        request_url: str,
        headers: dict[str, str],
        timeout: float,
        shown: str,
        secrets: list[str],
        handle: Callable[[Any], Fetched],
    ) -> Fetched:
        """One request within the host's limit; a problem worth retrying raises ``_Retry``."""
        import requests

        try:
            with self.limiter.slot(url):
                self._count()
                response = self.session.get(
                    request_url, headers=headers, stream=True, timeout=timeout
                )
                with response:
                    return handle(response)
        except requests.exceptions.Timeout:
            raise _Retry(f"timed out after {timeout:g} s", None) from None
        except requests.exceptions.TooManyRedirects:
            raise SourceFault(shown, f"more than {MAX_REDIRECTS} redirects") from None
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ):
            raise _Retry("the response was cut off (truncated body)", None) from None
        except requests.exceptions.ConnectionError as error:
            raise _Retry(_connection_problem(error, secrets), None) from None
        except requests.exceptions.InvalidURL:
            raise InputError(shown, "not a valid URL") from None

    def _count(self) -> None:
        with self._count_lock:
            self.requests += 1

    def _handle(
        self,
        response: Any,
        shown: str,
        secrets: list[str],
        previous: dict[str, Any] | None,
        max_bytes: int,
        source: str | None,
    ) -> Fetched:
        status = response.status_code
        final = redact_url(response.url, secrets)
        if status == 304 and previous:
            self.archive.record(
                shown, sha256=previous["sha256"], status=304, headers=response.headers,
                dataset=self.dataset, source=source,
            )  # fmt: skip
            path = self.archive.path(previous["sha256"])
            return Fetched(
                shown, final, 304, previous["sha256"], path, path.stat().st_size,
                {**previous["headers"], **_lower(response.headers)},
            )  # fmt: skip
        if status in RETRY_STATUSES:
            raise _Retry(
                f"HTTP {status} {response.reason or ''}".strip(),
                retry_after(response.headers.get("Retry-After")),
            )
        if status >= 400 or status == 304:
            self.archive.record(
                shown, sha256=None, status=status, headers=response.headers,
                dataset=self.dataset, source=source,
            )  # fmt: skip
            raise SourceFault(shown, f"HTTP {status} {response.reason or ''}".strip())
        declared = response.headers.get("Content-Length")
        encoded = response.headers.get("Content-Encoding")
        if declared and declared.isdigit() and not encoded and int(declared) > max_bytes:
            raise InputError(shown, f"larger than the {max_bytes} byte limit ({declared} bytes)")
        tmp = self.archive.temporary()
        digest = hashlib.sha256()
        size = 0
        try:
            with open(tmp, "wb") as handle:
                for chunk in response.iter_content(1 << 16):
                    size += len(chunk)
                    if size > max_bytes:
                        raise InputError(shown, f"larger than the {max_bytes} byte limit")
                    digest.update(chunk)
                    handle.write(chunk)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        stored = self.archive.add(tmp, digest.hexdigest())
        self.archive.record(
            shown, sha256=stored.sha256, status=status, size=size, headers=response.headers,
            dataset=self.dataset, source=source,
        )  # fmt: skip
        return Fetched(
            shown, final, status, stored.sha256, stored.path, size,
            _lower(response.headers), stored.new,
        )  # fmt: skip


def _request(
    full_url: str,
    credentials: Credentials | None,
    accept: str | None,
    previous: dict[str, Any] | None,
) -> tuple[str, dict[str, str]]:
    """The URL and headers to send: credentials applied, conditional on the last payload."""
    headers: dict[str, str] = {}
    query: dict[str, Any] = {}
    if accept:
        headers["Accept"] = accept
    if credentials:
        credentials.apply(headers, query)
    if previous:
        if previous["headers"].get("etag"):
            headers["If-None-Match"] = previous["headers"]["etag"]
        if previous["headers"].get("last-modified"):
            headers["If-Modified-Since"] = previous["headers"]["last-modified"]
    return with_params(full_url, query), headers


class _Retry(Exception):
    def __init__(self, problem: str, wait: float | None):
        super().__init__(problem)
        self.problem = problem
        self.wait = wait


def _lower(headers: Any) -> dict[str, str]:
    from .archive import public_headers

    return public_headers(headers)


def _connection_problem(error: Exception, secrets: list[str]) -> str:
    text = str(error)
    for pattern, message in (
        (r"Connection refused", "connection refused"),
        (r"Name or service not known|nodename nor servname|getaddrinfo", "unknown host"),
        (r"IncompleteRead|Connection broken|protocol", "the response was cut off (truncated body)"),
        (r"timed out", "timed out"),
        (r"Connection reset", "connection reset by the server"),
    ):
        if re.search(pattern, text, re.I):
            return message
    return "cannot connect: " + scrub(re.sub(r"https?://\S+", "", text), secrets)[:160]


def fetch_to_state(url: str, state: Path) -> Path:
    """Download ``url`` (``--source https://…``) into the state's archive; return the payload."""
    archive = Archive.in_state(state)
    fetcher = Fetcher(archive)
    try:
        return fetcher.get(url, source="--source").path
    finally:
        fetcher.close()
        archive.close()
