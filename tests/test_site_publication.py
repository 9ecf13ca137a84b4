"""The panel reads whatever the publish stage wrote — and only that — defensively.

Datasette runs in-process here (``ds.client``) over copies of the published demo that
other stages may shape differently: a ``_quality`` table with a score, a filled
``_privacy`` table, an HTML quality report, a missing run history.
"""

import asyncio
import json
import sqlite3

import pytest
from conftest import database_datasette, demo_copy
from datasette.app import Datasette


@pytest.fixture
def site(published_demo, tmp_path):
    return demo_copy(published_demo, tmp_path / "site", ".*")


def get(folder, *paths):
    async def fetch():
        ds = database_datasette(folder, "procurement")
        await ds.invoke_startup()
        return [await ds.client.get(path) for path in paths]

    return asyncio.run(fetch())


def test_quality_score_report_and_privacy_table_are_used_when_present(site):
    run_id = json.loads((site / "procurement" / "run.json").read_text())["run_id"]
    with sqlite3.connect(site / "procurement.db") as conn:
        conn.execute("delete from _quality")  # rows as docs/quality.md describes them
        conn.executemany(
            "insert into _quality (run_id, check_id, kind, status, value) values (?, ?, ?, ?, ?)",
            [
                ("old-run", "score", "score", "pass", 20),
                (run_id, "score", "score", "pass", 87),
                (run_id, "licence", "flag", "pass", 1),
                (run_id, "award-after-tender", "rule", "quarantined", 2),
                (run_id, "schema-valid", "flag", "fail", 1),
                (run_id, "up-to-date", "flag", "skip", None),
                (run_id, "completeness", "completeness", "info", 0.5),
            ],
        )
        conn.execute("delete from _privacy")
        conn.executemany(
            "insert into _privacy (run_id, table_name, column_name, entity, operator, count) values (?, ?, ?, ?, ?, ?)",
            [
                (run_id, "tenders", "description", "ID_NIK", "replace", 7),
                (run_id, "parties", "contact_email", "EMAIL_ADDRESS", "drop", 3),
                ("old-run", "tenders", "description", "PERSON", "replace", 999),
            ],
        )
    (site / "procurement" / "quality.html").write_text(
        "<!doctype html><title>Laporan</title><p>Skor 87</p>"
    )
    table, report = get(site, "/procurement/tenders?_lang=en", "/-/terbuka/quality/procurement")
    assert table.status_code == 200
    assert "Quality score: 87/100" in table.text and "2 of 3 checks passed" in table.text
    assert 'href="/-/terbuka/quality/procurement">quality report</a>' in table.text
    assert "10 personal values removed or replaced" in table.text, "only this run's privacy rows"
    assert "NIKs (national id numbers): 7 (replaced in text)" in table.text
    assert "999" not in table.text.split('class="tbk-panel"')[1].split("</section>")[0]
    assert report.status_code == 200 and "Skor 87" in report.text


def test_missing_history_and_report_still_give_a_panel(site):
    with sqlite3.connect(site / "procurement.db") as conn:
        conn.execute("drop table _runs")
        conn.execute("drop table _privacy")
    (site / "procurement" / "quality.html").unlink(missing_ok=True)
    page, report, json_api = get(
        site,
        "/procurement/awards?_lang=en",
        "/-/terbuka/quality/procurement",
        "/procurement/awards.json?_size=1",
    )
    assert page.status_code == 200 and 'class="tbk-panel"' in page.text
    assert "checks passed" in page.text, "run.json still has the quality summary"
    assert "personal values removed" in page.text, "run.json's privacy_detail is used"
    assert 'href="/procurement/_quality_notes">quality notes</a>' in page.text
    assert report.status_code == 404 and json_api.status_code == 200


def test_a_database_terbuka_did_not_publish_gets_datasettes_own_block(site, tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("create table t (a text)")

    async def fetch():
        ds = Datasette([str(other)], metadata={"license": "ODbL", "source": "somewhere"})
        await ds.invoke_startup()
        return await ds.client.get("/other/t")

    page = asyncio.run(fetch())
    assert page.status_code == 200 and 'class="tbk-panel"' not in page.text
    assert "Data license:" in page.text and "ODbL" in page.text


def test_a_broken_chart_does_not_break_the_page(site):
    fragment = site / "procurement" / "datasette.json"  # the database's own metadata
    metadata = json.loads(fragment.read_text())
    charts = metadata["plugins"]["terbuka"]["charts"]
    charts["broken"] = {"title": "Broken", "sql": "select nope from nowhere", "x": "a", "y": "b"}
    fragment.write_text(json.dumps(metadata))
    page, image = get(site, "/procurement", "/-/terbuka/charts/procurement/broken.svg")
    assert page.status_code == 200 and "no such table: nowhere" in page.text
    assert page.text.count('class="tbk-svg"') == 3
    assert image.status_code == 404


def test_the_plugin_config_is_resolved_once_per_block_and_a_new_block_is_seen(monkeypatch):
    """``render_cell`` asks for the config for every cell: it is resolved once (``$env``
    included) and read again only when the metadata holds a new block (a republish)."""
    from terbuka.datasette_plugins import publication

    monkeypatch.setenv("TBK_SECRET", "first")
    block = {"dataset": "procurement", "token": {"$env": "TBK_SECRET"}}
    ds = Datasette(metadata={"databases": {"db": {"plugins": {"terbuka": block}}}})
    ds.add_memory_database("db")
    first = publication.config(ds, "db")
    assert first == {"dataset": "procurement", "token": "first"}
    assert publication.config(ds, "db") is first  # not walked again
    republished = {"dataset": "procurement", "title": "new", "token": {"$env": "TBK_SECRET"}}
    ds._metadata_local["databases"]["db"]["plugins"]["terbuka"] = republished
    assert publication.config(ds, "db") == {**first, "title": "new"}
    assert publication.config(ds, "other") is None


def test_metadata_asked_for_one_database_is_that_databases_block(demo_site):
    """Datasette deep-copies what ``get_metadata`` returns for every table it lists, so a
    question about one database gets that database's block only; the whole site otherwise."""
    from conftest import site_datasette

    from terbuka.datasette_plugins import live

    out, _ = demo_site
    ds = site_datasette(out)
    asyncio.run(ds.invoke_startup())
    everything = live.get_metadata(ds, "tables", None, None)["databases"]
    assert {"procurement", "budget"} <= set(everything)
    one = live.get_metadata(ds, "tables", "procurement", "tenders")
    assert one == {"databases": {"procurement": everything["procurement"]}}
    assert live.get_metadata(ds, "tables", "not-served", None) == {}
    assert ds.plugin_config("terbuka", database="budget", fallback=False)["dataset"] == "budget"
