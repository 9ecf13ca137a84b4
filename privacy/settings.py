"""The Presidio configuration shipped in ``privacy/presidio.yml`` (entities, model, limits)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


def config() -> dict[str, Any]:
    """``privacy/presidio.yml`` as a mapping."""
    text = resources.files("terbuka.privacy").joinpath("presidio.yml").read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded
