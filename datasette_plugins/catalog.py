"""The embedded catalog: CKAN's read-only Action API and DCAT, served by Datasette.

Agencies without a CKAN are still harvestable: ``ckanapi.RemoteCKAN(SITE)`` and CKAN
harvesters read ``/api/3/action/package_search`` … as from a CKAN, DCAT harvesters read
``/catalog.jsonld`` (or ``.ttl``, ``.rdf``), and every resource downloads from
``/dataset/<name>/resource/<id>/download/<file>`` (CKAN's own paths). Everything is made
from what ``terbuka run`` published beside each database — never from the pipeline.

The public address in links is ``$TERBUKA_SITE_URL``, or the address the request came to.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from datasette import hookimpl
from datasette.utils.asgi import AsgiFileDownload, AsgiStream, Response

API_PATH = r"^/api(?:/3)?/action/(?P<action>[a-z_]+)$"
NAME = r"(?P<name>[a-z0-9][a-z0-9_-]*)"
FORMAT = r"(?P<format>jsonld|ttl|rdf|xml)"
_FACTS: Any = None
_LOADED: dict[str, tuple[tuple, Any]] = {}


def _site_url(datasette: Any, request: Any) -> str:
    from terbuka.catalogs.mapping import site_url

    configured = site_url()
    if configured:
        return configured
    base = (datasette.setting("base_url") or "/").rstrip("/")
    return f"{request.scheme}://{request.host}{base}"


def _published(datasette: Any) -> list[Any]:
    """Every dataset published beside the databases Datasette serves (cached per run)."""
    from terbuka.catalogs.published import RUN_FILE, SNAPSHOT_FILE, CatalogError, load_published

    found = []
    for database in datasette.databases.values():
        if database.is_memory or not database.path:
            continue
        path = Path(database.path)
        folder = path.parent / path.stem
        try:
            version = tuple((folder / f).stat().st_mtime_ns for f in (RUN_FILE, SNAPSHOT_FILE)) + (
                path.stat().st_mtime_ns,
                os.path.realpath(path),  # the live publication (publish/swap.py)
            )
        except OSError:
            continue
        cached = _LOADED.get(str(path))
        if cached is None or cached[0] != version:
            try:
                cached = (version, load_published(path.parent, path.stem))
            except CatalogError:
                continue
            _LOADED[str(path)] = cached
        found.append(cached[1])
    return found


async def _visible(datasette: Any, request: Any) -> list[Any]:
    """The published datasets this visitor may see (Datasette's own permissions)."""
    visible = []
    for published in _published(datasette):
        allowed = await datasette.permission_allowed(
            request.actor, "view-database", resource=published.name, default=True
        )
        if allowed:
            visible.append(published)
    return visible


async def _catalog(datasette: Any, request: Any) -> Any:
    from terbuka.catalogs.embedded import EmbeddedCKAN, FileFacts

    global _FACTS
    _FACTS = _FACTS or FileFacts()
    datasets = await _visible(datasette, request)
    return EmbeddedCKAN(
        lambda: datasets,
        _site_url(datasette, request),
        title=datasette.metadata("title") or "terbuka",
        description=datasette.metadata("description") or "",
        facts=_FACTS,
    )


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        headers={"Access-Control-Allow-Origin": "*"},
        content_type="application/json; charset=utf-8",
    )


async def _request_data(request: Any) -> dict[str, Any]:
    data: dict[str, Any] = {key: request.args.get(key) for key in request.args.keys()}
    if request.method == "POST":
        body = await request.post_body()
        if body:
            content_type = request.headers.get("content-type", "")
            if "json" in content_type or body.lstrip().startswith(b"{"):
                try:
                    posted = json.loads(body)
                except ValueError:
                    posted = None
                if not isinstance(posted, dict):
                    raise ValueError("the request body is not a JSON object")
                data.update(posted)
            else:
                data.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return data


async def action_view(datasette: Any, request: Any) -> Response:
    """``/api/3/action/<action>``: CKAN's envelope, status codes and error types."""
    from ckanapi.errors import NotAuthorized, NotFound, SearchQueryError, ValidationError

    from terbuka.catalogs.embedded import UnknownAction

    action = request.url_vars["action"]
    catalog = await _catalog(datasette, request)
    help_url = f"{catalog.address}/api/3/action/help_show?name={action}"

    def error(status: int, kind: str, message: str, **extra: Any) -> Response:
        detail = {"__type": kind, "message": message, **extra}
        return _json({"help": help_url, "success": False, "error": detail}, status)

    try:
        data = await _request_data(request)
        # Hashing a large file the first time takes a while: not on the event loop.
        result = await asyncio.to_thread(catalog.call_action, action, data)
    except ValueError as problem:
        return error(400, "Bad request", f"Bad request - JSON Error: {problem}")
    except UnknownAction:
        return error(400, "Bad request", f"Bad request - Action name not known: {action}")
    except NotFound as problem:
        return error(404, "Not Found Error", f"Not found: {problem}")
    except NotAuthorized as problem:
        message = getattr(problem, "extra_msg", None) or {}
        text = message.get("message") if isinstance(message, dict) else str(message)
        return error(403, "Authorization Error", text or "Access denied")
    except ValidationError as problem:
        fields = {k: v for k, v in problem.error_dict.items() if k != "__type"}
        return _json(
            {
                "help": help_url,
                "success": False,
                "error": {"__type": "Validation Error", **fields},
            },
            409,
        )
    except SearchQueryError as problem:
        return error(409, "Search Query Error", str(problem))
    return _json({"help": help_url, "success": True, "result": result})


