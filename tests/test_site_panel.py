"""The dataset panel, languages, questions, red flags and charts over real HTTP."""

import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import httpx
import pytest

from terbuka.datasette_plugins.i18n import (
    LABELS,
    LANGUAGES,
    NumberFormatter,
    language_from_scope,
    number,
)

LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def page(site, path, **kwargs):
    """GET ``path`` from a site served in-process, or over HTTP when ``site`` is a base URL."""
    if isinstance(site, str):
        response = httpx.get(site + path, timeout=30, **kwargs)
    else:
        response = site.get(path, **kwargs)
    assert response.status_code == 200, (path, response.status_code, response.text[-500:])
    return response


def panel(html):
    match = re.search(r'<section class="tbk-panel".*?</section>', html, re.S)
    assert match, "no terbuka panel on the page"
    return match.group(0)


def every_page(site):
    tables = [t["name"] for t in site.json("/procurement.json")["tables"]]
    ocid = site.json("/procurement/tenders.json?_shape=array&_size=1")[0]["ocid"]
    queries = list(site.json("/-/metadata.json")["databases"]["procurement"]["queries"])
    return (
        ["/procurement"]
        + [f"/procurement/{t}" for t in tables]
        + [f"/procurement/tenders/{ocid}"]
        + [f"/procurement/{q}" for q in queries]
    )


def test_every_database_table_row_and_question_page_has_the_panel(demo_site_client):
    paths = every_page(demo_site_client)
    assert "/procurement/_quarantine" in paths and "/procurement/red_flags" in paths
    tables = {
        f"/procurement/{t['name']}" for t in demo_site_client.json("/procurement.json")["tables"]
    }
    for path in paths:
        rows = "&_size=1" if path in tables else ""  # the panel is the table's, not its rows'
        box = panel(page(demo_site_client, path + "?_lang=en" + rows).text)
        assert f'href="{LICENCE_URL}" rel="license"' in box, path
        assert "Creative Commons Attribution 4.0 International" in box
        assert "Pemerintah Kota Contoh" in box and "Sistem Pengadaan Secara Elektronik" in box
        assert re.search(r'<time datetime="20\d\d-\d\d-\d\dT[^"]+">20\d\d-', box), path
        assert "Update frequency" in box and "monthly" in box
        assert re.search(r"\d+ of \d+ checks passed", box), path
        assert re.search(r"[\d,]+ personal values removed or replaced", box), path
        assert "How to cite" in box and "curl &#39;http" in box and "urllib.request" in box


def test_table_panel_describes_columns_privacy_and_api(demo_site_client):
    box = panel(page(demo_site_client, "/procurement/parties?_lang=en").text)
    assert "<code>contact_url</code>" in box and "Columns (" in box
    assert "In this table" in box and "column removed" in box, (
        "parties' contact columns were dropped"
    )
    assert f"{demo_site_client.url}/procurement/parties.json?_shape=array&amp;_size=100" in box
    contracts = panel(page(demo_site_client, "/procurement/contracts?_lang=id").text)
    assert "Kolom (" in contracts and "Cara mengutip" in contracts


def test_quality_facts_come_from_the_run(demo_site_client, published_demo):
    _, record = published_demo
    box = panel(page(demo_site_client, "/procurement/releases?_lang=en&_size=1").text)
    quarantined = record["tables"]["releases"]["quarantined"]
    assert f"quarantined rows: {quarantined}" in box
    assert f"Quality score: {record['quality']['score']}/100" in box
    # every publication has its quality report, so the panel links it
    assert 'href="/-/terbuka/quality/procurement"' in box


@pytest.mark.parametrize(
    "query, cookie, accept, expected",
    [
        ("_lang=en", None, None, "en"),
        ("_lang=id", "en", "en", "id"),
        ("", "en", "id", "en"),
        ("", None, "en-GB,en;q=0.9", "en"),
        ("", None, "fr, in;q=0.5", "id"),
        ("", None, None, "id"),
        ("_lang=xx", None, None, "id"),
    ],
)
def test_language_choice(query, cookie, accept, expected):
    headers = []
    if cookie:
        headers.append((b"cookie", f"terbuka_lang={cookie}".encode()))
    if accept:
        headers.append((b"accept-language", accept.encode()))
    scope = {"type": "http", "query_string": query.encode(), "headers": headers}
    assert language_from_scope(scope) == expected


def test_numbers_follow_the_language():
    assert number(1234567.5, "id") == "1.234.567,5" and number(1234567.5, "en") == "1,234,567.5"
    assert number(-3, "id") == "-3" and number(None, "en") == "–"
    template = "Nilai {measure:,.0f} melebihi batas {threshold:,.0f}, {ratio:.2f}×"
    assert NumberFormatter("id").format(template, measure=3.309e9, threshold=2e8, ratio=1.5) == (
        "Nilai 3.309.000.000 melebihi batas 200.000.000, 1,50×"
    )


def test_every_label_exists_in_both_languages():
    for key, texts in LABELS.items():
        assert set(texts) == set(LANGUAGES) and all(texts.values()), key


