import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terbuka.pipelines import parse
from terbuka.pipelines.parse import _parse_general, parse_datetime, parse_number


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1.250.000,00", 1250000.0),
        ("1.250.000", 1250000),
        ("1,250,000.50", 1250000.5),
        ("Rp 1.250.000.000", 1250000000),
        ("Rp. 2.500", 2500),
        ("4.372,86 M", 4372860000000.0),
        ("12,5 jt", 12500000.0),
        ("3 rb", 3000.0),
        ("1,2 T", 1.2e12),
        ("0.00", 0.0),
        ("12,5", 12.5),
        ("0.25", 0.25),
        ("(1.000)", -1000),
        ("-7", -7),
        (1500, 1500),
        (2.5, 2.5),
        ("", None),
        (None, None),
    ],
)
def test_numbers(text, expected):
    value, problem = parse_number(text)
    assert problem is None
    assert value == expected


@pytest.mark.parametrize("text", ["abc", "1.2.3,4,5", "12 kg", "1,25,0"])
def test_unreadable_numbers_give_a_reason(text):
    value, problem = parse_number(text)
    assert value is None and problem


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2018-01-03T10:42:03Z", "2018-01-03T10:42:03Z"),
        ("2017-08-08T08:24:06-04:00", "2017-08-08T12:24:06Z"),
        ("2025-02-24T00:00:00.000000Z", "2025-02-24T00:00:00Z"),
        ("2025-10-02", "2025-10-02T00:00:00Z"),
        ("2025-02-11 10:00:00", "2025-02-11T03:00:00Z"),
        ("12 Maret 2024", "2024-03-12T00:00:00Z"),
        ("1 Agustus 2023 14:30", "2023-08-01T07:30:00Z"),
        ("31/12/2024", "2024-12-31T00:00:00Z"),
        ("", None),
        ("Selasa, 12 Maret 2024 pukul 10.00 WIB", "2024-03-12T03:00:00Z"),
        ("12 Mar 2024 10:00 PM", "2024-03-12T15:00:00Z"),
        ("12-Mei-2024", "2024-05-12T00:00:00Z"),
        ("17 Agustus 1845", None),  # before 1900: impossible for these datasets
        ("March 12, 2024", "2024-03-12T00:00:00Z"),
        ("2024/03/12", "2024-03-12T00:00:00Z"),
        ("2024-3-5", "2024-03-05T00:00:00Z"),
        ("12/03/24", "2024-03-12T00:00:00Z"),
        ("12.03.2024 10.00", "2024-03-12T03:00:00Z"),
        ("12/03/2024 10:00 WITA", "2024-03-12T02:00:00Z"),
        ("2024-03-12T10:00:00+07:00", "2024-03-12T03:00:00Z"),
        ("06/26/2018 12:00:00 AM", "2018-06-25T17:00:00Z"),
        ("N/A", None),
    ],
)
def test_dates(text, expected):
    value, problem = parse_datetime(text, "Asia/Jakarta")
    assert value == expected
    # A missing value ("", N/A) is no problem; text that is no usable date says why.
    assert bool(problem) == (expected is None and text not in ("", "N/A"))


def test_month_first_dates_when_told():
    assert parse_datetime("03/12/2024 10:00:00 PM", "UTC", dayfirst=False) == (
        "2024-03-12T22:00:00Z",
        None,
    )


@pytest.mark.parametrize(
    "text",
    ["-0001-11-30", "0000-00-00 00:00:00", "1850-01-01", "2024-02-30", "31 Foo 2024", "soon"],
)
def test_impossible_dates_are_null_with_a_reason(text):
    value, problem = parse_datetime(text)
    assert value is None
    assert problem


# --- messy real-world numbers ----------------------------------------------------------

from terbuka.pipelines.parse import (  # noqa: E402
    column_locales,
    detect_dayfirst,
    detect_decimal,
    is_null,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Rp 1.500.000,-", 1500000),
        ("Rp1.500.000,00", 1500000),
        ("1.500.000 IDR", 1500000),
        ("3 juta rupiah", 3000000),
        ("1.000-", -1000),
        ("−2.500", -2500),
        ("85,5%", 85.5),
        ("1.2E+09", 1.2e9),
        ("2.841,13 M", 2841130000000),
        ("0,72 M", 720000000),
        ("0,00 M", 0),
        ("1,5 miliar", 1500000000),
        ("1,5 Milyar", 1500000000),
        ("2 triliun", 2000000000000),
        ("750 rb", 750000),
        ("12,5 Jt", 12500000),
        ("1 250 000", 1250000),
        ("1\u00a0250\u00a0000,50", 1250000.5),
        ("1'250'000", 1250000),
        ("IDR 2.5bn", 2500000000),
        ("n/a", None),
        ("-", None),
        ("NULL", None),
    ],
)
def test_more_numbers(text, expected):
    assert parse_number(text) == (expected, None)


