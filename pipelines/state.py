"""Private state kept outside the published folder: staging databases and secrets.

Staging holds personal data before redaction, so it never lives where Datasette or a
CKAN upload could reach it: by default ``~/.local/state/terbuka/<site>-<hash>/``, or
``$TERBUKA_STATE_DIR``, created owner-only (0700).
"""

from __future__ import annotations

import hashlib
import os
import secrets
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
