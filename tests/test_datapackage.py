"""The Data Package validator: Frictionless' own, per resource in parallel or not."""

import json

import pytest
import sqlite_utils
from conftest import table_schema

from terbuka.publish.datapackage import DIALECT, open_package, validate_package

DECLARED = [None, DIALECT]  # Frictionless' own CSV parser (it sniffs), and the declared one


def write_package(folder, tenders: str, awards: str, dialect: dict | None = None) -> str:
    (folder / "tenders.csv").write_text(tenders, encoding="utf-8")
    (folder / "awards.csv").write_text(awards, encoding="utf-8")
    reference = {"fields": ["ocid"], "reference": {"resource": "tenders", "fields": ["ocid"]}}
    schemas = {
        "tenders": table_schema("ocid", ocid="string", value="number"),
        "awards": {**table_schema("id", id="string", ocid="string"), "foreignKeys": [reference]},
    }
    resources = [{"name": n, "path": f"{n}.csv", "schema": s} for n, s in schemas.items()]
    if dialect:
        resources = [{**r, "dialect": dialect} for r in resources]
    package = {"name": "check", "resources": resources}
    path = folder / "datapackage.json"
    path.write_text(json.dumps(package), encoding="utf-8")
    return path


@pytest.mark.parametrize("dialect", DECLARED)
@pytest.mark.parametrize("workers", [1, 2])
def test_a_valid_package_has_no_errors(tmp_path, workers, dialect):
    path = write_package(tmp_path, "ocid,value\na,1\nb,2.5\n", "id,ocid\n1,a\n2,b\n", dialect)
    assert validate_package(path, workers) == []


@pytest.mark.parametrize("dialect", DECLARED)
@pytest.mark.parametrize("workers", [1, 2])
def test_type_key_and_reference_errors_name_resource_and_row(tmp_path, workers, dialect):
    tenders, awards = "ocid,value\na,1\nb,lots\na,3\n", "id,ocid\n1,a\n2,missing\n"
    path = write_package(tmp_path, tenders, awards, dialect)
    errors = validate_package(path, workers)
    assert any(e.startswith("tenders, row 3:") and "type" in e.lower() for e in errors), errors
    assert any(e.startswith("tenders, row 4:") for e in errors), errors  # duplicate key
    assert any(e.startswith("awards, row 3:") for e in errors), errors  # unknown ocid


def test_parallel_and_serial_validation_agree(tmp_path):
    path = write_package(tmp_path, "ocid,value\na,x\n", "id,ocid\n1,z\n1,a\n")
    assert sorted(validate_package(path, 2)) == sorted(validate_package(path, 1))


def test_the_sample_check_reads_only_the_first_rows(tmp_path):
    """The lean check: structure and the first rows; an error past the sample is the full
    check's to find (the rows were checked against the same schema before writing)."""
    tenders = "ocid,value\n" + "".join(f"t{i},{i}\n" for i in range(50)) + "late,lots\n"
    path = write_package(tmp_path, tenders, "id,ocid\n1,t1\n")
    assert validate_package(path, 1, sample_rows=10) == []
    assert any(e.startswith("tenders, row 52:") for e in validate_package(path, 1))


def test_the_sample_check_still_finds_structure_and_early_rows(tmp_path):
    path = write_package(tmp_path, "ocid,value\na,lots\n", "id,ocid\n1,a\n")
    assert any(e.startswith("tenders, row 2:") for e in validate_package(path, 1, sample_rows=5))
    (tmp_path / "awards.csv").write_text("identifier,ocid\n1,a\n", encoding="utf-8")
    errors = validate_package(path, 1, sample_rows=5)
    assert any(e.startswith("awards") and "label" in e.lower() for e in errors), errors


def as_csv(rows: list[dict]) -> str:
    return "".join(",".join(map(str, row.values())) + "\n" for row in rows)


