"""What a CKAN dataset says about itself: its organisation, licence and last change.

A CKAN package names the organisation that publishes it and the licence it is under
(CKAN's own ``license_id``, e.g. ``cc-by``, plus ``license_url`` for licences CKAN
knows). Provenance (``pipelines/provenance.py``) reads the same shape as an OCDS
package's: ``{"publisher": {"name", "url"}, "license": SPDX-or-as-given, "modified"}``,
so an example descriptor publishes under the catalog's publisher and licence, and a
steward's descriptor that says otherwise gets the ``source-metadata`` quality warning.

Only public catalog facts are kept: the organisation's title and page, never a
maintainer's name or e-mail (``maintainer_email`` is personal data).
"""

from __future__ import annotations

from typing import Any

from terbuka.metadata import licence_for, registry


def spdx_for_ckan(license_id: str | None, license_url: str | None = None) -> str | None:
    """The SPDX id of a CKAN licence: by its URL first, else by CKAN's licence id.

    CKAN's ids are coarser than SPDX (``cc-by`` is every CC BY version), so the URL,
    when CKAN gives one, decides; without it the first registry entry with that CKAN
    id (the newest version) is taken. ``None`` when neither is known.
    """
    for text in (license_url, license_id):
        found = licence_for(text or "")
        if found is not None:
            return found.spdx
    wanted = (license_id or "").strip().lower()
    for licence in registry().values():
        if wanted and licence.ckan.lower() == wanted:
            return licence.spdx
    return None


def catalog_metadata(package: dict[str, Any], base: str) -> dict[str, Any]:
    """A ``package_show`` result as provenance's ``catalog`` entry (``{}`` keys left out).

    ``license`` is the SPDX id when known, else CKAN's licence id (or title) as given,
    so an unknown licence is still named in the conflict warning.
    """
    meta: dict[str, Any] = {"catalog": base, "dataset": str(package.get("name") or "")}
    organization = package.get("organization")
    if isinstance(organization, dict):
        name = str(organization.get("title") or organization.get("name") or "").strip()
        if name:
            publisher = {"name": name}
            if organization.get("name"):
                publisher["url"] = f"{base}/organization/{organization['name']}"
            meta["publisher"] = publisher
    license_id = package.get("license_id")
    spdx = spdx_for_ckan(license_id, package.get("license_url"))
    given = spdx or str(license_id or package.get("license_title") or "").strip()
    if given and given.lower() != "notspecified":
        meta["license"] = given
    if package.get("metadata_modified"):
        meta["modified"] = str(package["metadata_modified"])
    return meta
