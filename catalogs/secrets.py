"""One scrubbing function for every text that leaves the process.

A catalog or a proxy in front of it may echo the request headers back in an error body,
and that body ends up in an error line. Rather than trust every caller to strip the
token, the places where text leaves the process — stderr, ``--json``, run records,
``DIR/.catalogs/*.json`` — pass it through :func:`scrub`, which replaces every secret
this process knows: ``$CKAN_API_TOKEN``, ``$TERBUKA_WEBHOOK_SECRET`` and any token a
source read from the environment (:func:`remember`). It lives here, not in ``pipelines``, because catalogs and pipelines
both use it and catalogs must not import the pipeline.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote, quote_plus

SCRUBBED = "***"
# Environment variables that hold secrets whatever reads them (sources' ``token_env`` are
# remembered when read).
TOKEN_VARIABLES = ("CKAN_API_TOKEN", "TERBUKA_WEBHOOK_SECRET")
_known: set[str] = set()


def remember(secret: str | None) -> None:
    """Make ``secret`` one that :func:`scrub` removes (a token read from the environment)."""
    if secret and len(secret) >= 4:  # a one-letter "secret" would blank every message
        _known.add(secret)


def secrets() -> set[str]:
    """Every secret known now, with the forms it takes in URLs and headers."""
    found = set(_known)
    found.update(v for v in (os.environ.get(n) for n in TOKEN_VARIABLES) if v and len(v) >= 4)
    forms = set()
    for secret in found:
        forms.update({secret, quote(secret, safe=""), quote_plus(secret), repr(secret)[1:-1]})
    return forms


def scrub(text: str) -> str:
    """``text`` with every known secret replaced by ``***``."""
    for secret in sorted(secrets(), key=len, reverse=True):  # a longer form first, whole
        if secret in text:
            text = text.replace(secret, SCRUBBED)
    return text


def scrub_data(data: Any) -> Any:
    """:func:`scrub` applied to every string in a JSON-like structure (keys included)."""
    if isinstance(data, str):
        return scrub(data)
    if isinstance(data, dict):
        return {scrub_data(k): scrub_data(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [scrub_data(v) for v in data]
    return data


def write_private_json(path: Any, data: Any) -> None:
    """Write JSON atomically, owner-only (0600), with secrets scrubbed.

    Catalog state says which catalog holds what and why an attempt failed: nothing for
    other local users to read, and never a token.
    """
    import json
    from pathlib import Path

    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(scrub_data(data), indent=2, ensure_ascii=False) + "\n")
    os.chmod(tmp, 0o600)  # an existing tmp file keeps its mode through O_TRUNC
    os.replace(tmp, path)
