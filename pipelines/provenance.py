"""Who published the data, under which licence: the descriptor's word or the sources' own.

A steward's descriptor names its publisher and licence, and those are shown. The bundled
descriptors are examples (``example: true``) with no publisher: a run with one shows
the publisher and licence the *sources* name — an OCDS package's ``publisher`` and
``license`` — or says plainly that the publisher is not set, never a made-up one. Where
the sources name a different publisher or licence than a steward's descriptor, both are
kept for the quality flag ``source-metadata`` to name.

The result goes into the descriptor the run publishes with (``descriptor.data``
``publisher``, ``descriptor.licence``), so the site, the Data Package, DCAT and CKAN
all show the same thing, and into the run record's ``provenance``.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from terbuka.metadata import Descriptor, get_licence, licence_for

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

    Reads what readers kept in ``Input.extra``: ``package``, an OCDS package's
    ``publisher``/``license``. ``catalog`` (same shape) is where a CKAN source's
    organisation and licence belong; the ``ckan`` source does not pass them on yet.
    """
    publishers: Counter[str] = Counter()
    urls: dict[str, str] = {}
    licences: Counter[str] = Counter()
    for source in inputs:
        for key in ("package", "catalog"):
            meta = (getattr(source, "extra", None) or {}).get(key)
            if not isinstance(meta, dict):
                continue
            publisher = meta.get("publisher") or {}
            if publisher.get("name"):
                publishers[publisher["name"]] += 1
                if publisher.get("url"):
                    urls.setdefault(publisher["name"], publisher["url"])
            if isinstance(meta.get("license"), str) and meta["license"].strip():
                licences[meta["license"].strip()] += 1
    return {
        "publishers": [
            {"name": name, **({"url": urls[name]} if name in urls else {})}
            for name, _ in publishers.most_common()
        ],
        "licences": [text for text, _ in licences.most_common()],
    }


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
