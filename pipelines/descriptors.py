"""Descriptors as the pipelines see them: validated with every registered unit's options.

``metadata`` knows only the bundled descriptor schema (it imports nothing of ours); the
options that plugin domains and sources declare for themselves are merged in here, so a
plugin's keys get the same one-line errors as the built-in ones.
"""

from __future__ import annotations

from pathlib import Path

from terbuka.metadata import Descriptor, load_descriptor

from . import plugins


def load(name_or_path: str | Path) -> Descriptor:
    """Load and validate a descriptor, the options of registered units included."""
    return load_descriptor(name_or_path, plugins.descriptor_options())
