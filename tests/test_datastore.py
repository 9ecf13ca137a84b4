"""The DataStore sync's pure parts: which rows a later publication deletes, in how many calls."""

import itertools

import pytest

from terbuka.catalogs.datastore import DELETE_BATCH, delete_filters


def deleted_by(filters: list[dict], keys: list[str], rows: set[tuple]) -> set[tuple]:
    """The rows that ``datastore_delete`` with each of ``filters`` removes (eq, or IN a list)."""

    def matches(row: tuple, wanted: dict) -> bool:
        for column, value in wanted.items():
            cell = row[keys.index(column)]
            if cell not in value if isinstance(value, list) else cell != value:
                return False
        return True

    return {row for row in rows if any(matches(row, f) for f in filters)}


@pytest.mark.parametrize(
    "keys, rows, gone",
    [
        (["ocid"], {(f"o{i}",) for i in range(10)}, [("o1",), ("o7",)]),
        (
            ["kind", "subject", "period", "component"],
            set(itertools.product(["buyer", "supplier"], ["s1", "s2", "s3"], ["2024"], "abcd")),
            [("buyer", s, "2024", c) for s in ("s1", "s3") for c in "abcd"]
            + [("supplier", "s2", "2024", "b")],
        ),
        (  # a cross product of the gone keys' columns would delete ("a", "y") too
            ["x", "y"],
            {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")},
            [("a", "x"), ("b", "y")],
        ),
    ],
)
def test_delete_filters_remove_exactly_the_gone_rows(keys, rows, gone):
    filters = delete_filters(keys, gone)
    assert deleted_by(filters, keys, rows) == set(gone)
    assert len(filters) <= len(gone)


def test_rows_gone_under_one_prefix_cost_one_call_per_batch():
    gone = [("buyer", f"s{i}", "2024", "price") for i in range(DELETE_BATCH + 1)]
    filters = delete_filters(["kind", "subject", "period", "component"], gone)
    assert len(filters) == 2
    assert all(f["kind"] == "buyer" and f["component"] == "price" for f in filters)
    assert sum(len(f["subject"]) for f in filters) == DELETE_BATCH + 1


def test_nothing_gone_is_no_call():
    assert delete_filters(["ocid"], []) == []
