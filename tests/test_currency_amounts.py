"""Amounts in the row's own currency: rupiah as ``Rp``, guaranies and euros as themselves.

A schema field with ``"unit": "currency"`` (and ``currencyField``) is formatted by the
currency code in that column of the same row, on table pages and on the tender, buyer and
supplier pages; JSON and CSV keep the raw number. Real inputs: Paraguay's DNCP record
(PYG) and the EU funds Fiscal Data Package (EUR) from the shared data.
"""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import quote

import pytest
from conftest import site_get

from terbuka.datasette_plugins import numbers
from terbuka.pipelines.runner import run_dataset
from terbuka.publish.site import field_unit

PARAGUAY = "procurement/ocds-real-examples-2018/paraguay/sample/records/273637.json"
EU_FUNDS = "budget/fdp-demos/eu-funds-absorption-rate-2007-2013"
NBSP = "\u00a0"


@pytest.mark.parametrize(
    "value, currency, lang, expected",
    [
        (5_464_590_000_000.0, "IDR", "id", f"Rp{NBSP}5,46{NBSP}T"),
        (950_000, "IDR", "id", f"Rp{NBSP}950.000"),
        (2_500_000_000, "EUR", "id", f"€2,5{NBSP}M"),
        (2_500_000_000, "EUR", "en", "€2.5B"),
        (1_250.5, "EUR", "id", "€1.250,50"),
        (1_250.5, "USD", "en", "$1,250.50"),
        (125_000_000, "PYG", "id", f"PYG125{NBSP}jt"),
        (1_250_000.0, None, "id", "1.250.000"),
        (1_250.25, "", "en", "1,250.25"),
        (None, "EUR", "id", "–"),
    ],
)
def test_money_in_its_own_currency(value, currency, lang, expected):
    assert numbers.money(value, currency, lang) == expected


@pytest.mark.parametrize(
    "field, unit",
    [
        ({"unit": "IDR"}, "IDR"),
        ({"unit": "hours"}, "hours"),
        ({"unit": "currency"}, "currency:currency"),
        ({"unit": "currency", "currencyField": "value_currency"}, "currency:value_currency"),
    ],
)
def test_schema_units_as_the_site_reads_them(field, unit):
    assert field_unit(field) == unit


@pytest.mark.parametrize(
    "unit, value, expected",
    [
        ("IDR", 1_250_000.0, f"Rp{NBSP}1,25{NBSP}jt"),
        ("currency:value_currency", 1_250_000.0, f"€1,25{NBSP}jt"),
    ],
)
def test_a_cell_keeps_the_raw_value_and_the_exact_amount(unit, value, expected):
    shown = numbers.cell(value, unit, "id", "EUR")
    assert f'value="{value!r}"' in shown and f">{expected}</data>" in shown
    assert "title=" in shown  # the exact amount on hover


@pytest.fixture(scope="module")
def paraguay(tmp_path_factory, shared_data):
    out = tmp_path_factory.mktemp("paraguay") / "site"
    record = run_dataset("procurement", [str(shared_data / PARAGUAY)], out, show_progress=False)
    assert record["status"] == "published", record.get("error")
    return out


def cells(html, column):
    found = re.findall(rf'<td class="col-{column}(?: [^"]*)?">(.*?)</td>', html, re.S)
    return [c for c in found if c.strip() and "&nbsp;" not in c]


def test_guarani_amounts_on_table_pages_are_not_rupiah(paraguay):
    items, awards, as_json = site_get(
        paraguay, "/procurement/items", "/procurement/awards", "/procurement/awards.json?_shape=array"
    )  # fmt: skip
    for page, column in ((items, "unit_value_amount"), (awards, "value_amount")):
        shown = cells(page.text, column)
        assert shown, column
        assert all("PYG" in c and "Rp" not in c for c in shown), shown[:3]
    raw = [r["value_amount"] for r in as_json.json() if r["value_amount"] is not None]
    assert raw and all(isinstance(v, int | float) for v in raw)  # JSON keeps the number


def test_guarani_amounts_on_the_tender_and_supplier_pages(paraguay):
    with sqlite3.connect(paraguay / "procurement.db") as conn:
        ocid, supplier = conn.execute(
            "select s.ocid, coalesce(s.supplier_id, s.supplier_name) from award_suppliers s "
            "join awards a using (ocid, award_id) where a.value_amount is not null limit 1"
        ).fetchone()
    tender, firm, tender_json = site_get(
        paraguay,
        f"/-/terbuka/procurement/tender/{ocid}",
        f"/-/terbuka/procurement/supplier/{quote(supplier, safe='')}",
        f"/-/terbuka/procurement/tender/{ocid}.json",
    )
    assert tender.status_code == firm.status_code == 200
    for page in (tender, firm):
        amounts = re.findall(r'<data class="tbk-num" value="[^"]*"[^>]*>([^<]*)</data>', page.text)
        shown = [a for a in amounts if a.strip() not in ("", "–")]
        assert shown and all("PYG" in a for a in shown), shown
        assert "Rp" not in " ".join(amounts)
    steps = tender_json.json()["sections"]["timeline"]
    assert {s["currency"] for s in steps if s["amount"] is not None} == {"PYG"}


def test_fiscal_data_package_amounts_in_euros(tmp_path, shared_data):
    record = run_dataset("budget", [str(shared_data / EU_FUNDS)], tmp_path, show_progress=False)
    assert record["status"] == "published", record.get("error")
    page, as_json = site_get(
        tmp_path, "/budget/budget_lines?_size=20", "/budget/budget_lines.json?_size=20&_shape=array"
    )
    shown = cells(page.text, "realised")
    assert shown and all("€" in c and "Rp" not in c for c in shown), shown[:3]
    assert all(r["currency"] == "EUR" for r in as_json.json())
