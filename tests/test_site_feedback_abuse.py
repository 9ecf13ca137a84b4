"""The feedback form under abuse, in-process: CSRF, floods, rotating addresses, proxies.

Datasette runs in this process over a copy of the published demo; each "reader" is an
httpx client on Datasette's ASGI app with its own peer address (what a socket would give).
"""

import asyncio
import json
import re

import httpx
import pytest
from conftest import database_datasette, demo_copy, feedback_reports, nonempty

from terbuka.datasette_plugins import feedback, feedback_store

FORM = "/-/terbuka/feedback"


@pytest.fixture
def folder(published_demo, tmp_path):
    return demo_copy(published_demo, tmp_path / "site", ".*")


@pytest.fixture(autouse=True)
def fresh_limits(monkeypatch):
    """Every test starts with no remembered addresses."""
    monkeypatch.setattr(feedback, "_RECENT", {})


def datasette(folder, plugins=None):
    metadata = json.loads((folder / "metadata.json").read_text())
    if plugins is not None:
        metadata.setdefault("plugins", {})["terbuka-feedback"] = plugins
    return database_datasette(folder, "procurement", metadata)


class Reader:
    """A browser at ``address``: loads a table page (cookie + form token), then posts."""

    def __init__(self, ds, address, headers=None):
        transport = httpx.ASGITransport(app=ds.app(), client=(address, 40000))
        self.http = httpx.AsyncClient(
            transport=transport, base_url="http://localhost", headers=headers or {}
        )
        self.token = None

    async def open_page(self):
        # one row: the page's form and cookie are what a reader needs, not its 100 rows
        html = (await self.http.get("/procurement/tenders?_size=1")).text
        self.token = re.search(r'name="csrftoken" value="([^"]+)"', html).group(1)
        return self

    async def report(self, message, token=True, **extra):
        data = {"dataset": "procurement", "table": "tenders", "page": "/procurement/tenders",
                "message": message, **extra}  # fmt: skip
        if token:
            data["csrftoken"] = self.token
        return await self.http.post(FORM + "?_lang=en", data=data)


def run(coroutine):
    return asyncio.run(coroutine)


def test_a_cross_site_post_without_the_token_is_refused(folder):
    async def scenario():
        ds = datasette(folder)
        await ds.invoke_startup()
        reader = await Reader(ds, "203.0.113.7").open_page()
        # A page on another site can make the browser post (cookies included), but it
        # cannot read the form's token.
        forged = await reader.report("forged", token=False)
        stranger = Reader(ds, "203.0.113.8")  # no cookie, no token at all
        blind = await stranger.http.post(FORM, data={"dataset": "procurement", "message": "x"})
        genuine = await reader.report("genuine")
        return forged, blind, genuine

    forged, blind, genuine = run(scenario())
    assert forged.status_code == 403 and blind.status_code == 403
    assert genuine.status_code == 200
    assert [r["message"] for r in feedback_reports(folder)] == ["genuine"]
    assert all(
        r["sender"] and "203.0.113" not in r["sender"] for r in nonempty(feedback_reports(folder))
    )


def test_rotating_addresses_are_limited_per_network(folder):
    async def scenario():
        ds = datasette(folder)
        await ds.invoke_startup()
        codes = []
        for i in range(30):  # a new address every time, all in one /24
            reader = await Reader(ds, f"198.51.100.{i + 1}").open_page()
            codes.append((await reader.report(f"rotating {i}")).status_code)
        elsewhere = await Reader(ds, "192.0.2.10").open_page()
        return codes, (await elsewhere.report("from another network")).status_code

    codes, elsewhere = run(scenario())
    assert codes.count(200) == feedback.PER_NETWORK and codes.count(429) == 30 - 20
    assert elsewhere == 200
    assert len(feedback_reports(folder)) == feedback.PER_NETWORK + 1


def test_a_flood_queues_and_sheds_the_flooders_reports_not_other_readers(folder, monkeypatch):
    """Past the hourly budget reports queue; when the queue is full the heaviest sender
    loses its newest queued report — a reader from a quiet network still gets in."""
    monkeypatch.setattr(feedback_store, "MAX_PER_HOUR", 3)
    monkeypatch.setattr(feedback_store, "MAX_PENDING", 4)
    monkeypatch.setattr(feedback, "PER_NETWORK", 1000)
    monkeypatch.setattr(feedback, "PER_CLIENT", 1000)

    async def scenario():
        ds = datasette(folder)
        await ds.invoke_startup()
        flooder = await Reader(ds, "198.51.100.66").open_page()
        flood = [(await flooder.report(f"flood {i}")).status_code for i in range(12)]
        readers = [await Reader(ds, f"192.0.{n}.10").open_page() for n in range(2, 5)]
        honest = [(await r.report(f"honest {n}")) for n, r in enumerate(readers)]
        return flood, honest

    flood, honest = run(scenario())
    assert flood[:3] == [200] * 3  # open, within the hourly budget
    assert flood[3:7] == [202] * 4  # queued
    assert set(flood[7:]) == {429}  # the flooder alone fills the queue: its excess is shed
    assert [r.status_code for r in honest] == [202] * 3
    assert "queued" in honest[0].text
    reports = feedback_reports(folder)
    pending = [r["message"] for r in reports if r["status"] == "pending"]
    assert len(pending) == 4  # the queue stays capped
    assert {"honest 0", "honest 1", "honest 2"} <= set(pending)
    assert [r["status"] for r in feedback_store.reports(folder)].count("pending") == 4


def test_x_forwarded_for_is_believed_only_from_trusted_proxies(folder):
    async def scenario(plugins):
        feedback._RECENT.clear()
        ds = datasette(folder, plugins)
        await ds.invoke_startup()
        codes = []
        for i in range(7):  # one proxy, seven different readers behind it
            hop = {"X-Forwarded-For": f"1.2.3.4, 192.0.{i + 10}.5"}
            reader = await Reader(ds, "10.0.0.2", headers=hop).open_page()
            codes.append((await reader.report(f"via proxy {i}")).status_code)
        return codes

    trusted = run(scenario({"trusted_proxies": ["10.0.0.0/8"]}))
    assert trusted == [200] * 7  # each reader counted apart: nobody is locked out
    untrusted = run(scenario({"trusted_proxies": []}))
    assert untrusted == [200] * 5 + [429] * 2  # the header is ignored: one client


@pytest.mark.parametrize(
    "peer, header, proxies, expected",
    [
        ("203.0.113.9", "1.1.1.1", [], "203.0.113.9"),  # nobody trusted: the peer
        ("203.0.113.9", "1.1.1.1", ["10.0.0.0/8"], "203.0.113.9"),  # peer not a proxy
        ("10.0.0.2", "6.6.6.6, 192.0.2.4", ["10.0.0.0/8"], "192.0.2.4"),  # forged hop ignored
        ("10.0.0.2", "192.0.2.4, 10.0.0.9", ["10.0.0.0/8"], "192.0.2.4"),  # two proxies
        ("10.0.0.2", "", ["10.0.0.0/8"], "10.0.0.2"),  # no header: the proxy itself
    ],
)
def test_client_address(peer, header, proxies, expected):
    import ipaddress

    scope = {"client": (peer, 1), "headers": [(b"x-forwarded-for", header.encode())]}
    assert feedback.client_address(scope, [ipaddress.ip_network(p) for p in proxies]) == expected
