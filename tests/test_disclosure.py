"""Disclosure control: k-anonymity by generalisation then suppression, small cells."""

import sqlite3
from datetime import datetime, timedelta

import pytest
import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

from terbuka.metadata import DescriptorError
from terbuka.privacy.analyzer import PrivacyError
from terbuka.privacy.disclosure import (
    KAnonymityError,
    QuasiIdentifier,
    apply_k_anonymity,
    enforce_k_anonymity,
    group_sizes,
    smallest_group,
    suppress_small_cells,
    suppress_small_groups,
)
from terbuka.privacy.policy import load_policy


def test_k_anonymity_suppresses_small_groups_only():
    rows = [{"village": "A", "age": "30-39", "x": i} for i in range(5)] + [
        {"village": "B", "age": "70-79", "x": 9}
    ]
    report = enforce_k_anonymity(rows, ["village", "age"], k=3, max_suppressed=0.2)
    assert report.smallest_group == 1 and report.rows_in_small_groups == 1
    assert rows[-1] == {"village": None, "age": None, "x": 9}
    assert report.suppressed_values == 2
    assert all(r["village"] == "A" and r["age"] == "30-39" for r in rows[:5])
    after = group_sizes(rows, ["village", "age"])
    assert all(n >= 3 for key, n in after.items() if None not in key)


def test_small_cells_and_their_dependents_are_blanked():
    rows = [
        {"requests": 2, "median_hours": 5.0},
        {"requests": 0, "median_hours": None},
        {"requests": 12, "median_hours": 3.0},
    ]
    assert suppress_small_cells(rows, ["requests"], 5, {"requests": ["median_hours"]}) == 1
    assert rows == [
        {"requests": None, "median_hours": None},
        {"requests": 0, "median_hours": None},
        {"requests": 12, "median_hours": 3.0},
    ]


def test_a_small_group_is_blanked_whole_and_marked():
    rows = [
        {"requests": 3, "median_hours": 5.0, "closed": 2},
        {"requests": 0, "median_hours": None, "closed": 0},
        {"requests": 9, "median_hours": 3.0, "closed": None},
    ]
    assert suppress_small_groups(rows, "requests", 5, ["median_hours", "closed"]) == 1
    assert rows == [
        {"requests": None, "median_hours": None, "closed": None, "suppressed": True},
        {"requests": 0, "median_hours": None, "closed": 0, "suppressed": False},
        {"requests": 9, "median_hours": 3.0, "closed": None, "suppressed": False},
    ]


# --- generalise first, then suppress --------------------------------------------------

WILAYAH = {"Lowokwaru": "Kota Malang", "Klojen": "Kota Malang", "Kota Malang": "Jawa Timur"}


def complaints_on_four_days() -> list[dict]:
    """40 complaints, every one at its own second, ten on each of four days."""
    start = datetime(2024, 3, 4, 8)
    return [
        {
            "id": f"T{day}{n}",
            "area": "Klojen",
            "created": (start + timedelta(days=day, minutes=37 * n, seconds=n)).isoformat(" "),
            "due": (start + timedelta(days=day + 14)).strftime("%Y-%m-%d"),
            "hours": 3.5 + n,
        }
        for day in range(4)
        for n in range(10)
    ]


def test_generalising_the_timestamp_to_the_day_reaches_k_without_suppressing():
    rows = complaints_on_four_days()
    quasi = [QuasiIdentifier("created", ("date", "month"), ("due",)), QuasiIdentifier("area")]
    report = enforce_k_anonymity(rows, quasi, k=5)
    assert report.smallest_group == 1 and report.rows_in_small_groups == 40
    assert report.generalised == {"created": ["date"], "due": ["date"]}  # the day is enough
    assert report.suppressed_rows == 0 and report.k_achieved == 10
    assert {r["created"] for r in rows} == {"2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07"}
    assert [r["hours"] for r in rows] == [3.5 + n for _ in range(4) for n in range(10)]
    assert all(r["area"] == "Klojen" for r in rows)


