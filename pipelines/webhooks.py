"""Tell other systems a publication went live: signed webhooks, retried with back-off.

The URLs come from the descriptor (``webhooks:``) and from ``$TERBUKA_WEBHOOK_URLS``
(space- or comma-separated); the signing secret only from ``$TERBUKA_WEBHOOK_SECRET``.
Each delivery is a JSON POST of the publication's public summary with

- ``X-Terbuka-Event: publication``, ``X-Terbuka-Delivery: <uuid>``;
- ``X-Terbuka-Signature: sha256=<hex>``: HMAC-SHA256 of the exact body with the secret
  (when one is set), so a receiver can check the call came from this publisher.

Server errors, 429 and network failures are retried with exponential back-off
(urllib3's ``Retry``, honouring ``Retry-After``). The publication is already live when
hooks run, so a failed delivery never fails the run: it is reported in the run record
(``webhooks``) with the URL's secrets removed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import uuid
from collections.abc import Iterable
from typing import Any

from .fetch import BACKOFF, redact_url, user_agent

URLS_ENV = "TERBUKA_WEBHOOK_URLS"
SECRET_ENV = "TERBUKA_WEBHOOK_SECRET"
RETRIES = 4
TIMEOUT = 10.0
SUMMARY_KEYS = (
    "run_id",
    "previous_run_id",
    "dataset",
    "status",
    "started",
    "finished",
    "changes",
    "quality",
)
# Why the publication changes the data (``run --note``/``--answers``): a receiver that
# alerts a newsroom says "corrected, answers report 12", not only "3 rows changed".
REASON_KEYS = ("note", "answers", "reason")


def webhook_urls(descriptor_urls: Iterable[str] | None) -> list[str]:
    """The descriptor's URLs, then the environment's, each once."""
    found = list(descriptor_urls or [])
    found += [u for u in re.split(r"[\s,]+", os.environ.get(URLS_ENV, "")) if u]
    return list(dict.fromkeys(found))


def payload(record: dict[str, Any], site_url: str | None = None) -> dict[str, Any]:
    """What a delivery says: the publication's public summary and where to see it."""
    body = {key: record[key] for key in SUMMARY_KEYS if key in record}
    body.update({key: record.get(key) or None for key in REASON_KEYS})
    body["event"] = "publication"
    body["rows"] = {t: c.get("rows") for t, c in (record.get("tables") or {}).items()}
    if site_url:
        from terbuka.publish.versions import version_path

        base = site_url.rstrip("/")
        body["url"] = f"{base}/{record.get('dataset')}"
        body["version_url"] = base + version_path(str(record.get("dataset")), record["run_id"])
    return body


def signature(body: bytes, secret: str) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the body (what ``X-Terbuka-Signature`` carries)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(
    urls: list[str],
    body: dict[str, Any],
    *,
    secret: str | None = None,
    retries: int = RETRIES,
    backoff: float = BACKOFF,
    timeout: float = TIMEOUT,
) -> list[dict[str, Any]]:
    """POST ``body`` to every URL; one result per URL (never raises for a failed hook)."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    secret = secret if secret is not None else os.environ.get(SECRET_ENV) or None
    data = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str).encode()
    retry = Retry(
        total=retries,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"POST"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    results = []
    with requests.Session() as session:
        session.mount("http://", HTTPAdapter(max_retries=retry))
        session.mount("https://", HTTPAdapter(max_retries=retry))
        for url in urls:
            delivery = str(uuid.uuid4())
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": user_agent(),
                "X-Terbuka-Event": "publication",
                "X-Terbuka-Delivery": delivery,
            }
            if secret:
                headers["X-Terbuka-Signature"] = signature(data, secret)
            shown = redact_url(url, [secret] if secret else [])
            result: dict[str, Any] = {"url": shown, "delivery": delivery}
            try:
                response = session.post(url, data=data, headers=headers, timeout=timeout)
            except requests.exceptions.RequestException as error:
                reason = type(error).__name__
                result.update(ok=False, attempts=retries + 1, error=f"{reason} (gave up)")
            else:
                history = getattr(getattr(response.raw, "retries", None), "history", ()) or ()
                result.update(
                    ok=response.status_code < 300,
                    status=response.status_code,
                    attempts=len(history) + 1,
                )
                if response.status_code >= 300:
                    result["error"] = f"HTTP {response.status_code}"
            results.append(result)
    return results
