"""Citizens talk back: a "report a problem with this data" form on every dataset page.

Reports are stored in a database of their own beside — never inside — the publication
(``feedback_store``). The form asks for no personal data; the body is size-limited before
anything reads it, each reader is rate-limited, the store as a whole is bounded, and the
message is only ever shown escaped. Stewards read and close reports with
``terbuka feedback DIR``.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from typing import Any
from urllib.parse import parse_qsl

from datasette import hookimpl
from datasette.utils.asgi import Response

from . import feedback_store, i18n, publication
from .panel import page_kind

PATH = "/-/terbuka/feedback"
MAX_BODY = 16 * 1024
PER_CLIENT = 5  # reports per client per window
WINDOW_SECONDS = 600
_RECENT: dict[str, deque] = defaultdict(deque)


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


def _allowed(client: str) -> bool:
    now = time.monotonic()
    recent = _RECENT[client]
    while recent and now - recent[0] > WINDOW_SECONDS:
        recent.popleft()
    if len(recent) >= PER_CLIENT:
        return False
    recent.append(now)
    if len(_RECENT) > 10_000:  # forget idle clients so the table stays small
        for key in [k for k, v in _RECENT.items() if not v]:
            del _RECENT[key]
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
    client = (request.scope.get("client") or ("?",))[0]
    if not _allowed(client):
        return await _answer(datasette, request, tr("feedback_rate"), 429, back=page)
    folder = publication.folder(datasette, dataset)
    stored = await asyncio.get_running_loop().run_in_executor(
        None, feedback_store.add, folder, dataset, table, page[:500], message, lang
    )
    if stored is None:
        return await _answer(datasette, request, tr("feedback_rate"), 429, back=page)
    return await _answer(datasette, request, tr("thanks"), 200, message=message, back=page)


async def _answer(datasette, request, text, status, message=None, back=None):
    html = await datasette.render_template(
        "terbuka_feedback.html",
        {"notice": text, "message": message, "back": back, "status": status},
        request=request,
    )
    return Response.html(html, status=status)
