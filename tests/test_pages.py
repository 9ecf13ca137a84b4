"""Tender, buyer and supplier pages, readable numbers and the database page's order.

In-process (``ds.client``) over the full demo site (``terbuka demo --no-serve``): the
procurement (OCDS) and INAPROC databases, with the values checked against the tables.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import sqlite3
from urllib.parse import quote

import pytest
from conftest import site_get

from terbuka.datasette_plugins import numbers

# A raw float: a long fraction, an ungrouped integer part with a decimal point, or e+.
# (``1.486.000`` is Indonesian grouping, not a float.)
AMOUNT_FLOAT = re.compile(r"\b\d+\.\d{4,}\b|\b\d{4,}\.\d+\b|\d[eE]\+\d")


@pytest.mark.parametrize(
    "value, lang, expected",
    [
        (5_464_590_000_000.0, "id", "Rp\u00a05,46\u00a0T"),
        (2_500_000_000, "id", "Rp\u00a02,5\u00a0M"),
        (125_000_000, "id", "Rp\u00a0125\u00a0jt"),
        (950_000, "id", "Rp\u00a0950.000"),
        (1_250_000.4, "en", "Rp\u00a01.25\u00a0m"),
        (None, "id", "–"),
    ],
)
def test_rupiah_the_indonesian_way(value, lang, expected):
    assert numbers.rupiah(value, lang) == expected


def test_full_rupiah_and_durations():
    assert numbers.rupiah_full(1_250_000.0) == "Rp\u00a01.250.000"
    assert numbers.duration(68.6375) == "68 hari 15 jam"
    assert numbers.duration(1, "en") == "1 day"
    assert numbers.duration(1647.3016666666667 / 24, "en") == "68 days 15 hours"
    assert numbers.format_value(3.5, None) is None  # no unit: left as it is


@pytest.fixture(scope="module")
def site(demo_site):
    out, _ = demo_site
    return out


def one(out, sql, db="procurement"):
    with sqlite3.connect(out / f"{db}.db") as conn:
        return conn.execute(sql).fetchone()


def test_tender_page_tells_the_story_with_links_and_data(site):
    ocid, buyer_id, title = one(
        site,
        "select t.ocid, t.buyer_id, t.title from tenders t join red_flags f on f.ocid = t.ocid "
        "join awards a on a.ocid = t.ocid where t.value_amount is not null limit 1",
    )
    path = f"/-/terbuka/procurement/tender/{ocid}"
    page, as_json, as_csv, missing = site_get(
        site, path, path + ".json", path + ".csv?section=timeline", path + "x-none"
    )
    assert page.status_code == 200 and missing.status_code == 404
    html = page.text
    assert title in html
    assert f'href="/-/terbuka/procurement/buyer/{buyer_id}"' in html
    data = as_json.json()
    estimate = one(site, f"select value_amount from tenders where ocid = '{ocid}'")[0]
    assert data["facts"]["estimate"] == estimate  # raw value in JSON
    assert numbers.rupiah(estimate) in html  # readable in HTML
    flag_ids = {r[0] for r in sqlite3.connect(site / "procurement.db").execute(
        "select flag_id from red_flags where ocid = ?", [ocid])}  # fmt: skip
    assert {f["id"] for f in data["flags"]} == flag_ids
    for flag_id in flag_ids:
        assert f'id="flag-{flag_id}"' in html
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["step"] for r in rows][:2] == ["budget", "estimate"]
    assert "award" in [r["step"] for r in rows]
    assert "?ocid=" in html and "/procurement/releases?ocid=" in html  # the package's records
    assert "tbk-panel" in html and "Cara mengutip" in html  # trust panel, how to cite
    assert not AMOUNT_FLOAT.search(re.sub(r'(value|datetime|href)="[^"]*"', "", html))


def flag_sentence(page_html, flag_id):
    """The explanation of one flag on a page: its list item without the definition."""
    item = re.search(rf'<li id="flag-{flag_id}">(.*?)</li>', page_html, re.S)
    if item is None:  # Datasette's row page lists the flags in the trust panel
        item = re.search(rf'<li><span class="tbk-flag">{flag_id}</span>(.*?)</li>', page_html, re.S)
    text = re.sub(r'<span class="tbk-definition">.*?</span>|<details>.*?</details>', "", item.group(1), flags=re.S)  # fmt: skip
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def test_flag_explanations_read_amounts_in_the_rows_currency(site):
    ocid, measure, threshold = one(
        site,
        "select f.ocid, f.measure, f.threshold from red_flags f join tenders t using (ocid) "
        "where f.flag_id = 'TBK-PL-CEILING' and t.value_currency = 'IDR' limit 1",
    )
    tender, in_english, row = site_get(
        site, f"/-/terbuka/procurement/tender/{ocid}",
        f"/-/terbuka/procurement/tender/{ocid}?_lang=en", f"/procurement/tenders/{ocid}",
    )  # fmt: skip
    for response, lang in ((tender, "id"), (in_english, "en"), (row, "id")):
        sentence = flag_sentence(response.text, "TBK-PL-CEILING")
        shown = [numbers.money(v, "IDR", lang) for v in (measure, threshold)]
        assert all(text in sentence for text in shown), (sentence, shown)
        bare = [f"{v:,.0f}" for v in (measure, threshold)] + [f"{v:.1f}" for v in (measure, threshold)]  # fmt: skip
        assert not any(b in sentence or numbers.i18n.localise_digits(b, "id") in sentence for b in bare)  # fmt: skip
    assert "belum diverifikasi: rules" in flag_sentence(tender.text, "TBK-PL-CEILING")


def test_an_organisations_own_flags_are_explained_on_its_page(site):
    supplier_id, flag_id, measure = one(
        site,
        "select party_id, flag_id, measure from red_flag_parties where party_role = 'tenderer' "
        "order by party_id limit 1",
    )
    path = f"/-/terbuka/procurement/supplier/{supplier_id}"
    page, data, as_csv = site_get(site, path, path + ".json", path + ".csv?section=party_flags")
    assert "Tanda bahaya organisasi ini" in page.text
    (flag,) = [f for f in data.json()["flags"] if f["id"] == flag_id]
    assert flag["measure"] == measure and flag["explained"] in html.unescape(page.text)
    assert numbers.measure(measure, "count", "id") in flag["explained"]
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["id"], float(r["measure"])) for r in rows if r["id"] == flag_id] == [
        (flag_id, measure)
    ]


def test_methodology_page_shows_sources_and_marks_unverified_defaults(site):
    (ocid,) = one(site, "select ocid from red_flags where flag_id = 'TBK-PL-CEILING' limit 1")
    page, english, tender, missing = site_get(
        site, "/-/terbuka/procurement/red-flags", "/-/terbuka/procurement/red-flags?_lang=en",
        f"/-/terbuka/procurement/tender/{ocid}", "/-/terbuka/service-kpi/red-flags",
    )  # fmt: skip
    assert page.status_code == 200 and missing.status_code == 404
    with sqlite3.connect(site / "procurement.db") as conn:
        published = conn.execute("select flag_id, settings, unverified from red_flag_indicators").fetchall()  # fmt: skip
    for flag_id, settings, unverified in published:
        section = re.search(rf'<section class="tbk-indicator" id="{flag_id.lower()}".*?</section>', page.text, re.S).group(0)  # fmt: skip
        for name in json.loads(settings):
            basis = re.search(rf"<tr><td><code>{name}</code></td>.*?</tr>", section, re.S).group(0)
            assert ("belum diverifikasi" in basis) == (name in (unverified or "").split(",")), (flag_id, name)  # fmt: skip
    increase = re.search(r'id="tbk-contract-increase".*?</section>', page.text, re.S).group(0)
    assert "Perpres 16/2018 Pasal 54(2)" in increase and "terverifikasi" in increase
    assert 'href="https://christiangamas.net/' in increase and '<q lang="id">maksimal' in increase
    assert "Perpres 16/2018 art. 54(2)" in english.text
    assert "ICW opentender.net" in increase and "unverified" in english.text
    link = re.search(r'<li id="flag-TBK-PL-CEILING">.*?href="([^"]+)"', tender.text, re.S).group(1)
    assert link == "/-/terbuka/procurement/red-flags#tbk-pl-ceiling"
    assert 'id="tbk-pl-ceiling"' in page.text


@pytest.mark.parametrize("database", ["procurement", "inaproc"])
def test_methodology_page_in_indonesian_has_no_english_only_text(site, database):
    """Every citation, ICW note and label in Indonesian; English only where marked so."""
    from terbuka.datasette_plugins.pages import LABELS
    from terbuka.pipelines.red_flags.base import CITATIONS, TEXTS

    page, english = site_get(
        site, f"/-/terbuka/{database}/red-flags", f"/-/terbuka/{database}/red-flags?_lang=en"
    )
    article = re.search(r"<article.*?</article>", page.text, re.S).group(0)
    assert 'lang="en"' not in article
    shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", article)).split())
    shown_en = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", english.text)).split())
    catalogues = [*CITATIONS.values(), *LABELS.values()]
    catalogues += [texts[kind] for texts in TEXTS.values() for kind in ("title", "definition")]
    for texts in catalogues:
        if texts["en"] != texts["id"] and len(texts["en"].split()) > 1:
            assert texts["en"] not in shown, texts["en"]
    with sqlite3.connect(site / f"{database}.db") as conn:
        rows = conn.execute("select sources, icw from red_flag_indicators where origin = 'terbuka'").fetchall()  # fmt: skip
    assert rows
    for sources, icw in rows:
        for source in json.loads(sources):
            about_id = " ".join(html.unescape(source["about_id"]).split())
            assert about_id in shown and source["about"] in shown_en
            if source["quote"]:
                assert source["quote"] in shown and source["quote"] in shown_en
        note = json.loads(icw)
        assert note["note_id"] in shown and note["note"] in shown_en


def test_inaproc_tender_page_has_bids_and_payments(site):
    (ocid,) = one(
        site,
        "select b.ocid from bids b join amounts a on a.ocid = b.ocid and a.kind = 'payment' "
        "group by b.ocid limit 1",
        "inaproc",
    )
    (data,) = site_get(site, f"/-/terbuka/inaproc/tender/{ocid}.json")
    data = data.json()
    steps = [s["step"] for s in data["sections"]["timeline"]]
    assert steps[0] == "budget" and "bids" in steps and steps[-1] == "payment"
    with sqlite3.connect(site / "inaproc.db") as conn:
        paid = conn.execute(
            "select sum(amount) from amounts where ocid = ? and kind = 'payment'", [ocid]
        ).fetchone()[0]
        bids = conn.execute("select count(*) from bids where ocid = ?", [ocid]).fetchone()[0]
    assert data["facts"]["paid"] == paid
    assert len(data["sections"]["bids"]) == bids


def test_buyer_page_spending_suppliers_flags_and_risk_score(site):
    (buyer_id,) = one(
        site,
        "select t.buyer_id from tenders t join red_flags f on f.ocid = t.ocid "
        "group by t.buyer_id order by count(*) desc limit 1",
    )
    path = f"/-/terbuka/procurement/buyer/{buyer_id}"
    page, data = site_get(site, path, path + ".json")
    data = data.json()
    with sqlite3.connect(site / "procurement.db") as conn:
        processes = conn.execute(
            "select count(*) from tenders where buyer_id = ?", [buyer_id]
        ).fetchone()[0]
        flagged = conn.execute(
            "select count(distinct f.ocid) from red_flags f join tenders t using (ocid) "
            "where t.buyer_id = ?",
            [buyer_id],
        ).fetchone()[0]
    assert data["facts"]["processes"] == processes == sum(r["processes"] for r in data["sections"]["spending"])  # fmt: skip
    assert data["facts"]["flagged"] == flagged > 0
    shares = [s["share"] for s in data["sections"]["suppliers"]]
    assert shares and abs(sum(shares) - 1) < 0.01
    with sqlite3.connect(site / "procurement.db") as conn:
        conn.row_factory = sqlite3.Row
        score = conn.execute(
            "select * from risk_scores where subject_kind = 'buyer' and subject_id = ? "
            "order by period desc limit 1",
            [buyer_id],
        ).fetchone()
        components = conn.execute(
            "select component, value, contribution from risk_components "
            "where subject_kind = 'buyer' and subject_id = ? and period = ?",
            [buyer_id, score["period"]],
        ).fetchall()
    assert data["risk"]["score"] == score["score"] is not None
    assert {c["component"] for c in data["sections"]["risk"]} == {
        c["component"] for c in components
    }
    assert "/100" in page.text and 'id="risk"' in page.text
    first = data["sections"]["suppliers"][0]
    assert f"/-/terbuka/procurement/supplier/{first['supplier_key']}" in page.text


def test_a_page_without_risk_tables_says_not_computed_and_unjudged_is_not_clean(site, tmp_path):
    import shutil

    copy = tmp_path / "site"
    shutil.copytree(site, copy, symlinks=True)  # the links are relative: a separate copy
    assert not (copy / "procurement.db").resolve().is_relative_to(site.resolve())
    conn = sqlite3.connect(copy / "procurement.db")
    (buyer_id,) = conn.execute("select buyer_id from tenders limit 1").fetchone()
    conn.execute("update risk_scores set score = null where subject_kind = 'buyer' and subject_id = ?", [buyer_id])  # fmt: skip
    conn.execute("update risk_components set value = null, contribution = null where subject_kind = 'buyer' and subject_id = ?", [buyer_id])  # fmt: skip
    conn.commit()
    path = f"/-/terbuka/procurement/buyer/{buyer_id}"
    page, data = site_get(copy, path, path + ".json")
    assert data.json()["risk"]["score"] is None
    assert "Tidak ada komponen yang dapat dinilai" in page.text and "tidak dapat dinilai" in page.text  # fmt: skip
    conn.execute("drop table risk_components")
    conn.execute("drop table risk_scores")
    conn.commit()
    conn.close()
    page, data = site_get(copy, path, path + ".json")
    assert data.json()["risk"] is None
    assert "Belum dihitung" in page.text  # "not computed", never a clean score


def test_supplier_page_win_rate_and_co_bidders(site):
    (supplier_id,) = one(
        site,
        "select b.supplier_id from bids b join award_suppliers s on s.supplier_id = b.supplier_id "
        "group by b.supplier_id order by count(*) desc limit 1",
        "inaproc",
    )
    path = f"/-/terbuka/inaproc/supplier/{supplier_id}"
    page, data, co = site_get(site, path, path + ".json", path + ".csv?section=co_bidders")
    data = data.json()
    with sqlite3.connect(site / "inaproc.db") as conn:
        bids, wins = conn.execute(
            "select count(*), sum(winner) from bids where supplier_id = ?", [supplier_id]
        ).fetchone()
        others = {
            r[0]
            for r in conn.execute(
                "select distinct coalesce(o.supplier_id, o.supplier_name) from bids b "
                "join bids o on o.ocid = b.ocid where b.supplier_id = ? "
                "and coalesce(o.supplier_id, o.supplier_name) != b.supplier_id",
                [supplier_id],
            )
        }
    assert data["facts"]["win_rate"] == {"bids": bids, "wins": wins, "share": wins / bids}
    assert {r["supplier_key"] for r in csv.DictReader(io.StringIO(co.text))} == others
    assert data["facts"]["contracts"] == len(data["sections"]["won"]) > 0
    assert "/-/terbuka/inaproc/tender/" in page.text
    assert not AMOUNT_FLOAT.search(re.sub(r'(value|datetime|href)="[^"]*"', "", page.text))


@pytest.mark.parametrize(
    "path, column",
    [
        ("/procurement/tenders?_size=50", "value_amount"),
        ("/procurement/largest_awards", "value_amount"),
        ("/inaproc/packages", "hps"),
        ("/inaproc/bids_per_tender", "value_amount"),
    ],
)
def test_amount_cells_are_rupiah_in_html_and_raw_in_json(site, path, column):
    html, as_json = site_get(site, path, path.replace("?", ".json?", 1) if "?" in path else path + ".json")  # fmt: skip
    cells = re.findall(rf'<td class="col-{column}(?: [^"]*)?">(.*?)</td>', html.text, re.S)
    filled = [c for c in cells if c.strip() and "&nbsp;" not in c]
    assert filled and all("Rp" in c for c in filled), filled[:3]
    assert not any(AMOUNT_FLOAT.search(re.sub(r'(value|title)="[^"]*"', "", c)) for c in cells)
    payload = as_json.json()
    index = payload["columns"].index(column)
    assert any(isinstance(r[index], float) for r in payload["rows"])  # raw numbers in JSON


@pytest.mark.parametrize(
    "path, column, readable",
    [
        ("/procurement/risk_scores?_size=50", "coverage", r"\d+(,\d)?\xa0%"),
        ("/inaproc/risk_scores?_size=50", "score", r"\d+(,\d\d?)?"),
        ("/inaproc/risk_components?_size=50", "value", r"\d+(,\d)?\xa0%"),
        ("/inaproc/risk_components?_size=50", "contribution", r"\d+(,\d\d?)?"),
    ],
)
def test_risk_tables_read_shares_and_scores_never_raw_floats(site, path, column, readable):
    page, as_json = site_get(site, path, path.replace("?", ".json?", 1))
    cells = re.findall(rf'<td class="col-{column}(?: [^"]*)?">(.*?)</td>', page.text, re.S)
    shown = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells]
    shown = [c for c in shown if c]
    assert shown and all(re.fullmatch(readable, c) for c in shown), shown[:5]
    assert all('<data class="tbk-num" value="' in c for c in cells if "<data" in c)
    payload = as_json.json()
    index = payload["columns"].index(column)
    assert any(isinstance(r[index], float) for r in payload["rows"])  # raw in JSON


def test_chart_data_tables_group_numbers_the_readers_way(site):
    page, english = site_get(site, "/inaproc/tenders", "/inaproc/tenders?_lang=en")
    (table,) = re.findall(r'<table class="tbk-chart-data">.*?</table>', page.text, re.S)
    values = re.findall(r"<td>([\d.,]+)</td>", table)
    assert values and all(re.fullmatch(r"\d{1,3}(\.\d{3})*(,\d)?", v) for v in values), values
    assert not AMOUNT_FLOAT.search(table)
    (table_en,) = re.findall(r'<table class="tbk-chart-data">.*?</table>', english.text, re.S)
    assert re.search(r"<td>\d{1,3}(,\d{3})+</td>", table_en)


def test_methodology_page_cites_itself_and_offers_what_it_shows(site):
    page, as_json, as_csv = site_get(
        site, "/-/terbuka/procurement/red-flags",
        "/procurement/red_flag_indicators.json?_shape=array", "/procurement/red_flag_indicators.csv",
    )  # fmt: skip
    assert "Cara mengutip" in page.text and "tbk-panel" in page.text
    assert 'href="/procurement/red_flag_indicators.json?_shape=array"' in page.text
    assert 'href="/procurement/red_flag_indicators.csv"' in page.text
    shown = set(re.findall(r'<section class="tbk-indicator" id="([^"]+)"', page.text))
    assert shown == {r["flag_id"].lower() for r in as_json.json()}
    assert as_csv.status_code == 200 and "TBK-PL-CEILING" in as_csv.text


def test_durations_read_in_days_and_hours(site):
    page, raw = site_get(site, "/service-kpi/kpi_agency", "/service-kpi/kpi_agency.json?_shape=array")  # fmt: skip
    cells = re.findall(r'<td class="col-median_hours[^"]*">(.*?)</td>', page.text, re.S)
    shown = [re.sub(r"<[^>]+>", "", c) for c in cells if "data" in c]
    hours = [r["median_hours"] for r in raw.json() if r["median_hours"] is not None]
    assert shown and len(shown) == len(hours)
    assert shown == [numbers.duration(h / 24) for h in hours]
    assert all("hari" in text or "jam" in text for text in shown)


def test_ocid_buyer_and_supplier_cells_link_to_pages(site):
    tenders, awards, query, suppliers = site_get(
        site, "/procurement/tenders", "/procurement/awards", "/procurement/largest_awards",
        "/procurement/award_suppliers",
    )  # fmt: skip
    tender_link = r'<a class="tbk-page-link" href="/-/terbuka/procurement/tender/'
    # On the tenders table the ocid is the key (Datasette links it to the row): the title links.
    assert re.search(r'<td class="col-title[^"]*">' + tender_link, tenders.text)
    assert 'href="/-/terbuka/procurement/buyer/' in tenders.text
    for page in (awards, query):
        assert re.search(r'<td class="col-ocid[^"]*">' + tender_link, page.text)
    assert re.search(r'<td class="col-supplier_name[^"]*"><a class="tbk-page-link" href="/-/terbuka/procurement/supplier/', suppliers.text)  # fmt: skip


@pytest.mark.parametrize(
    "database, table, column, kind_column, kinds",
    [
        ("procurement", "red_flag_parties", "party_id", "party_role", {"buyer": "buyer", "tenderer": "supplier"}),
        ("inaproc", "risk_scores", "subject_id", "subject_kind", {k: k for k in ("tender", "buyer", "supplier")}),
        ("procurement", "risk_scores", "subject_id", "subject_kind", {k: k for k in ("tender", "buyer", "supplier")}),
        ("inaproc", "risk_components", "subject_id", "subject_kind", {k: k for k in ("tender", "buyer", "supplier")}),
    ],
)  # fmt: skip
def test_party_and_subject_cells_link_to_their_pages(site, database, table, column, kind_column, kinds):  # fmt: skip
    page = site_get(site, f"/{database}/{table}?_size=50")[0]
    linked = 0
    for row in re.findall(r"<tr>(.*?)</tr>", page.text, re.S):
        cell = re.search(rf'<td class="col-{column}(?: [^"]*)?">(.*?)</td>', row, re.S)
        kind = re.search(rf'<td class="col-{kind_column}(?: [^"]*)?">(.*?)</td>', row, re.S)
        if not cell or not kind:
            continue
        key = html.unescape(re.sub(r"<[^>]+>", "", cell.group(1))).strip()
        kind = html.unescape(re.sub(r"<[^>]+>", "", kind.group(1))).strip()
        if kind in kinds:
            href = f"/-/terbuka/{database}/{kinds[kind]}/{quote(key, safe='')}"
            assert f'href="{html.escape(href)}"' in cell.group(1), (cell.group(1), href)
            linked += 1
        else:  # a procuring entity has no page of its own
            assert "tbk-page-link" not in cell.group(1)
    assert linked
    target = re.search(r'class="tbk-page-link" href="([^"]+)"', page.text).group(1)
    assert site_get(site, html.unescape(target))[0].status_code == 200


def test_database_page_lists_data_before_system_tables_and_opens_on_a_useful_query(site):
    (page,) = site_get(site, "/procurement")
    listed = re.findall(r'<h3><a href="/procurement/([a-z_]+)"', page.text)
    first_system = min(i for i, name in enumerate(listed) if name.startswith("_"))
    assert listed[0] == "tenders"
    assert all(not n.startswith("_") for n in listed[:first_system])
    assert all(n.startswith("_") for n in listed[first_system:])
    sql = re.search(r'<textarea id="sql-editor" name="sql">([^<]*)', page.text).group(1)
    assert sql == "select * from tenders"
    assert "Kueri SQL sendiri" in page.text and 'value="Jalankan SQL"' in page.text
    assert re.search(r"<p>\d[\d.]* baris</p>", page.text)  # row counts with Indonesian separators


def test_facet_counts_and_datasette_strings_in_indonesian(site):
    id_page, en_page = site_get(site, "/procurement/tenders", "/procurement/tenders?_lang=en")
    assert re.search(r'<span class="facet-count">\d', id_page.text)
    assert "Terapkan" in id_page.text and "Ekspor lanjutan" in id_page.text
    assert 'aria-label="Kolom saringan"' in id_page.text
    assert "Apply" in en_page.text and "Advanced export" in en_page.text
    assert re.search(r"\d+ baris", id_page.text)


@pytest.mark.parametrize("path", ["/procurement/red_flags?_size=max", "/inaproc/red_flags?_size=max", "/procurement/red_flag_parties?_size=max"])  # fmt: skip
def test_red_flag_measures_read_in_their_unit_never_as_raw_floats(site, path):
    page, as_json = site_get(site, path, path.replace("?", ".json?", 1) + "&_shape=array")
    rows = as_json.json()
    assert rows
    shown = []
    for column in ("measure", "threshold", "value"):
        cells = re.findall(rf'<td class="col-{column}[^"]*">(.*?)</td>', page.text, re.S)
        shown += [re.sub(r"<[^>]+>", "", c) for c in cells if "<data" in c]
        assert not any(re.search(r"\d\.\d{3,}|\d{5,}\.\d", c) for c in shown), shown[:5]
    assert shown
    with sqlite3.connect(site / f"{path.split('/')[1]}.db") as conn:
        units = dict(conn.execute("select flag_id, measure_unit from red_flag_indicators"))
    for row in rows:
        unit = units[row["flag_id"]]
        if row["measure"] is not None and unit == "share":
            assert numbers.measure(row["measure"], unit, "id").endswith("%")
            assert numbers.measure(row["measure"], unit, "id") in shown
        if row["measure"] is not None and unit == "amount":
            assert "Rp" in numbers.measure(row["measure"], unit, "id", "IDR")


@pytest.mark.parametrize(
    "unit, value, expected",
    [
        ("days", 12.5, "12 hari 12 jam"),
        ("share", 0.0523, "5,2\u00a0%"),
        ("ratio", 1.25, "1,25×"),
        ("amount", 2_500_000_000.0, "Rp\u00a02,5\u00a0M"),
        ("count", 3.0, "3"),
        ("number", 0.333333, "0,33"),
    ],
)
def test_measure_units(unit, value, expected):
    assert numbers.measure(value, unit, "id", "IDR") == expected


def test_datasette_filter_line_and_sql_toggle_in_indonesian(site):
    path = "/procurement/tenders?status=complete&_sort_desc=value_amount"
    id_page, en_page, query_id, query_en = site_get(
        site, path, path + "&_lang=en",
        "/procurement?sql=select+1&_hide_sql=1", "/procurement?sql=select+1&_hide_sql=1&_lang=en",
    )  # fmt: skip
    id_text, en_text = html.unescape(id_page.text), html.unescape(en_page.text)
    assert 'dengan status = "complete", diurutkan menurut value_amount (menurun)' in id_text
    assert "where status" not in id_text and "sorted by" not in id_text
    assert 'where status = "complete" sorted by value_amount descending' in en_text
    assert "tampilkan SQL" in query_id.text and ">show<" in query_en.text
    assert "Kueri SQL sendiri menghasilkan 1 baris" in query_id.text
    assert "Custom SQL query returning 1 row" in query_en.text


@pytest.mark.parametrize("database", ["procurement", "inaproc"])
def test_cardinal_output_has_cardinals_shape_and_meta(site, database):
    (response,) = site_get(site, f"/-/terbuka/{database}/cardinal.json")
    assert response.status_code == 200
    output = response.json()
    assert list(output)[-1] == "Meta"
    groups = [g for g in output if g != "Meta"]
    assert set(groups) <= {"OCID", "Buyer", "ProcuringEntity", "Tenderer"}
    with sqlite3.connect(site / f"{database}.db") as conn:
        results = conn.execute("select cardinal_group, identifier, indicator, value from cardinal_results").fetchall()  # fmt: skip
        metas = dict(conn.execute("select flag_id, meta from red_flag_indicators where origin = 'cardinal' and meta is not null"))  # fmt: skip
    assert sorted(
        (g, i, code, value) for g in groups for i, codes in output[g].items() for code, value in codes.items()
    ) == sorted(results)  # fmt: skip
    assert set(output["Meta"]) == set(metas)
    for code, meta in output["Meta"].items():
        assert code.startswith("R") and meta
        assert set(meta) <= {"q1", "q3", "lower_fence", "upper_fence"}
        assert {"lower_fence", "upper_fence"} & set(meta)
        assert all(round(v, 4) == v for v in meta.values())
    (missing,) = site_get(site, "/-/terbuka/service-kpi/cardinal.json")
    assert missing.status_code == 404
