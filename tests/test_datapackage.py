"""The Data Package validator: Frictionless' own, per resource in parallel or not."""

import json

import pytest
from conftest import table_schema

from terbuka.publish.datapackage import validate_package


def write_package(folder, tenders: str, awards: str) -> str:
    (folder / "tenders.csv").write_text(tenders, encoding="utf-8")
    (folder / "awards.csv").write_text(awards, encoding="utf-8")
    reference = {"fields": ["ocid"], "reference": {"resource": "tenders", "fields": ["ocid"]}}
    schemas = {
        "tenders": table_schema("ocid", ocid="string", value="number"),
        "awards": {**table_schema("id", id="string", ocid="string"), "foreignKeys": [reference]},
    }
    resources = [{"name": n, "path": f"{n}.csv", "schema": s} for n, s in schemas.items()]
    package = {"name": "check", "resources": resources}
    path = folder / "datapackage.json"
    path.write_text(json.dumps(package), encoding="utf-8")
    return path


@pytest.mark.parametrize("workers", [1, 2])
def test_a_valid_package_has_no_errors(tmp_path, workers):
    path = write_package(tmp_path, "ocid,value\na,1\nb,2.5\n", "id,ocid\n1,a\n2,b\n")
    assert validate_package(path, workers) == []


@pytest.mark.parametrize("workers", [1, 2])
def test_type_key_and_reference_errors_name_resource_and_row(tmp_path, workers):
    path = write_package(tmp_path, "ocid,value\na,1\nb,lots\na,3\n", "id,ocid\n1,a\n2,missing\n")
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
