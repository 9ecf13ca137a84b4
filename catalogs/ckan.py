"""Publish a dataset to CKAN: organisation, package and resources, idempotently.

Publishing the same run twice changes nothing in CKAN: every field is compared before
writing (CKAN bumps ``metadata_modified`` on any update), and files are uploaded only when
their SHA-256 — kept on the resource as ``terbuka_sha256`` — changed.

Order matters when CKAN fails half-way. A new package is created as a *draft* (not
listed, not searchable); resources are uploaded before the metadata that announces them;
the package becomes active, with the new run id, only at the end. A failure leaves either
an invisible draft or the previous run's metadata over partly replaced files — never a
dataset that claims a run it does not fully hold — and the next publish completes it,
because it compares with what CKAN holds rather than with what it meant to do.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from ckanapi.errors import CKANAPIError, NotFound, ValidationError

from .client import error_message
from .datastore import push_table
from .mapping import MARKER, organization_fields, package_fields, resource_specs
from .published import CatalogError, Published
from .resources import ResourceSpec

COMPARED_PACKAGE_FIELDS = (
    "title", "notes", "license_id", "url", "version", "maintainer", "maintainer_email",
)  # fmt: skip


def sha256(path: Path) -> str:
    """SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class CkanPublisher:
    """Publishes datasets to one CKAN through any client with ckanapi's ``call_action``."""

    id = "ckan"
    title = "CKAN catalog (Action API via ckanapi)"

    def __init__(
        self,
        client: Any,
        site_url: str,
        *,
        organization: str | None = None,
        name_prefix: str = "",
        log: Callable[[str], None] | None = None,
    ):
        self.client = client
        self.site_url = site_url.rstrip("/")
        self.organization = organization
        self.name_prefix = name_prefix
        self.log = log or (lambda message: None)
        self.writes: list[str] = []
        self.organizations: dict[str, dict[str, Any]] = {}  # by name, as CKAN answered

    @property
    def target(self) -> str:
        """Where this publisher publishes (the CKAN's address)."""
        return getattr(self.client, "address", "ckan")

    def call(self, action: str, data: dict[str, Any], files: dict | None = None) -> Any:
        """One Action API call; writes are counted so a no-op publish can prove it was one."""
        if not action.endswith(("_show", "_list", "_search")):
            self.writes.append(action)
        return self.client.call_action(action, data, files=files)

    def publish(self, published: Published) -> dict[str, Any]:
        """Create or update the package of ``published``; return what was done."""
        self.writes = []
        fields = package_fields(published, self.name_prefix)
        name = fields["name"]
        try:
            organization = self.ensure_organization(published)
            package = self.current_package(name)
            created = package is None
            specs = resource_specs(published, self.site_url)
            if created:
                self.log(f"{name}: creating the dataset (draft until its files are uploaded)")
                package = self.call("package_create", self.draft(fields, organization, specs))
            with tempfile.TemporaryDirectory(prefix="terbuka-ckan-") as scratch:
                package = self.sync_resources(package, specs, Path(scratch))
            datastore = self.sync_datastore(package, published)
            self.sync_metadata(package, fields, organization)
        except ValidationError as error:
            raise CatalogError(
                f"CKAN at {self.target} rejected dataset {name!r}: {error_message(error)}",
                exit_code=2,
            ) from None
        except NotFound as error:
            raise CatalogError(
                f"CKAN at {self.target}: {error_message(error)} while publishing {name!r} "
                "(changed by someone else meanwhile?); publish again to complete it",
                exit_code=3,
            ) from None
        status = "created" if created else ("updated" if self.writes else "unchanged")
        return {
            "dataset": published.name,
            "status": status,
            "package": name,
            "url": f"{self.target}/dataset/{name}",
            "organization": organization["name"],
            "run_id": published.run.get("run_id"),
            "writes": len(self.writes),
            "resources": len(specs),
            "datastore": datastore,
        }

    def draft(
        self, fields: dict[str, Any], organization: dict[str, Any], specs: list[ResourceSpec]
    ) -> dict[str, Any]:
        """A new package as a private draft, with its links already in it.

        Each ``resource_create`` makes CKAN re-index the whole package, so the links (which
        need no upload) come with the one ``package_create``; the files follow one by one.
        """
        links = [spec.fields() for spec in specs if not spec.is_file]
        return {**fields, "owner_org": organization["id"], "state": "draft", "resources": links}

    def ensure_organization(self, published: Published) -> dict[str, Any]:
        """The publisher's organisation, created when missing.

        Asked once per publisher: the datasets of one site usually share it.
        """
        wanted = organization_fields(published, self.organization)
        if wanted["name"] not in self.organizations:
            self.organizations[wanted["name"]] = self.find_or_create_organization(wanted)
        return self.organizations[wanted["name"]]

    def find_or_create_organization(self, wanted: dict[str, Any]) -> dict[str, Any]:
        """The organisation named in ``wanted`` as CKAN holds it, created when missing."""
        try:
            return self.call("organization_show", {"id": wanted["name"]})
        except NotFound:
            pass
        self.log(f"creating organisation {wanted['name']!r} ({wanted['title']})")
        try:
            return self.call("organization_create", wanted)
        except ValidationError as error:
            try:  # created meanwhile (a retried request that had reached CKAN)?
                return self.call("organization_show", {"id": wanted["name"]})
            except NotFound:
                raise CatalogError(
                    f"CKAN at {self.target} rejected organisation {wanted['name']!r}: "
                    f"{error_message(error)}",
                    exit_code=2,
                ) from None

    def current_package(self, name: str) -> dict[str, Any] | None:
        """The package as CKAN holds it now, or None; refuses packages terbuka does not own."""
        try:
            package = self.call("package_show", {"id": name})
        except NotFound:
            return None
        keys = {extra["key"] for extra in package.get("extras", [])}
        if MARKER not in keys:
            raise CatalogError(
                f"CKAN at {self.target} already has a dataset {name!r} that terbuka did not "
                f"publish; rename it there or publish with --name-prefix",
                exit_code=2,
            )
        return package

    def sync_resources(
        self, package: dict[str, Any], specs: list[ResourceSpec], scratch: Path
    ) -> dict[str, Any]:
        """Create, replace or delete resources until they match ``specs``; then order them."""
        existing: dict[str, dict[str, Any]] = {}
        for resource in package.get("resources", []):
            key = resource.get("terbuka_key")
            if not key:
                continue  # added by hand in CKAN: left alone
            existing.setdefault(key, resource)  # twins are removed below
        ids = []
        for spec in specs:
            ids.append(self.sync_resource(package["id"], spec, existing.get(spec.key), scratch))
        wanted = {spec.key for spec in specs}
        for key, resource in existing.items():
            if key not in wanted:
                self.log(f"{package['name']}: removing resource {resource.get('name')!r}")
                self.call("resource_delete", {"id": resource["id"]})
        package = self.call("package_show", {"id": package["id"]}) if self.writes else package
        twins = [
            r["id"]
            for r in package.get("resources", [])
            if r.get("terbuka_key") in wanted and r["id"] not in ids
        ]
        for twin in twins:  # a create retried after its answer was lost: CKAN made it twice
            self.call("resource_delete", {"id": twin})
        if twins:
            package = self.call("package_show", {"id": package["id"]})
        current = [r["id"] for r in package.get("resources", [])]
        order = ids + [rid for rid in current if rid not in ids]
        if current != order:
            self.call("package_resource_reorder", {"id": package["id"], "order": order})
            package = self.call("package_show", {"id": package["id"]})
        return package

    def sync_resource(
        self,
        package_id: str,
        spec: ResourceSpec,
        resource: dict[str, Any] | None,
        scratch: Path,
    ) -> str:
        """Bring one resource up to date; returns its id."""
        fields = spec.fields()
        path = None
        if spec.is_file:
            path = spec.path
            if spec.generate is not None:
                path = scratch / (spec.filename or spec.key)
                spec.generate(path)
            if path is None or not path.exists():
                raise CatalogError(f"{path}: missing from the publication", exit_code=2)
            fields["terbuka_sha256"] = sha256(path)
        if resource is not None and same_resource(resource, fields, spec):
            return resource["id"]
        upload = spec.is_file and (
            resource is None or resource.get("terbuka_sha256") != fields["terbuka_sha256"]
        )
        label = spec.filename or spec.name
        with ExitStack() as stack:
            files = None
            if upload:
                handle = stack.enter_context(open(path, "rb"))
                files = {"upload": (spec.filename or path.name, handle)}
                self.log(f"uploading {label} ({path.stat().st_size:,} bytes)")
            if resource is None:
                if not upload:
                    self.log(f"adding {label}")
                result = self.call("resource_create", {"package_id": package_id, **fields}, files)
            elif upload:
                result = self.call(
                    "resource_update",
                    {"id": resource["id"], "package_id": package_id, **fields},
                    files,
                )
            else:
                self.log(f"updating {label}")
                if spec.is_file:  # the uploaded file stays: only its description changed
                    fields.pop("url", None)
                result = self.call("resource_patch", {"id": resource["id"], **fields})
        return result["id"]

    def sync_datastore(self, package: dict[str, Any], published: Published) -> dict[str, Any]:
        """Each table's rows in the DataStore of its CSV resource (only what changed)."""
        by_key = {r.get("terbuka_key"): r for r in package.get("resources", [])}
        pushed: dict[str, Any] = {}
        for table in published.tables:
            resource = by_key.get(f"table:{table['name']}")
            if resource is None:
                continue
            try:
                pushed[table["name"]] = push_table(
                    self.call, resource, table, published.db_path, self.log
                )
            except CKANAPIError as error:
                if "datastore" not in str(error).lower() or "not known" not in str(error).lower():
                    raise
                self.log(f"CKAN at {self.target} has no DataStore: tables are files only")
                return {"skipped": "this CKAN has no DataStore"}
        return pushed

    def sync_metadata(
        self, package: dict[str, Any], fields: dict[str, Any], organization: dict[str, Any]
    ) -> None:
        """Announce the run last: title, notes, licence, tags, extras, state — if changed."""
        wanted = {**fields, "owner_org": organization["id"], "state": "active", "private": False}
        if same_metadata(package, wanted):
            return
        self.log(f"{fields['name']}: updating the dataset's metadata")
        self.call("package_patch", {"id": package["id"], **wanted})


def same_resource(resource: dict[str, Any], fields: dict[str, str], spec: ResourceSpec) -> bool:
    """Whether CKAN's resource already says what ``fields`` say (CKAN normalises formats)."""
    for key, value in fields.items():
        have = resource.get(key)
        if key == "format":
            if (have or "").casefold() != value.casefold():
                return False
        elif key == "mimetype" and spec.is_file:
            continue  # CKAN sets the mimetype of uploads itself
        elif (have or "") != (value or ""):
            return False
    if spec.is_file and resource.get("url_type") != "upload":
        return False
    return True


def same_metadata(package: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether a package already carries ``wanted`` metadata (nothing to write)."""
    for key in COMPARED_PACKAGE_FIELDS:
        if (package.get(key) or "") != (wanted.get(key) or ""):
            return False
    if package.get("owner_org") != wanted["owner_org"] or package.get("state") != "active":
        return False
    if bool(package.get("private")) != bool(wanted["private"]):
        return False
    if sorted(t["name"] for t in package.get("tags", [])) != sorted(
        t["name"] for t in wanted["tags"]
    ):
        return False
    have = {e["key"]: e["value"] for e in package.get("extras", [])}
    return have == {e["key"]: e["value"] for e in wanted["extras"]}
