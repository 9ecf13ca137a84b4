"""The bundled budget generator, published by ``terbuka demo`` and served by Datasette."""

from __future__ import annotations

from conftest import DEMO_SEED, leaked, nonempty, published_text, rows


def test_demo_publishes_every_dataset(demo_site):
    _, records = demo_site
    assert {"procurement", "budget", "service-kpi"} <= set(records)
    assert all(r["status"] == "published" for r in records.values())


def test_no_planted_budget_value_is_published(demo_site, tmp_path):
    from terbuka.pipelines.demo_budget import generate_budget

    out, _ = demo_site
    _, planted = generate_budget(tmp_path / "again", DEMO_SEED)  # deterministic: the same values
    published = published_text(out)
    assert planted.values.get("name") and planted.values.get("bank_account")
    assert leaked(planted.all(), published) == []


def test_demo_budget_lines_reconcile(demo_site):
    out, records = demo_site
    db = out / "budget.db"
    budgets = rows(
        db, "select region, fiscal_year, source_format from budget_lines group by 1, 2, 3"
    )
    regions = {b["region"] for b in budgets}
    assert regions == {"Kota Contoh", "Kabupaten Sukamaju", "Kota Mekarsari"}
    assert {(b["source_format"], b["fiscal_year"]) for b in budgets} >= {
        ("djpk", 2022),
        ("djpk", 2023),
        ("djpk", 2024),
        ("rekening", 2024),
    }
    # the generator's only inconsistency: Sukamaju 2024 financing realised left at zero
    off = rows(
        db, "select region, fiscal_year, account_name from budget_lines where reconciles = 0"
    )
    assert off == [
        {"region": "Kabupaten Sukamaju", "fiscal_year": 2024, "account_name": "Pembiayaan Daerah"}
    ]
    notes = records["budget"]["quality"]["notes_by_check"]
    assert notes["budget-children-sum"] == 1
    # (expectations.yml's rules add their own warnings, e.g. realised-within-planned)
    assert set(notes) - {"budget-children-sum"} <= {
        r["id"] for r in records["budget"]["quality"]["rules"]
    }


def test_line_items_roll_up_by_code(demo_site):
    out, _ = demo_site
    db = out / "budget.db"
    items = nonempty(rows(db, "select * from budget_lines where source_format = 'rekening'"))
    by_id = {i["line_id"]: i for i in items}
    for item in items:
        assert item["account_code"] and item["level"] == item["account_code"].count(".") + 1
        if item["parent_line_id"]:
            parent = by_id[item["parent_line_id"]]
            assert item["account_code"].startswith(parent["account_code"] + ".")
            assert parent["admin_unit"] == item["admin_unit"]
    tops = [i for i in items if i["level"] == 1]
    leaves = [i for i in items if i["is_leaf"]]
    assert sum(t["planned"] for t in tops) == sum(leaf["planned"] for leaf in leaves)
    accounts = {a["account_id"]: a for a in rows(db, "select * from budget_accounts")}
    assert accounts["p90:5.1.02"]["account_name"] == "Belanja Barang dan Jasa"
    assert accounts["p90:5.1.02.01.01.0024"]["parent_account_id"] == "p90:5.1.02.01.01"


def test_budget_canned_questions_over_http(full_demo_client):
    for name in ("absorption_by_region_year", "largest_gaps", "year_on_year", "source_disagrees"):
        data = full_demo_client.json(f"/budget/{name}.json?_shape=objects")
        assert data["rows"], name
    absorption = full_demo_client.json("/budget/absorption_by_region_year.json?_shape=objects")
    assert {r["account_name"] for r in absorption["rows"]} == {
        "Pendapatan Daerah",
        "Belanja Daerah",
    }
    table = full_demo_client.json("/budget/budget_lines.json?_shape=objects&level=1&_size=5")
    assert table["rows"] and all(r["level"] == 1 for r in table["rows"])


def test_budget_and_service_pages_render(full_demo_client):
    for path in ("/budget/budget_lines", "/budget/budget_accounts", "/service-kpi/requests",
                 "/service-kpi/kpi_agency_month", "/service-kpi/ikm_units"):  # fmt: skip
        response = full_demo_client.get(path)
        assert response.status_code == 200, path
        assert "<table" in response.text
