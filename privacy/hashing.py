"""Keyed pseudonyms: one function, shared by the ``hash`` operator and the identifier check."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any


def hash_value(value: Any, key: bytes) -> str:
    """A keyed pseudonym: the same value and key give the same 16 hex digits.

    HMAC-SHA256 rather than a salted hash: without the key (a secret kept out of the
    publication) nobody can test guessed NIKs against the pseudonyms.
    """
    return hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()[:16]
