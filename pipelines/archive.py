"""A content-addressed archive of every raw payload terbuka fetched.

Each payload is stored once, under its SHA-256 (``objects/ab/abcdef…``), and every
request that produced or confirmed it is a row in a manifest (URL, time, status,
response headers minus secrets). So a published row's ``source_sha256`` leads back to
the exact bytes it was read from, and re-fetching the same bytes costs a manifest row.

The archive lives in the private state folder (owner-only): raw data still holds
personal data that the privacy stage removes before anything is published.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .state import private_dir

MANIFEST = "manifest.db"
SECRET_HEADER = re.compile(r"auth|cookie|token|secret|key|session|signature|credential", re.I)


@dataclass
class Stored:
    """A payload in the archive."""

    sha256: str
    path: Path
    size: int
    new: bool  # False when the same bytes were already archived


def public_headers(headers: Any) -> dict[str, str]:
    """Response headers worth keeping as evidence, without anything that may be a secret."""
    return {
        str(k).lower(): str(v)
        for k, v in dict(headers or {}).items()
        if not SECRET_HEADER.search(k)
    }


def utc_now() -> str:
    """Now, ISO 8601 in UTC with seconds."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Archive:
    """Raw payloads by SHA-256 plus a manifest of where and when each was fetched."""

    def __init__(self, root: Path):
        self.root = private_dir(root)
        self.objects = private_dir(root / "objects")
        self.tmp = private_dir(root / "tmp")
        self._lock = threading.Lock()
        self._db = sqlite3.connect(root / MANIFEST, check_same_thread=False, timeout=30)
        os.chmod(root / MANIFEST, 0o600)
        self._db.executescript(
            """
            create table if not exists fetches (
                id integer primary key,
                sha256 text,
                url text not null,
                fetched_at text not null,
                status integer,
                bytes integer,
                headers text,
                dataset text,
                source text
            );
            create index if not exists fetches_by_url on fetches(url, id);
            create index if not exists fetches_by_sha on fetches(sha256);
            create table if not exists annotations (
                sha256 text not null,
                source text not null,
                meta text not null,
                noted_at text not null,
                primary key (sha256, source)
            );
            """
        )

    @classmethod
    def in_state(cls, state: Path) -> Archive:
        """The archive of a private state folder."""
        return cls(state / "archive")

    def close(self) -> None:
        """Close the manifest."""
        self._db.close()

    # --- payloads ------------------------------------------------------------------

    def path(self, sha256: str) -> Path:
        """Where the payload with this hash is (or would be) stored."""
        return self.objects / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        """Whether the payload is stored."""
        return bool(sha256) and self.path(sha256).exists()

    def temporary(self) -> Path:
        """A fresh temporary file name inside the archive (same file system: atomic moves)."""
        return self.tmp / f"{os.getpid()}-{uuid.uuid4().hex}"

    def add(self, tmp: Path, sha256: str) -> Stored:
        """Move a downloaded file into place, or drop it when the same bytes are stored."""
        target = self.path(sha256)
        size = tmp.stat().st_size
        if target.exists():
            tmp.unlink(missing_ok=True)
            return Stored(sha256, target, size, False)
        private_dir(target.parent)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
        return Stored(sha256, target, size, True)

    def add_file(self, source: Path, sha256: str | None = None) -> Stored:
        """Copy a local file in (a copy, so later edits of the original change nothing)."""
        if sha256 and self.has(sha256):
            return Stored(sha256, self.path(sha256), self.path(sha256).stat().st_size, False)
        tmp = self.temporary()
        digest = hashlib.sha256()
        with open(source, "rb") as src, open(tmp, "wb") as dst:
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                dst.write(chunk)
        return self.add(tmp, digest.hexdigest())

    def add_bytes(self, data: bytes) -> Stored:
        """Store bytes held in memory."""
        tmp = self.temporary()
        tmp.write_bytes(data)
        return self.add(tmp, hashlib.sha256(data).hexdigest())

    # --- manifest ------------------------------------------------------------------

    def record(
        self,
        url: str,
        *,
        sha256: str | None,
        status: int,
        size: int | None = None,
        headers: Any = None,
        dataset: str | None = None,
        source: str | None = None,
    ) -> None:
        """Note one fetch in the manifest. ``url`` must already be free of secrets."""
        with self._lock:
            self._db.execute(
                "insert into fetches (sha256, url, fetched_at, status, bytes, headers, dataset, source)"
                " values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    sha256, url, utc_now(), status, size,
                    json.dumps(public_headers(headers), sort_keys=True), dataset, source,
                ],
            )  # fmt: skip
            self._db.commit()

    def last_ok(self, url: str) -> dict[str, Any] | None:
        """The latest successful fetch of ``url`` whose payload is still stored."""
        with self._lock:
            rows = self._db.execute(
                "select sha256, fetched_at, status, headers from fetches"
                " where url = ? and status in (200, 304) and sha256 is not null"
                " order by id desc limit 5",
                [url],
            ).fetchall()
        for sha, fetched_at, status, headers in rows:
            if self.has(sha):
                return {
                    "sha256": sha,
                    "fetched_at": fetched_at,
                    "status": status,
                    "headers": json.loads(headers or "{}"),
                }
        return None

    def annotate(self, sha256: str, source: str, meta: dict[str, Any]) -> None:
        """Keep what a catalog said about a payload (organisation, licence, last change).

        The latest word per source wins: a catalog may change its licence while the
        bytes stay the same, and provenance must show the licence as it is now.
        """
        with self._lock:
            self._db.execute(
                "insert or replace into annotations (sha256, source, meta, noted_at)"
                " values (?, ?, ?, ?)",
                [sha256, source, json.dumps(meta, sort_keys=True), utc_now()],
            )
            self._db.commit()

    def annotation(self, sha256: str) -> dict[str, Any]:
        """The latest catalog metadata kept for a payload (``{}`` when none)."""
        with self._lock:
            row = self._db.execute(
                "select meta from annotations where sha256 = ? order by noted_at desc limit 1",
                [sha256],
            ).fetchone()
        return json.loads(row[0]) if row else {}

    def trace(self, sha256: str) -> list[dict[str, Any]]:
        """Every fetch that produced or confirmed this payload, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "select url, fetched_at, status, bytes, headers, dataset, source from fetches"
                " where sha256 = ? order by id",
                [sha256],
            ).fetchall()
        keys = ("url", "fetched_at", "status", "bytes", "headers", "dataset", "source")
        found = [dict(zip(keys, row, strict=True)) for row in rows]
        for entry in found:
            entry["headers"] = json.loads(entry["headers"] or "{}")
        return found

    def fetches(self) -> Iterator[dict[str, Any]]:
        """The whole manifest, oldest first (for audits)."""
        with self._lock:
            rows = self._db.execute(
                "select sha256, url, fetched_at, status, bytes, dataset, source from fetches order by id"
            ).fetchall()
        keys = ("sha256", "url", "fetched_at", "status", "bytes", "dataset", "source")
        for row in rows:
            yield dict(zip(keys, row, strict=True))
