"""The site as a new reader sees it, in headless Chromium (Debian's), driven by Playwright.

Screenshots go to tests/artifacts/ (ignored by git) so a reviewer can look at what the
tests saw. axe-core comes from the npm registry (``.ci/install`` puts it in the venv).
"""

import json
from urllib.parse import quote

import pytest
from conftest import ROOT, demo_copy, get_json, serving

# slow: a real Chromium drives a real served site (true HTTP)
pytestmark = pytest.mark.slow

AXE = ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
TRUST_FACTS = {
    "id": ["Lisensi", "Penerbit", "Sumber", "Diperbarui", "Kualitas", "Privasi"],
    "en": ["Licence", "Publisher", "Source", "Last updated", "Quality", "Privacy"],
}


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="id-ID")
    tab = context.new_page()
    yield tab
    context.close()


def shot(tab, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def facts_in_view(tab, lang):
    """Each trust fact's label and value are on screen without scrolling."""
    height = tab.viewport_size["height"]
    for label in TRUST_FACTS[lang]:
        row = tab.locator(".tbk-facts > div", has=tab.locator("dt", has_text=label)).first
        assert row.is_visible(), label
        box = row.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= height, (label, box, height)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone-360"])
def test_panel_shows_licence_source_freshness_quality_privacy_at_first_sight(
    browser, datasette_url, viewport
):
    context = browser.new_context(viewport=viewport, locale="id-ID")
    tab = context.new_page()
    for table in ("tenders", "awards", "red_flags"):
        tab.goto(f"{datasette_url}/procurement/{table}")
        facts_in_view(tab, "id")
        licence = tab.locator(".tbk-facts a[rel=license]")
        assert licence.get_attribute("href") == "https://creativecommons.org/licenses/by/4.0/"
        assert "pemeriksaan lolos" in tab.locator(".tbk-quality").inner_text()
        assert "data pribadi" in tab.locator(".tbk-privacy").inner_text()
        width = tab.evaluate("document.querySelector('.tbk-panel').getBoundingClientRect().right")
        assert width <= viewport["width"], "the panel fits the screen"
        overflow = tab.evaluate(
            "(() => { const p = document.querySelector('.tbk-panel'); return p.scrollWidth - p.clientWidth; })()"
        )
        assert overflow <= 1, "nothing in the panel scrolls sideways"
    shot(tab, f"panel-{viewport['width']}")
    context.close()


def test_a_red_flag_question_answers_in_one_click(page, datasette_url):
    page.goto(f"{datasette_url}/procurement/tenders")
    page.get_by_role("link", name="Tender dengan satu penawar").click()
    page.wait_for_url("**/procurement/single_bidder_tenders")
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() > 0
    assert "Tender dengan satu penawar" in page.locator(".tbk-panel").inner_text()
    shot(page, "question-single-bidder")
    page.goto(f"{datasette_url}/procurement/tenders")
    page.get_by_role("link", name="Masa penawaran singkat").click()
    page.wait_for_url("**/procurement/short_tender_periods")
    assert page.locator("table.rows-and-columns tbody tr").count() > 0


def test_language_switch(page, datasette_url):
    page.goto(f"{datasette_url}/procurement/tenders")
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.locator("#tbk-panel-heading").inner_text().startswith("Tentang data ini")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**_lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#tbk-panel-heading").inner_text() == "About this data: Public procurement"
    facts_in_view(page, "en")
    shot(page, "language-en")
    page.goto(f"{datasette_url}/procurement/awards")  # no parameter: the cookie remembers
    assert page.locator("#tbk-panel-heading").inner_text().startswith("About this data")
    assert page.get_by_role("link", name="Awards above the owner's estimate").count() == 1
    page.get_by_role("link", name="Bahasa Indonesia").click()
    assert page.locator("#tbk-panel-heading").inner_text().startswith("Tentang data ini")
    page.goto(f"{datasette_url}/procurement/awards")
    assert page.locator("html").get_attribute("lang") == "id"


def test_charts_render(page, datasette_url):
    page.goto(f"{datasette_url}/procurement")
    charts = page.locator("svg.tbk-svg")
    assert charts.count() == 3
    for index in range(3):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 50
    bars = page.locator("#chart-supplier_concentration svg rect")
    assert bars.count() > 0 and bars.first.bounding_box()["width"] > 0
    assert page.locator("#chart-tenders_per_month svg circle").count() > 5
    page.locator("#chart-supplier_concentration").scroll_into_view_if_needed()
    shot(page, "charts-database")
    page.goto(f"{datasette_url}/procurement/tenders")
    page.get_by_text("Grafik (1)").click()
    assert page.locator("#chart-tenders_per_month svg polyline").first.is_visible()
    shot(page, "charts-tenders")


def test_red_flag_badges_lead_to_the_flags(page, datasette_url):
    page.goto(f"{datasette_url}/procurement/tenders?_sort=ocid")
    badge = page.locator("a.tbk-flag").first
    assert badge.is_visible()
    flag_id = badge.inner_text()
    badge.click()
    page.wait_for_url("**/procurement/red_flags?ocid=*")
    assert flag_id in page.locator("table.rows-and-columns").inner_text()


@pytest.fixture(scope="module")
def own_site(published_demo, tmp_path_factory):
    folder = demo_copy(published_demo, tmp_path_factory.mktemp("browser-site") / "site")
    with serving(folder) as served:
        yield served


def test_reporting_a_problem(page, own_site):
    page.goto(f"{own_site.url}/procurement/tenders")
    page.get_by_text("Laporkan masalah pada data ini").click()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.get_by_label("Pesan").fill(
        'Nilai HPS salah <script>alert("x")</script><img src=x onerror=alert(2)>'
    )
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url("**/-/terbuka/feedback*")
    receipt = page.locator(".tbk-message").inner_text()
    assert receipt == 'Nilai HPS salah <script>alert("x")</script><img src=x onerror=alert(2)>'
    assert dialogs == [] and page.locator(".tbk-message img").count() == 0
    shot(page, "feedback-receipt")
    page.get_by_role("link", name="Kembali ke data").click()
    assert page.url.endswith("/procurement/tenders")


def axe(tab, **context):
    if not AXE.exists():
        pytest.skip("axe-core is not installed (.ci/install puts it in .venv/axe)")
    tab.add_script_tag(path=str(AXE))
    return tab.evaluate(
        """(context) => axe.run(
            context.include ? {include: context.include} : document,
            context.rules ? {resultTypes: ['violations'], runOnly: {type: 'rule', values: context.rules}}
                          : {resultTypes: ['violations']})""",
        context,
    )["violations"]


def serious(violations):
    return [
        {"id": v["id"], "impact": v["impact"], "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


PAGE_RULES = [
    "html-has-lang",
    "html-lang-valid",
    "document-title",
    "valid-lang",
    "duplicate-id-aria",
]


@pytest.mark.parametrize(
    "path, viewport",
    [
        ("/procurement", DESKTOP), ("/procurement", PHONE),
        ("/procurement/tenders", DESKTOP), ("/procurement/tenders", PHONE),
        ("/procurement/parties", DESKTOP), ("ROW", PHONE),
        ("/procurement/short_tender_periods", DESKTOP),
    ],
    ids=lambda v: str(v.get("width")) if isinstance(v, dict) else v.strip("/").replace("/", "-"),
)  # fmt: skip
def test_no_serious_accessibility_violations_in_what_terbuka_adds(
    browser, datasette_url, path, viewport
):
    context = browser.new_context(viewport=viewport, locale="id-ID")
    tab = context.new_page()
    if path == "ROW":
        flagged = tab.request.get(
            f"{datasette_url}/procurement/red_flags.json?_shape=array&_size=1"
        ).json()
        path = f"/procurement/tenders/{flagged[0]['ocid']}"
    tab.goto(datasette_url + path)
    tab.evaluate("document.querySelectorAll('.tbk-panel details').forEach(d => d.open = true)")
    ours = serious(axe(tab, include=[[".tbk-panel"], [".tbk-lang"]]))
    assert ours == [], ours
    page_level = serious(axe(tab, rules=PAGE_RULES))
    assert page_level == [], page_level
    context.close()


def test_datasettes_own_findings_are_recorded(browser, datasette_url):
    """A full-page audit, kept as an artefact: what remains is Datasette's own markup."""
    context = browser.new_context(viewport=DESKTOP, locale="id-ID")
    tab = context.new_page()
    tab.goto(f"{datasette_url}/procurement/tenders")
    findings = serious(axe(tab))
    assert tab.locator(".tbk-panel").count() == 1, "the audited page has no terbuka panel"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe-tenders-full-page.json").write_text(json.dumps(findings, indent=1))
    for finding in findings:
        for target in finding["targets"]:
            assert not any(t.startswith((".tbk", "#tbk")) for t in target), finding
    context.close()


def test_feedback_receipt_page_is_accessible(browser, own_site):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    tab = context.new_page()
    tab.goto(f"{own_site.url}/procurement/awards")
    tab.get_by_text("Report a problem with this data").click()
    tab.get_by_label("Message").fill("The award date is wrong.")
    tab.get_by_role("button", name="Send report").click()
    tab.wait_for_url("**/-/terbuka/feedback*")
    assert serious(axe(tab)) == []
    context.close()


def serious_axe_violations(tab):
    tab.add_script_tag(path=str(AXE))
    found = tab.evaluate("async () => (await axe.run(document)).violations")
    return [(v["id"], v["nodes"][0]["html"][:120]) for v in found if v["impact"] in ("serious", "critical")]  # fmt: skip


def story_pages(url, database):
    """A tender with red flags, its buyer and a supplier (a flagged one where there is one)."""
    if database == "inaproc":
        bid = get_json(url + "/inaproc/bids.json?_shape=array&winner=1&_size=1")[0]
        ocid, supplier = bid["ocid"], bid["supplier_id"]
    else:
        ocid = get_json(url + f"/{database}/red_flags.json?_shape=array&_size=1&_sort=ocid")[0]["ocid"]  # fmt: skip
        supplier = get_json(url + f"/{database}/red_flag_parties.json?_shape=array&_size=1&party_role=tenderer")[0]["party_id"]  # fmt: skip
    buyer = get_json(url + f"/-/terbuka/{database}/tender/{quote(ocid, safe='')}.json")["facts"]["buyer_id"]  # fmt: skip
    return {
        kind: f"/-/terbuka/{database}/{kind}/{quote(key, safe='')}"
        for kind, key in (("tender", ocid), ("buyer", buyer), ("supplier", supplier))
    }


def no_sideways_scroll_outside_tables(tab):
    """The page is no wider than the screen; only ``.tbk-scroll`` table wrappers may scroll.

    The trust panel's closed sections are opened first: what they hide must fit too.
    """
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= tab.viewport_size["width"], width
    tab.evaluate("document.querySelectorAll('.tbk-panel details').forEach(d => d.open = true)")
    wide = tab.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => !e.closest('.tbk-scroll, table') && e.checkVisibility()
                         && e.getBoundingClientRect().right > innerWidth + 1)
            .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
    )
    assert wide == [], wide


@pytest.mark.parametrize("database", ["procurement", "inaproc"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone-360"])
def test_story_pages_show_key_facts_first_without_sideways_scroll(browser, demo_site_url, viewport, database):  # fmt: skip
    """Tender, buyer and supplier pages: facts on the first screen, fits 360 px, axe clean."""
    context = browser.new_context(viewport=viewport, locale="id-ID")
    tab = context.new_page()
    for kind, path in story_pages(demo_site_url, database).items():
        tab.goto(demo_site_url + path)
        no_sideways_scroll_outside_tables(tab)
        facts = tab.locator(".tbk-keyfacts > div")
        assert facts.count() >= 4
        for index in range(facts.count()):
            box = facts.nth(index).bounding_box()
            assert box and box["y"] + box["height"] <= viewport["height"], (kind, index, box)
        text = tab.locator(".tbk-keyfacts").inner_text()
        assert "Rp" in text, (kind, text)
        if kind == "tender" and database == "procurement":  # flags are key facts of a tender
            assert tab.locator(".tbk-keyfacts a.tbk-flag").count() > 0
        shot(tab, f"page-{database}-{kind}-{viewport['width']}")
        assert serious_axe_violations(tab) == [], (kind, viewport["width"])
    tab.goto(f"{demo_site_url}/-/terbuka/{database}/red-flags")  # where a flag's link leads
    no_sideways_scroll_outside_tables(tab)
    assert tab.locator("section.tbk-indicator").count() > 0
    assert serious_axe_violations(tab) == [], ("methodology", viewport["width"])
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone-360"])
def test_datasettes_own_pages_fit_and_pass_axe(browser, demo_site_url, viewport):
    """The pages around the story pages: axe clean at 1280 px, only tables scroll at 360 px."""
    context = browser.new_context(viewport=viewport, locale="id-ID")
    tab = context.new_page()
    datasette_pages = (
        "/inaproc", "/inaproc/packages", "/procurement/tenders?status=complete",
        "/procurement/largest_awards", f"/procurement/tenders/{first_tender(demo_site_url)}",
        "/inaproc/bids_per_tender",
    )  # fmt: skip
    for path in datasette_pages:
        tab.goto(demo_site_url + path)
        if viewport is DESKTOP:
            assert serious_axe_violations(tab) == [], path
        else:  # Datasette's own pages: only tables may scroll sideways
            width = tab.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (path, width)
    context.close()


def first_tender(url):
    import urllib.request

    with urllib.request.urlopen(url + "/procurement/tenders.json?_shape=array&_size=1") as r:
        return json.loads(r.read())[0]["ocid"]
