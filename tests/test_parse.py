import pytest

from terbuka.pipelines.parse import parse_datetime, parse_number


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
    ],
)
def test_dates(text, expected):
    value, problem = parse_datetime(text, "Asia/Jakarta")
    assert problem is None
    assert value == expected


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
