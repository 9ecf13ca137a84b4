"""Webhooks on publish: signed, retried with back-off, never failing a live publication."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from terbuka.pipelines import webhooks


class Receiver:
    """A local HTTP endpoint that fails the first ``failures`` deliveries with 503."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.calls: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls.append({"headers": dict(self.headers), "body": body})
                if len(outer.calls) <= outer.failures:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?token=s3cret-query"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(failures=0):
        made.append(Receiver(failures))
        return made[-1]

    yield make
    for r in made:
        r.close()


RECORD = {
    "run_id": "20261204T000000Z-abc123", "dataset": "procurement", "status": "published",
    "started": "2026-12-04T00:00:00Z", "finished": "2026-12-04T00:01:00Z",
    "changes": {"tenders": {"added": 3, "changed": 1, "removed": 0}},
    "tables": {"tenders": {"rows": 120}}, "inputs": [{"path": "/home/budi/secret.csv"}],
}  # fmt: skip


def test_a_delivery_is_signed_and_retried_until_it_lands(receiver):
    hook = receiver(failures=2)
    body = webhooks.payload(RECORD, "https://data.example.go.id")
    [result] = webhooks.deliver([hook.url], body, secret="hook-secret", backoff=0.01)
    assert result["ok"] and result["status"] == 204 and result["attempts"] == 3
    assert len(hook.calls) == 3
    last = hook.calls[-1]
    assert last["headers"]["X-Terbuka-Event"] == "publication"
    assert last["headers"]["X-Terbuka-Signature"] == webhooks.signature(last["body"], "hook-secret")
    assert webhooks.signature(last["body"], "other") != last["headers"]["X-Terbuka-Signature"]
    sent = json.loads(last["body"])
    assert sent["run_id"] == RECORD["run_id"] and sent["changes"] == RECORD["changes"]
    assert sent["rows"] == {"tenders": 120} and sent["url"].endswith("/procurement")
    assert "inputs" not in sent  # local paths never leave
    assert "s3cret-query" not in json.dumps(result)


def test_a_failing_or_unreachable_hook_is_reported_not_raised(receiver):
    hook = receiver(failures=99)
    dead = "http://127.0.0.1:9/never"
    results = webhooks.deliver([hook.url, dead], {"x": 1}, secret=None, retries=2, backoff=0.01)
    assert [r["ok"] for r in results] == [False, False]
    assert results[0]["status"] == 503 and results[0]["attempts"] == 3
    assert "gave up" in results[1]["error"]
    assert "X-Terbuka-Signature" not in hook.calls[0]["headers"]


def test_urls_come_from_the_descriptor_and_the_environment(monkeypatch):
    monkeypatch.setenv(webhooks.URLS_ENV, "https://a.example/h, https://b.example/h")
    assert webhooks.webhook_urls(["https://b.example/h", "https://c.example/h"]) == [
        "https://b.example/h", "https://c.example/h", "https://a.example/h",
    ]  # fmt: skip


def test_a_run_tells_its_webhooks_once_published(receiver, tmp_path, monkeypatch):
    import shutil

    import yaml

    from terbuka.pipelines.demo import generate_procurement
    from terbuka.pipelines.runner import run_dataset

    hook = receiver(failures=1)
    folder = tmp_path / "procurement"
    shutil.copytree(Path(__file__).resolve().parents[1] / "metadata" / "procurement", folder)
    data = yaml.safe_load((folder / "dataset.yml").read_text("utf-8"))
    data["webhooks"] = [hook.url]
    (folder / "dataset.yml").write_text(yaml.safe_dump(data, allow_unicode=True))
    monkeypatch.setenv(webhooks.SECRET_ENV, "run-secret")
    monkeypatch.setenv("TERBUKA_HTTP_BACKOFF", "0.01")
    paths, _ = generate_procurement(tmp_path / "sources", seed=3, processes=12)
    record = run_dataset(folder, [str(p) for p in paths], tmp_path / "site", show_progress=False)
    assert record["status"] == "published", record.get("error")
    [result] = record["webhooks"]
    assert result["ok"] and result["attempts"] == 2 and "s3cret-query" not in result["url"]
    body = hook.calls[-1]["body"]
    assert hook.calls[-1]["headers"]["X-Terbuka-Signature"] == webhooks.signature(
        body, "run-secret"
    )
    sent = json.loads(body)
    assert sent["run_id"] == record["run_id"] and sent["changes"]["tenders"]["added"] > 0
    assert "run-secret" not in json.dumps(record)


def test_the_payload_says_why_and_which_publication_it_replaced():
    record = {**RECORD, "previous_run_id": "20261203T000000Z-def456", "note": "fixed a total",
              "answers": "12", "reason": "fixed a total (answers report 12)"}  # fmt: skip
    body = webhooks.payload(record, "https://data.example.go.id/")
    assert body["note"] == "fixed a total" and body["answers"] == "12"
    assert body["reason"] == "fixed a total (answers report 12)"
    assert body["previous_run_id"] == "20261203T000000Z-def456"
    assert body["version_url"] == (
        "https://data.example.go.id/-/terbuka/v/procurement/20261204T000000Z-abc123"
    )
    plain = webhooks.payload(RECORD)
    assert plain["note"] is plain["answers"] is plain["reason"] is None and "url" not in plain
