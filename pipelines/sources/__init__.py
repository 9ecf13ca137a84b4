"""Sources a dataset pulls by itself: one small registered unit per kind, by stable id.

A source unit has an ``id`` (the ``kind`` a descriptor names), a ``title``, the keys it
``requires`` and ``accepts``, and ``pull(spec, ctx, report) -> [Payload]``: it fetches
what is new (conditional requests, watermarks), stores every payload in the archive and
returns the complete set of payloads the dataset is built from — new and kept ones — so
each publication stays complete even when only a page was fetched.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from terbuka.catalogs.secrets import remember

from ..archive import Archive
from ..errors import UsageError
from ..fetch import RETRIES, TIMEOUT, Credentials, Fetched, Fetcher
from ..state import private_dir

# Keys every HTTP-based source accepts.
HTTP_KEYS = (
    "params",
    "token_env",
    "token_header",
    "token_param",
    "timeout",
    "retries",
    "max_bytes",
)


@dataclass
class Payload:
    """One input of the run: where it came from (shown as ``source``) and its bytes."""

    display: str
    sha256: str
    path: Path
    size: int
    # What the source's catalog says about these bytes (a CKAN package's organisation,
    # licence, ``metadata_modified``); becomes ``Input.extra["catalog"]`` for provenance.
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class SourceReport:
    """What pulling one source did: requests, 304s, bytes, new and kept payloads."""

    id: str
    kind: str
    requests: int = 0
    not_modified: int = 0
    skipped: int = 0  # payloads known unchanged without a request (e.g. CKAN metadata)
    downloaded_bytes: int = 0
    payloads: int = 0
    new_payloads: int = 0
    removed_payloads: int = 0
    changed: bool = False
    incremental: bool = False
    notes: list[str] = field(default_factory=list)
    watermark: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The entry in ``record["pull"]["sources"]``."""
        return asdict(self)


@dataclass
class PullContext:
    """What a source unit needs: the archive, the HTTP client, its saved state."""

    dataset: str
    folder: Path  # the descriptor folder: relative paths are resolved against it
    archive: Archive
    fetcher: Fetcher
    state: Path  # private folder for this dataset's source states
    full: bool = False  # ignore watermarks and fetch everything again

    def load_state(self, source_id: str) -> dict[str, Any]:
        """What this source remembered from its last pull ({} the first time)."""
        path = self.state / f"{source_id}.json"
        try:
            return json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}

    def save_state(self, source_id: str, data: dict[str, Any]) -> None:
        """Remember this pull (written atomically, owner-only)."""
        path = self.state / f"{source_id}.json"
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1, sort_keys=True)
        os.replace(tmp, path)

    def credentials(
        self, spec: dict[str, Any], template: str = "Bearer {token}"
    ) -> Credentials | None:
        """The token named by ``token_env``, read from the environment (never from YAML)."""
        name = spec.get("token_env")
        if not name:
            return None
        token = os.environ.get(name)
        if not token:
            raise UsageError(
                f"{self.dataset}: source {spec['id']!r} needs the environment variable {name} "
                "(its token_env), which is not set"
            )
        remember(token)  # scrubbed from every message and record from here on
        return Credentials(
            token,
            header=None if spec.get("token_param") else spec.get("token_header", "Authorization"),
            template=template
            if spec.get("token_header", "Authorization") == "Authorization"
            else "{token}",
            param=spec.get("token_param"),
        )

    def get(
        self,
        spec: dict[str, Any],
        report: SourceReport,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        credentials: Credentials | None = None,
        accept: str | None = None,
    ) -> Fetched:
        """GET through the shared fetcher with this source's limits; counted in ``report``."""
        kwargs: dict[str, Any] = {
            "timeout": float(spec.get("timeout", TIMEOUT)),
            "retries": int(spec.get("retries", RETRIES)),
            "source": spec["id"],
            "params": params,
            "credentials": credentials,
            "accept": accept,
        }
        if spec.get("max_bytes"):
            kwargs["max_bytes"] = int(spec["max_bytes"])
        fetched = self.fetcher.get(url, **kwargs)
        report.requests += fetched.attempts
        if fetched.not_modified:
            report.not_modified += 1
        else:
            report.downloaded_bytes += fetched.size
        return fetched


def private_state(state: Path, dataset: str) -> Path:
    """The folder holding one dataset's source states."""
    return private_dir(state / "sources" / dataset)


def payload_from(fetched: Fetched) -> Payload:
    """The payload of a fetch, shown by its URL (secrets removed)."""
    return Payload(fetched.url, fetched.sha256, fetched.path, fetched.size)


def load_json(path: Path, name: str | None = None) -> Any:
    """Parse a payload as JSON (gzip-compressed or not); ``None`` when it is not JSON.

    Bounded like every reader (``readers.limits``): the decompressed size and the
    nesting depth have limits, so a gzip bomb or 100,000 brackets from a server end in
    one line naming ``name`` (the URL) and the limit, not in gigabytes or a
    ``RecursionError``.
    """
    import gzip

    from ..readers.limits import load_json as bounded_json
    from ..readers.limits import read_whole

    shown = name or path.name
    with open(path, "rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
    try:
        with gzip.open(path, "rb") if compressed else open(path, "rb") as stream:
            data = read_whole(stream, shown)
    except (OSError, EOFError):
        return None
    try:
        return bounded_json(data, shown)
    except (UnicodeDecodeError, ValueError):
        return None