def test_a_survey_period_follows_its_date_to_the_year():
    rows = [
        {"survey_date": f"2024-0{1 + n % 6}-{10 + n % 9}", "period": f"2024-Q{1 + n % 6 // 3}"}
        for n in range(12)
    ]
    quasi = [QuasiIdentifier("survey_date", ("month", "year"), ("period",))]
    report = enforce_k_anonymity(rows, quasi, k=5)
    assert report.generalised == {"survey_date": ["month", "year"], "period": ["month", "year"]}
    assert {(r["survey_date"], r["period"]) for r in rows} == {("2024", "2024")}
    assert report.suppressed_rows == 0 and report.k_achieved == 12


def test_default_steps_come_from_the_values():
    rows = complaints_on_four_days()
    report = enforce_k_anonymity(rows, ["created", "area"], k=5)
    assert report.generalised == {"created": ["date"]} and report.suppressed_rows == 0


def test_a_hierarchy_generalises_the_area_when_the_time_is_not_enough():
    start = datetime(2024, 5, 1, 9)
    rows = [
        {"area": area, "created": (start + timedelta(hours=n)).isoformat(" ")}
        for n, area in enumerate(["Lowokwaru", "Klojen"] * 4)
    ]
    quasi = [QuasiIdentifier("created", ("date", "month")), QuasiIdentifier("area", ("wilayah",))]
    report = enforce_k_anonymity(rows, quasi, k=5, hierarchies={"wilayah": WILAYAH})
    assert report.generalised == {"created": ["date"], "area": ["wilayah"]}
    assert {(r["area"], r["created"]) for r in rows} == {("Kota Malang", "2024-05-01")}
    assert report.k_achieved == 8 and report.suppressed_rows == 0


def test_the_few_rows_left_in_small_groups_are_suppressed_not_dropped():
    rows = [{"area": "Klojen", "category": "Sampah", "n": i} for i in range(39)]
    rows.append({"area": "Klojen", "category": "Perizinan", "n": 39})
    quasi = [QuasiIdentifier("area"), QuasiIdentifier("category", (), ("agency",))]
    rows[-1]["agency"] = "DPMPTSP"
    report = enforce_k_anonymity(rows, quasi, k=5, max_suppressed=0.05)
    assert len(rows) == 40 and report.suppressed_rows == 1
    assert rows[-1] == {"area": None, "category": None, "agency": None, "n": 39}
    assert report.k_achieved == 39 and report.suppressed_columns == ["area", "category", "agency"]


def test_k_out_of_reach_within_the_suppression_share_stops_with_the_reason():
    rows = complaints_on_four_days()
    for n, row in enumerate(rows):
        row["category"] = f"c{n % 8}"  # 8 categories over 40 rows: groups of at most 2 a day
    quasi = [QuasiIdentifier("created", ("date",)), QuasiIdentifier("category")]
    with pytest.raises(KAnonymityError) as caught:
        enforce_k_anonymity(rows, quasi, k=5, max_suppressed=0.05)
    message = str(caught.value)
    assert "\n" not in message and "k=5 not reached" in message
    assert "created to date" in message and "40 of 40 rows (100.0%)" in message
    assert "at most 5% may be suppressed" in message
    assert rows[0]["created"].count(":") == 2  # nothing was changed