def test_language_switch_is_remembered(demo_site_client):
    english = page(demo_site_client, "/procurement/tenders?_lang=en&_size=1")
    assert english.headers["content-language"] == "en"
    assert '<html lang="en">' in english.text
    assert "About this data" in english.text and "Ready-made questions" in english.text
    assert "terbuka_lang=en" in english.headers["set-cookie"]
    remembered = page(
        demo_site_client, "/procurement/awards?_size=1", cookies={"terbuka_lang": "en"}
    )
    assert "About this data" in remembered.text and '<html lang="en">' in remembered.text
    indonesian = page(demo_site_client, "/procurement/tenders?_lang=id&_size=1")
    assert '<html lang="id">' in indonesian.text
    assert "Tentang data ini" in indonesian.text and "Pertanyaan siap pakai" in indonesian.text
    assert "Tender dengan satu penawar" in indonesian.text
    assert re.search(r"\d{1,3}(\.\d{3})+ nilai data pribadi dihapus atau diganti", indonesian.text)
    assert re.search(r"\d{1,3}(,\d{3})+ personal values removed or replaced", english.text)
    assert "Single-bidder tenders" in english.text
    assert 'hreflang="en"' in indonesian.text and 'aria-current="true"' in indonesian.text


def test_questions_are_one_click_away_and_answer_them(demo_site_client):
    box = panel(page(demo_site_client, "/procurement/tenders?_lang=en&_size=1").text)
    links = dict(
        (title, href)
        for href, title in re.findall(r'<li><a href="(/procurement/\w+)"[^>]*>([^<]+)</a>', box)
    )
    for title in (
        "Single-bidder tenders",
        "Short tender periods",
        "Awards above the owner&#39;s estimate",
        "Supplier concentration per buyer",
    ):
        assert title in links, (title, links)
    short = demo_site_client.json(links["Short tender periods"] + ".json?_shape=array")
    assert short and all(r["days"] < r["threshold_days"] for r in short)
    single = demo_site_client.json(links["Single-bidder tenders"] + ".json?_shape=array")
    assert single and all(
        r["number_of_tenderers"] == 1 and r["procurement_method"] in ("open", "selective")
        for r in single
    )
    above = demo_site_client.json(
        links["Awards above the owner&#39;s estimate"] + ".json?_shape=array"
    )
    assert above and all(r["awarded"] > r["estimate"] and r["ratio"] > 1 for r in above)
    shares = demo_site_client.json(links["Supplier concentration per buyer"] + ".json?_shape=array")
    assert shares and all(0 < r["share_percent"] <= 100 for r in shares)


def test_red_flags_show_on_the_tenders_row(demo_site_client):
    flagged = demo_site_client.json(
        "/procurement/red_flags.json?_shape=array&flag_id=R018&_size=1"
    )[0]
    ocid = flagged["ocid"]
    listing = page(demo_site_client, f"/procurement/tenders?ocid={ocid}").text
    assert re.search(
        r'class="tbk-flag" href="/procurement/red_flags\?ocid=[^"]+" title="Hanya satu penawaran / Single bid received">R018</a>',
        listing,
    )
    row = page(demo_site_client, f"/procurement/tenders/{ocid}?_lang=en").text
    assert "Red flags" in row and "Single bid received" in row and "Only 1 tenderer" in row
    assert "cardinal-rs/blob/main/docs/cli/indicators/R/018.md" in row
    row_id = page(demo_site_client, f"/procurement/tenders/{ocid}?_lang=id").text
    assert "Tanda bahaya" in row_id and "Hanya satu penawaran" in row_id
    unflagged = demo_site_client.json(
        "/procurement.json?_shape=array&sql=select+ocid+from+tenders+where+ocid+not+in+(select+ocid+from+red_flags)+limit+1"
    )[0]["ocid"]
    clean = page(demo_site_client, f"/procurement/tenders/{unflagged}?_lang=en").text
    assert "No red flags for this process." in clean


def test_charts_render_from_published_data(demo_site_client):
    html = page(demo_site_client, "/procurement?_lang=en").text
    assert html.count('class="tbk-svg"') == 3
    assert "Largest supplier&#39;s share per buyer" in html
    svg = demo_site_client.get(
        "/-/terbuka/charts/procurement/red_flags_by_indicator.svg?_lang=en",
        timeout=30,
    )
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.text)
    ns = {"s": "http://www.w3.org/2000/svg"}
    counts = demo_site_client.json(
        "/procurement.json?_shape=array&sql=select+flag_id,+count(*)+as+n+from+red_flags+group+by+flag_id"
    )
    bars = root.findall(".//s:rect", ns)
    assert len(bars) == len(counts)
    tooltips = sorted(b.find("s:title", ns).text for b in bars)
    assert tooltips == sorted(f"{c['flag_id']}: {c['n']:,} processes" for c in counts)
    assert (
        root.get("role") == "img"
        and root.find("s:title", ns).text == "Processes flagged per indicator"
    )
    assert (
        demo_site_client.get("/-/terbuka/charts/procurement/nope.svg", timeout=30).status_code
        == 404
    )