def test_unit_suffixes_multiply_exactly():
    # 4372.86 * 10^9 in floating point is 4372860000000.0005; Decimal keeps it exact.
    assert parse_number("4.372,86 M") == (4372860000000, None)
    assert isinstance(parse_number("4.372,86 M")[0], int)


@pytest.mark.parametrize(
    "text, decimal, expected",
    [
        ("1.250", ",", 1250),
        ("1.250", ".", 1.25),
        ("1,250", ",", 1.25),
        ("1,250", ".", 1250),
        ("81.91", ",", None),
        ("4.372,86 M", ".", None),
    ],
)
def test_a_known_decimal_separator_decides(text, decimal, expected):
    value, problem = parse_number(text, decimal)
    assert value == expected
    assert (problem is None) == (expected is not None)


@pytest.mark.parametrize(
    "values, expected",
    [
        (["2.841,13 M", "500,39 M", "0,00 M"], ","),
        (["81.91", "0.00", "100.00"], "."),
        (["1.250.000", "2.500"], ","),
        (["1,250,000", "17"], "."),
        (["1.250", "2.500", "10"], None),
        (["1,5", "2.5", "3,5", "4.5"], None),
        ([], None),
    ],
)
def test_detect_decimal(values, expected):
    assert detect_decimal(values) == expected


@pytest.mark.parametrize(
    "values, expected",
    [
        (["06/26/2018 10:58:54 AM", "07/01/2018"], False),
        (["26/06/2018", "01/07/2018"], True),
        (["01/02/2018", "03/04/2018"], None),
        (["2018-06-26"], None),
    ],
)
def test_detect_dayfirst(values, expected):
    assert detect_dayfirst(values) == expected


def test_column_locales_tell_numbers_and_dates_apart():
    found = column_locales(
        {
            "anggaran": ["2.841,13 M", "500,39 M", ""],
            "persentase": ["81.91", "0.00"],
            "created": ["06/26/2018 10:58:54 AM", "06/27/2018 12:00:00 AM"],
            "akun": [" Pendapatan Daerah", " PAD"],
        }
    )
    assert found == {
        "anggaran": {"kind": "number", "decimal": ","},
        "persentase": {"kind": "number", "decimal": "."},
        "created": {"kind": "date", "dayfirst": False},
    }


@pytest.mark.parametrize(
    "text",
    ["00/00/0000", "0000-00-00", "31/02/2024", "12/13/2024 25:00", "32 Maret 2024", "2024-13-01"],
)
def test_zero_and_impossible_dates(text):
    value, problem = parse_datetime(text, "UTC", dayfirst=False)
    assert value is None and problem


def test_null_tokens():
    assert all(is_null(v) for v in (None, "", "  ", "-", "N/A", "null", "#N/A"))
    assert not any(is_null(v) for v in ("0", "x", 0))


def indonesian(number: int, cents: int) -> str:
    grouped = f"{number:,}".replace(",", ".")
    return f"{grouped},{cents:02d}"


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=10**13), st.integers(min_value=0, max_value=99))
def test_indonesian_and_english_numbers_round_trip(number, cents):
    value = number + cents / 100
    assert parse_number(indonesian(number, cents))[0] == pytest.approx(value)
    assert parse_number(f"{number:,}.{cents:02d}")[0] == pytest.approx(value)
    assert parse_number(f"Rp {indonesian(number, cents)}", ",")[0] == pytest.approx(value)


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=30))
def test_parsers_never_raise(text):
    value, problem = parse_number(text)
    assert value is None or isinstance(value, int | float)
    assert problem is None or isinstance(problem, str)
    value, problem = parse_datetime(text, "Asia/Jakarta")
    assert value is None or value.endswith("Z")


