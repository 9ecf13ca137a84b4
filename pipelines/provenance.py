"""Who published the data, under which licence: the descriptor's word or the sources' own.

A steward's descriptor names its publisher and licence, and those are shown. The bundled
descriptors are examples (``example: true``) with no publisher: a run with one shows
the publisher and licence the *sources* name — an OCDS package's ``publisher`` and
``license``, a CKAN dataset's organisation and licence — or says plainly that the publisher is not set, never a made-up one. Where
the sources name a different publisher or licence than a steward's descriptor, both are
kept for the quality flag ``source-metadata`` to name.

The result goes into the descriptor the run publishes with (``descriptor.data``
``publisher``, ``descriptor.licence``), so the site, the Data Package, DCAT and CKAN
all show the same thing, and into the run record's ``provenance``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from terbuka.metadata import Descriptor, get_licence, licence_for

PACKAGE_MAX_BYTES = 16 * 1024 * 1024  # a descriptor, not data: larger ones are not read here
NOT_SET = {
    "id": "penerbit belum ditetapkan — buat deskriptor Anda sendiri dengan `terbuka init`",
    "en": "publisher not set — create your own descriptor with `terbuka init`",
}


def package_publisher(package: dict[str, Any]) -> dict[str, Any]:
    """An OCDS package's publisher as ``{"publisher": {"name", "url"}}`` (``{}`` if none).

    Only the name and address are kept: a package's publisher may carry a contact
    e-mail, which is not the run record's to repeat.
    """
    publisher = package.get("publisher")
    if not isinstance(publisher, dict) or not str(publisher.get("name") or "").strip():
        return {}
    found = {"name": str(publisher["name"]).strip()}
    uri = publisher.get("uri") or publisher.get("url")
    if isinstance(uri, str) and re.match(r"^https?://", uri):
        found["url"] = uri
    return {"publisher": found}


def source_metadata(inputs: list[Any]) -> dict[str, Any]:
    """The publishers and licences the inputs name, most frequent first.

    Reads what readers kept in ``Input.extra`` (``package``: an OCDS package's
    ``publisher``/``license``) and a (Fiscal) Data Package input's own descriptor.
    ``catalog`` (same shape) is a CKAN source's organisation and licence, which the
    ``ckan`` source passes on (``sources/ckan_metadata.py``) with the package's
    ``metadata_modified``: the latest of those is ``modified``.
    """
    publishers: Counter[str] = Counter()
    urls: dict[str, str] = {}
    licences: Counter[str] = Counter()
    modified: list[str] = []
    for source in inputs:
        extra = getattr(source, "extra", None) or {}
        found = [extra.get("package"), extra.get("catalog"), data_package_metadata(source)]
        for meta in found:
            if not isinstance(meta, dict):
                continue
            publisher = meta.get("publisher") or {}
            if publisher.get("name"):
                publishers[publisher["name"]] += 1
                if publisher.get("url"):
                    urls.setdefault(publisher["name"], publisher["url"])
            if isinstance(meta.get("license"), str) and meta["license"].strip():
                licences[meta["license"].strip()] += 1
            if isinstance(meta.get("modified"), str) and meta["modified"]:
                modified.append(meta["modified"])
    return {
        "publishers": [
            {"name": name, **({"url": urls[name]} if name in urls else {})}
            for name, _ in publishers.most_common()
        ],
        "licences": [text for text, _ in licences.most_common()],
        **({"modified": max(modified)} if modified else {}),
    }


def data_package_metadata(source: Any) -> dict[str, Any] | None:
    """A Frictionless (Fiscal) Data Package input's publisher and licence, the same shape.

    The publisher is the contributor whose ``role`` is ``publisher`` (Data Package v1) or
    a ``publisher`` object; the licence is the first of ``licenses`` (its SPDX ``name`` or
    its ``path``). ``None`` when the input is not a ``datapackage.json``.
    """
    path = getattr(source, "path", None)
    if path is None or Path(path).name != "datapackage.json" or not Path(path).is_file():
        return None
    try:
        if Path(path).stat().st_size > PACKAGE_MAX_BYTES:
            return None
        package = json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None  # the reader reports an unreadable package; provenance stays silent
    if not isinstance(package, dict):
        return None
    meta: dict[str, Any] = {}
    candidates = [c for c in package.get("contributors") or [] if isinstance(c, dict)]
    publisher = next((c for c in candidates if c.get("role") == "publisher"), None)
    if publisher is None and isinstance(package.get("publisher"), dict):
        publisher = package["publisher"]
    if publisher and str(publisher.get("title") or publisher.get("name") or "").strip():
        name = str(publisher.get("title") or publisher.get("name")).strip()
        url = publisher.get("path") or publisher.get("url") or publisher.get("uri")
        meta["publisher"] = {"name": name, **({"url": url} if _is_url(url) else {})}
    licence = next((x for x in package.get("licenses") or [] if isinstance(x, dict)), None)
    if licence and (licence.get("name") or licence.get("path")):
        meta["license"] = str(licence.get("name") or licence.get("path"))
    return meta


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and bool(re.match(r"^https?://", value))


def resolve(
    descriptor: Descriptor, inputs: list[Any], given: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The publisher and licence a run publishes with, where each came from, and conflicts.

    ``given`` is a publisher handed to the run by its caller for its own inputs (the
    demo's fictional city); it counts for example descriptors only.
    """
    found = source_metadata(inputs)
    declared = descriptor.get("publisher") or {}
    result: dict[str, Any] = {
        "example": descriptor.example,
        "source": found,
        "conflicts": [],
        "licence": descriptor.licence.spdx,
        "licence_from": "example descriptor" if descriptor.example else "descriptor",
    }
    if not descriptor.example:
        result.update(publisher=declared, publisher_from="descriptor")
        _conflicts(result, declared, descriptor.licence.spdx, found)
        return result
    if given:
        result.update(publisher=dict(given), publisher_from="demo")
    elif found["publishers"]:
        names = [p["name"] for p in found["publishers"]]
        publisher = dict(found["publishers"][0])
        if len(names) > 1:
            publisher = {"name": "; ".join(names)}
        result.update(publisher=publisher, publisher_from="source")
    else:
        result.update(publisher={}, publisher_from="unset", note=dict(NOT_SET))
    for text in found["licences"][:1]:
        licence = licence_for(text)
        if licence is not None:
            result.update(licence=licence.spdx, licence_from="source")
        else:
            result["licence_unknown"] = text
    return result


