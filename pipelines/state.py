"""Private state kept outside the published folder: staging databases and secrets.

Staging holds personal data before redaction, so it never lives where Datasette or a
CKAN upload could reach it: by default ``~/.local/state/terbuka/<site>-<hash>/``, or
``$TERBUKA_STATE_DIR``, created owner-only (0700).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import time
from pathlib import Path

STATE_ENV = "TERBUKA_STATE_DIR"
HASH_KEY_ENV = "TERBUKA_HASH_KEY"


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with owner-only permissions."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def state_dir(out_dir: Path) -> Path:
    """The private state folder that belongs to a published folder."""
    configured = os.environ.get(STATE_ENV)
    if configured:
        return private_dir(Path(configured))
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    resolved = out_dir.resolve()
    slug = f"{resolved.name or 'site'}-{hashlib.sha256(str(resolved).encode()).hexdigest()[:10]}"
    return private_dir(base / "terbuka" / slug)


def hash_key(state: Path) -> tuple[bytes, str]:
    """The key for keyed-hash pseudonyms and where it came from.

    ``TERBUKA_HASH_KEY`` wins; otherwise a random key is created once in the state
    folder (mode 0600), so pseudonyms stay stable across runs without a secret being
    written into the published folder.
    """
    configured = os.environ.get(HASH_KEY_ENV)
    if configured:
        return configured.encode("utf-8"), "environment"
    path = state / "hash.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        return path.read_text().strip().encode(), "created"
    return path.read_text().strip().encode(), "state"


def claim_staging(state: Path, name: str) -> tuple[Path, int]:
    """A staging database path for a run, and an open descriptor that marks it as alive.

    The descriptor holds ``fcntl.flock`` on ``<name>.owner`` for as long as the run lives;
    the kernel drops it when the process dies however it dies, which is how
    :func:`sweep_staging` tells a dead run's staging from a live one.
    """
    folder = private_dir(state / "staging")
    owner = folder / f"{name}.owner"
    fd = os.open(owner, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(fd, f"{os.getpid()}\n".encode())
    return folder / f"{name}.db", fd


def release_staging(path: Path, fd: int) -> None:
    """Delete a run's staging database (and SQLite's side files), then its owner mark."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.with_suffix(".owner").unlink(missing_ok=True)
    os.close(fd)


def sweep_staging(state: Path) -> list[str]:
    """Delete the staging databases of dead runs; returns the names removed.

    Staging holds personal data before redaction: whatever killed a run, its staging
    does not outlive the next run. A database whose owner mark is missing or unlocked
    belongs to no living run.
    """
    folder = state / "staging"
    swept: list[str] = []
    if not folder.is_dir():
        return swept
    for path in sorted(folder.iterdir()):
        if path.suffix != ".db" and not path.name.endswith((".db-journal", ".db-wal", ".db-shm")):
            continue
        database = folder / (path.name.split(".db", 1)[0] + ".db")
        owner = database.with_suffix(".owner")
        if owner.exists():
            fd = os.open(owner, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a living run holds it
            finally:
                os.close(fd)
        path.unlink(missing_ok=True)
        swept.append(f"staging/{path.name}")
    for owner in folder.glob("*.owner"):
        # an owner mark without its database: a run died before creating it (or is
        # just starting: young marks are left alone)
        if not owner.with_suffix(".db").exists() and time.time() - owner.stat().st_mtime > 60:
            fd = os.open(owner, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                owner.unlink(missing_ok=True)
            except BlockingIOError:
                pass
            finally:
                os.close(fd)
    return swept