@settings(max_examples=50, deadline=None)
@given(
    st.datetimes(
        min_value=__import__("datetime").datetime(1901, 1, 1),
        max_value=__import__("datetime").datetime(2099, 12, 31),
    )
)
def test_dates_round_trip_in_every_written_form(moment):
    moment = moment.replace(microsecond=0)
    expected = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
              "September", "Oktober", "November", "Desember"]  # fmt: skip
    forms = [
        moment.strftime("%Y-%m-%d %H:%M:%S"),
        moment.strftime("%d/%m/%Y %H:%M:%S"),
        f"{moment.day} {months[moment.month - 1]} {moment.year} {moment:%H:%M:%S}",
    ]
    for form in forms:
        assert parse_datetime(form, "UTC") == (expected, None), form
    assert parse_datetime(moment.strftime("%m/%d/%Y %I:%M:%S %p"), "UTC", dayfirst=False) == (
        expected,
        None,
    )


# --- the ISO fast path (issue 19): same results as the general parser ------------------

ISO_EDGES = [
    "2024-03-12", "2024-02-29", "2023-02-29", "2024-13-01", "2024-00-10", "1900-01-01",
    "1899-12-31", "2100-12-31", "2101-01-01", "0000-01-01", "2024-03-12T03:00:00Z",
    "2024-03-12T10:00:00+07:00", "2024-03-12T10:00:00-03:30", "2024-03-12T24:00:00Z",
    "2024-03-12T23:59:60Z", "2024-03-12T03:00:00+24:00", "2024-03-12T03:00:00+14:00",
    "1900-01-01T05:00:00+07:00", "2100-12-31T23:00:00-05:00", "2024-03-12T03:00:00",
    "2024-03-12T03:00Z", "2024-03-12T03:00:00.5Z", "2024-03-12T03:00:00.123456+07:00",
    "2024-03-12T03:00:00.1234567Z", "2024-03-10T02:30:00", "2024-11-03T01:30:00",
    "2024-03-12T03:00:00.", "2024-W10-2", "20240312", "",
    " 2024-03-12 ", "2024-03-12 03:00:00Z", "\u0662\u0660\u0662\u0664-\u0660\u0663-\u0661\u0662",
]  # fmt: skip


def two(limit):
    return st.integers(0, limit).map(lambda n: f"{n:02d}")


ISO_SHAPED = st.builds(
    lambda y, m, d, time, zone: f"{y:04d}-{m}-{d}" + (f"T{time}{zone}" if time else ""),
    st.one_of(st.integers(1895, 2105), st.integers(0, 9999)),
    two(14),
    two(33),
    st.one_of(
        st.none(),
        st.builds(
            lambda h, m, s, fraction: f"{h}:{m}:{s}{fraction}",
            two(25),
            two(61),
            two(61),
            st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=8).map(".".__add__)),
        ),
    ),
    st.one_of(
        st.just("Z"),
        st.just(""),
        st.builds(lambda sign, h, m: f"{sign}{h}:{m}", st.sampled_from("+-"), two(25), two(61)),
    ),
)


@pytest.mark.parametrize("text", ISO_EDGES)
@pytest.mark.parametrize("tz", [None, "Asia/Jakarta", "America/New_York"])
def test_the_iso_fast_path_agrees_with_the_general_parser_on_edges(text, tz):
    assert parse_datetime(text, tz) == _parse_general(text, tz, True)


@given(text=ISO_SHAPED, tz=st.sampled_from([None, "Asia/Jakarta", "America/New_York"]))
@settings(max_examples=400, deadline=None)
def test_the_iso_fast_path_agrees_with_the_general_parser(text, tz):
    assert parse_datetime(text, tz) == _parse_general(text, tz, True)


def test_the_common_shapes_never_reach_the_general_parser(monkeypatch):
    """The fast path is really taken (and the agreement above is not vacuous)."""

    def general(*_args):
        raise AssertionError("the general parser was called")

    monkeypatch.setattr(parse, "_parse_general", general)
    assert parse_datetime("2024-03-12") == ("2024-03-12T00:00:00Z", None)
    assert parse_datetime("2024-03-12T03:00:00Z", "Asia/Jakarta") == ("2024-03-12T03:00:00Z", None)
    assert parse_datetime("2024-03-12T10:00:00+07:00") == ("2024-03-12T03:00:00Z", None)
    assert parse_datetime("2023-12-31T22:00:00-03:00") == ("2024-01-01T01:00:00Z", None)
    assert parse_datetime("2024-03-12T03:00:00.250Z") == ("2024-03-12T03:00:00Z", None)
    assert parse_datetime("2024-03-12T10:00:00", "Asia/Jakarta") == ("2024-03-12T03:00:00Z", None)
    assert parse_datetime("") == (None, None)
    with pytest.raises(AssertionError):  # an impossible date is worded by the general parser
        parse_datetime("2023-02-29")
