"""Dataset descriptors and the licence registry.

Everything about a published dataset lives in ``metadata/<dataset>/``; this package
loads and validates those folders. Other packages depend on it and nothing else of ours.
"""

from .descriptor import (
    Descriptor,
    DescriptorError,
    list_datasets,
    load_descriptor,
    load_yaml,
    localized,
    metadata_root,
)
from .licences import Licence, get_licence, registry

__all__ = [
    "Descriptor",
    "DescriptorError",
    "Licence",
    "get_licence",
    "list_datasets",
    "load_descriptor",
    "load_yaml",
    "localized",
    "metadata_root",
    "registry",
]
