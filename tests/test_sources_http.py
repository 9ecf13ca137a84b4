"""The HTTP client against a real server on loopback: the behaviours portals really show."""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading

import pytest
from conftest import nonempty
from pullkit import LoopbackServer, Reply

from terbuka.pipelines.archive import Archive
from terbuka.pipelines.errors import InputError
from terbuka.pipelines.fetch import Credentials, Fetcher, redact_url, retry_after

BODY = ("kd_tender,nama_paket\n" + "".join(f"{i},Paket {i}\n" for i in range(2000))).encode()


@pytest.fixture
def server():
    with LoopbackServer() as running:
        yield running


@pytest.fixture
def archive(tmp_path):
    store = Archive(tmp_path / "archive")
    yield store
    store.close()


@pytest.fixture
def fetcher(archive):
    sleeps: list[float] = []
    client = Fetcher(archive, dataset="test", backoff=0.01, sleep=sleeps.append)
    client.sleeps = sleeps
    yield client
    client.close()


def test_etag_gives_304_and_reuses_the_archived_copy(server, fetcher, archive):
    server.static("/tenders.csv", BODY)
    first = fetcher.get(server.url("/tenders.csv"))
    assert first.status == 200 and first.new
    assert first.sha256 == hashlib.sha256(BODY).hexdigest()
    assert first.path.read_bytes() == BODY
    second = fetcher.get(server.url("/tenders.csv"))
    assert second.status == 304 and second.not_modified
    assert second.sha256 == first.sha256 and second.path == first.path
    hits = server.hits_for("/tenders.csv")
    assert "if-none-match" not in hits[0].headers
    assert hits[1].headers["if-none-match"] == first.headers["etag"]
    assert [f["status"] for f in archive.trace(first.sha256)] == [200, 304]


def test_last_modified_is_sent_back(server, fetcher):
    stamp = "Wed, 01 May 2024 10:00:00 GMT"
    server.static("/budget.csv", BODY, etag=False, last_modified=stamp)
    fetcher.get(server.url("/budget.csv"))
    again = fetcher.get(server.url("/budget.csv"))
    assert again.status == 304
    assert server.hits_for("/budget.csv")[1].headers["if-modified-since"] == stamp


def test_same_bytes_without_validators_are_stored_once(server, fetcher, archive):
    server.static("/plain.csv", BODY, etag=False)
    first = fetcher.get(server.url("/plain.csv"))
    second = fetcher.get(server.url("/plain.csv"))
    assert second.status == 200 and not second.new and second.sha256 == first.sha256
    assert len(list(archive.objects.rglob("*"))) == 2  # one folder, one payload


def test_gzip_content_encoding_is_decoded_and_the_plain_bytes_archived(server, fetcher):
    server.static("/big.csv", BODY, gzip_encoding=True)
    fetched = fetcher.get(server.url("/big.csv"))
    assert server.hits[0].headers["accept-encoding"] == "gzip"
    assert fetched.path.read_bytes() == BODY
    assert fetched.sha256 == hashlib.sha256(BODY).hexdigest()


def test_redirects_are_followed(server, fetcher):
    server.static("/files/v2/tenders.csv", BODY)
    server.routes["/latest.csv"] = lambda hit: Reply(
        302, b"", {"Location": server.url("/files/v2/tenders.csv")}
    )
    fetched = fetcher.get(server.url("/latest.csv"))
    assert fetched.path.read_bytes() == BODY
    assert fetched.final_url.endswith("/files/v2/tenders.csv")


def test_user_agent_names_terbuka(server, fetcher):
    server.static("/a", b"x")
    fetcher.get(server.url("/a"))
    assert server.hits[0].headers["user-agent"].startswith("terbuka/")


def test_a_500_then_success_is_retried_with_backoff(server, fetcher):
    calls = []

    def flaky(hit):
        calls.append(hit)
        return Reply(500, b"oops") if len(calls) < 3 else Reply(200, BODY)

    server.routes["/flaky.csv"] = flaky
    fetched = fetcher.get(server.url("/flaky.csv"), retries=3)
    assert fetched.status == 200 and fetched.attempts == 3
    assert fetcher.sleeps == [0.01, 0.02]  # exponential back-off


def test_retry_after_is_honoured(server, fetcher):
    calls = []

    def busy(hit):
        calls.append(hit)
        return (
            Reply(429, b"slow down", {"Retry-After": "7"}) if len(calls) == 1 else Reply(200, b"ok")
        )

    server.routes["/busy"] = busy
    fetcher.get(server.url("/busy"))
    assert fetcher.sleeps == [7.0]


def test_retry_after_as_http_date():
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after("120") == 120.0
    assert retry_after("soon") is None


def test_persistent_500_names_url_and_status(server, fetcher, archive):
    server.routes["/down.json"] = lambda hit: Reply(503, b"maintenance")
    with pytest.raises(InputError) as caught:
        fetcher.get(server.url("/down.json"), retries=2)
    message = str(caught.value)
    assert server.url("/down.json") in message
    assert "HTTP 503" in message and "3 attempts" in message
    assert len(server.hits_for("/down.json")) == 3


