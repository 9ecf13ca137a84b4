"""The JSON rows reader that paged data APIs (LKPP/SPSE) need."""

from __future__ import annotations

import json

import pytest

from terbuka.pipelines.errors import InputError
from terbuka.pipelines.readers import detect, members
from terbuka.pipelines.readers.jsonrows import find_rows
from terbuka.pipelines.readers.tabular import Layout


@pytest.mark.parametrize(
    "document, expected",
    [
        ([{"a": 1}], [{"a": 1}]),
        ({"data": [{"a": 1}], "meta": {"total": 1}}, [{"a": 1}]),
        ({"result": {"items": [{"a": 1}]}}, [{"a": 1}]),
        ({"count": 0, "rows": []}, []),
        ({"message": "ok"}, None),
        ([1, 2], None),
    ],
)
def test_find_rows(document, expected):
    assert find_rows(document) == expected


def test_find_rows_at_a_path():
    assert find_rows({"a": {"b": [{"x": 1}]}, "data": [{"y": 2}]}, "a.b") == [{"x": 1}]
    assert find_rows({"a": 1}, "a.b") is None


def test_rows_keep_json_types_and_nested_objects_become_dotted_columns(tmp_path):
    path = tmp_path / "page"
    rows = [
        {"kd_tender": 1, "pagu": 1.5e9, "lokasi": {"kota": "Malang"}, "tahun": [2024, 2025]},
        {"kd_tender": 2, "pagu": None, "nilai_kontrak": 10},
    ]
    path.write_text(json.dumps({"data": rows}))
    member = members(path)[0]
    reader = detect(member, ["ocds-json", "csv", "json-rows"])
    assert reader.id == "json-rows"
    layout = Layout()
    read = list(reader.read(member, {}, layout))
    assert layout.columns == ["kd_tender", "pagu", "lokasi.kota", "tahun", "nilai_kontrak"]
    assert read[0].values["pagu"] == 1.5e9 and read[0].values["lokasi.kota"] == "Malang"
    assert read[0].values["tahun"] == "[2024, 2025]"
    assert read[1].number == 2 and read[1].values["nilai_kontrak"] == 10


def test_ocds_json_is_not_taken_for_rows(tmp_path):
    path = tmp_path / "package"
    path.write_text(json.dumps({"releases": [{"ocid": "ocds-1", "id": "1"}]}))
    assert detect(members(path)[0]).id == "ocds-json"


def test_truncated_json_is_a_clear_error(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('[{"kd_tender": 1}, {"kd_ten')
    member = members(path)[0]
    with pytest.raises(InputError, match=r"cut.json: invalid or truncated JSON"):
        list(detect(member, ["json-rows"]).read(member, {}, Layout()))


def test_other_json_is_left_to_the_ocds_reader(tmp_path):
    # Real publishers put kilobytes of metadata before the first OCDS key (CDMX, Paraguay).
    path = tmp_path / "versioned"
    head = {
        "publisher": {"name": "CDMX"},
        "versionedRelease": {"planning": {"documents": [{"a": 1}]}},
    }
    path.write_text(json.dumps(head))
    assert detect(members(path)[0]).id == "ocds-json"
    nested = {"language": "es", "packageInfo": {}, "tender": {"items": [{"description": "x"}]}}
    path.write_text(json.dumps(nested))
    assert detect(members(path)[0]).id == "ocds-json"