async def catalog_view(datasette: Any, request: Any) -> Response:
    """``/catalog.jsonld`` (``.ttl``, ``.rdf``): a DCAT catalog of every published dataset."""
    from terbuka.catalogs import dcat

    catalog = await _catalog(datasette, request)
    graph = dcat.catalog_graph(
        catalog.datasets(), catalog.address, catalog.title, catalog.description
    )
    return _rdf(graph, request)


async def dataset_view(datasette: Any, request: Any) -> Response:
    """``/dataset/<name>.jsonld`` (``.ttl``, ``.rdf``): DCAT of one dataset."""
    from terbuka.catalogs import dcat

    catalog, published = await _named_dataset(datasette, request)
    if published is None:
        return _not_found()
    return _rdf(dcat.dataset_graph(published, catalog.address), request)


async def dataset_page(datasette: Any, request: Any) -> Response:
    """``/dataset/<name>`` (a DCAT dataset IRI): the dataset's Datasette page."""
    _, published = await _named_dataset(datasette, request)
    if published is None:
        return _not_found()
    return Response.redirect(datasette.urls.database(published.name))


async def download_view(datasette: Any, request: Any) -> Any:
    """``/dataset/<name>/resource/<id>/download/<file>``: the published file itself."""
    from terbuka.catalogs.mapping import resource_specs
    from terbuka.catalogs.ocds import record_package_chunks
    from terbuka.catalogs.resources import entry_id

    catalog, published = await _named_dataset(datasette, request)
    if published is None:
        return _not_found()
    for spec in resource_specs(published, catalog.address):
        if not spec.is_file or entry_id(published.name, spec.key) != request.url_vars["id"]:
            continue
        headers = {"Access-Control-Allow-Origin": "*"}
        if spec.generate is not None:
            chunks = record_package_chunks(published, catalog.address)

            async def stream(response: Any, chunks: Any = chunks) -> None:
                buffer: list[str] = []
                size = 0
                for chunk in chunks:
                    buffer.append(chunk)
                    size += len(chunk)
                    if size >= 1 << 16:
                        await response.write("".join(buffer))
                        buffer, size = [], 0
                await response.write("".join(buffer))

            return AsgiStream(stream, headers=headers, content_type=spec.mimetype)
        return AsgiFileDownload(
            spec.path, filename=spec.filename, content_type=spec.mimetype, headers=headers
        )
    return Response.text("Resource not found", status=404)


async def _named_dataset(datasette: Any, request: Any) -> tuple[Any, Any]:
    """The catalog and the dataset the URL names (``None`` when none has that name)."""
    catalog = await _catalog(datasette, request)
    name = request.url_vars["name"]
    return catalog, next((p for p in catalog.datasets() if p.name == name), None)


def _not_found() -> Response:
    return Response.text("Dataset not found", status=404)


def _rdf(graph: Any, request: Any) -> Response:
    """The DCAT graph in the format the URL asks for (JSON-LD, Turtle or RDF/XML)."""
    from terbuka.catalogs import dcat

    fmt = dcat.FORMATS[request.url_vars["format"]]
    return Response(
        dcat.serialize(graph, fmt),
        headers={"Access-Control-Allow-Origin": "*"},
        content_type=f"{dcat.CONTENT_TYPES[fmt]}; charset=utf-8",
    )


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Any]]:
    """CKAN's API paths, ckanext-dcat's DCAT paths and CKAN's download paths."""
    return [
        (API_PATH, action_view),
        (rf"^/catalog\.{FORMAT}$", catalog_view),
        (rf"^/dataset/{NAME}\.{FORMAT}$", dataset_view),
        (
            rf"^/dataset/{NAME}/resource/(?P<id>[0-9a-f-]+)/download/(?P<filename>[^/]+)$",
            download_view,
        ),
        (rf"^/dataset/{NAME}$", dataset_page),
    ]


@hookimpl
def skip_csrf(datasette: Any, scope: dict[str, Any]) -> bool | None:
    """API clients POST JSON without a CSRF token, as they do to CKAN (no writes exist)."""
    if scope.get("type") == "http" and scope.get("path", "").startswith(
        ("/api/3/", "/api/action/")
    ):
        return True
    return None
