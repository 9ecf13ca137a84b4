"""``ckan``: the resources of chosen datasets in a CKAN catalog (a regional portal).

Dataset metadata comes from the catalog's Action API through ckanapi
(``package_show``): the organisation, licence and ``metadata_modified`` go with every
payload (``Payload.meta``, kept in the archive) to provenance; each matching resource is downloaded through the shared fetcher, so
it is archived, conditional and polite like any other URL. An uploaded resource whose
URL, size and ``last_modified`` are unchanged since the last pull is not downloaded again.
"""

from __future__ import annotations

import fnmatch
from typing import Any
from urllib.parse import urlsplit

from terbuka.catalogs.secrets import scrub

from ..errors import InputError, SourceFault
from ..fetch import redact_url, user_agent
from . import Payload, PullContext, SourceReport, payload_from
from .ckan_metadata import catalog_metadata


class CkanSource:
    """Resources of ``datasets`` in the CKAN at ``url`` (filtered by ``formats``/``resources``)."""

    id = "ckan"
    title = "Resources of datasets in a CKAN catalog"
    requires = ("url", "datasets")
    accepts = ("formats", "resources", "token_env", "timeout", "retries", "max_bytes")

    @staticmethod
    def pull(spec: dict[str, Any], ctx: PullContext, report: SourceReport) -> list[Payload]:
        """``package_show`` per dataset, then a (conditional) GET per changed resource."""
        import ckanapi
        import requests

        base = spec["url"].rstrip("/")
        credentials = ctx.credentials(spec, template="{token}")
        token = credentials.token if credentials else None
        catalog = ckanapi.RemoteCKAN(
            base, apikey=token, user_agent=user_agent(), get_only=True, session=ctx.fetcher.session
        )
        state = ctx.load_state(report.id)
        known = state.get("resources", {})
        formats = {f.lower() for f in spec.get("formats") or []}
        patterns = spec.get("resources") or []
        seen: dict[str, dict] = {}
        payloads = []
        for name in spec["datasets"]:
            where = f"{redact_url(base)} dataset {name!r}"
            try:
                with ctx.fetcher.limiter.slot(base):
                    report.requests += 1
                    package = catalog.action.package_show(id=name)
            except ckanapi.NotFound:
                raise InputError(where, "not found in the catalog") from None
            except ckanapi.NotAuthorized:
                hint = "the token has no access" if token else "private: set token_env"
                raise InputError(where, f"not authorised ({hint})") from None
            except ckanapi.CKANAPIError as error:
                raise SourceFault(
                    where, f"the catalog answered with an error: {scrub(str(error))[:160]}"
                ) from None
            except requests.RequestException as error:
                raise SourceFault(
                    where, f"cannot reach the catalog ({type(error).__name__})"
                ) from None
            chosen = [
                r
                for r in package.get("resources") or []
                if (not formats or (r.get("format") or "").lower() in formats)
                and (
                    not patterns
                    or any(
                        fnmatch.fnmatch(r.get("name") or "", p) or r.get("id") == p
                        for p in patterns
                    )
                )
            ]
            if not chosen:
                raise InputError(where, "no resource matches the source's formats/resources")
            meta = catalog_metadata(package, redact_url(base))
            for resource in chosen:
                payload = _resource(resource, base, credentials, spec, ctx, report, known, seen)
                payload.meta = meta
                ctx.archive.annotate(payload.sha256, spec["id"], meta)
                payloads.append(payload)
        ctx.save_state(report.id, {"resources": seen})
        return payloads


def _resource(
    resource: dict, base: str, credentials: Any, spec: dict, ctx: PullContext,
    report: SourceReport, known: dict, seen: dict,
) -> Payload:  # fmt: skip
    url = resource.get("url") or ""
    if not url.startswith(("http://", "https://")):
        raise InputError(f"{base} resource {resource.get('id')}", f"no downloadable URL ({url!r})")
    marker = {
        "url": url,
        "size": resource.get("size"),
        "last_modified": resource.get("last_modified"),
    }
    earlier = known.get(resource["id"])
    if (
        not ctx.full
        and resource.get("url_type") == "upload"
        and marker["last_modified"]
        and earlier
        and all(earlier.get(k) == v for k, v in marker.items())
        and ctx.archive.has(earlier["sha256"])
    ):
        report.skipped += 1
        seen[resource["id"]] = earlier
        return Payload(
            earlier["display"],
            earlier["sha256"],
            ctx.archive.path(earlier["sha256"]),
            earlier["bytes"],
        )
    same_host = urlsplit(url).netloc == urlsplit(base).netloc
    fetched = ctx.get(spec, report, url, credentials=credentials if same_host else None)
    seen[resource["id"]] = {
        **marker, "sha256": fetched.sha256, "display": fetched.url, "bytes": fetched.size,
    }  # fmt: skip
    return payload_from(fetched)
