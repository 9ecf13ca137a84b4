"""Citizens talk back: a "report a problem with this data" form on every dataset page.

Reports are stored in a database of their own beside — never inside — the publication
(``feedback_store``). The form asks for no personal data; the body is size-limited before
anything reads it, Datasette's CSRF check refuses a post without the form's token, each
address and each network is rate-limited, the store as a whole is bounded and degrades
into a queue under a flood, and the message is only ever shown escaped. Stewards read
and close reports with ``terbuka feedback DIR``.

The client address is the peer's, unless the peer is a configured trusted proxy
(``trusted_proxies`` in the ``terbuka-feedback`` plugin settings, or
``$TERBUKA_TRUSTED_PROXIES``): then it is the rightmost ``X-Forwarded-For`` hop that is
not a trusted proxy — the one the proxy saw, which a client cannot forge.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import os
import secrets
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qsl

from datasette import hookimpl
from datasette.utils.asgi import Response

from . import feedback_store, i18n, publication
from .panel import page_kind

PATH = "/-/terbuka/feedback"
MAX_BODY = 16 * 1024
PER_CLIENT = 5  # reports per address per window
PER_NETWORK = 20  # reports per network (/24, or /56 for IPv6) per window
WINDOW_SECONDS = 600
MAX_TRACKED = 10_000  # addresses and networks remembered; the oldest are forgotten first
PLUGIN = "terbuka-feedback"
CSRF_COOKIE = "ds_csrftoken"  # Datasette's asgi-csrf cookie; it checks the form field against it
PROXIES_VARIABLE = "TERBUKA_TRUSTED_PROXIES"
_RECENT: dict[str, deque] = {}
_SENDER_KEY = secrets.token_bytes(32)  # sender tags are keyed: no address can be recovered


@hookimpl
def extra_template_vars(template, database, table, request, datasette):
    """``terbuka_feedback``: what the form needs on this page (absent when switched off)."""
    if page_kind(template) is None or request is None:
        return {}
    cfg = publication.config(datasette, database)
    if cfg is None or cfg.get("feedback") is False:
        return {}
    return {
        "terbuka_feedback": {
            "action": datasette.urls.path(PATH),
            "dataset": database,
            "table": table or "",
            "page": request.full_path[:500],
            "max_chars": feedback_store.MAX_MESSAGE,
        }
    }


@hookimpl
def asgi_wrapper(datasette):
    """Refuse oversized report bodies before anything (CSRF check included) reads them."""

    def wrap(app):
        async def limited(scope, receive, send):
            if scope.get("type") != "http" or scope.get("path") != PATH:
                await app(scope, receive, send)
                return
            declared = dict(scope.get("headers") or []).get(b"content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
                await _too_large(send)
                return
            chunks, size = [], 0
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    break
                size += len(message.get("body", b""))
                if size > MAX_BODY:
                    await _too_large(send)
                    return
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    break
            replayed = {"done": False}

            async def replay():
                if replayed["done"]:
                    return await receive()
                replayed["done"] = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

            await app(scope, replay, send)

        return limited

    return wrap


async def _too_large(send: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [[b"content-type", b"text/plain; charset=utf-8"]],
        }
    )
    await send({"type": "http.response.body", "body": b"Report too large"})


@hookimpl
def register_routes():
    """The form's target."""
    return [(rf"^{PATH}$", receive_report)]


def trusted_proxies(datasette: Any) -> list[Any]:
    """The networks whose ``X-Forwarded-For`` is believed (none unless configured)."""
    config = datasette.plugin_config(PLUGIN) or {}
    listed = config.get("trusted_proxies")
    if listed is None:
        listed = os.environ.get(PROXIES_VARIABLE, "")
    if isinstance(listed, str):
        listed = listed.replace(",", " ").split()
    networks = []
    for item in listed:
        try:
            networks.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError:
            continue  # a typo trusts nothing more, rather than everything
    return networks


