"""Flags about what a publication says of itself: its publisher, its sources, its validation.

- ``publisher``: a publisher is named (the steward's descriptor, or the sources' own
  metadata under an example descriptor). Fails with "publisher not set" otherwise.
- ``source-metadata``: the publisher and licence the sources name (an OCDS package's
  ``publisher``/``license``) agree with the steward's descriptor; a conflict names both.
- ``ocds-validated``: OCDS releases were validated against the release schema. When the
  schema could not be had (offline, no cached copy) the flag fails, so the score goes
  down and the panel says "not validated", not only a ``_quality_notes`` row.

Each reads what ``pipelines/provenance.py`` left on the descriptor, or the built database.
"""

from __future__ import annotations

from typing import Any

from .checks.base import Judgement, flag

SCHEMA_UNAVAILABLE = "ocds-schema-unavailable"


def provenance_of(context: Any) -> dict[str, Any]:
    """What ``pipelines/provenance.py`` left on the descriptor (empty when it left nothing)."""
    return getattr(context.descriptor, "provenance", {}) or {}


@flag("publisher", "Publisher named")
def PublisherFlag(context: Any) -> Judgement:
    """The publication names who published it."""
    publisher = context.descriptor.get("publisher") or {}
    if publisher.get("name"):
        where = provenance_of(context).get("publisher_from") or "descriptor"
        return "pass", 1, f"{publisher['name']} (from the {where})"
    return "fail", 0, "publisher not set — create your own descriptor with `terbuka init`"


@flag("source-metadata", "Sources agree with the descriptor")
def SourceMetadataFlag(context: Any) -> Judgement:
    """What the sources say of themselves agrees with the steward's descriptor."""
    provenance = provenance_of(context)
    found = provenance.get("source") or {}
    if provenance.get("example") or not (found.get("publishers") or found.get("licences")):
        return "skip", None, "the sources name no publisher or licence of their own"
    conflicts = provenance.get("conflicts") or []
    if conflicts:
        return "fail", len(conflicts), "; ".join(conflicts)
    return "pass", 0, "the sources' publisher and licence agree with the descriptor"


@flag("ocds-validated", "OCDS releases validated")
def OcdsValidatedFlag(context: Any) -> Judgement:
    """OCDS releases were validated against the OCDS release schema."""
    unavailable = 0
    if context.db["_quality_notes"].exists():
        unavailable = context.db.execute(
            "select count(*) from _quality_notes where check_id = ?", [SCHEMA_UNAVAILABLE]
        ).fetchone()[0]
    if unavailable:
        return "fail", 0, "not validated: the OCDS release schema was unavailable (offline?)"
    if not context.descriptor.get("ocds"):
        return "skip", None, "no OCDS releases"
    return "pass", 1, "releases validated against the OCDS release schema"


FLAGS = [PublisherFlag, SourceMetadataFlag, OcdsValidatedFlag]
