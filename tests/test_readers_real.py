"""Readers and parsers on the real files in ../shared/data, traps and all.

The budget and service-KPI pipelines are built elsewhere; here the readers must get the
layout right and the parsers every value, and the quality rules must find what is wrong.
"""

import csv
from datetime import datetime
from pathlib import Path

import pytest
import sqlite_utils
from conftest import nonempty

from terbuka.pipelines import plugins
from terbuka.pipelines.parse import parse_datetime, parse_number
from terbuka.pipelines.quality.expectations import run_rules
from terbuka.pipelines.quality.plan import RuleSpec
from terbuka.pipelines.readers import detect, members
from terbuka.pipelines.readers.tabular import Layout


def read(path):
    (member,) = members(Path(path))
    layout = Layout()
    rows = list(detect(member, ["csv"]).read(member, {}, layout))
    return rows, layout


def test_fdp_macedonia_bom_semicolons_crlf_cyrillic(shared_data):
    path = (
        shared_data
        / "budget"
        / "fdp-demos"
        / "openspending-macedonia"
        / "MFBudzetIRebalansNaRMmk-MK.csv"
    )
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw[:2000]
    rows, layout = read(path)
    assert (layout.encoding, layout.delimiter, layout.header_row) == ("utf-8-sig", ";", 1)
    header = raw.decode("utf-8-sig").splitlines()[0].split(";")
    assert layout.columns == header and layout.columns[0] == "Датум на објавување"
    physical = raw.decode("utf-8-sig").splitlines()
    # 238 lines at the end hold only delimiters (";;;;;;;;;;"): blank rows, counted as such.
    assert layout.blank_rows == 238
    assert len(rows) + layout.blank_rows == len(physical) - 1, "every line is a row or blank"
    assert [r.number for r in rows[:3]] == [2, 3, 4]
    assert rows[0].values["Назив раздел"] == "ПРЕТСЕДАТЕЛ НА РЕПУБЛИКА МАКЕДОНИЈА"
    assert not any(r.problem for r in rows)
    assert not any("\r" in str(v) for r in rows for v in r.values.values())
    amount = layout.columns[-1]
    assert layout.locales[amount]["kind"] == "number"
    parsed = [parse_number(r.values[amount], layout.locales[amount]["decimal"]) for r in rows]
    assert all(problem is None and isinstance(v, int) for v, problem in nonempty(parsed))
    dates = [parse_datetime(r.values[layout.columns[0]]) for r in rows[:100]]
    assert all(v == "2014-01-01T00:00:00Z" for v, _ in dates[:2])


@pytest.mark.parametrize("year", ["2021", "2022", "2023"])
def test_apbd_every_amount_parses_with_the_columns_own_decimal(shared_data, year):
    files = sorted((shared_data / "budget" / "apbd-jatim-djpk" / year).glob("*.csv"))
    assert len(files) == 38
    for path in files:
        rows, layout = read(path)
        assert layout.columns == ["akun", "anggaran", "realisasi", "persentase"], path
        for column in ("anggaran", "realisasi", "persentase"):
            decimal = layout.locales[column]["decimal"]
            for row in nonempty(rows):
                text = row.values[column]
                value, problem = parse_number(text, decimal)
                assert problem is None, (path, row.number, text)
                assert (value is None) == (text.strip() == ""), (path, row.number, text)


def test_apbd_miliar_suffix_and_percentages(shared_data):
    rows, layout = read(shared_data / "budget" / "apbd-jatim-djpk" / "2023" / "Malang.csv")
    assert layout.locales["anggaran"] == {"kind": "number", "decimal": ","}
    assert layout.locales["persentase"] == {"kind": "number", "decimal": "."}
    first = rows[0].values
    assert first["akun"] == " Pendapatan Daerah", "leading spaces are the source's; kept as read"
    assert parse_number(first["anggaran"], ",") == (4_372_860_000_000, None)  # "4.372,86 M"
    assert parse_number(first["realisasi"], ",") == (3_190_960_000_000, None)
    assert parse_number(first["persentase"], ".") == (72.97, None)
    # The realisation rate the source states agrees with its own amounts.
    planned, realised = 4_372_860_000_000, 3_190_960_000_000
    assert round(100 * realised / planned, 2) == 72.97
    older, layout_2021 = read(shared_data / "budget" / "apbd-jatim-djpk" / "2021" / "Malang.csv")
    assert layout_2021.locales["anggaran"]["decimal"] == "."  # plain `2223.07` in 2021


def test_nyc311_month_first_dates_and_closed_before_created(shared_data, tmp_path):
    rows, layout = read(shared_data / "service-kpi" / "nyc311_2018-2019_sample_41col.csv")
    assert len(rows) == 1000
    assert layout.locales["Created Date"] == {"kind": "date", "dayfirst": False}
    assert layout.locales["Closed Date"]["dayfirst"] is False
    american = "%m/%d/%Y %I:%M:%S %p"
    independent = sum(
        1
        for r in rows
        if r.values["Closed Date"]
        and datetime.strptime(r.values["Closed Date"], american)
        < datetime.strptime(r.values["Created Date"], american)
    )
    assert independent > 0
    records = []
    for r in rows:
        created, problem = parse_datetime(
            r.values["Created Date"], "America/New_York", dayfirst=False
        )
        assert problem is None
        closed, problem = parse_datetime(
            r.values["Closed Date"], "America/New_York", dayfirst=False
        )
        assert problem is None
        records.append({"key": r.values["Unique Key"], "created": created, "closed": closed})
    assert sum(1 for r in records if r["closed"] is None) == 14
    # The rule a steward would write, run with Great Expectations on the parsed records.
    db_path = tmp_path / "kpi.db"
    db = sqlite_utils.Database(db_path)
    db["requests"].insert_all(records, pk="key")
    check = plugins.checks()["column-pair"]
    options = {"left": "closed", "op": ">=", "right": "created"}
    rule = RuleSpec(
        "requests", check, options, "closed-after-created", check.describe(options), "test"
    )
    (outcome,) = run_rules([rule], db, db_path, lambda r: True)
    assert outcome.success is False and outcome.unexpected == independent
    keys = {
        k
        for (k,) in db.execute(
            f"select key from requests where rowid in ({','.join(map(str, outcome.rowids))})"
        )
    }
    expected = {
        r.values["Unique Key"]
        for r in rows
        if r.values["Closed Date"]
        and datetime.strptime(r.values["Closed Date"], american)
        < datetime.strptime(r.values["Created Date"], american)
    }
    assert keys == expected


def test_nyc311_placeholder_midnight_closing_times_parse(shared_data):
    with open(
        shared_data / "service-kpi" / "nyc311_2018-2019_sample_41col.csv", newline=""
    ) as handle:
        closed = [
            r["Closed Date"]
            for r in csv.DictReader(handle)
            if r["Closed Date"].endswith("12:00:00 AM")
        ]
    assert closed
    for value in closed:
        parsed, problem = parse_datetime(value, "UTC", dayfirst=False)
        assert problem is None and parsed.endswith("T00:00:00Z")
