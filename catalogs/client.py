"""Talking to a CKAN: ckanapi's ``RemoteCKAN`` with retries, time-outs and one-line errors.

Every catalog client in terbuka answers ``call_action(action, data_dict, files=…)`` and
``client.action.package_show(id=…)`` — ckanapi's ``RemoteCKAN`` and ``LocalCKAN``
interface — so the publisher runs unchanged against a remote CKAN or the embedded
catalog (:class:`terbuka.catalogs.embedded.EmbeddedCKAN`).

The API token comes from ``CKAN_API_TOKEN`` only. It is sent in the ``Authorization``
header and appears in no message, log or file terbuka writes.
"""

from __future__ import annotations

import ast
import os
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import ckanapi
import requests
from ckanapi.errors import CKANAPIError, NotAuthorized, NotFound, ValidationError

from .published import CatalogError
from .secrets import remember, scrub

TOKEN_VARIABLE = "CKAN_API_TOKEN"
DEFAULT_RETRIES = 4
DEFAULT_BACKOFF = 0.5  # seconds; doubles on each retry: 0.5, 1, 2, 4
DEFAULT_TIMEOUT = (10, 300)  # connect, read (uploads of a large database take a while)

__all__ = [
    "CatalogError",
    "CkanClient",
    "NotAuthorized",
    "NotFound",
    "ValidationError",
    "connect",
    "token_from_environment",
]


class ServerError(Exception):
    """CKAN (or the proxy in front of it) answered 5xx: worth trying again."""

    def __init__(self, status: int, body: str):
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body


RETRYABLE = (requests.Timeout, requests.ConnectionError, ServerError)


def _version() -> str:
    try:
        return version("terbuka")
    except PackageNotFoundError:
        return "dev"


def token_from_environment() -> str | None:
    """The CKAN API token, from ``$CKAN_API_TOKEN`` only (never an option or a file)."""
    return os.environ.get(TOKEN_VARIABLE) or None


class CkanClient(ckanapi.RemoteCKAN):
    """``RemoteCKAN`` that retries time-outs, refused connections and 5xx with back-off.

    Errors that retrying cannot fix become a :class:`CatalogError` with one line:
    401/403 (exit 2: the token), 5xx or unreachable after the last retry (exit 3: the
    environment, as for any unreachable service).
    ``NotFound`` and ``ValidationError`` stay ckanapi's exceptions: callers expect them.
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        timeout: Any = DEFAULT_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ):
        super().__init__(url.rstrip("/"), apikey=token, user_agent=f"terbuka/{_version()}")
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.sleep = sleep
        self.calls: list[str] = []  # actions that reached the server, for the run summary

    def __repr__(self) -> str:  # never shows the token
        return f"CkanClient({self.address!r})"

    def call_action(
        self,
        action: str,
        data_dict: dict | None = None,
        context: Any = None,
        apikey: str | None = None,
        files: dict | None = None,
        requests_kwargs: dict | None = None,
    ) -> Any:
        """Call ``action``; retry what may pass next time; one-line errors for the rest."""
        attempt = 0
        while True:
            for handle in (files or {}).values():
                handle = handle[1] if isinstance(handle, tuple) else handle
                getattr(handle, "seek", lambda _: None)(0)
            try:
                result = super().call_action(
                    action,
                    data_dict,
                    context,
                    apikey,
                    files,
                    {"timeout": self.timeout, **(requests_kwargs or {})},
                )
                self.calls.append(action)
                return result
            except RETRYABLE as error:
                if attempt >= self.retries:
                    raise CatalogError(
                        f"CKAN at {self.address} did not answer {action} after "
                        f"{attempt + 1} attempts: {describe(error)}",
                        exit_code=3,
                    ) from None
                self.sleep(self.backoff * 2**attempt)
                attempt += 1
            except NotAuthorized as error:
                raise CatalogError(
                    f"CKAN at {self.address} refused {action} ({error_message(error)}): "
                    f"set {TOKEN_VARIABLE} to a token of a user allowed to edit the organisation",
                    exit_code=2,
                ) from None
            except (NotFound, ValidationError):
                raise
            except CKANAPIError as error:
                raise CatalogError(
                    f"CKAN at {self.address} failed {action}: {error_message(error)}",
                    exit_code=2 if _client_error(error) else 3,
                ) from None

    def _request_fn(self, url, data, headers, files, requests_kwargs):  # noqa: D102
        status, text = super()._request_fn(url, data, headers, files, requests_kwargs)
        return _check_status(status, text)

    def _request_fn_get(self, url, data_dict, headers, requests_kwargs):  # noqa: D102
        status, text = super()._request_fn_get(url, data_dict, headers, requests_kwargs)
        return _check_status(status, text)


def _check_status(status: int, text: str) -> tuple[int, str]:
    if status >= 500:
        raise ServerError(status, text)
    if status == 401:  # CKAN says 403; a proxy in front of it may say 401
        raise NotAuthorized({"message": "401 Unauthorized"})
    return status, text


def _client_error(error: CKANAPIError) -> bool:
    text = str(error)
    return any(f", {code}, " in text for code in (400, 401, 403, 404, 409, 413))


def describe(error: BaseException) -> str:
    """A short reason for a network or server failure (no URLs with credentials, no dumps)."""
    if isinstance(error, ServerError):
        return f"HTTP {error.status}"
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        return "connection refused or dropped"
    return type(error).__name__


def error_message(error: Exception) -> str:
    """The human part of a ckanapi error, on one line and bounded."""
    detail: Any = getattr(error, "error_dict", None) or getattr(error, "extra_msg", None) or error
    if isinstance(detail, dict):
        detail = detail.get("message") or "; ".join(
            f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
            for key, value in detail.items()
            if not key.startswith("__")
        )
    if isinstance(detail, str) and detail.startswith("["):  # ckanapi's repr([url, status, body])
        try:
            _, status, body = ast.literal_eval(detail)
            detail = f"HTTP {status}: {body}"
        except (ValueError, SyntaxError):
            pass
    text = scrub(" ".join(str(detail).split()))  # a body may echo the request's headers
    return text[:300] + ("…" if len(text) > 300 else "")


def connect(
    url: str,
    token: str | None = None,
    *,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
) -> CkanClient:
    """A client for the CKAN at ``url``, authenticated with ``token`` (default: from env)."""
    if not url.startswith(("http://", "https://")):
        raise CatalogError(f"--ckan {url!r}: expected an http(s) URL of a CKAN site", exit_code=2)
    token = token or token_from_environment()
    remember(token)
    return CkanClient(url, token, retries=retries, backoff=backoff)
