"""``terbuka init``: a steward's own descriptor, outside the package, with its checks marked.

The acceptance of issue 17: real data published with a descriptor made by ``terbuka
init`` shows its own publisher, licence, source and data period everywhere — the panel,
DCAT, the embedded CKAN API and the Data Package.
"""

import json
import re

import pytest
from conftest import invoke_cli, site_get

from terbuka.metadata import (
    DescriptorError,
    list_datasets,
    load_descriptor,
    metadata_root,
    search_path,
)
from terbuka.pipelines.errors import UsageError
from terbuka.pipelines.steward import CHECK, write_descriptor

UK = "procurement/ocds-real-examples-2018/uk-contracts-finder"


@pytest.mark.parametrize("kind", list_datasets())
def test_init_writes_a_valid_descriptor_of_every_kind_with_its_checks_marked(tmp_path, kind):
    folder = write_descriptor(
        "dinas-kita", kind, tmp_path, publisher="Dinas Kominfo Kota Malang",
        publisher_url="https://malangkota.go.id", licence="CC-BY-SA-4.0",
        source_url="https://data.malangkota.go.id",
    )  # fmt: skip
    assert folder == tmp_path / "dinas-kita"
    descriptor = load_descriptor(folder)
    assert descriptor.name == "dinas-kita" and not descriptor.example
    assert descriptor.get("publisher") == {
        "name": "Dinas Kominfo Kota Malang",
        "url": "https://malangkota.go.id",
    }
    assert descriptor.licence.spdx == "CC-BY-SA-4.0"
    assert descriptor.get("source")["url"] == "https://data.malangkota.go.id"
    bundled = load_descriptor(kind)
    assert descriptor.pipeline == bundled.pipeline
    assert set(descriptor.schemas) == set(bundled.schemas)
    assert descriptor.privacy == bundled.privacy
    text = (folder / "dataset.yml").read_text()
    marked = [line for line in text.splitlines() if CHECK in line]
    for key in ("license:", "your organisation", "where the data comes from", "how often"):
        assert any(key in line for line in marked), (key, marked)
    if descriptor.get("ocds"):
        assert re.search(rf"ocid_prefix: .*{re.escape(CHECK)}", text)
    assert "example: true" not in text and "Pemerintah Kota Contoh" not in text


def test_an_inaproc_descriptor_keeps_the_institution_from_the_feeds(tmp_path):
    folder = write_descriptor("lkpp-kita", "inaproc", tmp_path)
    descriptor = load_descriptor(folder)
    assert descriptor.get("publisher")["name"] == "{nama_klpd}"


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"licence": "CC-BY-99"}, "not a known SPDX id"),
        ({"publisher": None}, "--publisher is required"),
        ({"name": "Dinas Kita"}, "lowercase letters"),
    ],
)
def test_init_refuses_bad_arguments_in_one_line(tmp_path, arguments, message):
    fields = {"publisher": "Dinas", "licence": "CC-BY-4.0", **arguments}
    name = fields.pop("name", "dinas")
    with pytest.raises(UsageError, match=re.escape(message)):
        write_descriptor(name, "procurement", tmp_path, **fields)
    assert not (tmp_path / name).exists()


def test_init_never_writes_into_the_package_nor_over_a_folder(tmp_path):
    with pytest.raises(UsageError, match="inside the installed package"):
        write_descriptor("mine", "budget", metadata_root(), publisher="Dinas")
    assert not (metadata_root() / "mine").exists()
    write_descriptor("mine", "budget", tmp_path, publisher="Dinas A")
    with pytest.raises(UsageError, match="exists already"):
        write_descriptor("mine", "budget", tmp_path, publisher="Dinas B")
    write_descriptor("mine", "budget", tmp_path, publisher="Dinas B", force=True)
    assert load_descriptor(tmp_path / "mine").get("publisher")["name"] == "Dinas B"


