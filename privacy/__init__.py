"""Privacy: no personal data reaches a published table.

Presidio (offline) with Indonesian recognizers finds personal data in free text; column
policies from ``privacy.yml`` drop, hash, mask or scan structured columns. Any failure
raises ``PrivacyError`` and the run publishes nothing (fail closed).
"""

from typing import Any

from .analyzer import PrivacyError, build_analyzer, build_anonymizer
from .hashing import hash_value
from .policy import ColumnPolicy, PrivacyPolicy, load_policy, mask_value
from .redactor import Redactor


def __getattr__(name: str) -> Any:
    """``TextScanner`` loads Presidio and spaCy (seconds): only when text is scanned."""
    if name == "TextScanner":
        from .scanner import TextScanner

        return TextScanner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ColumnPolicy",
    "PrivacyError",
    "PrivacyPolicy",
    "Redactor",
    "TextScanner",
    "build_analyzer",
    "build_anonymizer",
    "hash_value",
    "load_policy",
    "mask_value",
]
