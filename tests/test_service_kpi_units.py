"""Small units of the service-kpi pipeline: the duration rules, statistics, IKM, JSON records."""

from __future__ import annotations

import json
import statistics

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terbuka.pipelines.domains import ikm, service_stats
from terbuka.pipelines.errors import InputError
from terbuka.pipelines.readers import detect, members
from terbuka.pipelines.readers.tabular import Layout

durations = st.lists(
    st.floats(min_value=0, max_value=1e5, allow_nan=False, allow_infinity=False), min_size=1
)


@settings(max_examples=50, deadline=None)
@given(durations)
def test_median_is_the_ordinary_median(values):
    assert service_stats.median(values) == pytest.approx(statistics.median(values))


@settings(max_examples=50, deadline=None)
@given(durations)
def test_p90_interpolates_linearly_like_numpy(values):
    expected = float(numpy.percentile(values, 90, method="linear"))
    assert service_stats.percentile(values, 0.9) == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_statistics_of_nothing():
    assert service_stats.median([]) is None and service_stats.percentile([], 0.9) is None
    assert service_stats.percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9) == (
        pytest.approx(9.1)
    )


@pytest.mark.parametrize(
    "value, zone, dayfirst, expected",
    [
        ("06/26/2018 10:58:54 AM", None, False, "2018-06-26T10:58:54"),
        ("06/26/2018 12:00:00 AM", None, False, "2018-06-26T00:00:00"),
        ("2018-06-26T10:58:54.000", None, True, "2018-06-26T10:58:54"),
        ("05/03/2024 14:30", "Asia/Jakarta", True, "2024-03-05T14:30:00+07:00"),
        ("2024-03-05 14:30:00", "Asia/Jakarta", True, "2024-03-05T14:30:00+07:00"),
        ("2024-03-05T07:30:00Z", "Asia/Jakarta", True, "2024-03-05T14:30:00+07:00"),
        ("12 Maret 2024 09.15", "Asia/Jakarta", True, "2024-03-12T09:15:00+07:00"),
    ],
)
def test_timestamps_keep_the_local_clock(value, zone, dayfirst, expected):
    moment, problem = service_stats.read_time(value, zone, dayfirst)
    assert problem is None and service_stats.iso_local(moment) == expected


@pytest.mark.parametrize("value", ["31/02/2024 10:00", "belum diisi", "0000-00-00 00:00:00"])
def test_unreadable_timestamps_give_a_reason(value):
    moment, problem = service_stats.read_time(value, "Asia/Jakarta", True)
    assert moment is None and problem


@pytest.mark.parametrize("value", [None, "", "Unspecified", "N/A"])
def test_empty_timestamps_are_missing_not_invalid(value):
    assert service_stats.read_time(value, None, True) == (None, None)


def test_durations_are_real_time_when_the_zone_is_known():
    """Across New York's spring-forward night: 5 hours on the clock, 4 hours of real time."""
    created, closed = "03/09/2019 11:00:00 PM", "03/10/2019 04:00:00 AM"
    floating = [service_stats.read_time(v, None, False)[0] for v in (created, closed)]
    zoned = [service_stats.read_time(v, "America/New_York", False)[0] for v in (created, closed)]
    assert service_stats.hours_between(*floating) == 5
    assert service_stats.hours_between(*zoned) == 4


def test_midnight_and_zero_durations():
    moment, _ = service_stats.read_time("2024-02-01 00:00:00", None, True)
    assert service_stats.is_midnight(moment)
    assert service_stats.hours_between(moment, moment) == 0


def test_sla_lookup():
    standards = {"Air Bersih": 48, "*": 120}
    assert service_stats.sla_for("air bersih", standards) == 48
    assert service_stats.sla_for("Perizinan", standards) == 120
    assert service_stats.sla_for(None, standards) == 120
    assert service_stats.sla_for("Perizinan", {"Air Bersih": 48}) is None


def request(agency, state="closed", hours=None, problem=None, midnight=False, sla=None):
    return {
        "agency": agency, "month": "2024-01", "category": "x", "state": state,
        "resolution_hours": hours, "timestamp_problem": problem, "closed_at_midnight": midnight,
        "sla_hours": sla, "within_sla": None,
    }  # fmt: skip


