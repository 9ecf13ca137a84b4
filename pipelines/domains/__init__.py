"""Per-domain transforms: procurement (OCDS), and later budget and service KPIs."""

from __future__ import annotations

import importlib
from typing import Any


def demo_from(module: str, generator: str) -> Any:
    """A domain's ``demo_sources(folder, seed)``: ``generator`` of ``pipelines/<module>.py``.

    The synthetic sources and the personal values planted in them, for ``terbuka demo``.
    The generator is imported only when a demo runs (it brings Faker), not with the domain.
    """

    def demo_sources(folder: Any, seed: int = 2024) -> tuple[list[Any], Any]:
        found = importlib.import_module(f"..{module}", __package__)
        return getattr(found, generator)(folder, seed)  # type: ignore[no-any-return]

    return staticmethod(demo_sources)