def test_404_fails_at_once_naming_url_and_status(server, fetcher, archive):
    with pytest.raises(InputError) as caught:
        fetcher.get(server.url("/missing.csv"))
    assert str(caught.value) == f"{server.url('/missing.csv')}: HTTP 404 Not Found"
    assert len(server.hits) == 1
    assert [f["status"] for f in archive.fetches()] == [404]


def test_slow_response_times_out_then_a_patient_client_gets_it(server, fetcher):
    server.routes["/slow.csv"] = lambda hit: Reply(200, BODY, delay=1.0)
    with pytest.raises(InputError, match=r"timed out after 0.2 s \(gave up after 2 attempts\)"):
        fetcher.get(server.url("/slow.csv"), timeout=0.2, retries=1)
    fetched = fetcher.get(server.url("/slow.csv"), timeout=5)
    assert fetched.path.read_bytes() == BODY


def test_truncated_body_is_retried_and_never_archived(server, fetcher, archive):
    calls = []

    def cut(hit):
        calls.append(hit)
        return Reply(200, BODY, truncate_to=len(BODY) // 2 if len(calls) == 1 else None)

    server.routes["/cut.csv"] = cut
    fetched = fetcher.get(server.url("/cut.csv"))
    assert fetched.path.read_bytes() == BODY and fetched.attempts == 2
    server.routes["/always-cut.csv"] = lambda hit: Reply(200, BODY, truncate_to=100)
    with pytest.raises(InputError, match="truncated"):
        fetcher.get(server.url("/always-cut.csv"), retries=1)
    stored = {p.name for p in archive.objects.rglob("*") if p.is_file()}
    assert stored == {hashlib.sha256(BODY).hexdigest()}
    assert not list(archive.tmp.iterdir())


def test_size_limit(server, fetcher, archive):
    server.static("/huge.csv", BODY)
    with pytest.raises(InputError, match="byte limit"):
        fetcher.get(server.url("/huge.csv"), max_bytes=1000)
    server.static("/huge.gz", BODY, gzip_encoding=True)  # no usable Content-Length
    with pytest.raises(InputError, match="larger than the 1000 byte limit"):
        fetcher.get(server.url("/huge.gz"), max_bytes=1000)
    assert not [p for p in archive.objects.rglob("*") if p.is_file()]


def test_token_goes_in_the_header_and_nowhere_else(server, fetcher, archive, caplog):
    token = "s3cr3t-token-value"

    def protected(hit):
        if hit.headers.get("authorization") != f"Bearer {token}":
            return Reply(401, b"no")
        return Reply(200, b"[]", {"Set-Cookie": f"session={token}", "X-Api-Key": token})

    server.routes["/protected"] = protected
    with caplog.at_level(logging.DEBUG):
        fetched = fetcher.get(server.url("/protected"), credentials=Credentials(token))
        with pytest.raises(InputError) as caught:
            fetcher.get(server.url("/protected"))
    assert fetched.status == 200
    assert "HTTP 401" in str(caught.value)
    assert token not in caplog.text
    manifest = (archive.root / "manifest.db").read_bytes()
    assert token.encode() not in manifest
    assert "set-cookie" not in fetched.headers and "x-api-key" not in fetched.headers


def test_token_in_a_query_parameter_is_redacted(server, fetcher, archive):
    token = "q-token-123"
    server.routes["/q"] = lambda hit: Reply(
        200 if hit.query.get("api_key") == token else 403, b"{}"
    )
    fetched = fetcher.get(server.url("/q"), credentials=Credentials(token, param="api_key"))
    assert fetched.status == 200 and fetched.url == server.url("/q")
    assert fetched.final_url == server.url("/q?api_key=***")
    assert all(token not in f["url"] for f in nonempty(archive.fetches(), "fetches"))


def test_redact_url():
    assert redact_url("https://user:pw@x.go.id/a?apikey=abc&tahun=2024") == (
        "https://x.go.id/a?apikey=***&tahun=2024"
    )
    assert redact_url("https://x.go.id/isb/api/TOKEN1/json", ["TOKEN1"]) == (
        "https://x.go.id/isb/api/***/json"
    )


def test_one_request_at_a_time_per_host_by_default(server, archive):
    server.routes["/slow"] = lambda hit: Reply(200, hit.query.get("n", "").encode(), delay=0.3)
    fetcher = Fetcher(archive)
    urls = [server.url(f"/slow?n={i}") for i in range(3)]
    threads = [threading.Thread(target=fetcher.get, args=(u,)) for u in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(server.hits) == 3 and server.max_inflight == 1
    # "localhost" is another host name for the limiter: requests may overlap.
    server.max_inflight = 0
    names = [server.url("/slow?n=9"), server.url("/slow?n=8", host="localhost")]
    threads = [threading.Thread(target=fetcher.get, args=(u,)) for u in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert server.max_inflight == 2
    fetcher.close()


def test_gzip_file_without_content_encoding_is_kept_compressed(server, fetcher):
    packed = gzip.compress(BODY)
    server.static("/tenders.csv.gz", packed, content_type="application/gzip")
    fetched = fetcher.get(server.url("/tenders.csv.gz"))
    assert fetched.path.read_bytes() == packed  # readers open .gz themselves
