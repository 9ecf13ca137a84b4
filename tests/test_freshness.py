"""Freshness and provenance from the data itself, on real data and on small tables.

UK releases from 2014 are 2014 data, not "updated today"; an example descriptor shows
the publisher the sources name, or says it is not set; an OCDS run that could not be
validated says so and scores lower.
"""

import json
from datetime import UTC, datetime

import pytest
import sqlite_utils
from conftest import OCDS_SCHEMA, site_get

from terbuka.pipelines import coverage
from terbuka.pipelines.runner import run_dataset
from terbuka.pipelines.steward import write_descriptor
from terbuka.pipelines.summary import truth_lines

EXAMPLES = "procurement/ocds-real-examples-2018"
NOW = datetime(2026, 12, 5, tzinfo=UTC)


def flags(record):
    return {f["id"]: f for f in record["quality"]["flags"]}


# --- the period, measured ---------------------------------------------------------------


@pytest.fixture
def db():
    database = sqlite_utils.Database(memory=True)
    database["releases"].insert_all(
        [
            {"ocid": "a", "date": "2014-03-02T10:00:00Z"},
            {"ocid": "b", "date": "2014-12-17T00:00:00Z"},
            {"ocid": "c", "date": "2091-01-01T00:00:00Z"},  # a typo in the future
            {"ocid": "d", "date": "not a date"},
            {"ocid": "e", "date": None},
        ]
    )
    database["lines"].insert_all([{"fiscal_year": y} for y in (2019, 2023, 3023)])
    database["months"].insert_all([{"month": m} for m in ("2024-01", "2024-07", "bogus")])
    database["codes"].insert_all([{"code": "x"}])
    return database


SCHEMAS = {
    "releases": {
        "fields": [{"name": "ocid", "type": "string"}, {"name": "date", "type": "datetime"}]
    },
    "lines": {"fields": [{"name": "fiscal_year", "type": "integer"}]},
    "months": {"fields": [{"name": "month", "type": "string"}]},
    "codes": {"fields": [{"name": "code", "type": "string"}]},
}


def test_each_table_gets_its_earliest_and_latest_meaningful_date(db):
    found = coverage.measure(db, SCHEMAS, "releases", "releases.date", now=NOW)
    assert found["tables"] == {
        "releases": {"column": "date", "start": "2014-03-02", "end": "2014-12-17"},
        "lines": {"column": "fiscal_year", "start": "2019-01-01", "end": "2023-12-31"},
        "months": {"column": "month", "start": "2024-01-01", "end": "2024-07-01"},
    }
    # The dataset's period is its freshness column's, not the latest date of any table.
    assert (found["start"], found["end"], found["column"]) == (
        "2014-03-02",
        "2014-12-17",
        "releases.date",
    )


def test_without_freshness_the_main_table_decides_and_no_dates_means_no_period(db):
    assert coverage.measure(db, SCHEMAS, "lines", now=NOW)["end"] == "2023-12-31"
    assert coverage.measure(db, {"codes": SCHEMAS["codes"]}, "codes", now=NOW) == {}


@pytest.mark.parametrize(
    "end, frequency, expected",
    [
        ("2014-12-17", "monthly", True),
        ("2026-11-20", "monthly", False),
        ("2026-10-01", "monthly", True),
        ("2026-01-31", "annual", False),
        ("2024-06-30", "annual", True),
        ("2014-12-17", "irregular", None),
        (None, "monthly", None),
    ],
)
def test_overdue_is_judged_from_the_datas_date(end, frequency, expected):
    assert coverage.overdue(end, frequency, NOW) is expected


# --- real data, an example descriptor --------------------------------------------------


@pytest.fixture(scope="module")
def uk_offline(tmp_path_factory, shared_data):
    """UK 2014 releases through the bundled example, with the OCDS schema unavailable."""
    site = tmp_path_factory.mktemp("uk-site")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TERBUKA_OCDS_SCHEMA", str(site / "no-schema-here.json"))
        record = run_dataset(
            "procurement",
            [str(shared_data / EXAMPLES / "uk-contracts-finder")],
            site,
            show_progress=False,
        )
    assert record["status"] == "published", record.get("error")
    return site, record


