"""Row checks against the Table Schema: the cheap test in front of Frictionless' readers.

``passes_fast`` may only let through a cell that Frictionless' own reader passes; every
other cell goes to the reader, which decides and words the reason.
"""

from __future__ import annotations

import pytest
from frictionless import Field
from hypothesis import given, settings
from hypothesis import strategies as st

from terbuka.pipelines.quality.schema import TableValidator, passes_fast

FIELDS = [
    {"name": "kind", "type": "string", "constraints": {"enum": ["tender", "buyer"]}},
    {"name": "share", "type": "number", "constraints": {"minimum": 0, "maximum": 1}},
    {"name": "count", "type": "integer", "constraints": {"minimum": 0}},
    {"name": "code", "type": "string", "constraints": {"minLength": 2, "maxLength": 4}},
    {"name": "ref", "type": "string", "constraints": {"pattern": "[A-Z]+"}},
    {"name": "flag", "type": "boolean"},
    {"name": "year", "type": "integer", "constraints": {"enum": [2024, 2025]}},
]


def reader_passes(field: dict, value: object) -> bool:
    _, notes = Field.from_descriptor(field).create_cell_reader()(value)
    return not notes


@pytest.mark.parametrize(
    ("field", "value", "check"),
    [
        (FIELDS[0], "tender", None),
        (FIELDS[0], "supplier", "constraint-error"),
        (FIELDS[1], 0.5, None),
        (FIELDS[1], 1, None),
        (FIELDS[1], 1.5, "constraint-error"),
        (FIELDS[1], -0.1, "constraint-error"),
        (FIELDS[1], float("nan"), "constraint-error"),
        (FIELDS[2], 3, None),
        (FIELDS[2], -1, "constraint-error"),
        (FIELDS[2], True, "type-error"),
        (FIELDS[2], 2.5, "type-error"),
        (FIELDS[3], "ab", None),
        (FIELDS[3], "a", "constraint-error"),
        (FIELDS[3], "abcde", "constraint-error"),
        (FIELDS[4], "ABC", None),
        (FIELDS[4], "abc", "constraint-error"),
        (FIELDS[5], True, None),
        (FIELDS[6], 2024, None),
        (FIELDS[6], 2023, "constraint-error"),
    ],
    ids=lambda v: repr(v) if not isinstance(v, dict) else v["name"],
)
def test_a_cell_passes_or_fails_as_frictionless_says(field, value, check):
    validator = TableValidator("t", {"fields": [field]})
    problems = validator.problems({field["name"]: value})
    assert [p[0] for p in problems] == ([check] if check else [])
    assert (not problems) == reader_passes(field, value)


def test_only_constraints_it_can_judge_get_a_fast_test():
    assert passes_fast("string", {"enum": ["a"]}) is not None
    assert passes_fast("number", {"minimum": 0, "maximum": 1}) is not None
    assert passes_fast("string", {"pattern": "x"}) is None
    assert passes_fast("number", {"exclusiveMinimum": 0}) is None
    assert passes_fast("integer", {"minimum": "0"}) is None  # a malformed bound: the reader
    assert passes_fast("date", {}) is None


CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(-2, 2),
    st.just(float("nan")),
    st.text("abT", max_size=6),
    st.sampled_from(["tender", "buyer", "ABC", "2024"]),
    st.lists(st.integers(), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(index=st.integers(0, len(FIELDS) - 1), value=CELLS)
def test_the_fast_test_never_passes_what_the_reader_rejects(index, value):
    field = FIELDS[index]
    constraints = field.get("constraints", {})
    fast = passes_fast(field["type"], constraints)
    if fast is not None and value is not None and fast(value):
        assert reader_passes(field, value)
