"""Extension points of terbuka, as pluggy hooks.

Like Datasette, terbuka's own readers, pipelines and publishers are registered through
these same hooks (see ``default_plugins``), so a third-party package extends terbuka
exactly as the built-ins do: install it with an entry point in the ``terbuka`` group.
Every registered unit has a stable ``id``.
"""

from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("terbuka")
hookimpl = HookimplMarker("terbuka")


@hookspec
def register_readers():
    """Return source reader classes (each with ``id``, ``sniff`` and ``read``)."""


@hookspec
def register_pipelines():
    """Return pipeline (domain) classes that turn sources into tables, by ``id``."""


@hookspec
def register_recognizers():
    """Return extra Presidio recognizer classes for the privacy stage."""


@hookspec
def register_checks():
    """Return quality check classes (each with an ``id``) for the quality stage."""


@hookspec
def register_red_flags():
    """Return red-flag indicator classes (each with an ``id``) for procurement data."""


@hookspec
def register_publishers():
    """Return publisher classes (each with an ``id``): where a finished run is published."""


@hookspec
def before_stage(stage, run):
    """Called before each stage of a run, with the stage name and the run context."""


@hookspec
def register_sources():
    """Return source classes (each with ``id``, ``requires``, ``accepts`` and ``pull``)."""
