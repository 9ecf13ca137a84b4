"""Atom feeds of a published site, validated against RFC 4287's own RELAX NG schema."""

from __future__ import annotations

import sqlite3
from functools import cache
from pathlib import Path

import pytest
from conftest import site_get
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = Path(__file__).parent / "data" / "atom-rfc4287.rnc"


@cache
def atom_schema() -> etree.RelaxNG:
    import rnc2rng

    rng = rnc2rng.dumps(rnc2rng.load(str(SCHEMA)))
    # rnc2rng declares `namespace local = ""` as xmlns:local="", which XML forbids; the
    # grammar itself already says ns="" where it means the empty namespace.
    return etree.RelaxNG(etree.fromstring(rng.replace('xmlns:local=""', "").encode()))


def valid_feed(body: bytes) -> etree._Element:
    """Parse a feed, validate it with RFC 4287's schema and its two schematron rules."""
    feed = etree.fromstring(body)
    schema = atom_schema()
    assert schema.validate(feed), schema.error_log
    entries = feed.findall(f"{ATOM}entry")
    assert feed.find(f"{ATOM}author") is not None or all(
        e.find(f"{ATOM}author") is not None for e in entries
    )
    for entry in entries:
        links = [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert links or entry.find(f"{ATOM}content") is not None
    return feed


def test_the_schema_refuses_an_invalid_feed():
    broken = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>'
    assert not atom_schema().validate(etree.fromstring(broken))


@pytest.fixture(scope="module")
def published(published_demo):
    out, _ = published_demo
    with sqlite3.connect(out / "procurement.db") as conn:
        conn.row_factory = sqlite3.Row
        flag = conn.execute(
            "select flag_id, count(*) as n from red_flags group by flag_id order by n desc"
        ).fetchone()
        buyer = conn.execute(
            "select buyer_id, count(*) as n from tenders where buyer_id is not null "
            "group by buyer_id order by n desc"
        ).fetchone()
        supplier = conn.execute(
            "select supplier_id, count(*) as n from award_suppliers "
            "group by supplier_id order by n desc"
        ).fetchone()
    return out, dict(flag), dict(buyer), dict(supplier)


def test_the_dataset_feed_lists_each_publication_with_its_changes(published):
    out = published[0]
    (response,) = site_get(out, "/-/terbuka/feeds/procurement.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = valid_feed(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) >= 1
    summary = entries[0].find(f"{ATOM}summary").text
    assert "tenders:" in summary and "added" in summary
    self_link = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link[0].get("href").endswith("/-/terbuka/feeds/procurement.atom")


def test_flag_buyer_and_supplier_feeds_list_their_processes(published):
    from datasette.utils import tilde_encode

    out, flag, buyer, supplier = published
    paths = [
        f"/-/terbuka/feeds/procurement/flags/{tilde_encode(flag['flag_id'])}.atom",
        f"/-/terbuka/feeds/procurement/buyers/{tilde_encode(buyer['buyer_id'])}.atom",
        f"/-/terbuka/feeds/procurement/suppliers/{tilde_encode(supplier['supplier_id'])}.atom",
    ]
    expected = [min(flag["n"], 100), min(buyer["n"], 100), supplier["n"]]
    for path, count, response in zip(paths, expected, site_get(out, *paths), strict=True):
        assert response.status_code == 200, path
        feed = valid_feed(response.content)
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) == min(count, 100), path
        ids = [e.find(f"{ATOM}id").text for e in entries]
        assert len(set(ids)) == len(ids)
        updated = [e.find(f"{ATOM}updated").text for e in entries]
        assert updated == sorted(updated, reverse=True), path
    flag_feed = etree.fromstring(site_get(out, paths[0])[0].content)
    assert flag["flag_id"] in flag_feed.find(f"{ATOM}title").text


def test_pages_announce_their_feed_and_unknown_feeds_are_404(published):
    from datasette.utils import tilde_encode

    out, flag, _, _ = published
    with sqlite3.connect(out / "procurement.db") as conn:
        ocid, buyer_id = conn.execute(
            "select t.ocid, t.buyer_id from tenders t join red_flags f on f.ocid = t.ocid "
            "where f.flag_id = ? limit 1",
            [flag["flag_id"]],
        ).fetchone()
    tender, page, missing, unknown = site_get(
        out,
        f"/procurement/tenders/{tilde_encode(ocid)}",
        "/procurement/tenders",
        "/-/terbuka/feeds/procurement/buyers/no-such-buyer.atom",
        "/-/terbuka/feeds/nothing-here.atom",
    )
    assert 'type="application/atom+xml"' in page.text
    assert "/-/terbuka/feeds/procurement.atom" in page.text
    assert missing.status_code == 404 and unknown.status_code == 404
    assert f"/-/terbuka/feeds/procurement/buyers/{tilde_encode(buyer_id)}.atom" in tender.text
    assert f"/-/terbuka/feeds/procurement/flags/{tilde_encode(flag['flag_id'])}.atom" in tender.text
