"""A read-only CKAN Action API answered from a published folder, for agencies without CKAN.

:class:`EmbeddedCKAN` has ckanapi's client interface (``call_action`` and
``.action.package_show(id=…)``), like ``RemoteCKAN`` and ``LocalCKAN``; the Datasette
plugin ``terbuka.datasette_plugins.catalog`` puts it on HTTP at ``/api/3/action/…``. Its
packages are made by the same mapping as the ones ``terbuka publish --ckan`` sends, in the
shape CKAN 2.12's ``package_show`` returns, so ``ckanapi.RemoteCKAN`` and CKAN harvesters
read a terbuka site as if it were a CKAN. Identifiers are stable UUIDs derived from names.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ckanapi.common import ActionShortcut
from ckanapi.errors import NotAuthorized, NotFound, SearchQueryError, ValidationError

from terbuka.metadata import registry

from .mapping import organization_fields, package_fields, resource_specs
from .published import Published
from .resources import ResourceSpec, download_url, entry_id

API_VERSION = "2.12.0"  # the CKAN whose package_show shape this API reproduces
MAX_ROWS = 1000
FACET_FIELDS = ("organization", "tags", "license_id", "res_format")
WRITE_ACTION = re.compile(r"_(create|update|patch|delete|purge|revise|reorder|upsert|insert)$")


class UnknownAction(Exception):
    """The action is not one this catalog answers (CKAN says 400 Bad request)."""


def _ckan_time(value: str | None) -> str | None:
    """CKAN writes UTC times without a zone: ``2024-05-01T10:00:00``."""
    return value.rstrip("Z").replace("+00:00", "") if value else value


class FileFacts:
    """SHA-256 and size of published files, computed once per file version."""

    def __init__(self) -> None:
        self._cache: dict[tuple, tuple[str, int]] = {}

    def of_file(self, path: Path) -> tuple[str, int]:
        """(sha256, bytes) of a file, cached by path, size, modification time and inode."""
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)  # ino: a new publication
        if key not in self._cache:
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            self._cache[key] = (digest.hexdigest(), stat.st_size)
        return self._cache[key]

    def of_chunks(self, key: tuple, chunks: Callable[[], Iterable[str]]) -> tuple[str, int]:
        """(sha256, bytes) of a generated file (UTF-8), cached by ``key``."""
        if key not in self._cache:
            digest, size = hashlib.sha256(), 0
            for chunk in chunks():
                data = chunk.encode("utf-8")
                digest.update(data)
                size += len(data)
            self._cache[key] = (digest.hexdigest(), size)
        return self._cache[key]


class EmbeddedCKAN:
    """CKAN's read actions over published datasets (``datasets`` returns them on each call)."""

    def __init__(
        self,
        datasets: Callable[[], list[Published]],
        site_url: str,
        *,
        title: str = "terbuka",
        description: str = "",
        facts: FileFacts | None = None,
    ):
        self.datasets = datasets
        self.address = site_url.rstrip("/")
        self.title = title
        self.description = description
        self.facts = facts or FileFacts()
        self.action = ActionShortcut(self)

    def call_action(
        self, action: str, data_dict: dict | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        """Answer ``action`` like CKAN would; writes are refused (read-only catalog).

        ckanapi's other arguments (context, apikey, requests_kwargs) mean nothing to a
        catalog in the same process; ``files`` means a write, which is refused.
        """
        files = kwargs.get("files") or (args[2] if len(args) > 2 else None)
        data = dict(data_dict or {})
        if WRITE_ACTION.search(action) or files:
            raise NotAuthorized({"message": f"Access denied: this catalog is read-only ({action})"})
        handler = getattr(self, f"_{action}", None)
        if handler is None or action.startswith("_"):
            raise UnknownAction(action)
        return handler(data)

    # ---------------------------------------------------------------- actions

    def _status_show(self, data: dict) -> dict[str, Any]:
        return {
            "site_title": self.title,
            "site_description": self.description,
            "site_url": self.address,
            "error_emails_to": "",
            "locale_default": "id",
            "extensions": ["terbuka-catalog"],
            "ckan_version": API_VERSION,
        }

    def _package_list(self, data: dict) -> list[str]:
        names = sorted(p.name for p in self.datasets())
        offset = _integer(data, "offset", 0)
        limit = _integer(data, "limit", len(names))
        return names[offset : offset + limit]

    def _package_show(self, data: dict) -> dict[str, Any]:
        wanted = data.get("id") or data.get("name")
        if not wanted:
            raise ValidationError({"id": ["Missing value"], "__type": "Validation Error"})
        for published in self.datasets():
            if wanted in (published.name, entry_id(published.name)):
                return self.package(published)
        raise NotFound("Dataset not found")

    def _current_package_list_with_resources(self, data: dict) -> list[dict[str, Any]]:
        packages = [self.package(p) for p in sorted(self.datasets(), key=lambda p: p.name)]
        packages.sort(key=lambda p: p["metadata_modified"] or "", reverse=True)
        offset = _integer(data, "offset", 0)
        return packages[offset : offset + _integer(data, "limit", len(packages))]

    def _package_search(self, data: dict) -> dict[str, Any]:
        rows = min(_integer(data, "rows", 10), MAX_ROWS)
        start = _integer(data, "start", 0)
        packages = [self.package(p) for p in self.datasets()]
        query = str(data.get("q") or "").strip()
        clauses = parse_filter(str(data.get("fq") or ""))
        terms: list[str] = []
        if query and query != "*:*":
            if CLAUSE.search(query):
                clauses += parse_filter(query)
            else:
                words = (t.casefold() for t in query.split() if t not in ("AND", "+"))
                terms = _bounded(list(dict.fromkeys(words)), "terms")
        found = []
        for package in packages:
            if not all(clause(package) for clause in clauses):
                continue
            score = _score(package, terms)
            if terms and score < len(terms):
                continue
            found.append((score, package))
        sort = str(data.get("sort") or "score desc, metadata_modified desc")
        found = _sorted(found, sort)
        results = [package for _, package in found]
        facets, search_facets = _facets(results, data.get("facet.field"))
        return {
            "count": len(results),
            "facets": facets,
            "results": results[start : start + rows],
            "sort": sort,
            "search_facets": search_facets,
        }

    def _organization_list(self, data: dict) -> list[Any]:
        organizations: dict[str, dict[str, Any]] = {}
        for published in self.datasets():
            organization = self.organization(published)
            entry = organizations.setdefault(organization["name"], organization)
            entry["package_count"] = entry.get("package_count", 0) + 1
        listed = sorted(organizations.values(), key=lambda o: o["name"])
        offset = _integer(data, "offset", 0)
        listed = listed[offset : offset + _integer(data, "limit", len(listed))]
        if str(data.get("all_fields", "")).lower() in ("true", "1"):
            return [
                {**o, "display_name": o["title"], "image_display_url": "", "num_followers": 0}
                for o in listed
            ]
        return [o["name"] for o in listed]

    def _organization_show(self, data: dict) -> dict[str, Any]:
        wanted = data.get("id")
        packages = [
            p
            for p in self.datasets()
            if wanted in (self.organization(p)["name"], self.organization(p)["id"])
        ]
        if not packages:
            raise NotFound("Organization not found")
        organization = {
            **self.organization(packages[0]),
            "display_name": self.organization(packages[0])["title"],
            "image_display_url": "",
            "num_followers": 0,
            "package_count": len(packages),
            "users": [],
            "extras": [],
            "groups": [],
            "tags": [],
        }
        if str(data.get("include_datasets", "")).lower() in ("true", "1"):
            organization["packages"] = [self.package(p) for p in packages]
        return organization

    def _license_list(self, data: dict) -> list[dict[str, Any]]:
        licences: dict[str, dict[str, Any]] = {}
        for licence in registry().values():
            licences.setdefault(
                licence.ckan,
                {
                    "domain_content": "False",
                    "id": licence.ckan,
                    "domain_data": "True",
                    "domain_software": "False",
                    "family": "",
                    "is_generic": "False",
                    "od_conformance": "approved" if licence.open else "not reviewed",
                    "osd_conformance": "not reviewed",
                    "maintainer": "",
                    "status": "active",
                    "url": licence.url,
                    "title": licence.title,
                },
            )
        return list(licences.values())

    # ---------------------------------------------------------------- shapes

    def organization(self, published: Published) -> dict[str, Any]:
        """The publisher as CKAN's organisation dict."""
        fields = organization_fields(published)
        return {
            "id": entry_id("organization", fields["name"]),
            "name": fields["name"],
            "title": fields["title"],
            "type": "organization",
            "description": fields.get("description", ""),
            "image_url": "",
            "created": _ckan_time(published.run.get("started")),
            "is_organization": True,
            "approval_status": "approved",
            "state": "active",
        }

    def package(self, published: Published) -> dict[str, Any]:
        """``package_show``'s answer for one published dataset."""
        fields = package_fields(published)
        organization = self.organization(published)
        package_id = entry_id(published.name)
        modified = _ckan_time(published.run.get("finished"))
        created = _ckan_time(_first_run(published)) or modified
        licence = published.licence
        specs = resource_specs(published, self.address)
        resources = [
            self.resource(published, spec, package_id, position, created, modified)
            for position, spec in enumerate(specs)
        ]
        tags = [
            {
                "display_name": t["name"],
                "id": entry_id("tag", t["name"]),
                "name": t["name"],
                "state": "active",
                "vocabulary_id": None,
            }
            for t in fields["tags"]
        ]
        return {
            "author": None,
            "author_email": None,
            "creator_user_id": organization["id"],
            "id": package_id,
            "isopen": licence.open,
            "license_id": fields["license_id"],
            "license_title": licence.title,
            "license_url": licence.url,
            "maintainer": fields["maintainer"],
            "maintainer_email": fields["maintainer_email"],
            "metadata_created": created,
            "metadata_modified": modified,
            "name": fields["name"],
            "notes": fields["notes"],
            "num_resources": len(resources),
            "num_tags": len(tags),
            "organization": organization,
            "owner_org": organization["id"],
            "private": False,
            "state": "active",
            "title": fields["title"],
            "type": "dataset",
            "url": fields["url"],
            "version": fields["version"],
            "extras": fields["extras"],
            "resources": resources,
            "tags": tags,
            "groups": [],
            "relationships_as_subject": [],
            "relationships_as_object": [],
        }

    def resource(
        self,
        published: Published,
        spec: ResourceSpec,
        package_id: str,
        position: int,
        created: str | None,
        modified: str | None,
    ) -> dict[str, Any]:
        """One resource as CKAN shows it; files carry size and ``terbuka_sha256``."""
        resource = {
            "cache_last_updated": None,
            "cache_url": None,
            "created": created,
            "datastore_active": False,
            "hash": "",
            "id": entry_id(published.name, spec.key),
            "last_modified": None,
            "metadata_modified": modified,
            "mimetype_inner": None,
            "package_id": package_id,
            "position": position,
            "resource_type": None,
            "size": None,
            "state": "active",
            "url_type": None,
            **spec.fields(),
        }
        if spec.is_file:
            digest, size = self.file_facts(published, spec)
            resource.update(
                url=download_url(self.address, published.name, spec),
                url_type="upload",
                last_modified=modified,
                size=size,
                terbuka_sha256=digest,
            )
        return resource

    def file_facts(self, published: Published, spec: ResourceSpec) -> tuple[str, int]:
        """(sha256, size) of a served file, generated ones included (cached)."""
        if spec.generate is None:
            return self.facts.of_file(spec.path)
        from .ocds import record_package_chunks

        stat = published.db_path.stat()
        key = (spec.key, str(published.db_path), stat.st_mtime_ns, stat.st_size, self.address)
        return self.facts.of_chunks(key, lambda: record_package_chunks(published, self.address))


def _first_run(published: Published) -> str | None:
    """When the dataset was first published: the oldest run in its ``_runs`` table."""
    try:
        connection = sqlite3.connect(
            f"file:{urllib.parse.quote(str(published.db_path))}?mode=ro", uri=True
        )
        try:
            row = connection.execute(
                "select min(started) from _runs where status = 'published'"
            ).fetchone()
        finally:
            connection.close()
        return row[0] if row and row[0] else published.run.get("started")
    except sqlite3.Error:
        return published.run.get("started")


def _integer(data: dict, key: str, default: int) -> int:
    value = data.get(key)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({key: ["Invalid integer"], "__type": "Validation Error"}) from None
    if number < 0:
        raise ValidationError({key: ["Must be a natural number"], "__type": "Validation Error"})
    return number


# ------------------------------------------------------------------ search

# Linear on any text: a field starts only where no word character precedes it and is taken
# whole (``*+``), and a range's bounds stop where a bare value would, so no stretch of
# the query is scanned again from each of its letters.
CLAUSE = re.compile(
    r"(?<![\w.+-])(?P<sign>[+-]?)(?P<field>[A-Za-z_][\w.]*+):"
    r'(?:"(?P<quoted>(?:[^"\\]|\\.)*+)"'
    r"|\[(?P<low>[^\s()\]]++) TO (?P<high>[^\s()\]]++)\]"
    r"|(?P<bare>[^\s()]++))"
)
MAX_CLAUSES = 1024  # Solr's maxBooleanClauses: a longer query is refused, as CKAN does


def field_values(package: dict[str, Any], field: str) -> list[str]:
    """The values CKAN's search index holds for ``field`` (as strings)."""
    extras = {e["key"]: e["value"] for e in package.get("extras", [])}
    simple = {
        "organization": package["organization"]["name"],
        "owner_org": package["owner_org"],
        "capacity": "public",
        "dataset_type": package["type"],
        "entity_type": "package",
    }
    if field in simple:
        return [simple[field]]
    if field in ("tags", "tag"):
        return [t["name"] for t in package.get("tags", [])]
    if field == "res_format":
        return [r["format"] for r in package.get("resources", [])]
    if field == "res_name":
        return [r["name"] for r in package.get("resources", [])]
    if field in ("groups", "res_url"):
        return [r["url"] for r in package.get("resources", [])] if field == "res_url" else []
    if field.startswith("extras_"):
        field = field[len("extras_") :]
        return [extras[field]] if field in extras else []
    value = package.get(field)
    if isinstance(value, str | int | float | bool):
        return [str(value).lower() if isinstance(value, bool) else str(value)]
    return [extras[field]] if field in extras else []


def _matches(values: list[str], match: re.Match) -> bool:
    if match["low"] is not None:
        low, high = match["low"], match["high"]
        return any(
            (low == "*" or _ckan_time(v) >= _ckan_time(low))
            and (high == "*" or _ckan_time(v) <= _ckan_time(high))
            for v in values
        )
    wanted = match["quoted"] if match["quoted"] is not None else match["bare"]
    wanted = wanted.replace('\\"', '"')
    if wanted == "*":
        return bool(values)
    parts = wanted.casefold().split("*")
    return any(wildcard_match(parts, v.casefold()) for v in values)


def wildcard_match(parts: list[str], value: str) -> bool:
    """Whether ``value`` is ``parts`` joined by anything (a Solr ``a*b*c`` wildcard).

    Linear in the query and the value, unlike a ``a.*b.*c`` regex, which backtracks once
    per star: the first part must start the value and the last end it, and each part in
    between is found leftmost after the previous one (the leftmost fit never loses a match).
    """
    if len(parts) == 1:
        return value == parts[0]
    first, *middle, last = parts
    end = len(value) - len(last)
    if end < len(first) or not value.startswith(first) or not value.endswith(last):
        return False
    position = len(first)
    for part in middle:
        found = value.find(part, position, end)
        if found < 0:
            return False
        position = found + len(part)
    return True


def parse_filter(text: str) -> list[Callable[[dict], bool]]:
    """``fq``: space-separated ``field:value``, ``field:"a b"``, ``field:[a TO b]``, ``-field:…``."""
    text = text.strip()
    if not text:
        return []
    clauses: list[Callable[[dict], bool]] = []
    position = 0
    for match in CLAUSE.finditer(text):
        between = text[position : match.start()].strip()
        if between and between not in ("AND", "&&"):
            raise _unreadable(between, text)
        position = match.end()

        def clause(package: dict, match: re.Match = match) -> bool:
            hit = _matches(field_values(package, match["field"]), match)
            return not hit if match["sign"] == "-" else hit

        clauses.append(clause)
        _bounded(clauses, "clauses")
    rest = text[position:].strip()
    if rest and rest not in ("AND", "&&"):
        raise _unreadable(rest, text)
    return clauses


def _bounded(items: list, what: str) -> list:
    """``items``, or a query error past Solr's clause limit (work per package stays bounded)."""
    if len(items) > MAX_CLAUSES:
        raise SearchQueryError(f"Search Query is invalid: more than {MAX_CLAUSES} {what}")
    return items


def _unreadable(part: str, text: str) -> SearchQueryError:
    """The error for a part of a query that is no clause (both shortened: a query may be 1 MB)."""
    return SearchQueryError(
        f"Search Query is invalid: cannot read {_short(part)} in {_short(text)}"
    )


def _short(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _score(package: dict[str, Any], terms: list[str]) -> int:
    if not terms:
        return 0
    text = " ".join(
        [
            package["name"],
            package["title"] or "",
            package["notes"] or "",
            package["organization"]["title"],
            *(t["name"] for t in package["tags"]),
            *(e["value"] for e in package["extras"]),
            *(r["name"] for r in package["resources"]),
        ]
    ).casefold()
    return sum(1 for term in terms if term in text)


def _sorted(found: list[tuple[int, dict]], sort: str) -> list[tuple[int, dict]]:
    keys = []
    for part in sort.split(","):
        words = part.split()
        if not words:
            continue
        field, direction = words[0], (words[1] if len(words) > 1 else "asc").lower()
        if direction not in ("asc", "desc"):
            raise SearchQueryError(f"Search Query is invalid: bad sort {part.strip()!r}")
        keys.append((field, direction == "desc"))
    for field, descending in reversed(keys):  # stable sorts, last key first
        found.sort(key=lambda item, f=field: _sort_value(item, f), reverse=descending)
    return found


def _sort_value(item: tuple[int, dict], field: str) -> Any:
    score, package = item
    if field == "score":
        return score
    if field == "title_string":
        field = "title"
    value = package.get(field)
    return value if isinstance(value, str | int | float) else ""


def _facets(results: list[dict], requested: Any) -> tuple[dict, dict]:
    if not requested:
        return {}, {}
    if isinstance(requested, str):
        try:
            requested = json.loads(requested)
        except ValueError:
            requested = [requested]
    facets, search_facets = {}, {}
    for field in requested:
        if field not in FACET_FIELDS:
            continue
        counts = Counter(v for package in results for v in set(field_values(package, field)))
        facets[field] = dict(counts.most_common())
        search_facets[field] = {
            "title": field,
            "items": [
                {"name": name, "display_name": name, "count": count}
                for name, count in counts.most_common()
            ],
        }
    return facets, search_facets
