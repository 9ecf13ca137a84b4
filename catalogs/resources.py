"""What a catalog entry's resources are, and their stable ids and addresses.

Shared by the CKAN mapping, the OCDS record package and the embedded catalog, which
all name resources the same way; kept apart so none of them imports another in a cycle.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

NAMESPACE = uuid.UUID("5b1d6c0e-3f57-4a61-9a8e-7e3a1b7d2c40")  # stable ids of embedded entries


@dataclass
class ResourceSpec:
    """One resource of the entry: a file to upload/serve, or a link to the Datasette site.

    ``key`` is stable across runs (``table:tenders``, ``sqlite`` …) and stored on the CKAN
    resource as ``terbuka_key`` so an update finds the resource it replaces.
    """

    key: str
    name: str
    description: str
    format: str
    mimetype: str
    path: Path | None = None  # a published file
    url: str | None = None  # a link
    filename: str | None = None
    generate: Any = None  # callable(path) writing a derived file (the OCDS record package)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_file(self) -> bool:
        """Uploaded (CKAN) or served (embedded) rather than linked."""
        return self.url is None

    def fields(self) -> dict[str, str]:
        """The CKAN resource fields terbuka sets (the URL comes from where it is hosted)."""
        values = {
            name: getattr(self, name) for name in ("name", "description", "format", "mimetype")
        }
        values.update(terbuka_key=self.key, **self.extra)
        if self.url is not None:
            values["url"] = self.url
        return values


def datasette_row_url(site: str, database: str, table: str, keys: list[str]) -> str:
    """A Datasette row page: ``/db/table/pk1,pk2`` with Datasette's tilde encoding."""
    from datasette.utils import tilde_encode

    return f"{site}/{quote(database)}/{quote(table)}/" + ",".join(tilde_encode(k) for k in keys)


def entry_id(*parts: str) -> str:
    """A stable UUID for an embedded entry (package, resource, organisation)."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def download_url(site: str, dataset: str, spec: ResourceSpec) -> str:
    """Where the embedded catalog serves a file (CKAN's own download path)."""
    resource = entry_id(dataset, spec.key)
    filename = spec.filename or (spec.path.name if spec.path else spec.key)
    return f"{site}/dataset/{quote(dataset)}/resource/{resource}/download/{quote(filename)}"
