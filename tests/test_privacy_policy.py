import pytest

from terbuka.metadata import DescriptorError
from terbuka.privacy import PrivacyError, Redactor, hash_value, load_policy


class FakeScanner:
    """Stands in for Presidio in unit tests; the real one runs in test_recognizers.py."""

    def scan(self, value):
        return value.replace("0812", "<PHONE_NUMBER>"), ("PHONE_NUMBER",) if "0812" in value else ()


POLICY = {
    "default": "scan",
    "columns": {
        "t.id": "keep",
        "*_amount": "keep",
        "t.email": {"operator": "drop", "entity": "EMAIL_ADDRESS"},
        "t.nik": {"operator": "hash", "entity": "NIK"},
        "t.phone": {"operator": "mask", "entity": "PHONE_NUMBER"},
        "t.doc": {"json": "doc"},
    },
    "json": {
        "doc": {"drop": ["people.*.contact"], "keep_keys": ["id"], "scan": ["people.*.identifier"]}
    },
}


def test_operators():
    redactor = Redactor(load_policy(POLICY), FakeScanner(), b"key")
    rows = [
        {
            "id": "0812",
            "value_amount": 5,
            "email": "a@b.c",
            "nik": "3573014508900003",
            "phone": "081234567890",
            "note": "call 0812",
            "doc": {
                "id": "0812",
                "people": [{"contact": {"name": "x"}, "identifier": {"id": "0812"}}],
            },
        }
    ]
    redactor.rows("t", rows)
    row = rows[0]
    assert row["id"] == "0812" and row["value_amount"] == 5
    assert "email" not in row
    assert (
        row["nik"]
        == hash_value("3573014508900003", b"key")
        != hash_value("3573014508900003", b"other")
    )
    assert row["phone"] == "********7890"
    assert row["note"] == "call <PHONE_NUMBER>"
    assert row["doc"] == {"id": "0812", "people": [{"identifier": {"id": "<PHONE_NUMBER>"}}]}
    assert redactor.report[("t", "email", "EMAIL_ADDRESS", "drop")] == 1
    assert redactor.report[("t", "note", "PHONE_NUMBER", "replace")] == 1


def test_published_columns():
    policy = load_policy(POLICY)
    assert policy.published_columns("t", ["id", "email", "note"]) == ["id", "note"]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"colums": {}}, "unknown key 'colums'"),
        ({"columns": {"t.x": "shred"}}, "unknown operator 'shred'"),
        ({"columns": {"x": "keep"}}, "table.column"),
        ({"columns": {"t.x": {"json": "missing"}}}, "no JSON policy named 'missing'"),
    ],
)
def test_invalid_policies(data, message):
    with pytest.raises(DescriptorError, match=message):
        load_policy(data, "privacy.yml")


def test_a_failing_scanner_fails_closed():
    class Broken:
        def scan(self, value):
            raise PrivacyError("boom")

    redactor = Redactor(load_policy(POLICY), Broken(), b"k")
    with pytest.raises(PrivacyError):
        redactor.rows("t", [{"note": "0812"}])


def test_a_privacy_failure_stops_the_run(demo_sources, tmp_path, monkeypatch):
    from terbuka.pipelines.runner import run_dataset
    from terbuka.privacy import scanner

    def broken(self, *args):
        raise PrivacyError("personal-data scan failed: test")

    monkeypatch.setattr(scanner.TextScanner, "_analyze", broken)
    paths, _ = demo_sources
    out = tmp_path / "site"
    record = run_dataset("procurement", [str(p) for p in paths], out, show_progress=False)
    assert record["status"] == "stopped" and "personal-data scan failed" in record["error"]
    assert not (out / "procurement.db").exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("default: scan\ncolums:\n  t.a: keep\n", ":2: unknown key 'colums'"),
        ("k: 1\n", ":1: key 'k'"),
        ("quasi_identifiers:\n  t: region\n", ":2: key 'quasi_identifiers.t'"),
        ("json:\n  doc:\n    dorp: [a]\n", ":3: unknown key 'json.doc.dorp'"),
    ],
)
def test_policy_files_are_validated_with_line_numbers(tmp_path, text, message):
    import yaml

    path = tmp_path / "privacy.yml"
    path.write_text(text)
    with pytest.raises(DescriptorError, match=message):
        load_policy(yaml.safe_load(text), path)


def test_the_bundled_policy_is_valid():
    from pathlib import Path

    import yaml

    path = Path(__file__).resolve().parents[1] / "metadata" / "procurement" / "privacy.yml"
    policy = load_policy(yaml.safe_load(path.read_text()), path)
    assert policy.for_column("parties", "contact_email").operator == "drop"
    assert policy.k == 5 and policy.retention_days == 30 and policy.quasi_identifiers == {}
