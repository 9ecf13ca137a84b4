"""Dataset descriptors and the licence registry.

Everything about a published dataset lives in ``metadata/<dataset>/``; this package
loads and validates those folders. Other packages depend on it and nothing else of ours.
"""

from .descriptor import (
    METADATA_PATH_ENV,
    UPDATE_PERIOD_DAYS,
    Descriptor,
    DescriptorError,
    list_datasets,
    load_descriptor,
    load_yaml,
    localized,
    metadata_root,
    own_datasets,
    search_path,
)
from .licences import Licence, get_licence, licence_for, registry

__all__ = [
    "METADATA_PATH_ENV",
    "UPDATE_PERIOD_DAYS",
    "Descriptor",
    "DescriptorError",
    "Licence",
    "get_licence",
    "licence_for",
    "list_datasets",
    "load_descriptor",
    "load_yaml",
    "localized",
    "metadata_root",
    "own_datasets",
    "search_path",
    "registry",
]