def test_own_descriptors_are_found_by_name_first_on_the_search_path(tmp_path, monkeypatch):
    write_descriptor("procurement", "procurement", tmp_path / "a", publisher="Kota A")
    write_descriptor("anggaran", "budget", tmp_path / "b", publisher="Kota B")
    monkeypatch.setenv("TERBUKA_METADATA_PATH", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    assert search_path() == [tmp_path / "a", tmp_path / "b"]
    assert load_descriptor("procurement").get("publisher")["name"] == "Kota A"
    assert load_descriptor("anggaran").folder == tmp_path / "b" / "anggaran"
    assert load_descriptor("service-kpi").example  # the bundled ones are still there
    monkeypatch.delenv("TERBUKA_METADATA_PATH")
    with pytest.raises(DescriptorError, match="anggaran: no such dataset"):
        load_descriptor("anggaran")


def test_the_bundled_generic_descriptors_are_examples_without_publisher():
    for name in ("procurement", "budget", "service-kpi"):
        descriptor = load_descriptor(name)
        assert descriptor.example and descriptor.get("publisher") is None
    inaproc = load_descriptor("inaproc")  # a real source: not an example
    assert not inaproc.example and inaproc.get("publisher")


def test_a_steward_descriptor_without_publisher_is_refused(tmp_path):
    folder = write_descriptor("mine", "service-kpi", tmp_path, publisher="Dinas")
    path = folder / "dataset.yml"
    text = re.sub(r"publisher:\n(  .*\n)+", "", path.read_text())
    path.write_text(text)
    with pytest.raises(DescriptorError, match=r"dataset.yml:\d+: missing required key 'publisher'"):
        load_descriptor(folder)


def test_cli_init_then_run_real_uk_data_shows_the_stewards_own_facts_everywhere(
    tmp_path, shared_data
):
    meta, site = tmp_path / "meta", tmp_path / "site"
    made = invoke_cli(
        "init", "ukcf", "--kind", "procurement", "--publisher", "Crown Commercial Service",
        "--publisher-url", "https://www.gov.uk/ccs", "--licence", "OGL-UK-3.0",
        "--source", "https://www.contractsfinder.service.gov.uk",
        "--source-title", "Contracts Finder", "--out", str(meta),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "lines marked '# CHECK:'" in made.stderr and "--metadata" in made.stderr
    result = invoke_cli(
        "run", "ukcf", "--metadata", str(meta), "--source", str(shared_data / UK),
        "--out", str(site), "--json", "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["provenance"]["publisher_from"] == "descriptor"
    assert record["coverage"]["start"].startswith("2014") and record["coverage"]["end"] < "2015"
    # The Data Package
    package = json.loads((site / "ukcf" / "datapackage.json").read_text())
    assert package["contributors"][0]["title"] == "Crown Commercial Service"
    assert package["licenses"][0]["name"] == "OGL-UK-3.0"
    assert package["sources"][0]["path"] == "https://www.contractsfinder.service.gov.uk"
    assert package["temporal"] == {
        "start": record["coverage"]["start"],
        "end": record["coverage"]["end"],
    }
    # DCAT
    ttl = (site / "ukcf" / "dcat.ttl").read_text()
    assert "dct:publisher <https://www.gov.uk/ccs>" in ttl
    assert f'dct:modified "{record["coverage"]["end"]}"^^xsd:date' in ttl
    assert "open-government-licence" in ttl and "Pemerintah Kota Contoh" not in ttl
    # the panel and the embedded CKAN API
    page, ckan = site_get(site, "/ukcf/releases?_lang=en", "/api/3/action/package_show?id=ukcf")
    html = page.text
    assert "Crown Commercial Service" in html and "Open Government Licence" in html
    assert "Contracts Finder" in html and record["coverage"]["end"] in html
    assert "Pemerintah Kota Contoh" not in html and "publisher not set" not in html
    package_show = ckan.json()["result"]
    assert package_show["organization"]["title"] == "Crown Commercial Service"
    assert package_show["license_id"] == "uk-ogl"
    extras = {e["key"]: e["value"] for e in package_show["extras"]}
    assert extras["temporal_start"] == record["coverage"]["start"]
    assert extras["modified"] == record["coverage"]["end"]


def test_column_texts_must_name_columns_of_the_schema(tmp_path):
    folder = write_descriptor("mine", "budget", tmp_path, publisher="Dinas")
    path = folder / "dataset.yml"
    path.write_text(path.read_text().replace("      line_id:", "      line_idd:", 1))
    with pytest.raises(
        DescriptorError, match=r"dataset.yml:\d+: key 'tables.budget_lines.columns.line_idd'"
    ):
        load_descriptor(folder)
