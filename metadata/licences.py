"""The licence registry: SPDX ids we accept, mapped to names, URLs and CKAN licence ids.

Descriptors name a licence by its SPDX id only; everything a publisher needs
(Datasette's ``license_url``, CKAN's ``license_id``, the Data Package ``licenses``
entry, DCAT's ``dct:license``) is derived from this one table so they never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Licence:
    """One licence: its SPDX id, human title, canonical URL and CKAN id."""

    spdx: str
    title: str
    url: str
    ckan: str
    open: bool

    def as_datapackage(self) -> dict[str, str]:
        """The entry for a Data Package's ``licenses`` list."""
        return {"name": self.spdx, "path": self.url, "title": self.title}


@cache
def registry() -> dict[str, Licence]:
    """Every known licence by SPDX id."""
    text = resources.files("terbuka.metadata").joinpath("licences.yml").read_text("utf-8")
    return {spdx: Licence(spdx=spdx, **entry) for spdx, entry in yaml.safe_load(text).items()}


def get_licence(spdx: str) -> Licence:
    """The licence for an SPDX id; ``KeyError`` for an id we do not know."""
    return registry()[spdx]


def licence_for(text: str) -> Licence | None:
    """The licence a source names, by SPDX id or by URL; ``None`` when it is not known.

    OCDS packages and CKAN sources name licences by URL, written many ways
    (``http://opendatacommons.org/licenses/pddl/1.0/``, ``…/by/4.0``): the scheme,
    ``www.``, a trailing slash and ``1.0``/``1-0`` do not tell licences apart.
    """
    text = (text or "").strip()
    if text in registry():
        return registry()[text]
    key = _url_key(text)
    for licence in registry().values():
        if key and _url_key(licence.url) == key:
            return licence
    return None


def _url_key(url: str) -> str:
    url = re.sub(r"^https?://(www\.)?", "", url.strip().lower()).rstrip("/")
    url = re.sub(r"/legalcode(\.[a-z]+)?$", "", url)
    return re.sub(r"(\d)[.-](\d)", r"\1.\2", url)