def test_kpi_rows_follow_the_rules():
    records = [
        request("A", hours=0.0, sla=2),
        request("A", hours=1.0, midnight=True, sla=2),
        request("A", hours=3.0, sla=2),
        request("A", hours=10.0, sla=2),
        request("A", hours=-5.0, problem="negative-duration", sla=2),
        request("A", state="open", sla=2),
        request("A", state="closed", problem="unreadable-closed", sla=2),
        request("B", hours=1.0),
    ]
    rows = {r["agency"]: r for r in service_stats.kpi_rows(records, ["agency"])}
    a = rows["A"]
    assert (a["requests"], a["closed"], a["open"]) == (7, 6, 1)
    assert (a["invalid_timestamps"], a["negative_durations"], a["midnight_closes"]) == (2, 1, 1)
    assert a["median_hours"] == 2.0  # of 0, 1, 3, 10
    assert a["p90_hours"] == pytest.approx(7.9)  # rank 2.7 between 3 and 10
    assert (a["sla_measured"], a["within_sla"], a["within_sla_pct"]) == (4, 2, 50.0)
    assert rows["B"]["sla_measured"] == 0 and rows["B"]["within_sla_pct"] is None
    suppressed = service_stats.suppress_groups(list(rows.values()), 5)
    assert suppressed == 1 and rows["B"]["suppressed"] and rows["B"]["median_hours"] is None
    assert not rows["A"]["suppressed"] and rows["A"]["median_hours"] == 2.0


# --- IKM (PermenPAN-RB 14/2017) -----------------------------------------------------------


@pytest.mark.parametrize(
    "index, grade, label",
    [
        (100.0, "A", "Sangat Baik"), (88.31, "A", "Sangat Baik"), (88.305, "A", "Sangat Baik"),
        (88.30, "B", "Baik"), (76.61, "B", "Baik"), (76.60, "C", "Kurang Baik"),
        (65.00, "C", "Kurang Baik"), (64.99, "D", "Tidak Baik"), (25.0, "D", "Tidak Baik"),
    ],
)  # fmt: skip
def test_ikm_bands(index, grade, label):
    assert ikm.category(index) == (grade, label)


def test_ikm_index_is_the_mean_of_element_means_times_25():
    codes = list(ikm.ELEMENTS)
    responses = [
        {"unit": "Loket", "period": "2024", **{c.lower(): 4 for c in codes}},
        {"unit": "Loket", "period": "2024", **{c.lower(): 3 for c in codes}},
        {"unit": "Loket", "period": "2024", **{c.lower(): 3 for c in codes}, "u9": None},
    ]
    units, elements = ikm.ikm_tables(responses, ikm.ELEMENTS)
    # U1–U8: (4 + 3 + 3) / 3 = 3.3333…; U9: (4 + 3) / 2 = 3.5 (the blank is left out)
    expected = (8 * (10 / 3) + 3.5) / 9 * 25
    assert units[0]["ikm"] == round(expected, 2) == 83.8
    assert units[0]["category"] == "B" and units[0]["respondents"] == 3
    u9 = next(e for e in elements if e["element"] == "U9")
    assert (u9["respondents"], u9["nrr"], u9["converted"], u9["category"]) == (2, 3.5, 87.5, "B")


@pytest.mark.parametrize(
    "value, expected",
    [("4", 4), (1, 1), ("3.0", 3), ("5", None), ("0", None), ("baik", None), ("2,5", None)],
)
def test_ikm_scores(value, expected):
    assert ikm.score(value)[0] == expected
    assert (ikm.score(value)[1] is None) == (expected is not None)


@pytest.mark.parametrize(
    "period, expected",
    [("year", "2024"), ("half", "2024-H2"), ("quarter", "2024-Q3"), ("month", "2024-08")],
)
def test_ikm_periods(period, expected):
    assert ikm.period_of("2024-08-17", period) == expected


# --- JSON from APIs (the json-rows reader) ----------------------------------------------------


def read(path):
    member = members(path)[0]
    reader = detect(member, ["csv", "xlsx", "json-rows"])
    layout = Layout()
    return reader.id, list(reader.read(member, {}, layout)), layout


def test_json_array_with_omitted_keys(tmp_path):
    path = tmp_path / "api.json"
    records = [{"unique_key": "1", "agency": "NYPD"}, {"unique_key": "2", "closed_date": "x"}]
    path.write_text(json.dumps(records))
    reader_id, rows, layout = read(path)
    assert reader_id == "json-rows"
    assert layout.columns == ["unique_key", "agency", "closed_date"]
    assert [r.number for r in rows] == [1, 2] and rows[1].values.get("agency") is None


def test_truncated_json_names_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"a": 1}, {"a": 2}, {"a": ')
    with pytest.raises(InputError) as error:
        read(path)
    assert "broken.json" in str(error.value)