def test_apply_k_anonymity_updates_the_table_or_stops_the_run(tmp_path):
    db = sqlite_utils.Database(tmp_path / "t.db")
    db["requests"].insert_all(complaints_on_four_days())
    quasi = {"requests": [QuasiIdentifier("created", ("date", "month"), ("due",))]}
    (report,) = apply_k_anonymity(db, quasi, 5)
    assert report["table"] == "requests" and report["k_achieved"] == 10
    assert report["generalised_values"] == {"created": 40, "due": 0}
    published = sqlite3.connect(tmp_path / "t.db")
    assert published.execute(
        "select min(n) from (select count(*) n from requests group by created)"
    ).fetchone() == (10,)
    with pytest.raises(PrivacyError, match=r"k-anonymity: requests: k=50 not reached"):
        apply_k_anonymity(db, quasi, 50)
    with pytest.raises(PrivacyError, match="not published: nope"):
        apply_k_anonymity(db, {"requests": [QuasiIdentifier("nope")]}, 5)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Lowokwaru", "Klojen", "Elsewhere"]),
            st.sampled_from(["Sampah", "Jalan", "Air"]),
            st.integers(0, 90 * 24 * 60),
        ),
        min_size=1,
        max_size=120,
    ),
    st.integers(2, 6),
    st.sampled_from([0.0, 0.05, 0.2]),
)
def test_published_rows_are_k_anonymous_or_the_run_stops(cells, k, share):
    start = datetime(2024, 1, 1)
    rows = [
        {"area": a, "category": c, "created": (start + timedelta(minutes=m)).isoformat(" "), "i": i}
        for i, (a, c, m) in enumerate(cells)
    ]
    quasi = [
        QuasiIdentifier("created", ("date", "month", "year")),
        QuasiIdentifier("area", ("wilayah", "wilayah")),
        QuasiIdentifier("category"),
    ]
    names = ["created", "area", "category"]
    try:
        report = enforce_k_anonymity(rows, quasi, k, share, {"wilayah": WILAYAH})
    except KAnonymityError:
        return
    assert [r["i"] for r in rows] == list(range(len(cells)))  # no row is lost
    assert report.suppressed_rows <= int(share * len(rows))
    sizes = group_sizes(rows, names)
    assert all(n >= k for key, n in sizes.items() if any(v is not None for v in key))
    assert smallest_group(rows, names) == report.k_achieved
    assert report.k_achieved >= k or report.k_achieved == 0


def test_the_policy_declares_steps_companions_and_hierarchies(tmp_path):
    policy = load_policy(
        {
            "quasi_identifiers": {
                "requests": {
                    "created": {"steps": ["date", "month"], "with": ["due"]},
                    "area": {"steps": ["wilayah"]},
                    "category": None,
                },
                "old_style": ["a", "b"],
            },
            "hierarchies": {"wilayah": WILAYAH},
            "max_suppressed": 0.1,
        }
    )
    assert policy.quasi_identifiers["requests"] == [
        QuasiIdentifier("created", ("date", "month"), ("due",)),
        QuasiIdentifier("area", ("wilayah",)),
        QuasiIdentifier("category"),
    ]
    assert policy.quasi_identifiers["old_style"] == [QuasiIdentifier("a"), QuasiIdentifier("b")]
    assert policy.max_suppressed == 0.1 and policy.hierarchies["wilayah"]["Klojen"] == "Kota Malang"
    assert load_policy({}).max_suppressed == 0.05


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "quasi_identifiers:\n  requests:\n    created: {steps: [weekly]}\n",
            "unknown step 'weekly'",
        ),
        (
            "quasi_identifiers:\n  requests:\n    area: {steps: [wilayah]}\n",
            "unknown step 'wilayah'",
        ),
        ("quasi_identifiers:\n  requests:\n    area: {level: 2}\n", "quasi_identifiers.requests"),
        ("max_suppressed: 1.5\n", "max_suppressed"),
        ("hierarchies:\n  wilayah: [a, b]\n", "hierarchies.wilayah"),
    ],
)
def test_disclosure_mistakes_in_privacy_yml_are_one_line_errors(tmp_path, text, expected):
    import yaml

    path = tmp_path / "privacy.yml"
    path.write_text("default: scan\n" + text)
    with pytest.raises(DescriptorError) as caught:
        load_policy(yaml.safe_load(path.read_text()), path)
    assert expected in str(caught.value) and "\n" not in str(caught.value)
    assert str(path) in str(caught.value)