def test_table_pages_without_charts_stay_light(demo_site_client):
    with_chart = page(demo_site_client, "/procurement/tenders").text
    assert 'class="tbk-svg"' in with_chart
    light = page(demo_site_client, "/procurement/parties").text
    assert "<svg" not in light.split('class="tbk-panel"', 1)[1].split("</section>", 1)[0]
    scripts = re.findall(r"<script[^>]*src=\"([^\"]+)\"", light)
    assert scripts == ["/-/static/table.js"], "terbuka adds no script to a page"
    css = demo_site_client.get("/-/static-plugins/terbuka/terbuka.css", timeout=30)
    assert css.status_code == 200 and len(css.content) < 8_000


def jsonld(html):
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


def test_schema_org_dataset_on_database_and_table_pages(demo_site_client):
    database = jsonld(page(demo_site_client, "/procurement").text)
    assert database["@context"] == "https://schema.org/" and database["@type"] == "Dataset"
    assert database["url"] == database["@id"] == demo_site_client.url + "/procurement"
    assert database["license"] == LICENCE_URL and len(database["description"]) >= 50
    assert database["publisher"]["name"] == "Pemerintah Kota Contoh"
    assert {p["name"] for p in database["hasPart"]} >= {"Tender", "Tanda bahaya"}
    html = page(demo_site_client, "/procurement/tenders?_lang=en").text
    table = jsonld(html)
    assert table["url"] == demo_site_client.url + "/procurement/tenders"
    assert f'<link rel="canonical" href="{table["url"]}">' in html
    assert table["isPartOf"]["@id"] == database["@id"] and table["name"].endswith(": Tenders")
    assert any(v["name"] == "number_of_tenderers" for v in table["variableMeasured"])
    downloads = {d["encodingFormat"]: d["contentUrl"] for d in table["distribution"]}
    csv_text = demo_site_client.get(downloads["text/csv"]).text
    rows = demo_site_client.json(
        "/procurement.json?sql=select+count(*)+as+n+from+tenders&_shape=array"
    )[0]["n"]
    assert len(csv_text.strip().splitlines()) >= rows + 1
    assert "</script" not in json.dumps(table)


def test_json_api_allows_cross_origin_use(demo_site_client):
    response = demo_site_client.get(
        "/procurement/tenders.json?_size=1",
        headers={"Origin": "https://example.org"},
        timeout=30,
    )
    assert response.headers["access-control-allow-origin"] == "*"


def test_permalinks_are_stable(demo_site_client):
    box = panel(page(demo_site_client, "/procurement/tenders?status=active&_lang=en").text)
    assert f'href="{demo_site_client.url}/procurement/tenders?status=active"' in box, (
        "no _lang in permalinks"
    )


def test_the_api_examples_work_as_shown(datasette_url, published_demo):
    import contextlib
    import html as html_module
    import io
    import shutil
    import sqlite3
    import subprocess

    out, _ = published_demo
    box = panel(page(datasette_url, "/procurement/awards?_lang=en").text)  # over HTTP: the
    # examples name the served address
    curl, python = [
        html_module.unescape(c)
        for c in re.findall(r"<pre[^>]*><code>(.*?)</code></pre>", box, re.S)
    ]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(python, {})  # the example as a reader would paste it
    with sqlite3.connect(out / "procurement.db") as conn:
        awards = conn.execute("select count(*) from awards").fetchone()[0]
    assert len(printed.getvalue().splitlines()) == awards, "the loop follows next_url to the end"
    assert curl.startswith("curl '") and curl.endswith("'")
    url = curl[len("curl '") : -1]
    if shutil.which("curl"):
        result = subprocess.run(["curl", "-s", url], capture_output=True, text=True, timeout=30)
        assert len(json.loads(result.stdout)) == min(100, awards)
    else:
        assert len(httpx.get(url, timeout=30).json()) == min(100, awards)


def test_every_bundled_dataset_gets_its_panel_and_charts(demo_site, full_demo_client):
    from terbuka.metadata import load_descriptor

    _, records = demo_site
    assert {"procurement", "budget", "service-kpi"} <= set(records)
    for dataset in records:
        charts = load_descriptor(dataset).get("charts") or {}
        assert charts, f"{dataset} declares no charts"
        html = page(full_demo_client, f"/{dataset}?_lang=en").text
        assert "About this data" in panel(html) and "checks passed" in panel(html)
        assert html.count('class="tbk-svg"') == len(charts), dataset
        for name, spec in charts.items():
            svg = full_demo_client.get(f"/-/terbuka/charts/{dataset}/{name}.svg", timeout=30)
            assert svg.status_code == 200, (dataset, name, svg.text[:200])
            marks = svg.text.count("<rect") + svg.text.count("<circle")
            rows = full_demo_client.json(f"/{dataset}.json?_shape=array&sql=" + quote(spec["sql"]))
            drawn = [r for r in rows if r[spec["y"]] is not None][: spec.get("limit", 60)]
            legend = (
                len({r[spec["series"]] for r in rows})
                if spec.get("series") and len({r[spec["series"]] for r in rows}) > 1
                else 0
            )
            assert marks == len(drawn) + legend, (dataset, name)
