"""Why the privacy stage refuses to go on: it fails closed, so nothing is published."""

from __future__ import annotations


class PrivacyError(RuntimeError):
    """Detection or anonymisation failed: nothing may be published."""


class RegexTimeout(PrivacyError):
    """A recognizer's regular expression timed out: its text was not fully searched."""