def test_uk_2014_reads_as_2014_data_and_overdue(uk_offline):
    site, record = uk_offline
    assert record["coverage"]["end"].startswith("2014-")
    assert record["coverage"]["overdue"] is True
    assert record["finished"][:4] != "2014"
    package = json.loads((site / "procurement" / "datapackage.json").read_text())
    assert package["temporal"]["end"] == record["coverage"]["end"]
    ttl = (site / "procurement" / "dcat.ttl").read_text()
    assert f'dct:modified "{record["coverage"]["end"]}"^^xsd:date' in ttl
    assert f'dct:issued "{record["finished"][:10]}' in ttl
    assert "dcat:endDate" in ttl
    en, id_ = site_get(site, "/procurement/releases?_lang=en", "/procurement/releases?_lang=id")
    assert f'<time datetime="{record["coverage"]["end"]}">' in en.text
    assert "update overdue" in en.text and "terlambat diperbarui" in id_.text
    assert "published <time" in en.text and record["finished"][:10] in en.text


def test_no_publisher_of_the_demo_and_the_panel_says_it_is_not_set(uk_offline):
    site, record = uk_offline
    assert record["provenance"]["publisher_from"] == "unset"
    assert flags(record)["publisher"]["status"] == "fail"
    assert any("publisher not set" in line for line in truth_lines(record))
    en, id_ = site_get(site, "/procurement?_lang=en", "/procurement?_lang=id")
    assert "publisher not set — create your own descriptor with `terbuka init`" in en.text
    assert "penerbit belum ditetapkan" in id_.text
    assert "Pemerintah Kota Contoh" not in en.text + id_.text
    package = json.loads((site / "procurement" / "datapackage.json").read_text())
    assert package["contributors"] == []
    assert "dct:publisher" not in (site / "procurement" / "dcat.ttl").read_text()


def test_skipped_ocds_validation_lowers_the_score_and_is_shown(uk_offline, tmp_path, shared_data):
    site, offline = uk_offline
    assert flags(offline)["ocds-validated"]["status"] == "fail"
    assert any("not validated" in line for line in truth_lines(offline))
    en, id_ = site_get(site, "/procurement?_lang=en", "/procurement?_lang=id")
    assert "OCDS schema not validated" in en.text
    assert "skema OCDS tidak divalidasi" in id_.text
    if not OCDS_SCHEMA.exists():
        pytest.skip("the shared OCDS schema is not here")
    online = run_dataset(
        "procurement",
        [str(shared_data / EXAMPLES / "uk-contracts-finder")],
        tmp_path / "site",
        show_progress=False,
    )
    assert flags(online)["ocds-validated"]["status"] == "pass"
    assert online["quality"]["score"] > offline["quality"]["score"]


def test_an_example_shows_the_publisher_and_licence_the_ocds_package_names(tmp_path, shared_data):
    record = run_dataset(
        "procurement",
        [str(shared_data / EXAMPLES / "australia")],
        tmp_path / "site",
        show_progress=False,
    )
    assert record["status"] == "published", record.get("error")
    provenance = record["provenance"]
    assert provenance["publisher_from"] == "source"
    assert provenance["publisher"]["name"].startswith("NSW office of Procurement")
    assert (provenance["licence"], provenance["licence_from"]) == ("CC-BY-3.0-AU", "source")
    (page,) = site_get(tmp_path / "site", "/procurement/tenders?_lang=en")
    assert "NSW office of Procurement" in page.text
    assert "as the source&#39;s metadata names it" in page.text or (
        "as the source's metadata names it" in page.text
    )
    assert "Creative Commons Attribution 3.0 Australia" in page.text
    package = json.loads((tmp_path / "site" / "procurement" / "datapackage.json").read_text())
    assert package["licenses"][0]["name"] == "CC-BY-3.0-AU"


