"""Extension points of terbuka, as pluggy hooks.

Like Datasette, terbuka's own readers, pipelines and publishers are registered through
these same hooks (see ``default_plugins``), so a third-party package extends terbuka
exactly as the built-ins do: install it with an entry point in the ``terbuka`` group.
Every registered unit has a stable ``id`` and satisfies its protocol in ``contracts``.
Each hook is documented in ``docs/plugins.md`` (a test fails when one is not).
"""

from __future__ import annotations

from typing import Any

from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("terbuka")
hookimpl = HookimplMarker("terbuka")


@hookspec
def register_readers() -> list[type[Any]]:
    """Return source reader classes (``contracts.Reader``: ``id``, ``sniff``, ``read``)."""
    raise NotImplementedError


@hookspec
def register_pipelines() -> list[type[Any]]:
    """Return pipeline (domain) classes (``contracts.Pipeline``) that build tables, by ``id``."""
    raise NotImplementedError


@hookspec
def register_recognizers() -> list[type[Any]]:
    """Return extra Presidio recognizer classes (``contracts.Recognizer``) for privacy."""
    raise NotImplementedError


@hookspec
def register_checks() -> list[type[Any]]:
    """Return quality check classes (``contracts.Check``, each with an ``id``)."""
    raise NotImplementedError


@hookspec
def register_red_flags() -> list[type[Any]]:
    """Return red-flag indicator classes (``contracts.RedFlagIndicator``) for procurement."""
    raise NotImplementedError


@hookspec
def register_publishers() -> list[type[Any]]:
    """Return publisher classes (``contracts.Publisher``): where a run is published."""
    raise NotImplementedError


@hookspec
def before_stage(stage: str, run: Any) -> None:
    """Called before each stage of a run, with the stage name and the run context."""


@hookspec
def after_stage(stage: str, run: Any) -> None:
    """Called when a stage of a run has ended without error (not for a stage that failed)."""


@hookspec
def register_sources() -> list[type[Any]]:
    """Return source classes (``contracts.Source``: ``id``, ``requires``, ``accepts``, ``pull``)."""
    raise NotImplementedError
