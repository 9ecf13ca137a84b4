"""``example-manifest``: a publisher that writes what was published to a JSON file.

A publisher is where a finished publication goes besides Datasette; terbuka's own is
CKAN. This one only lists a published dataset's tables and files, which is enough to
show the contract: an ``id``, a ``title`` and ``publish(published)``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class ManifestPublisher:
    """Writes ``<dataset>.manifest.json`` into ``target`` for each published dataset."""

    id = "example-manifest"
    title = "A JSON manifest of the publication (example plugin)"

    def __init__(self, target: Path):
        self.target = str(target)  # where it publishes, as the run history shows it

    def publish(self, published: Any) -> dict[str, Any]:
        """Write the manifest of one ``terbuka.catalogs.published.Published`` dataset."""
        tables = sorted(t["name"] for t in published.tables)
        manifest = {
            "dataset": published.name,
            "run_id": published.run.get("run_id"),
            "tables": tables,
        }
        path = Path(self.target) / f"{published.name}.manifest.json"
        path.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        return {
            "dataset": published.name,
            "status": "published",
            "url": path.as_uri(),
            "resources": len(tables),
            "writes": 1,
        }