def _conflicts(
    result: dict[str, Any], declared: dict[str, Any], spdx: str, found: dict[str, Any]
) -> None:
    names = [p["name"] for p in found["publishers"]]
    mine = str(declared.get("name") or "")
    if names and "{" not in mine and all(_same(mine, name) is False for name in names):
        result["conflicts"].append(
            f"the descriptor names the publisher {mine!r}, the sources {', '.join(map(repr, names))}"
        )
    for text in found["licences"]:
        licence = licence_for(text)
        if licence is None or licence.spdx != spdx:
            result["conflicts"].append(
                f"the descriptor's licence is {spdx}, the sources state {text}"
                + (f" ({licence.spdx})" if licence else "")
            )


def _same(a: str, b: str) -> bool:
    def key(text: str) -> str:
        return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()

    return key(a) == key(b) or key(a) in key(b) or key(b) in key(a)


def apply(descriptor: Descriptor, inputs: list[Any], record: dict[str, Any]) -> dict[str, Any]:
    """Publish with the resolved publisher and licence; say so in the run record."""
    result = resolve(descriptor, inputs, descriptor.provenance.get("given"))
    data = dict(descriptor.data)
    if result["publisher"]:
        data["publisher"] = result["publisher"]
    else:
        data.pop("publisher", None)
    descriptor.data = data
    descriptor.licence = get_licence(result["licence"])
    descriptor.provenance.update(result)
    record["provenance"] = {k: v for k, v in result.items() if k != "source"}
    return result


def summary_line(provenance: dict[str, Any]) -> str | None:
    """One line for the run summary when the publisher is not the steward's own."""
    where = provenance.get("publisher_from")
    if where == "unset":
        return f"publisher: {NOT_SET['en']}"
    if where == "source":
        name = (provenance.get("publisher") or {}).get("name")
        return (
            f"publisher: {name} (from the sources' metadata; the descriptor is an example — "
            "create your own with `terbuka init`)"
        )
    return None
