"""Bahasa Indonesia and English for every label terbuka adds to Datasette.

The reader picks the language with ``?_lang=id`` or ``?_lang=en`` (remembered in a
cookie); otherwise the browser's ``Accept-Language`` decides, and Indonesian is the
default. Descriptor texts carry both languages already; labels live in the message
catalogue ``messages/site.json`` (each key with its ``id`` and ``en`` side by side, so a
translator sees both), loaded once into ``LABELS``. Datasette has no translations of its
own: terbuka's copies of its table.html and _facet_results.html put its interface
strings through ``LABELS`` too (keys ``ds_…``).
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

from . import filter_text

LANGUAGES = ("id", "en")
DEFAULT = "id"
COOKIE = "terbuka_lang"
PARAM = "_lang"

LABELS: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).parent / "messages" / "site.json").read_text("utf-8")
)


def language_from_scope(scope: dict[str, Any]) -> str:
    """``?_lang=`` first, then the cookie, then ``Accept-Language``, then Indonesian."""
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    if query.get(PARAM) in LANGUAGES:
        return query[PARAM]
    headers = {
        k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
    }
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is the client's problem, not a 500
        cookie = SimpleCookie()
    if COOKIE in cookie and cookie[COOKIE].value in LANGUAGES:
        return cookie[COOKIE].value
    return _accept_language(headers.get("accept-language", ""))


def _accept_language(header: str) -> str:
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        primary = "id" if primary == "in" else primary  # "in" is the old code for Indonesian
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT


def language(request: Any) -> str:
    """The language of this request (see ``language_from_scope``)."""
    return language_from_scope(request.scope) if request is not None else DEFAULT


def translate(key: str, lang: str, **values: Any) -> str:
    """A label in ``lang`` (unknown keys come back as themselves, so nothing breaks)."""
    text = LABELS.get(key, {}).get(lang) or LABELS.get(key, {}).get(DEFAULT) or key
    return text.format(**values) if values else text


def number(value: float | int | None, lang: str, decimals: int | None = None) -> str:
    """``1.234,5`` in Indonesian, ``1,234.5`` in English; whole numbers without decimals."""
    if value is None:
        return "–"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    return localise_digits(f"{value:,.{decimals}f}", lang)


def localise_digits(text: str, lang: str) -> str:
    """Swap the thousands and decimal separators of an English-formatted number for ``id``."""
    return text.translate(str.maketrans(",.", ".,")) if lang == "id" else text


class NumberFormatter(string.Formatter):
    """``str.format`` whose numbers follow the language's separators."""

    def __init__(self, lang: str):
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:  # noqa: D102
        text = super().format_field(value, format_spec)
        return localise_digits(text, self.lang) if isinstance(value, int | float) else text


def translator(lang: str) -> Callable[..., str]:
    """``tr("licence")`` in templates."""
    return lambda key, **values: translate(key, lang, **values)


def pick(text: Any, lang: str) -> str:
    """A ``{id: …, en: …}`` text (or a plain string) in ``lang``, falling back to the other."""
    if isinstance(text, dict):
        return text.get(lang) or next((v for v in text.values() if v), "")
    return text or ""


def switch_links(request: Any, current: str) -> list[dict[str, Any]]:
    """Links to this same page in each language."""
    query = [
        (k, v)
        for k, v in parse_qsl(request.scope.get("query_string", b"").decode("latin-1"), True)
        if k != PARAM
    ]
    return [
        {
            "lang": lang,
            "label": {"id": "Bahasa Indonesia", "en": "English"}[lang],
            "href": request.path + "?" + urlencode([*query, (PARAM, lang)]),
            "current": lang == current,
        }
        for lang in LANGUAGES
    ]


@hookimpl
def extra_template_vars(request):
    """``terbuka_lang``, ``tr`` and the language switch for every page."""
    lang = language(request)
    return {
        "terbuka_lang": lang,
        "tr": translator(lang),
        "num_local": lambda value: number(value, lang),
        # Datasette's "where … sorted by …" line in the reader's language.
        "ds_description": lambda english, sort, sort_desc, search: filter_text.describe(
            english, lang, request, sort, sort_desc, bool(search)
        ),
        "terbuka_languages": switch_links(request, lang) if request is not None else [],
    }


@hookimpl
def asgi_wrapper(datasette):
    """Remember ``?_lang=`` in a cookie; mark HTML pages with their language."""

    def wrap(app):
        async def with_language(scope, receive, send):
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            lang = language_from_scope(scope)
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            remember = query.get(PARAM) in LANGUAGES
            pending: dict[str, Any] = {}

            async def send_with_language(message):
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    if remember:
                        headers.append(
                            [
                                b"set-cookie",
                                f"{COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax".encode(),
                            ]
                        )
                    content_type = _header(headers, b"content-type")
                    if content_type.startswith(b"text/html"):
                        headers.append([b"content-language", lang.encode()])
                        headers.append([b"vary", b"Cookie, Accept-Language"])
                        pending["start"] = {**message, "headers": headers}
                        return
                    await send({**message, "headers": headers})
                    return
                if message["type"] == "http.response.body" and "start" in pending:
                    start = pending.pop("start")
                    body = message.get("body", b"")
                    tagged = body.replace(b"<html>", f'<html lang="{lang}">'.encode(), 1)
                    start["headers"] = _fix_length(start["headers"], len(tagged) - len(body))
                    await send(start)
                    await send({**message, "body": tagged})
                    return
                await send(message)

            await app(scope, receive, send_with_language)
            if "start" in pending:  # a page that ended without a body
                await send(pending.pop("start"))

        return with_language

    return wrap


def _header(headers: list, name: bytes) -> bytes:
    for key, value in headers:
        if key.lower() == name:
            return value.lower()
    return b""


def _fix_length(headers: list, delta: int) -> list:
    if not delta:
        return headers
    fixed = []
    for key, value in headers:
        if key.lower() == b"content-length":
            value = str(int(value) + delta).encode()
        fixed.append([key, value])
    return fixed
