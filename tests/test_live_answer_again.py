"""A GET that a switch or withdraw broke half-way is answered again, not with a 500.

The race itself is exercised over HTTP by tests/test_serve_follows.py (20 switches and a
withdraw polled from another thread); here the retry rule is pinned down exactly.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from terbuka.datasette_plugins import live


def _run(app) -> tuple[list[dict], list[dict]]:
    sent: list[dict] = []
    links = live.Follower(SimpleNamespace(databases={}))
    scope = {"type": "http", "method": "GET", "path": "/"}

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        sent.append(message)

    calls: list[dict] = []

    async def counted(scope, receive, send):
        calls.append(scope)
        await app(links, send)

    asyncio.run(live.answer_again(counted, links, scope, receive, send))
    return sent, calls


async def _answer(send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": body})


def test_a_500_caused_by_a_switch_is_answered_again_on_the_new_state():
    async def app(links, send):
        if links.generation == 0:
            links.generation += 1  # another request switched the publication meanwhile
            await _answer(send, 500, b"unable to open database file")
        else:
            await _answer(send, 200, b"new publication")

    sent, calls = _run(app)
    assert len(calls) == 2
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [200]
    assert b"".join(m.get("body", b"") for m in sent) == b"new publication"


def test_a_500_without_a_switch_goes_out_as_it_is():
    async def app(links, send):
        await _answer(send, 500, b"a real bug")

    sent, calls = _run(app)
    assert len(calls) == 1
    assert sent[0]["status"] == 500 and sent[1]["body"] == b"a real bug"


@pytest.mark.parametrize("status", [200, 404, 410])
def test_other_answers_pass_through_even_when_a_switch_happened(status):
    async def app(links, send):
        links.generation += 1
        await _answer(send, status, b"x")

    sent, calls = _run(app)
    assert len(calls) == 1 and sent[0]["status"] == status


def test_switches_that_keep_overtaking_end_in_the_last_answer_not_a_loop():
    async def app(links, send):
        links.generation += 1
        await _answer(send, 500, b"again")

    sent, calls = _run(app)
    assert len(calls) == live.RETRIES + 1
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [500]
