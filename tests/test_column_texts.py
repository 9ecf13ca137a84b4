"""Every published column of every bundled descriptor is described in Bahasa Indonesia.

The Table Schemas' descriptions are English; ``tables.<t>.columns`` in ``dataset.yml``
gives the Indonesian the site shows by default (a plain string is Indonesian; a mapping
gives ``id`` and may override ``en``). A column added to a schema without its Indonesian
description fails here, naming the descriptor, table and column.
"""

from __future__ import annotations

import pytest

from terbuka.metadata import list_datasets, load_descriptor


def indonesian(text) -> str:
    if isinstance(text, dict):
        return str(text.get("id") or "").strip()
    return str(text or "").strip()


@pytest.mark.parametrize("dataset", list_datasets())
def test_every_published_column_has_an_indonesian_description(dataset):
    descriptor = load_descriptor(dataset)  # loading checks the names against the schemas
    assert descriptor.schemas, f"{dataset}: no tables"
    missing = [
        f"{dataset}: tables.{table}.columns.{field['name']}"
        for table, schema in descriptor.schemas.items()
        for field in schema["fields"]
        if not indonesian(
            ((descriptor.tables.get(table) or {}).get("columns") or {}).get(field["name"])
        )
    ]
    assert not missing, "no Indonesian description for " + ", ".join(missing[:10])


def test_the_inaproc_descriptor_is_covered():
    assert "inaproc" in list_datasets()