def _trusted(address: str, proxies: list[Any]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(scope: dict[str, Any], proxies: list[Any]) -> str:
    """The reader's address: the peer, or behind trusted proxies the hop they saw."""
    peer = (scope.get("client") or ("unknown",))[0]
    if not _trusted(peer, proxies):
        return peer  # X-Forwarded-For from anyone else is whatever the client wrote
    hops = [
        hop.strip()
        for name, value in scope.get("headers") or []
        if name.lower() == b"x-forwarded-for"
        for hop in value.decode("latin-1").split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop
    return hops[0] if hops else peer


def network_of(address: str) -> str:
    """The /24 (IPv4) or /56 (IPv6) around an address: one household or one host's range."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    prefix = 24 if ip.version == 4 else 56
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def sender_tag(address: str) -> str:
    """A keyed hash of the address's network: groups a flood, names no one."""
    digest = hmac.new(_SENDER_KEY, network_of(address).encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def _allowed(client: str) -> bool:
    """Within the per-address and the per-network limit (sliding ten-minute window)."""
    now = time.monotonic()
    keys = ((client, PER_CLIENT), ("net:" + network_of(client), PER_NETWORK))
    windows = []
    for key, limit in keys:
        recent = _RECENT.setdefault(key, deque())
        while recent and now - recent[0] > WINDOW_SECONDS:
            recent.popleft()
        if len(recent) >= limit:
            return False
        windows.append(recent)
    for recent in windows:
        recent.append(now)
    while len(_RECENT) > MAX_TRACKED:  # bounded memory under rotating addresses
        del _RECENT[next(iter(_RECENT))]
    return True


async def receive_report(datasette, request):
    """Validate, rate-limit and store one report; answer with an escaped receipt."""
    lang = i18n.language(request)
    tr = i18n.translator(lang)
    if request.method != "POST":
        return Response.text("Method not allowed", status=405, headers={"Allow": "POST"})
    try:
        body = (await request.post_body()).decode("utf-8", "replace")
        fields = dict(parse_qsl(body, max_num_fields=20))
    except ValueError:  # more fields than any form of ours has
        return await _answer(datasette, request, tr("feedback_unknown"), 400)
    if not fields.get("csrftoken") or CSRF_COOKIE not in request.cookies:
        # asgi-csrf lets a post without any cookie through (an API client, it assumes);
        # this form is only for browsers that loaded a page, so the token is required.
        return Response.text("Form token missing: reload the page", status=403)
    dataset = fields.get("dataset", "")
    table = fields.get("table", "") or None
    message = feedback_store.clean(fields.get("message", ""))
    cfg = publication.config(datasette, dataset) if dataset in datasette.databases else None
    if cfg is None or cfg.get("feedback") is False:
        return await _answer(datasette, request, tr("feedback_unknown"), 400)
    if table and table not in await datasette.databases[dataset].table_names():
        return await _answer(datasette, request, tr("feedback_unknown"), 400)
    page = fields.get("page", "")
    prefix = datasette.urls.database(dataset)
    if not (page == prefix or page.startswith((prefix + "/", prefix + "?", prefix + "."))):
        page = prefix
    if not message:
        return await _answer(datasette, request, tr("feedback_empty"), 400, back=page)
    if len(message) > feedback_store.MAX_MESSAGE:
        return await _answer(
            datasette,
            request,
            tr("feedback_too_long", max=feedback_store.MAX_MESSAGE),
            400,
            back=page,
        )
    if fields.get("website"):  # the hidden field only robots fill in
        return await _answer(datasette, request, tr("thanks"), 200, message=message, back=page)
    client = client_address(request.scope, trusted_proxies(datasette))
    if not _allowed(client):
        return await _answer(datasette, request, tr("feedback_rate"), 429, back=page)
    folder = publication.folder(datasette, dataset)
    stored = await asyncio.get_running_loop().run_in_executor(
        None,
        feedback_store.add,
        folder, dataset, table, page[:500], message, lang, sender_tag(client),
    )  # fmt: skip
    if stored is None:
        return await _answer(datasette, request, tr("feedback_rate"), 429, back=page)
    if stored[1] == "pending":  # a flood is on: queued, still received
        return await _answer(
            datasette, request, tr("thanks_queued"), 202, message=message, back=page
        )
    return await _answer(datasette, request, tr("thanks"), 200, message=message, back=page)


async def _answer(datasette, request, text, status, message=None, back=None):
    html = await datasette.render_template(
        "terbuka_feedback.html",
        {"notice": text, "message": message, "back": back, "status": status},
        request=request,
    )
    return Response.html(html, status=status)
