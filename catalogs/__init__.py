"""Catalogs: CKAN publishing with ckanapi, DCAT and schema.org descriptions of datasets.

One mapping (``mapping``) turns what a run published into a catalog entry; ``ckan``
sends it to a real CKAN, ``embedded`` answers CKAN's Action API from the published
folder itself, ``dcat`` describes it in DCAT.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .published import CatalogError, Published, load_published, snapshot, write_snapshot

__all__ = ["CatalogError", "Published", "load_published", "write_catalog_files"]


def write_catalog_files(descriptor: Any, record: dict[str, Any], folder: Path) -> None:
    """Write ``dataset.json`` and DCAT (``dcat.jsonld``, ``dcat.ttl``) into a built dataset folder.

    Called by the runner just before the swap, so they are published atomically with the
    data. DCAT IRIs use ``$TERBUKA_SITE_URL`` (default: ``terbuka serve``'s address).
    """
    from .dcat import write_dcat
    from .mapping import DEFAULT_SITE_URL, site_url

    write_snapshot(descriptor, folder)
    published = Published(
        out_dir=folder.parent,
        name=descriptor.name,
        descriptor=snapshot(descriptor),
        run=record,
        package=json.loads((folder / "datapackage.json").read_text("utf-8")),
    )
    write_dcat(published, site_url() or DEFAULT_SITE_URL)