def test_the_lean_check_finds_every_broken_foreign_key_in_the_database(tmp_path):
    """With the database the CSVs were written from, the lean check reads every row's
    foreign keys in SQL: the rows past the sample too, with Frictionless' row numbers."""
    tenders = [{"ocid": f"t{i}", "value": i} for i in range(30)]
    awards = [{"id": str(i), "ocid": f"t{i % 30}"} for i in range(40)]
    awards[3]["ocid"] = ""  # no key: not an error
    awards[25]["ocid"] = "3174012505900001"  # past the sample, and not to be quoted
    awards[33]["ocid"] = "T1"
    path = write_package(tmp_path, "ocid,value\n" + as_csv(tenders), "id,ocid\n" + as_csv(awards))
    db = sqlite_utils.Database(tmp_path / "published.db")
    db["tenders"].insert_all(tenders, pk="ocid")
    db["awards"].insert_all(awards, pk="id")

    lean = validate_package(path, 1, sample_rows=10, db=db)
    full = validate_package(path, 1)
    assert [e.split(":")[0] for e in lean] == ["awards, row 27", "awards, row 35"], lean
    assert [e.split(":")[0] for e in full] == [e.split(":")[0] for e in lean], full
    assert all("foreign key" in e and "3174012505900001" not in e for e in lean), lean
    assert validate_package(path, 1, sample_rows=10) == []  # Frictionless alone: the sample


def test_a_key_to_a_table_the_package_lacks_is_an_error(tmp_path):
    path = write_package(tmp_path, "ocid,value\na,1\n", "id,ocid\n1,a\n")
    package = json.loads(path.read_text("utf-8"))
    package["resources"] = [r for r in package["resources"] if r["name"] == "awards"]
    db = sqlite_utils.Database(tmp_path / "published.db")
    db["awards"].insert({"id": "1", "ocid": "a"}, pk="id")
    errors = validate_package(path, 1, sample_rows=10, package=package, db=db)
    assert errors == ['awards: a foreign key refers to "tenders", not in the package'], errors


def test_a_resource_that_is_not_a_database_table_keeps_frictionless_key_check(tmp_path):
    path = write_package(tmp_path, "ocid,value\na,1\n", "id,ocid\n1,a\n2,gone\n")
    db = sqlite_utils.Database(tmp_path / "published.db")
    db["tenders"].insert({"ocid": "a", "value": 1}, pk="ocid")  # no awards table
    errors = validate_package(path, 1, sample_rows=10, db=db)
    assert [e.split(":")[0] for e in errors] == ["awards, row 3"], errors


def test_a_declared_dialect_is_read_as_declared_not_guessed(tmp_path):
    """The package's CSVs declare their dialect; Frictionless then reads them without
    csv.Sniffer, whose regular expressions are quadratic in long quoted text."""
    from frictionless import system
    from frictionless.formats.csv import CsvParser

    from terbuka.publish.declared_csv import DeclaredCsvParser

    note = '"{""changed"": ""' + "x, y; " * 2000 + '""}"'
    tenders = "ocid,value\n" + "".join(f"t{i},{note}\n" for i in range(3))
    schemas = {"tenders": table_schema("ocid", ocid="string", value="string")}
    resource = {"name": "tenders", "path": "tenders.csv", "schema": schemas["tenders"]}
    (tmp_path / "tenders.csv").write_text(tenders, encoding="utf-8")
    path = tmp_path / "datapackage.json"
    for dialect, parser in ((DIALECT, DeclaredCsvParser), (None, CsvParser)):
        described = {**resource, **({"dialect": dialect} if dialect else {})}
        path.write_text(json.dumps({"name": "check", "resources": [described]}))
        opened = open_package(path).get_resource("tenders")
        assert type(system.create_parser(opened)) is parser
        rows = opened.read_rows()
        assert [r["ocid"] for r in rows] == ["t0", "t1", "t2"]
        assert rows[0]["value"].startswith('{"changed": "x, y; ')
        assert validate_package(path, 1, sample_rows=100) == []
    # Declared "," on a ";" file: read as declared (one column), so the labels are wrong.
    (tmp_path / "tenders.csv").write_text("ocid;value\nt0;1\n", encoding="utf-8")
    path.write_text(json.dumps({"name": "check", "resources": [{**resource, "dialect": DIALECT}]}))
    errors = validate_package(path, 1)
    assert any("label" in e.lower() for e in errors), errors
    path.write_text(json.dumps({"name": "check", "resources": [resource]}))
    assert validate_package(path, 1) == []  # undeclared: Frictionless' sniffer finds ";"
