"""The compiled release validator gives jsonschema's messages, in jsonschema's order."""

import json

import pytest
from conftest import OCDS_SCHEMA

from terbuka.pipelines.ocds_schema import extended_location, load_schema
from terbuka.pipelines.ocds_validate import CompiledReleaseValidator, reference_errors


def real_releases(examples):
    """Every release in the real examples: in packages and inside records."""
    for path in sorted(examples.rglob("*.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
        except ValueError:
            continue
        if isinstance(data, list):  # an array of bare releases
            yield from (r for r in data if isinstance(r, dict) and "ocid" in r)
            continue
        if not isinstance(data, dict):
            continue
        if "ocid" in data:  # a bare release
            yield data
            continue
        yield from (r for r in data.get("releases") or [] if isinstance(r, dict))
        for record in data.get("records") or []:
            if isinstance(record, dict):
                yield from (
                    r for r in record.get("releases") or [] if isinstance(r, dict) and "ocid" in r
                )


@pytest.fixture(scope="module")
def schema(shared_data):
    loaded, origin = load_schema(str(OCDS_SCHEMA))
    assert loaded is not None, origin
    return loaded


def test_same_messages_as_jsonschema_on_every_real_release(ocds_examples, schema):
    validator = CompiledReleaseValidator(schema)
    releases = list(real_releases(ocds_examples))
    failing = 0
    for release in releases:
        expected = reference_errors(schema, release)
        assert validator.errors(release) == expected, release.get("id")
        failing += bool(expected)
    assert len(releases) > 200 and failing > 20, "the examples hold valid and failing releases"


@pytest.mark.parametrize(
    "release, fragment",
    [
        ({"ocid": 1}, "1 is not of type 'string'"),
        ({"ocid": "o", "tag": ["nope"]}, "tag/0: 'nope' is not one of"),
        ({"ocid": "o", "date": "yesterday"}, "date: 'yesterday' is not a 'date-time'"),
        ({"ocid": "o", "awards": [{"id": "a", "items": []}]}, "awards/0/items: [] should be"),
        ({"ocid": "o", "parties": [{"id": "x"}, {"id": "x"}]}, "parties: fails 'uniqueItems'"),
    ],
)
def test_each_kind_of_error_is_worded_as_jsonschema_words_it(schema, release, fragment):
    release = {"id": "r", "date": "2024-01-01T00:00:00Z", "initiationType": "tender", **release}
    messages = CompiledReleaseValidator(schema).errors(release)
    assert messages == reference_errors(schema, release)
    assert any(fragment in m for m in messages), messages


def test_a_valid_release_has_no_messages(schema):
    release = {
        "ocid": "ocds-x-1", "id": "1", "date": "2024-01-01T00:00:00Z",
        "tag": ["tender"], "initiationType": "tender",
    }  # fmt: skip
    assert CompiledReleaseValidator(schema).errors(release) == []


def test_the_bid_extension_schema_compiles_and_agrees(shared_data, schema):
    location = extended_location(str(OCDS_SCHEMA), ("bids",))
    extended, _ = load_schema(location)
    release = {"ocid": "o", "id": "r", "date": "2024", "bids": {"details": [{"id": 1}]}}
    assert CompiledReleaseValidator(extended).errors(release) == reference_errors(extended, release)


def test_errors_in_array_items_come_in_item_order(schema):
    """The evaluation path has no item index: item 2's later field comes before item 3's
    earlier one, as jsonschema reports them (a case seen in Mexico's releases)."""
    parties = [{"id": str(i)} for i in range(5)]
    parties[2]["contactPoint"] = {"telephone": 56398000}
    parties[3]["address"] = {"postalCode": 4530}
    parties[1]["contactPoint"] = {"telephone": 1}
    parties[4]["address"] = {"postalCode": 2}
    release = {"ocid": "o", "id": "r", "date": "2024-01-01T00:00:00Z", "parties": parties,
               "tag": ["x"], "awards": [{"id": "a", "status": "nope"}]}  # fmt: skip
    messages = CompiledReleaseValidator(schema).errors(release)
    assert messages == reference_errors(schema, release)
    parties_seen = [m.split("/")[1] for m in messages if m.startswith("parties/")]
    assert parties_seen == sorted(parties_seen) and len(parties_seen) >= 3, messages


def test_formats_are_checked_where_jsonschema_checks_them(schema):
    """``uri`` is not checked by jsonschema without rfc3987: not by the compiled one either."""
    release = {"ocid": "o", "id": "r", "date": "2024-01-01T00:00:00Z", "tag": ["tender"],
               "initiationType": "tender", "parties": [{"id": "1", "contactPoint": {"url": "www.inai.org.mx"}}]}  # fmt: skip
    assert CompiledReleaseValidator(schema).errors(release) == reference_errors(schema, release)
    release["date"] = "not a date"
    assert CompiledReleaseValidator(schema).errors(release) == reference_errors(schema, release)


class CountingValidator:
    """The compiled validator, counting how often each of its methods is called."""

    def __init__(self, inner):
        self.inner = inner
        self.calls = []

    def __getattr__(self, name):
        method = getattr(self.inner, name)

        def counted(*args, **kwargs):
            self.calls.append(name)
            return method(*args, **kwargs)

        return counted


def test_a_release_is_validated_once_failing_or_not(ocds_examples, schema):
    """Validity and messages come from one pass of the compiled validator: a failing
    release is not validated a second time for its messages."""
    validator = CompiledReleaseValidator(schema)
    counting = CountingValidator(validator._validator)
    validator._validator = counting
    releases = list(real_releases(ocds_examples))
    outcomes = {"valid": 0, "failing": 0}
    for release in releases:
        counting.calls.clear()
        messages = validator.errors(release)
        assert counting.calls == ["iter_errors"], release.get("id")
        outcomes["failing" if messages else "valid"] += 1
    assert outcomes["valid"] > 20 and outcomes["failing"] > 20, outcomes
