"""Fetch a source given as an http(s) URL into private state, with limits.

The payload is stored once under its SHA-256 (``raw/<sha256>``), so the bytes every
published row came from can be found again.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path

from .errors import InputError
from .state import private_dir

USER_AGENT = "terbuka (+https://github.com/terbuka; open-data publishing)"
MAX_BYTES = int(os.environ.get("TERBUKA_MAX_DOWNLOAD_BYTES", 2 * 1024**3))
TIMEOUT = 60


def fetch_to_state(url: str, state: Path) -> Path:
    """Download ``url`` into ``state/raw/`` and return the stored file."""
    raw = private_dir(state / "raw")
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    )
    digest = hashlib.sha256()
    tmp = raw / f".download-{os.getpid()}"
    size = 0
    try:
        with (
            urllib.request.urlopen(request, timeout=TIMEOUT) as response,
            open(tmp, "wb") as handle,
        ):
            while chunk := response.read(1 << 20):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise InputError(url, f"larger than the {MAX_BYTES} byte limit")
                digest.update(chunk)
                handle.write(chunk)
    except urllib.error.HTTPError as error:
        tmp.unlink(missing_ok=True)
        raise InputError(url, f"HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        tmp.unlink(missing_ok=True)
        reason = getattr(error, "reason", error)
        raise InputError(url, f"cannot fetch: {reason}") from None
    except InputError:
        tmp.unlink(missing_ok=True)
        raise
    target = raw / digest.hexdigest()
    os.replace(tmp, target)
    return target
