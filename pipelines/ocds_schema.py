"""Validate releases against the OCDS release schema, fetched once and cached.

No PyPI package ships the schema, so its location is configurable (the descriptor's
``ocds.schema`` or ``TERBUKA_OCDS_SCHEMA``: a path or URL) and a fetched copy is cached
under ``~/.cache/terbuka``. Schema errors are reported, never fatal; when no schema can
be had, validation is skipped and the run says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.request
from functools import cache
from pathlib import Path
from typing import Any

from .errors import InputError
from .ocds_validate import MAX_ERRORS, CompiledReleaseValidator
from .readers.limits import load_json, read_whole

__all__ = ["MAX_ERRORS", "ReleaseValidator", "load_schema", "validator_for"]

SCHEMA_ENV = "TERBUKA_OCDS_SCHEMA"


def cache_dir() -> Path:
    """Where fetched schemas are kept (``$XDG_CACHE_HOME/terbuka/ocds``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "terbuka" / "ocds"


def schema_location(configured: str | None) -> str | None:
    """The environment variable wins over the descriptor."""
    return os.environ.get(SCHEMA_ENV) or configured


def load_schema(location: str | None) -> tuple[dict | None, str]:
    """The release schema and where it came from, or ``(None, reason)``.

    The schema's own ``id`` is removed: it is a URL, and reference resolvers (jsonref
    in ocdsmerge, jsonschema-rs) would otherwise fetch ``#/definitions`` from the web.
    """
    schema, origin = _load_schema(location)
    if schema is not None:
        schema = {k: v for k, v in schema.items() if k not in ("id", "$id")}
    return schema, origin


@cache
def _load_schema(location: str | None) -> tuple[dict | None, str]:
    if not location:
        return None, "no OCDS schema location configured"
    if not location.startswith(("http://", "https://")):
        path = Path(location)
        if path.is_dir():
            path = path / "release-schema.json"
        try:
            return json.loads(path.read_text("utf-8")), str(path)
        except (OSError, ValueError) as error:
            return None, f"cannot read OCDS schema {path}: {error}"
    cached = cache_dir() / (hashlib.sha256(location.encode()).hexdigest()[:16] + ".json")
    if cached.exists():
        try:
            return json.loads(cached.read_text("utf-8")), f"{location} (cached)"
        except ValueError:
            cached.unlink(missing_ok=True)
    try:
        request = urllib.request.Request(location, headers={"User-Agent": "terbuka"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = read_whole(response, location)  # bounded, as every reader
        schema = load_json(body, location)
    except (OSError, ValueError, InputError) as error:
        return None, f"cannot fetch OCDS schema {location}: {error}"
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    tmp.write_bytes(body)
    tmp.replace(cached)
    return schema, location


class ReleaseValidator(CompiledReleaseValidator):
    """The release validator (``ocds_validate``): compiled, with ``jsonschema``'s messages."""


@cache
def validator_for(location: str | None) -> tuple[ReleaseValidator | None, str]:
    """One validator per process and schema location (compiling takes a moment)."""
    schema, origin = load_schema(location)
    if schema is None:
        return None, origin
    return ReleaseValidator(schema), origin


EXTENSIONS_DIR = Path(__file__).parent / "ocds_extensions"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch: how OCDS extensions patch the release schema."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def extended_location(location: str | None, extensions: tuple[str, ...]) -> str | None:
    """A cached copy of the release schema with vendored extensions merged in.

    Returns the path of the merged schema (keyed by the base schema and the extensions,
    so ``validator_for`` and the merger cache it like any other location), or the base
    location unchanged when it cannot be read (validation is then skipped and noted).
    """
    if not extensions:
        return location
    schema, _ = load_schema(location)
    if schema is None:
        return location
    patches = [
        json.loads((EXTENSIONS_DIR / name / "release-schema.json").read_text("utf-8"))
        for name in extensions
    ]
    for patch in patches:
        schema = merge_patch(schema, patch)
    body = json.dumps(schema, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(body.encode()).hexdigest()[:16]
    path = cache_dir() / f"extended-{digest}.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(body, encoding="utf-8")
        tmp.replace(path)
    return str(path)
