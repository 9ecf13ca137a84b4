"""The supplier rule table, column roles and the identifier check of kept columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import nonempty

from terbuka.metadata import DescriptorError
from terbuka.privacy import Redactor, TextScanner, hash_value, load_policy
from terbuka.privacy.identifiers import pseudonym
from terbuka.privacy.suppliers import (
    KINDS,
    ROLES,
    RULES,
    form_kind,
    npwp_kind,
    rule_table,
    supplier_action,
    supplier_kind,
)

ROOT = Path(__file__).resolve().parents[1]
KEY = b"test-key"
COMPANY_NPWP = "01.312.166.0-091.000"  # python-stdnum's example: type 01 (badan), check digit ok
COMPANY_NPWP_16 = "0013121660091000"
PERSON_NPWP = "09.312.166.3-091.000"  # type 09 (orang pribadi), check digit ok
NIK = "3573014508900003"


@pytest.fixture(scope="module")
def scanner():
    return TextScanner()


@pytest.mark.parametrize(
    "npwp, kind",
    [
        (COMPANY_NPWP, "company"),
        ("013121660091000", "company"),
        (COMPANY_NPWP_16, "company"),
        (PERSON_NPWP, "individual"),
        ("0093121663091000", "individual"),
        (NIK, "individual"),  # since 2024 an individual's NPWP is the NIK
        ("01.312.166.1-091.000", "unknown"),  # wrong check digit
        ("3599994508900003", "unknown"),  # 16 digits, not a NIK
        ("123", "unknown"),
        ("", "unknown"),
    ],
)
def test_npwp_kind_reads_the_taxpayer_type(npwp, kind):
    assert npwp_kind(npwp) == kind


@pytest.mark.parametrize(
    "form, kind",
    [
        ("Perseroan Terbatas (PT)", "company"),
        ("CV", "company"),
        ("Persekutuan Komanditer", "company"),
        ("Koperasi", "company"),
        ("Orang Perseorangan", "individual"),
        ("Perseroan Terbatas (PT) Perorangan", "company"),  # a one-person PT: a legal entity
        ("PT Perorangan", "company"),
        ("Konsultan Perseorangan", "individual"),
        ("Usaha Dagang (UD)", "individual"),
        ("", "unknown"),
        (None, "unknown"),
        ("Lainnya", "unknown"),
    ],
)
def test_form_kind(form, kind):
    assert form_kind(form) == kind


@pytest.mark.parametrize(
    "form, npwp, kind",
    [
        ("PT", COMPANY_NPWP, "company"),
        ("PT", "", "company"),  # the declared form decides when there is no NPWP
        ("", COMPANY_NPWP, "company"),  # the NPWP decides when there is no form
        ("", PERSON_NPWP, "individual"),
        ("Orang Perseorangan", COMPANY_NPWP, "individual"),
        ("CV", NIK, "individual"),  # a person's number: the protective reading wins
        ("", "", "unknown"),
    ],
)
def test_supplier_kind(form, npwp, kind):
    assert supplier_kind(form, npwp) == kind


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ROLES)
def test_every_cell_of_the_rule_table(kind, role):
    operator, reason = RULES[(kind, role)]
    assert supplier_action(kind, role) == operator
    assert reason
    if kind == "company" or role == "organisation":
        assert operator == "keep"  # names always; all of a company's business facts
    else:
        assert operator == ("redact" if role == "place" else "hash")


def test_the_rule_table_is_in_the_policy_document():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "privacy.md").read_text("utf-8")
    for row in nonempty(rule_table(), "rule rows"):
        assert row["reason"] in text, row


def test_roles_other_than_the_suppliers_leave_the_descriptor_in_charge():
    assert supplier_action("individual", "person") is None


# -- the rule table applied by the Redactor -----------------------------------------

SUPPLIER_POLICY = {
    "default": "scan",
    "columns": {
        "paket.kd_penyedia": {"role": "identifier"},
        "paket.nama_penyedia": {"role": "organisation"},
        "paket.alamat_penyedia": {"role": "place"},
        "paket.npwp_penyedia": {"role": "identifier"},
        "paket.bentuk_usaha_penyedia": {"role": "code"},
        "paket.nama_pokja": {"role": "person"},
        "pemenang.kd_penyedia": {"role": "identifier"},
    },
    "officials": ["paket.nama_ppk"],
    "suppliers": {
        "paket": {
            "legal_form": "bentuk_usaha_penyedia",
            "npwp": "npwp_penyedia",
            "columns": {
                "kd_penyedia": "identifier",
                "nama_penyedia": "organisation",
                "alamat_penyedia": "place",
                "npwp_penyedia": "identifier",
            },
        }
    },
}


def supplier_rows():
    return [
        {
            "kd_penyedia": "P100",
            "nama_penyedia": "BANGUN PUTRA PRATAMA",
            "alamat_penyedia": "Jl. Merdeka No. 5, Malang",
            "npwp_penyedia": COMPANY_NPWP,
            "bentuk_usaha_penyedia": "Perseroan Terbatas (PT)",
            "nama_pokja": "Siti Aminah",
            "nama_ppk": "Ir. Agus Salim (NIP 196508121990031002)",
        },
        {
            "kd_penyedia": NIK,
            "nama_penyedia": "Budi Santoso",
            "alamat_penyedia": "Jl. Melati No. 9 RT 02/RW 03",
            "npwp_penyedia": NIK,
            "bentuk_usaha_penyedia": "Orang Perseorangan",
            "nama_pokja": "Dewi Lestari",
            "nama_ppk": "Ir. Agus Salim",
        },
        {
            "kd_penyedia": "P300",
            "nama_penyedia": "Hendra Siregar",
            "alamat_penyedia": "Gg. Mawar 7",
            "npwp_penyedia": PERSON_NPWP,
            "bentuk_usaha_penyedia": "",
            "nama_pokja": "",
            "nama_ppk": "Ir. Agus Salim",
        },
    ]


def test_suppliers_follow_the_rule_table(scanner):
    redactor = Redactor(load_policy(SUPPLIER_POLICY), scanner, KEY)
    company, person, by_npwp = redactor.rows("paket", supplier_rows())
    # A company: name, address and NPWP are public business information.
    assert company["nama_penyedia"] == "BANGUN PUTRA PRATAMA"
    assert company["alamat_penyedia"] == "Jl. Merdeka No. 5, Malang"
    assert company["npwp_penyedia"] == COMPANY_NPWP
    assert company["kd_penyedia"] == "P100"
    # An individual: name kept, NPWP (= NIK) and an id that is the NIK pseudonymised,
    # address dropped. The pseudonym is the same wherever the number appears.
    assert person["nama_penyedia"] == "Budi Santoso"
    assert person["npwp_penyedia"] == person["kd_penyedia"] == pseudonym("NIK", NIK, KEY)
    assert person["alamat_penyedia"] is None
    # No legal form: the NPWP's taxpayer type (09: individual) decides.
    assert by_npwp["npwp_penyedia"] == pseudonym("NPWP", PERSON_NPWP, KEY)
    assert by_npwp["alamat_penyedia"] is None
    assert by_npwp["nama_penyedia"] == "Hendra Siregar"
    # Officials: the PPK's name is kept, the NIP never; pokja members are not published.
    assert company["nama_ppk"].startswith("Ir. Agus Salim") and "1965" not in company["nama_ppk"]
    assert {r["nama_pokja"] for r in (company, person)} == {"<PERSON>"}
    report = redactor.report
    assert report[("paket", "alamat_penyedia", "ADDRESS", "redact")] == 2
    assert report[("paket", "npwp_penyedia", "NPWP", "hash")] == 2


def test_a_supplier_id_that_is_a_nik_is_pseudonymised_everywhere(scanner):
    """``kd_penyedia`` kept verbatim in another table still joins, without the NIK."""
    redactor = Redactor(load_policy(SUPPLIER_POLICY), scanner, KEY)
    suppliers = redactor.rows("paket", supplier_rows())
    winners = redactor.rows("pemenang", [{"kd_penyedia": NIK}, {"kd_penyedia": "P100"}])
    assert winners[0]["kd_penyedia"] == suppliers[1]["kd_penyedia"] != NIK
    assert winners[1]["kd_penyedia"] == "P100"


@pytest.mark.parametrize(
    "column, value, expected",
    [
        ("party_id", NIK, pseudonym("NIK", NIK, KEY)),  # an individual's id: a pseudonym
        ("party_id", f"ID-NPWP-{COMPANY_NPWP}", f"ID-NPWP-{COMPANY_NPWP}"),  # public
        ("party_id", f"ID-NPWP-{PERSON_NPWP}", f"ID-NPWP-{pseudonym('NPWP', PERSON_NPWP, KEY)}"),
        ("party_id", "ocds-213czf-000-00001", "ocds-213czf-000-00001"),
        # A bare NPWP has no cue: its check digit and taxpayer type decide.
        ("party_id", "093121663091000", pseudonym("NPWP", PERSON_NPWP, KEY)),
        ("party_id", "013121660091000", "013121660091000"),
        ("source", f"laporan_{NIK}.csv", "laporan_<NIK>.csv"),
        ("source", f"https://lpse.go.id/unduh?nik={NIK}", "https://lpse.go.id/unduh?nik=<NIK>"),
        ("source", "https://wa.me/6281234567890", "https://wa.me/<PHONE_NUMBER>"),
        ("source", "ktp_3573\u200b0145\u200b0890\u200b0003.pdf", "ktp_<NIK>.pdf"),
        ("source", "rekap-rup-2024.csv", "rekap-rup-2024.csv"),
        ("name", f"CV Maju (NPWP {COMPANY_NPWP})", f"CV Maju (NPWP {COMPANY_NPWP})"),
        ("name", "Toko Sinar, HP 081234567890", "Toko Sinar, HP <PHONE_NUMBER>"),
    ],
)
def test_kept_columns_fail_closed_on_identifiers(scanner, column, value, expected):
    policy = load_policy(
        {
            "columns": {
                "t.party_id": {"role": "identifier"},
                "t.source": "keep",
                "t.name": {"role": "organisation"},
                "t.release_id": "keep",
            }
        }
    )
    redactor = Redactor(policy, scanner, KEY)
    assert redactor.rows("t", [{column: value}])[0][column] == expected


@pytest.mark.parametrize("value", [NIK, int(NIK)])
def test_a_nik_among_kept_ids_becomes_its_pseudonym(scanner, value):
    redactor = Redactor(load_policy({"columns": {"t.release_id": "keep"}}), scanner, KEY)
    rows = [{"release_id": value}, *({"release_id": f"r-{i}"} for i in range(5))]
    assert redactor.rows("t", rows)[0]["release_id"] == pseudonym("NIK", NIK, KEY)
    assert redactor.report[("t", "release_id", "NIK", "hash")] == 1


def test_a_kept_column_of_niks_without_an_identifier_role_stops_the_run(scanner):
    from terbuka.privacy import PrivacyError

    redactor = Redactor(load_policy({"columns": {"t.release_id": "keep"}}), scanner, KEY)
    with pytest.raises(PrivacyError, match="never published"):
        redactor.rows("t", [{"release_id": NIK}])


def test_organisation_and_place_columns_are_never_person_redacted(scanner):
    policy = load_policy(
        {"columns": {"t.supplier": {"role": "organisation"}, "t.area": {"role": "place"}}}
    )
    rows = [
        {"supplier": "BANGUN PUTRA PRATAMA", "area": "Jackson Heights"},
        {"supplier": "Budi Santoso", "area": "Jl. Merdeka No. 5"},
        {"supplier": "SMPS MATHLAUL ANWAR", "area": "Kelurahan Sukun"},
    ]
    expected = [dict(r) for r in rows]
    assert Redactor(policy, scanner, KEY).rows("t", rows) == expected
    scanned = load_policy({"columns": {"t.supplier": {"role": "organisation", "operator": "scan"}}})
    out = Redactor(scanned, scanner, KEY).rows("t", [{"supplier": "Budi Santoso, HP 081234567890"}])
    assert out[0]["supplier"] == "Budi Santoso, HP <PHONE_NUMBER>"


@pytest.mark.parametrize(
    "detail, published",
    [
        # names and places in it were published by their own columns: read again, kept
        ("CV Perkasa Cipta won 8 processes of Dinas PU Kota Malang in 2024",
         "CV Perkasa Cipta won 8 processes of Dinas PU Kota Malang in 2024"),
        ("Budi Santoso won 3 processes of Jl. Merdeka", "Budi Santoso won 3 processes of Jl. Merdeka"),
        # identifiers never pass: a phone or NIK run together from published digits
        ("contact 081234567890 won 3 processes", "contact <PHONE_NUMBER> won 3 processes"),
        (f"supplier {NIK} won 2 processes", "supplier <NIK> won 2 processes"),
    ],
)  # fmt: skip
def test_a_derived_text_is_searched_for_identifiers_only(scanner, detail, published):
    policy = load_policy({"columns": {"red_flags.detail": {"role": "derived"}}})
    assert policy.listed("red_flags", "detail").operator == "scan"
    out = Redactor(policy, scanner, KEY).rows("red_flags", [{"detail": detail}])
    assert out[0]["detail"] == published


def test_json_keep_keys_are_checked_too(scanner):
    policy = load_policy(
        {
            "columns": {"t.doc": {"json": "d"}},
            "json": {"d": {"keep_keys": ["id", "url"]}},
        }
    )
    doc = {"id": NIK, "url": f"https://x.go.id/a?nik={NIK}", "name": "ok"}
    out = Redactor(policy, scanner, KEY).rows("t", [{"doc": doc}])[0]["doc"]
    assert out == {
        "id": pseudonym("NIK", NIK, KEY),
        "url": "https://x.go.id/a?nik=<NIK>",
        "name": "ok",
    }


def test_parties_rows_narrow_the_rule_to_suppliers(scanner):
    policy = load_policy(
        {
            "columns": {
                "parties.street_address": {"role": "place"},
                "parties.identifier_id": {"role": "identifier"},
                "parties.roles": "keep",
            },
            "suppliers": {
                "parties": {
                    "npwp": "identifier_id",
                    "rows": {"roles": ["supplier", "tenderer"]},
                    "columns": {"street_address": "place", "identifier_id": "identifier"},
                }
            },
        }
    )
    rows = [
        {"roles": "buyer;procuringEntity", "street_address": "Jl. Tugu No. 1", "identifier_id": ""},
        {"roles": "supplier;tenderer", "street_address": "Jl. Melati No. 9", "identifier_id": ""},
        {"roles": "supplier", "street_address": "Jl. Tugu No. 2", "identifier_id": COMPANY_NPWP},
    ]
    buyer, unknown, company = Redactor(policy, scanner, KEY).rows("parties", rows)
    assert buyer["street_address"] == "Jl. Tugu No. 1"  # an office: not a supplier row
    assert unknown["street_address"] is None  # not known to be a company: fails closed
    assert company["street_address"] == "Jl. Tugu No. 2"
    assert company["identifier_id"] == COMPANY_NPWP


def test_the_hash_key_is_the_hash_operators():
    assert pseudonym("NIK", NIK, KEY) == hash_value(NIK, KEY)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"columns": {"t.a": {"role": "personal"}}}, "unknown role 'personal'"),
        ({"suppliers": {"t": {"columns": {"a": "person"}}}}, "unknown supplier role 'person'"),
        ({"suppliers": {"t": {"legal_form": "x"}}}, "key 'suppliers.t.columns'"),
        ({"suppliers": {"t": {"columns": {"a": "place"}, "colour": 1}}}, "suppliers.t.colour"),
        ({"suppliers": {"t": {"columns": {"a": "place"}, "rows": {"r": "x"}}}}, "rows"),
    ],
)
def test_roles_and_suppliers_are_validated(data, message):
    with pytest.raises(DescriptorError, match=message.replace("(", r"\(")):
        load_policy(data)


def test_a_role_gives_the_operator_when_none_is_named():
    policy = load_policy(
        {
            "columns": {
                "t.a": {"role": "person"},
                "t.b": {"role": "organisation"},
                "t.c": {"role": "free-text"},
                "t.d": {"role": "identifier", "operator": "hash"},
            }
        }
    )
    assert [policy.for_column("t", c).operator for c in "abcd"] == [
        "replace",
        "keep",
        "scan",
        "hash",
    ]
    assert policy.for_column("t", "a").entity == "PERSON"


def test_the_memo_of_kept_values_stays_bounded(scanner, monkeypatch):
    from terbuka.privacy import redactor as redactor_module

    monkeypatch.setattr(redactor_module, "KEPT_MEMO", 2)
    redactor = Redactor(load_policy({"columns": {"t.source": "keep"}}), scanner, KEY)
    for batch in range(3):
        rows = [{"source": f"rekap-{batch}-{i}.csv"} for i in range(4)]
        rows.append({"source": f"ktp_{NIK}.pdf"})
        assert redactor.rows("t", rows)[-1]["source"] == "ktp_<NIK>.pdf"
        assert all(len(m) <= 2 + 5 for m in redactor._kept_memo.values())


def test_a_bare_npwp_in_a_scanned_json_identifier_is_pseudonymised(scanner):
    policy = load_policy(
        {
            "columns": {"t.release": {"json": "r"}},
            "json": {"r": {"scan": ["parties.*.identifier"], "keep_keys": ["id", "scheme"]}},
        }
    )
    release = {
        "parties": [
            {"id": "093121663091000", "identifier": {"scheme": "ID-NPWP", "id": "093121663091000"}},
            {"id": "P1", "identifier": {"scheme": "ID-NPWP", "id": "013121660091000"}},
        ]
    }
    out = Redactor(policy, scanner, KEY).rows("t", [{"release": release}])[0]["release"]
    person, company = out["parties"]
    assert person["id"] == person["identifier"]["id"] == pseudonym("NPWP", PERSON_NPWP, KEY)
    assert company["identifier"]["id"] == "013121660091000"


# Every column of the bundled procurement descriptors that holds a party's id.
PARTY_ID_COLUMNS = [
    ("parties", "party_id"),
    ("awards", "supplier_id"),
    ("award_suppliers", "supplier_id"),
    ("bids", "supplier_id"),
    ("tenders", "buyer_id"),
    ("tenders", "procuring_entity_id"),
    ("red_flag_parties", "party_id"),
    ("risk_scores", "subject_id"),
]


@pytest.mark.parametrize("dataset", ["procurement", "inaproc"])
def test_bundled_policies_give_a_nik_in_any_party_id_one_pseudonym(scanner, dataset):
    """An SPSE supplier code (``kd_penyedia``) that is a NIK: one pseudonym in every table,
    so a person's wins still join across tables and two people's ids never merge."""
    from terbuka.privacy.csvfile import policy_from

    redactor = Redactor(policy_from(ROOT / "metadata" / dataset / "privacy.yml"), scanner, KEY)
    other = "3573015203850002"
    ids = {
        redactor.rows(table, [{column: f"ID-SPSE-{NIK}"}])[0][column]
        for table, column in PARTY_ID_COLUMNS
    }
    assert ids == {f"ID-SPSE-{pseudonym('NIK', NIK, KEY)}"}
    rows = redactor.rows("parties", [{"party_id": f"ID-SPSE-{n}"} for n in (NIK, other, "10234")])
    assert len({row["party_id"] for row in rows}) == 3 and rows[2]["party_id"] == "ID-SPSE-10234"


def test_the_service_kpi_policy_reads_roles_not_guesses(scanner):
    """Agencies and units are organisations, areas places, ids identifiers, texts free text."""
    from terbuka.privacy.csvfile import policy_from

    policy = policy_from(ROOT / "metadata" / "service-kpi" / "privacy.yml")
    roles = {
        column: policy.for_column("requests", column).role
        for column in ("request_id", "agency", "area", "title", "description", "resolution")
    }
    assert roles == {
        "request_id": "identifier",
        "agency": "organisation",
        "area": "place",
        "title": "free-text",
        "description": "free-text",
        "resolution": "free-text",
    }
    assert policy.for_column("ikm_responses", "unit").role == "organisation"
    row = {
        "request_id": NIK,
        "agency": "Puskesmas Dr. Soetomo",
        "area": "Lowokwaru",
        "title": "Lampu mati, hubungi Budi Santoso di 081234567890",
    }
    out = Redactor(policy, scanner, KEY).rows("requests", [row])[0]
    assert out["request_id"] == pseudonym("NIK", NIK, KEY)
    assert out["agency"] == row["agency"] and out["area"] == "Lowokwaru"
    assert "081234567890" not in out["title"] and out["title"].startswith("Lampu mati")


def _bundled_policies():
    from terbuka.metadata import list_datasets

    return list_datasets()


@pytest.mark.parametrize("dataset", _bundled_policies(), ids=lambda name: name)
def test_every_published_column_of_a_bundled_policy_has_a_role(dataset):
    from terbuka.metadata import load_descriptor

    descriptor = load_descriptor(dataset)
    policy = load_policy(descriptor.privacy)
    published = [
        (table, field["name"], policy.for_column(table, field["name"]))
        for table, schema in descriptor.schemas.items()
        for field in schema["fields"]
        if policy.for_column(table, field["name"]).operator != "drop"
    ]
    assert len(published) > 30
    # A JSON document's strings are decided key by key by its JSON policy.
    missing = [f"{t}.{c}" for t, c, spec in published if not spec.role and not spec.json]
    assert missing == [], f"{dataset}: columns without a role"


def test_the_budget_roles_keep_public_bodies_and_amounts_and_scan_free_text(scanner):
    from terbuka.metadata import load_descriptor

    policy = load_policy(load_descriptor("budget").privacy)
    roles = {c: policy.for_column("budget_lines", c).role for c in (
        "admin_unit", "region", "activity", "account_name", "planned", "fiscal_year", "line_id")}  # fmt: skip
    assert roles == {
        "admin_unit": "organisation", "region": "place", "activity": "free-text",
        "account_name": "free-text", "planned": "amount", "fiscal_year": "date", "line_id": "code",
    }  # fmt: skip
    row = {
        "line_id": "kota-contoh-2024-rekening#12",
        "admin_unit": "Dinas Pekerjaan Umum Bangun Putra",
        "region": "Kota Malang",
        "activity": "Belanja hibah kepada Budi Santoso, hubungi 081234567890",
        "planned": 628_960_000_000,
    }
    out = Redactor(policy, scanner, KEY).rows("budget_lines", [dict(row)])[0]
    assert {k: out[k] for k in ("line_id", "admin_unit", "region", "planned")} == {
        k: row[k] for k in ("line_id", "admin_unit", "region", "planned")
    }
    assert out["activity"] == "Belanja hibah kepada <PERSON>, hubungi <PHONE_NUMBER>"
