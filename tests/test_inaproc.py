"""The ISB/INAPROC feeds end to end: a generated snapshot in the feeds' shape, published.

The snapshot (``pipelines/demo_inaproc.py``) follows FIELDS.md: 0-byte endpoints, integer
and string codes, integer and float amounts, three date formats, failed tenders and their
re-tenders, a tender with one bidder, a contract without its tender, and personal data
planted where the real feeds carry it.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from conftest import OCDS_SCHEMA, nonempty, published_inaproc

from terbuka.pipelines.demo_inaproc import generate_inaproc
from terbuka.pipelines.descriptors import load
from terbuka.pipelines.domains.inaproc_map import code, public_npwp, supplier_kind
from terbuka.pipelines.ocds_schema import EXTENSIONS_DIR, merge_patch
from terbuka.pipelines.readers.inaproc import ENDPOINTS, from_fields, identify
from terbuka.pipelines.runner import run_dataset


def rows_of(folder: Path, endpoint: str) -> list[dict]:
    """The rows of one endpoint file of the snapshot ([] for a 0-byte file)."""
    [path] = folder.glob(f"*_{endpoint}_*.json")
    text = path.read_text("utf-8")
    return json.loads(text) if text else []


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("isb") / "snapshot"
    paths, planted = generate_inaproc(folder, seed=7)
    return folder, paths, planted


@pytest.fixture(scope="module")
def published(snapshot, tmp_path_factory):
    folder, _, _ = snapshot
    out = tmp_path_factory.mktemp("isb-site")
    record, db = published_inaproc(folder, out)
    return out, record, db


def test_every_endpoint_row_is_accounted_for(snapshot, published):
    folder, paths, _ = snapshot
    _, record, _ = published
    inputs = {Path(i["path"]).name: i for i in record["inputs"]}
    assert set(inputs) == {p.name for p in paths}
    for name, item in inputs.items():
        expected = len(json.loads((folder / name).read_text() or "[]"))
        assert item["rows"] == expected, name
        assert (
            item["rows_mapped"] + item["rows_not_published"] + item["rows_quarantined"] == expected
        ), name
        assert item["endpoint"].split()[0] == name.split("_")[1], name  # the right endpoint
    empty = [i for i in inputs.values() if i["bytes"] == 0]
    assert empty and all(i["recognised_by"] == "name" and i["rows"] == 0 for i in empty)
    # Officials' catalogue accounts (all personal) are read, counted, never published.
    assert inputs["9_1026_Ecat-UserPegawai.json"]["rows_not_published"] == 3


def test_publisher_is_the_feeds_institution(published):
    out, _, _ = published
    package = json.loads((out / "inaproc" / "datapackage.json").read_text())
    names = json.dumps(package.get("contributors") or package.get("publisher") or package)
    assert "Kab. Contoh Raya" in names and "{nama_klpd}" not in names


def bid_schema() -> dict:
    base = json.loads(OCDS_SCHEMA.read_text())
    patch = json.loads((EXTENSIONS_DIR / "bids" / "release-schema.json").read_text())
    schema = merge_patch(base, patch)
    return {k: v for k, v in schema.items() if k not in ("id", "$id")}


def test_releases_validate_against_ocds_1_1_5_with_the_bid_extension(published):
    _, record, db = published
    validator = jsonschema.Draft4Validator(
        bid_schema(), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    releases = [json.loads(r[0]) for r in db.execute("select release from compiled_releases")]
    assert len(releases) == record["tables"]["compiled_releases"]["rows"] > 40
    errors = [(r["ocid"], e.message) for r in releases for e in validator.iter_errors(r)]
    assert errors == []
    with_bids = [r for r in releases if r.get("bids", {}).get("details")]
    assert len(with_bids) >= 10
    # The validator does look at bids: a bid without its id is an error.
    broken = json.loads(json.dumps(with_bids[0]))
    del broken["bids"]["details"][0]["id"]
    assert list(validator.iter_errors(broken))
    notes = db.execute(
        "select count(*) from _quality_notes where check_id = 'ocds-schema'"
    ).fetchone()[0]
    assert notes == 0


def test_registrants_are_participants_and_only_priced_offers_are_bids(snapshot, published):
    folder, _, _ = snapshot
    _, _, db = published
    registrants = rows_of(folder, "1070")
    priced = [
        r
        for r in registrants
        if r["nilai_penawaran"] is not None or r["nilai_terkoreksi"] is not None
    ]
    nontender_bids = [r for r in rows_of(folder, "1017") if r["nilai_penawaran"] is not None]
    assert len(priced) < len(registrants) / 2  # most registrants never bid
    count = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    assert count("select count(*) from participants where ocid like '%-t-%'") == len(registrants)
    assert count("select count(*) from bids where ocid like '%-t-%'") == len(priced)
    assert count("select count(*) from bids where ocid like '%-nt-%'") == len(nontender_bids)
    assert count("select count(*) from participants where bid") == count(
        "select count(*) from bids"
    )
    # Every tender with priced offers has exactly one winner among them, ranked by price.
    for ocid, winners, ranks in db.execute(
        "select ocid, sum(winner), group_concat(rank) from bids group by ocid"
    ):
        assert winners in (0, 1), ocid
        assert sorted(int(r) for r in ranks.split(",")) == list(range(1, len(ranks.split(",")) + 1))
    one_bid = db.execute(
        "select ocid, participants, bids from packages where bids = 1 and ocid like '%-t-%'"
    ).fetchall()
    assert one_bid and all(row["participants"] > 1 for row in one_bid)
    numbers = {r[0]: r[1] for r in db.execute("select ocid, number_of_tenderers from tenders")}
    per_ocid = Counter(r[0] for r in db.execute("select ocid from bids"))
    assert all(numbers[ocid] == n for ocid, n in nonempty(per_ocid.items(), "bids"))


def test_packages_put_plan_tender_award_contract_and_payment_side_by_side(snapshot, published):
    folder, _, _ = snapshot
    _, _, db = published
    packages = {r["ocid"]: dict(r) for r in db.execute("select * from packages")}
    for row in nonempty(rows_of(folder, "1013")):
        package = packages[f"ocds-terbuka-t-{row['kd_tender']}"]
        assert package["pagu"] == row["pagu"] and package["hps"] == row["hps"]
    contracts = {code(r["kd_tender"]): r["nilai_kontrak"] for r in rows_of(folder, "1073")}
    for kd, value in nonempty(contracts.items(), "contracts"):
        assert packages[f"ocds-terbuka-t-{kd}"]["contract"] == value
    paid: Counter = Counter()
    for row in rows_of(folder, "1082"):
        paid[code(row["kd_nontender"])] += row["besar_pembayaran"]
    assert paid
    for kd, total in paid.items():
        assert packages[f"ocds-terbuka-nt-{kd}"]["paid"] == pytest.approx(total)
    winners = {code(r["kd_tender"]): r["nilai_terkoreksi"] for r in rows_of(folder, "1015")}
    for kd, value in nonempty(winners.items(), "winners"):
        assert packages[f"ocds-terbuka-t-{kd}"]["winning_bid"] == value
    # Each amount keeps the endpoint and record it was read from.
    sources = db.execute(
        "select distinct source_endpoint from amounts where kind = 'payment'"
    ).fetchall()
    assert {s[0] for s in sources} >= {"1082 SPSE-NonTenderEkontrak-4BAPBAST"}
    record = db.execute(
        "select source_record from amounts where kind = 'hps' and ocid like '%-t-%' limit 1"
    ).fetchone()[0]
    assert re.fullmatch(r"\d+_10\d\d_SPSE-Tender\w+\.json#\d+", record)


def test_planned_vs_procured_per_work_unit_is_one_query(snapshot, published):
    folder, _, _ = snapshot
    _, _, db = published
    sql = load("inaproc").get("queries")["planned_vs_procured"]["sql"]
    result = {r["work_unit_id"]: dict(r) for r in db.execute(sql)}
    planned: Counter = Counter()
    for row in rows_of(folder, "1039"):
        planned[str(row["kd_satker"])] += row["pagu_subkegiatan"]
    assert {k: result[k]["subactivity_ceiling"] for k in planned} == dict(planned)
    assert all(result[k]["work_unit"] for k in nonempty(planned, "planned work units"))
    assert (
        sum(r["packages"] or 0 for r in result.values())
        == db.execute("select count(*) from packages").fetchone()[0]
    )


def published_texts(out: Path, db: sqlite3.Connection) -> list[str]:
    texts = [
        p.read_text("utf-8", errors="ignore")
        for p in out.rglob("*")
        if p.is_file() and p.suffix != ".db"
    ]
    for (table,) in db.execute("select name from sqlite_master where type in ('table', 'view')"):
        texts.append(json.dumps(db.execute(f"select * from [{table}]").fetchall(), default=str))
    return texts


def test_no_planted_personal_value_is_published(snapshot, published):
    _, _, planted = snapshot
    out, _, db = published
    db.row_factory = None
    try:
        texts = published_texts(out, db)
    finally:
        db.row_factory = sqlite3.Row
    kinds = ("nip", "phone", "email", "bank_account", "account_holder", "representative",
             "npwp", "address", "nik", "name")  # fmt: skip
    assert set(planted.values) <= set(kinds) and {"nip", "bank_account", "npwp"} <= set(
        planted.values
    )
    leaks = {
        kind: sorted(v for v in planted.values[kind] if any(v in t for t in texts))
        for kind in planted.values
    }
    assert leaks == {kind: [] for kind in planted.values}


def test_supplier_names_are_kept_exactly(snapshot, published):
    folder, _, _ = snapshot
    _, _, db = published
    names = {
        r["nama_penyedia"]
        for e in ("1070", "1015", "1017", "1073", "1080", "1058")
        for r in rows_of(folder, e)
        if r.get("nama_penyedia")
    }
    published_names = {r[0] for r in db.execute("select name from parties")}
    published_names |= {r[0] for r in db.execute("select supplier_name from participants")}
    kept = names & published_names
    assert len(kept) / len(names) >= 0.98, sorted(names - published_names)


def test_individual_suppliers_keep_their_name_but_not_their_npwp_or_address(snapshot, published):
    folder, _, _ = snapshot
    _, _, db = published
    suppliers = [dict(r) for r in db.execute("select * from suppliers")]
    individuals = [s for s in suppliers if s["kind"] == "individual"]
    companies = [s for s in suppliers if s["kind"] == "company"]
    assert individuals and companies
    for row in individuals:
        assert row["npwp"] is None and row["address"] is None
        assert row["npwp_pseudonym"] is None or re.fullmatch(r"[0-9a-f]{16}", row["npwp_pseudonym"])
    assert any(r["npwp_pseudonym"] for r in individuals)
    source = {r["nama_penyedia"]: r for r in rows_of(folder, "1073") + rows_of(folder, "1080")}
    for row in companies:
        if row["name"] in source and row["npwp"]:
            assert row["npwp"] == source[row["name"]]["npwp_penyedia"]
    addresses = {r[0] for r in db.execute("select street_address from parties")}
    assert "Jl. Raya Timur No. 7" in addresses  # a work unit's address is public
    company_addresses = {
        r["alamat_penyedia"]
        for r in rows_of(folder, "1077")
        if r["nama_penyedia"].startswith(("CV ", "PT "))
    }
    assert company_addresses and company_addresses <= addresses | {r["address"] for r in companies}
    officials = {r[0] for r in db.execute("select name from officials")}
    assert "Drs. Hadi Wibowo" in officials  # the PPK, in their public role


def test_a_re_tender_points_to_the_failed_process(snapshot, published):
    folder, _, _ = snapshot
    _, _, db = published
    announced = rows_of(folder, "1013")
    failed = [r for r in announced if r["status_tender"] == "Gagal/Batal"]
    assert failed
    for old in failed:
        [new] = [
            r
            for r in announced
            if r["kd_rup"] == old["kd_rup"] and r["kd_tender"] != old["kd_tender"]
        ]
        release = json.loads(
            db.execute(
                "select release from compiled_releases where ocid = ?",
                [f"ocds-terbuka-t-{new['kd_tender']}"],
            ).fetchone()[0]
        )
        [link] = release["relatedProcesses"]
        assert link["identifier"] == f"ocds-terbuka-t-{old['kd_tender']}"
        assert link["relationship"] == ["unsuccessfulProcess"] and link["scheme"] == "ocid"
        status = db.execute(
            "select status from tenders where ocid = ?", [f"ocds-terbuka-t-{old['kd_tender']}"]
        ).fetchone()[0]
        assert status == "unsuccessful"
        assert not db.execute(
            "select count(*) from awards where ocid = ?", [f"ocds-terbuka-t-{old['kd_tender']}"]
        ).fetchone()[0]


def test_odd_shapes_become_notes_not_crashes(published):
    _, _, db = published
    notes = {r[0] for r in db.execute("select check_id from _quality_notes")}
    assert {"contract-without-tender", "conflicting-values"} <= notes
    # A contract without its tender is still published, with its contract.
    assert (
        db.execute(
            "select count(*) from contracts where ocid = 'ocds-terbuka-t-3999999'"
        ).fetchone()[0]
        == 1
    )
    # A code sent as text in one endpoint and as a number in another is one process.
    assert not db.execute(
        "select count(*) from tenders where ocid like '%.0' or ocid like '% %'"
    ).fetchone()[0]


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.fields], ids=lambda e: e.id)
def test_each_endpoint_is_recognised_by_its_fields_whatever_the_file_is_called(endpoint):
    keys = set(endpoint.fields)
    found, how = identify("download (3).json", keys)
    twins = [e for e in ENDPOINTS if e.fields == endpoint.fields]
    assert found in twins and how == "fields"
    # A few missing or extra fields (a feed that changed a little) still match.
    changed = set(sorted(keys)[1:]) | {"kolom_baru"} if len(keys) > 6 else keys
    assert from_fields(changed)[0] in twins


def test_an_empty_endpoint_is_known_by_its_name_and_a_stranger_is_refused():
    found, how = identify("43_1076_SPSE-TenderEkontrak-4BAPBAST.json", set())
    assert (found.id, how) == ("1076", "name")
    with pytest.raises(Exception, match="match no ISB/INAPROC endpoint"):
        identify("export.json", {"foo", "bar"})


@pytest.mark.parametrize(
    "legal_form, npwp16, name, kind",
    [
        ("Perseroan Terbatas (PT)", None, "PT Maju", "company"),
        ("Persekutuan Komanditer (CV / Commanditer Venoschaap )", None, None, "company"),
        ("Perseroan Terbatas (PT) Perorangan", None, None, "company"),
        ("Orang Perseorangan", None, "Slamet", "individual"),
        ("Konsultan Perseorangan", None, None, "individual"),
        (None, "3507124508900001", "Slamet", "individual"),  # the NPWP is a NIK
        (None, "3507123456780001", "Slamet", "unknown"),  # not a NIK (day 34): unknown
        ("Perseroan Terbatas (PT)", "3507124508900001", "PT Maju", "individual"),  # a NIK wins
        (None, "0123456789012000", "CV Abadi", "company"),
        (None, None, "Toko Berkah", "unknown"),
    ],
)
def test_supplier_kind(legal_form, npwp16, name, kind):
    assert supplier_kind(legal_form, npwp16, name) == kind


@pytest.mark.parametrize(
    "npwp, public",
    [
        ("01.234.567.8-901.000", True),
        ("012345678901000", True),
        ("0012345678901000", True),  # a company's 16-digit NPWP: 0 + the 15 digits
        ("3507123456780001", False),  # a NIK: never published, whatever the legal form
        ("", False),
        (None, False),
    ],
)
def test_a_company_npwp_with_a_nik_shape_is_not_published(npwp, public):
    assert public_npwp(npwp) is public


def test_the_feeds_over_http_are_paged_incremental_and_keep_the_token_secret(tmp_path, monkeypatch):
    """A local server serves the saved endpoint files in pages, behind a token in the path."""
    import shutil

    import yaml
    from pullkit import LoopbackServer, Reply

    if not OCDS_SCHEMA.exists():
        pytest.skip("the OCDS 1.1.5 schema is not in the shared data")
    paths, _ = generate_inaproc(tmp_path / "saved", seed=3, tenders=4)
    token = "rahasia-TOKEN-4242"
    monkeypatch.setenv("ISB_TOKEN", token)
    with LoopbackServer() as server:
        endpoints = []
        for path in paths:
            endpoint, name = re.fullmatch(r"\d+_(\d+)_(.+)\.json", path.name).groups()
            rows = json.loads(path.read_text() or "[]")

            def route(hit, rows=rows):
                page, size = int(hit.query["page"]), int(hit.query["per_page"])
                chunk = rows[(page - 1) * size : page * size]
                return Reply(200, json.dumps(chunk).encode(), {"Content-Type": "application/json"})

            path_of = f"/isb-2/api/{token}/json/{endpoint}/{name}/tipe/4:12/parameter/2025:D999"
            server.routes[path_of] = route
            endpoints.append(endpoint)
        source = {
            "id": "isb", "kind": "paged-api", "endpoints": endpoints, "year": 2025,
            "kd_klpd": "D999", "token_env": "ISB_TOKEN", "page_param": "page",
            "size_param": "per_page", "page_size": 25,
            "url": server.url(
                "/isb-2/api/{token}/json/{endpoint_id}/{endpoint_name}/tipe/4:12/parameter/{year}:{kd_klpd}"
            ),
        }  # fmt: skip
        descriptor = tmp_path / "isb-pulled"
        shutil.copytree(Path(__file__).resolve().parents[1] / "metadata" / "inaproc", descriptor)
        data = yaml.safe_load((descriptor / "dataset.yml").read_text("utf-8"))
        data.update(name="isb-pulled", sources=[source])
        (descriptor / "dataset.yml").write_text(yaml.safe_dump(data, allow_unicode=True))
        out = tmp_path / "site"
        first = run_dataset(descriptor, [], out, show_progress=False)
        assert first["status"] == "published", first.get("error")
        registrants = json.loads(next(p for p in paths if "_1070_" in p.name).read_text())
        peserta = [h for h in server.hits if "/1070/" in h.path]
        assert [h.query["page"] for h in peserta] == [
            str(n) for n in range(1, len(registrants) // 25 + 2)
        ]
        db = sqlite3.connect(out / "isb-pulled.db")
        assert db.execute("select count(*) from participants").fetchone()[0] >= len(registrants)
        assert {i["recognised_by"] for i in first["inputs"]} == {"fields"}  # URLs name nothing
        requests = len(server.hits)
        second = run_dataset(descriptor, [], out, show_progress=False)
        assert second["status"] == "unchanged"
        assert len(server.hits) > requests  # it did ask again, and found nothing new
    shown = [json.dumps(first), json.dumps(second)]
    shown += [p.read_text("utf-8", errors="ignore") for p in out.rglob("*") if p.is_file()]
    assert not any(token in text for text in shown)


@pytest.mark.parametrize(
    "target, patch, result",
    [  # RFC 7386, appendix A
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_extensions_are_merged_as_json_merge_patches(target, patch, result):
    assert merge_patch(target, patch) == result


def test_broken_rows_are_quarantined_and_a_broken_file_named(tmp_path):
    """A row without its key or not an object is quarantined; a truncated file is one line."""
    folder = tmp_path / "snapshot"
    paths, _ = generate_inaproc(folder, seed=5, tenders=2)
    announced = next(p for p in paths if "_1013_" in p.name)
    rows = json.loads(announced.read_text())
    rows[0]["kd_tender"] = None
    rows.append("not an object")
    announced.write_text(json.dumps(rows))
    out = tmp_path / "site"
    record = run_dataset("inaproc", [str(folder)], out, show_progress=False)
    assert record["status"] == "published", record.get("error")
    [item] = [i for i in record["inputs"] if i["path"].endswith(announced.name)]
    assert (item["rows"], item["rows_quarantined"]) == (len(rows), 2)
    db = sqlite3.connect(out / "inaproc.db")
    checks = {r[0] for r in db.execute("select check_id from _quarantine")}
    assert {"missing-key", "not-an-object"} <= checks
    broken = next(p for p in paths if "_1070_" in p.name)
    broken.write_text(broken.read_text()[:-200])
    # One truncated file among many: the others are published, the file is set aside as
    # broken, named in the record and quarantined as a file (batch ingest), never silently.
    other = run_dataset("inaproc", [str(folder)], tmp_path / "other", show_progress=False)
    assert other["status"] == "published", other.get("error")
    aside = {Path(s["path"]).name: s["status"] for s in other["skipped_inputs"]}
    assert aside == {broken.name: "broken"}
    db = sqlite3.connect(tmp_path / "other" / "inaproc.db")
    keys = [r[0] for r in db.execute("select row_key from _quarantine where check_id = 'broken-file'")]  # fmt: skip
    assert keys == [broken.name]


def test_the_site_serves_the_packages_view_and_the_canned_query(published):
    from conftest import site_get

    out, _, db = published
    view, query, page = site_get(
        out,
        "/inaproc/packages.json?_shape=objects&_size=max",
        "/inaproc/planned_vs_procured.json?_shape=objects",
        "/inaproc/bids",
    )
    assert view.status_code == 200 and query.status_code == 200 and page.status_code == 200
    rows = view.json()["rows"]
    assert len(rows) == db.execute("select count(*) from packages").fetchone()[0]
    assert {"pagu", "hps", "winning_bid", "contract", "paid"} <= set(rows[0])
    assert any(r["subactivity_ceiling"] for r in query.json()["rows"])
    text = page_of(out, "/inaproc/packages")
    assert "Paket dari rencana sampai pembayaran" in text or "Packages from plan" in text


def page_of(out: Path, path: str) -> str:
    from conftest import site_get

    (response,) = site_get(out, path)
    assert response.status_code == 200
    return response.text


def test_a_declared_snapshot_folder_is_incremental(tmp_path):
    """As a `folder` source: an unchanged snapshot is an unchanged run; a new row is read."""
    import shutil

    import yaml

    if not OCDS_SCHEMA.exists():
        pytest.skip("the OCDS 1.1.5 schema is not in the shared data")
    paths, _ = generate_inaproc(tmp_path / "drop", seed=9, tenders=2)
    descriptor = tmp_path / "isb-folder"
    shutil.copytree(Path(__file__).resolve().parents[1] / "metadata" / "inaproc", descriptor)
    data = yaml.safe_load((descriptor / "dataset.yml").read_text("utf-8"))
    data.update(name="isb-folder", sources=[{"kind": "folder", "path": "../drop"}])
    (descriptor / "dataset.yml").write_text(yaml.safe_dump(data, allow_unicode=True))
    out = tmp_path / "site"
    first = run_dataset(descriptor, [], out, show_progress=False)
    assert first["status"] == "published", first.get("error")
    assert sum(i["bytes"] == 0 for i in first["inputs"]) == 7  # the empty endpoints
    assert run_dataset(descriptor, [], out, show_progress=False)["status"] == "unchanged"
    orders = next(p for p in paths if "_1213_" in p.name)
    rows = json.loads(orders.read_text())
    rows.append({**rows[0], "kd_paket": "EPV6-2025-99999", "total_harga": 1_234_000})
    orders.write_text(json.dumps(rows))
    third = run_dataset(descriptor, [], out, show_progress=False)
    assert third["status"] == "published"
    assert third["changes"]["tenders"]["added"] == 1


# --- red flags on the national feeds, recomputed independently --------------------------


def _winning_and_bids(db):
    """Per process, from the published ``bids`` table: (winning bid, [all priced offers])."""
    offers: dict[str, list[tuple[float, bool]]] = {}
    for row in db.execute("select ocid, value_amount, corrected_amount, winner from bids"):
        amount = (
            row["corrected_amount"] if row["corrected_amount"] is not None else row["value_amount"]
        )
        offers.setdefault(row["ocid"], []).append((amount, bool(row["winner"])))
    return offers


def test_high_bid_few_bids_agrees_with_the_bids_table(published):
    """TBK-HIGH-BID-FEW-BIDS reads the compiled releases; here: plain Python over ``bids``."""
    _, _, db = published
    estimates = {
        r["ocid"]: r["value_amount"]
        for r in db.execute("select ocid, value_amount, status from tenders")
        if r["value_amount"] and r["status"] != "cancelled"
    }
    active = {r["ocid"] for r in db.execute("select ocid from awards where status = 'active'")}
    expected = set()
    for ocid, offers in _winning_and_bids(db).items():
        won = [a for a, w in offers if w and a is not None]
        if ocid in estimates and ocid in active and won:
            if min(won) / estimates[ocid] >= 0.95 and len(offers) <= 2:
                expected.add(ocid)
    published_flags = {
        r["ocid"]
        for r in db.execute("select ocid from red_flags where flag_id = 'TBK-HIGH-BID-FEW-BIDS'")
    }
    assert expected, "the demo snapshot has winners bidding close to the estimate"
    assert published_flags == expected


def test_heavily_discounted_bid_agrees_with_numpy_quartiles(published):
    """R058 by hand: ratios from ``bids``, fences with numpy's type-8 quantiles."""
    np = pytest.importorskip("numpy")
    _, _, db = published
    active = {
        r["ocid"]
        for r in db.execute(
            "select ocid from awards group by ocid"
            " having sum(status = 'active') = 1 and sum(status not in ('active', 'cancelled',"
            " 'unsuccessful')) = 0"
        )
    }
    ratios = {}
    for ocid, offers in _winning_and_bids(db).items():
        won = [a for a, w in offers if w and a is not None]
        lost = [a for a, w in offers if not w and a is not None]
        if ocid in active and won and lost and min(lost) >= min(won) > 0:
            ratios[ocid] = (min(lost) - min(won)) / min(won)
    q1, q3 = np.quantile(list(ratios.values()), [0.25, 0.75], method="median_unbiased")
    fence = q3 + 1.5 * (q3 - q1)
    expected = {o for o, r in ratios.items() if r >= fence} if fence > 0 else set()
    published_flags = {
        r["ocid"] for r in db.execute("select ocid from red_flags where flag_id = 'R058'")
    }
    assert published_flags == expected
    counted = db.execute(
        "select flagged from red_flag_indicators where flag_id = 'R058'"
    ).fetchone()
    assert counted["flagged"] == len(expected)


def test_cardinal_results_mirror_the_flags(published):
    _, _, db = published
    from terbuka.pipelines.red_flags.cardinal_output import cardinal_json

    results = cardinal_json(db)
    cardinal_ids = {
        r["flag_id"]
        for r in db.execute("select flag_id from red_flag_indicators where origin = 'cardinal'")
    }
    per_process = {
        (r["ocid"], r["flag_id"]): r["value"]
        for r in db.execute("select * from red_flags")
        if r["flag_id"] in cardinal_ids
    }
    assert {
        (o, c): v for o, codes in results.get("OCID", {}).items() for c, v in codes.items()
    } == per_process
    tenderers = {
        (r["party_id"], r["flag_id"])
        for r in db.execute("select * from red_flag_parties where party_role = 'tenderer'")
        if r["flag_id"] in cardinal_ids
    }
    assert {(t, c) for t, codes in results.get("Tenderer", {}).items() for c in codes} == tenderers