def test_a_source_contradicting_the_stewards_descriptor_is_a_warning_naming_both(
    tmp_path, shared_data
):
    write_descriptor("py", "procurement", tmp_path / "meta", publisher="Kota Contoh Lain")
    record = run_dataset(
        str(tmp_path / "meta" / "py"),
        [str(shared_data / EXAMPLES / "paraguay" / "sample" / "records" / "273637.json")],
        tmp_path / "site",
        show_progress=False,
    )
    assert record["status"] == "published", record.get("error")
    flag = flags(record)["source-metadata"]
    assert flag["status"] == "fail"
    assert "'Kota Contoh Lain'" in flag["message"] and "'DNCP - Paraguay'" in flag["message"]
    # the steward's word is published; the conflict is stated beside it
    assert record["provenance"]["publisher"]["name"] == "Kota Contoh Lain"
    assert any(line.startswith("warning: the descriptor names") for line in truth_lines(record))
    (page,) = site_get(tmp_path / "site", "/py?_lang=en")
    assert "DNCP - Paraguay" in page.text and "Kota Contoh Lain" in page.text


def test_the_served_quality_report_speaks_the_readers_language_and_links_back(uk_offline):
    site, _ = uk_offline
    en, id_ = site_get(
        site, "/-/terbuka/quality/procurement?_lang=en", "/-/terbuka/quality/procurement?_lang=id"
    )
    assert en.status_code == id_.status_code == 200
    assert "Quality report" in en.text and "Laporan kualitas" in id_.text
    for page in (en, id_):
        assert 'href="/procurement"' in page.text
    assert 'href="?_lang=id"' in en.text and 'href="?_lang=en"' in id_.text
    assert "Rilis OCDS divalidasi" in id_.text and "not validated" in en.text


def test_column_descriptions_follow_the_readers_language(uk_offline):
    site, _ = uk_offline
    id_, en = site_get(site, "/procurement/tenders?_lang=id", "/procurement/tenders?_lang=en")

    def columns_box(html):  # the panel's column list (Datasette's own block stays English)
        return html.split('class="tbk-columns"')[1].split("</dl>")[0]

    assert "Judul tender (nama paket)." in columns_box(id_.text)
    assert "Title of the tender." not in columns_box(id_.text)
    assert "Title of the tender." in columns_box(en.text)
    assert "Judul tender" not in columns_box(en.text)


def test_due_knows_how_old_the_published_data_is(uk_offline):
    from terbuka.metadata import load_descriptor
    from terbuka.pipelines.schedule import due_status

    site, record = uk_offline
    entry = due_status(load_descriptor("procurement"), site)
    assert entry["data_until"] == record["coverage"]["end"]
    assert entry["data_overdue"] is True
    assert entry["last_success"] is not None  # the run itself was today


def test_a_fiscal_data_package_names_its_publisher_and_licence(tmp_path, shared_data):
    from terbuka.pipelines.provenance import source_metadata
    from terbuka.pipelines.readers import Input

    folder = tmp_path / "fdp"
    original = shared_data / "budget" / "fdp-demos" / "boost-moldova" / "datapackage.json"
    package = json.loads(original.read_text())
    package["contributors"] = [
        {
            "title": "Ministry of Finance of Moldova",
            "role": "publisher",
            "path": "https://mf.gov.md",
        }
    ]
    package["licenses"] = [
        {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}
    ]
    folder.mkdir()
    (folder / "datapackage.json").write_text(json.dumps(package))
    found = source_metadata([Input(path=folder / "datapackage.json", display="datapackage.json")])
    assert found == {
        "publishers": [{"name": "Ministry of Finance of Moldova", "url": "https://mf.gov.md"}],
        "licences": ["CC-BY-4.0"],
    }
    bare = source_metadata([Input(path=original, display="datapackage.json")])
    assert bare == {"publishers": [], "licences": []}  # the real package names neither
