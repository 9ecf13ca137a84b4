"""An OCDS record package of the published compiled releases.

Built from the published database only: ``compiled_releases.release`` holds each compiled
release as JSON *after* the privacy stage, and ``releases`` lists the releases merged into
it. The JSON text is copied as it is (no parse, no re-serialisation), streamed record by
record, so a million processes cost one pass over the table and flat memory. The output
is deterministic for a given publication: publishing the same run twice uploads nothing.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .published import Published
from .resources import ResourceSpec, datasette_row_url, download_url

OCDS_VERSION = "1.1"
RESOURCE_KEY = "ocds-records"
RELEASE_TAGS = {
    "planning", "planningUpdate", "tender", "tenderAmendment", "tenderUpdate",
    "tenderCancellation", "award", "awardUpdate", "awardCancellation", "contract",
    "contractUpdate", "contractAmendment", "implementation", "implementationUpdate",
    "contractTermination", "compiled",
}  # fmt: skip


def record_package_writer(published: Published, site: str) -> Callable[[Path], None]:
    """A function writing the record package of ``published`` to a path (run lazily)."""

    def write(path: Path) -> None:
        with open(path, "w", encoding="utf-8") as handle:
            for chunk in record_package_chunks(published, site):
                handle.write(chunk)

    return write


def package_uri(published: Published, site: str) -> str:
    """Where the embedded catalog serves this package (its ``uri``)."""
    spec = ResourceSpec(
        key=RESOURCE_KEY,
        name="",
        description="",
        format="JSON",
        mimetype="application/json",
        filename=filename(published),
    )
    return download_url(site, published.name, spec)


def filename(published: Published) -> str:
    """The record package's file name."""
    return f"{published.name}-ocds-records.json"


def record_package_chunks(published: Published, site: str) -> Iterator[str]:
    """The record package as text chunks (one per record)."""
    publisher: dict[str, Any] = {"name": published.publisher.get("name", "")}
    if published.publisher.get("url"):
        publisher["uri"] = published.publisher["url"]
    header = {
        "uri": package_uri(published, site),
        "version": OCDS_VERSION,
        "publishedDate": published.run.get("finished") or published.run.get("started"),
        "publisher": publisher,
        "license": published.licence.url,
    }
    head = json.dumps(header, ensure_ascii=False, indent=1)
    yield head[: head.rindex("}")].rstrip() + ',\n "records": [\n'
    connection = sqlite3.connect(
        f"file:{urllib.parse.quote(str(published.db_path))}?mode=ro", uri=True
    )
    try:
        links = _linked_releases(connection, published, site)
        pending = next(links, None)
        first = True
        rows = connection.execute(
            "select ocid, date, release from compiled_releases where release is not null "
            "order by ocid"
        )
        for ocid, date, release in rows:
            releases = []
            while pending is not None and pending[0] < ocid:
                pending = next(links, None)
            while pending is not None and pending[0] == ocid:
                releases.append(pending[1])
                pending = next(links, None)
            if not releases:
                url = datasette_row_url(site, published.name, "compiled_releases", [ocid])
                releases = [
                    {
                        "url": url + ".json",
                        "date": date or header["publishedDate"],
                        "tag": ["compiled"],
                    }
                ]
            record = (
                f'{{"ocid": {json.dumps(ocid, ensure_ascii=False)}, '
                f'"releases": {json.dumps(releases, ensure_ascii=False)}, '
                f'"compiledRelease": {release}}}'
            )
            yield ("  " if first else ",\n  ") + record
            first = False
    finally:
        connection.close()
    yield "\n ]\n}\n"


def _linked_releases(
    connection: sqlite3.Connection, published: Published, site: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(ocid, linked release) for every published release, by ocid then date."""
    tables = {row[0] for row in connection.execute("select name from sqlite_master")}
    if "releases" not in tables:
        return
    rows = connection.execute(
        "select ocid, release_id, date, tag from releases order by ocid, date, release_id"
    )
    for ocid, release_id, date, tag in rows:
        if not date:
            continue
        tags = [t for t in (tag or "").split(",") if t in RELEASE_TAGS]
        url = datasette_row_url(site, published.name, "releases", [ocid, release_id])
        linked: dict[str, Any] = {"url": url + ".json", "date": date}
        if tags:
            linked["tag"] = tags
        yield ocid, linked
