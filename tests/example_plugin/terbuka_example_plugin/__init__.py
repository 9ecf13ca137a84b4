"""An example terbuka plugin implementing every hook, loaded through its entry point.

Units are imported inside the hooks, as ``terbuka.pipelines.default_plugins`` does, so
loading the plugin costs nothing until terbuka asks for a kind of unit.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from terbuka.pipelines.hookspecs import hookimpl

DESCRIPTOR = Path(__file__).parent / "descriptor"
STAGES_VARIABLE = "TERBUKA_EXAMPLE_STAGES"


@hookimpl
def register_readers() -> list[type[Any]]:
    """Pipe-separated values."""
    from .reader import PsvReader

    return [PsvReader]


@hookimpl
def register_pipelines() -> list[type[Any]]:
    """The grants domain."""
    from .domain import GrantsPipeline

    return [GrantsPipeline]


@hookimpl
def register_sources() -> list[type[Any]]:
    """Files dropped into an inbox folder."""
    from .source import InboxSource

    return [InboxSource]


@hookimpl
def register_checks() -> list[type[Any]]:
    """A rule for expectations.yml."""
    from .check import MultipleOf

    return [MultipleOf]


@hookimpl
def register_red_flags() -> list[type[Any]]:
    """A procurement indicator."""
    from .red_flag import SlowAward

    return [SlowAward]


@hookimpl
def register_recognizers() -> list[type[Any]]:
    """Student numbers (NISN)."""
    from .recognizer import NisnRecognizer

    return [NisnRecognizer]


@hookimpl
def register_publishers() -> list[type[Any]]:
    """A manifest of the published files."""
    from .publisher import ManifestPublisher

    return [ManifestPublisher]


@hookimpl
def before_stage(stage: str, run: Any) -> None:
    """Append ``<dataset> <stage>`` to the file named by ``$TERBUKA_EXAMPLE_STAGES``."""
    path = os.environ.get(STAGES_VARIABLE)
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{run.descriptor.name} {stage}\n")


@hookimpl
def after_stage(stage: str, run: Any) -> None:
    """Append ``<dataset> <stage> ended`` to the same file, once the stage has ended."""
    path = os.environ.get(STAGES_VARIABLE)
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{run.descriptor.name} {stage} ended\n")
