"""``conftest.leaked``: the fast search for planted values gives what the plain loop gives."""

from __future__ import annotations

import pytest
from conftest import leaked
from hypothesis import given, settings
from hypothesis import strategies as st

CASES = {
    "none": (["Budi Santoso", "0812345678"], "nothing personal here"),
    "one": (["Budi Santoso", "0812345678"], "call 0812345678 today"),
    "a prefix of another": (["Budi", "Budi Santoso"], "Pak Budi Santoso"),
    "only the shorter": (["Budi", "Budi Santoso"], "Pak Budi S."),
    "overlapping": (["abcd", "cdef"], "xxabcdefxx"),
    "regex characters": (["a.b*c", "(x)", "[y]"], "a.b*c and (x)"),
    "not the regex meaning": (["a.c", "x+"], "abc xxx"),
    "the last character": (["end"], "the end"),
    "no values": ([], "anything"),
}


@pytest.mark.parametrize("values,text", CASES.values(), ids=CASES)
def test_leaked_is_the_plain_loop(values, text):
    assert leaked(values, text) == sorted(v for v in set(values) if v in text)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet="ab.(c", min_size=1, max_size=5), max_size=12),
    st.text(alphabet="ab.(c ", max_size=40),
)
def test_leaked_is_the_plain_loop_for_any_values(values, text):
    assert leaked(values, text) == sorted(v for v in set(values) if v in text)
