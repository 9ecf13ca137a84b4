"""Benchmark: tabular reading, value parsing and the Great Expectations quality gate.

    .venv/bin/python bench/quality_gate.py [--rows 200000]

Prints figures; asserts nothing. The gate part builds a table of ``--rows`` rows in
SQLite (1 % of them breaking a rule that quarantines), then times GX's import, the rules
and the quarantine.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def timed(label: str, count: int, started: float) -> None:
    seconds = time.perf_counter() - started
    rate = f"{count / seconds:,.0f}/s" if seconds and count else ""
    print(f"{label:<44} {seconds:8.2f} s  {rate}")


def bench_reader(folder: Path, rows: int) -> None:
    from terbuka.pipelines.readers import detect, members
    from terbuka.pipelines.readers.tabular import Layout

    rng = random.Random(1)
    path = folder / "tender.csv"
    with open(path, "w", encoding="cp1252", newline="") as handle:
        handle.write("REKAP TENDER 2024\r\n\r\n")
        handle.write("kd_tender;nama_paket;hps;pagu;tgl_pengumuman_tender;status_tender\r\n")
        for i in range(rows):
            amount = rng.randint(10_000, 9_000_000_000)
            handle.write(
                f"{i};Pembangunan Jalan Desa Café {i};{amount:,}".replace(",", ".")
                + f",00;{amount // 1_000_000} jt;{rng.randint(1, 28)}/0{rng.randint(1, 9)}/2024 10:00;Selesai\r\n"
            )
    started = time.perf_counter()
    count = 0
    for member in members(path):
        layout = Layout()
        for _ in detect(member, ["csv"]).read(member, {}, layout):
            count += 1
    timed(f"read CSV ({path.stat().st_size / 1e6:.0f} MB, cp1252, title rows)", count, started)
    print(f"  detected: {layout.encoding}, {layout.delimiter!r}, header row {layout.header_row}")


def bench_parsers(rows: int) -> None:
    from terbuka.pipelines.parse import parse_datetime, parse_number

    values = ["1.250.000,00", "4.372,86 M", "Rp 1.500.000,-", "12,5 jt", "0.00"] * (rows // 5)
    started = time.perf_counter()
    for value in values:
        parse_number(value)
    timed("parse_number", len(values), started)
    dates = [
        "12/03/2024 10:00",
        "12 Maret 2024",
        "2024-03-12T10:00:00Z",
        "06/26/2018 10:58:54 AM",
    ] * (rows // 4)
    started = time.perf_counter()
    for value in dates:
        parse_datetime(value, "Asia/Jakarta")
    timed("parse_datetime", len(dates), started)


def bench_gate(folder: Path, rows: int) -> None:
    import sqlite_utils

    from terbuka.pipelines import plugins
    from terbuka.pipelines.quality import Gate, GatePolicy, QualityPlan
    from terbuka.pipelines.quality.gx import import_gx
    from terbuka.pipelines.quality.plan import RuleSpec, registered_checks
    from terbuka.publish import database

    schema = {
        "fields": [
            {"name": "ocid", "type": "string"},
            {"name": "status", "type": "string"},
            {"name": "value_amount", "type": "number"},
            {"name": "budget_amount", "type": "number"},
            {"name": "start", "type": "datetime"},
            {"name": "award", "type": "datetime"},
        ],
        "primaryKey": ["ocid"],
    }
    path = folder / "gate.db"
    db = database.open_database(path)
    database.create_tables(db, {"tenders": schema})
    rng = random.Random(2)

    def row(i: int) -> dict:
        value = rng.randint(1, 10**9) * (-1 if i % 100 == 0 else 1)
        return {
            "ocid": f"ocds-abc123-{i}",
            "status": rng.choice(["active", "complete", "cancelled"]),
            "value_amount": value,
            "budget_amount": abs(value) * rng.choice([0.9, 1.1, 1.2]),
            "start": f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T00:00:00Z",
            "award": f"2024-0{rng.randint(1, 9)}-2{rng.randint(0, 8)}T00:00:00Z",
        }

    started = time.perf_counter()
    db["tenders"].insert_all((row(i) for i in range(rows)), batch_size=1000)
    db.conn.commit()
    timed("build the table", rows, started)

    started = time.perf_counter()
    import_gx()
    timed("import great_expectations", 0, started)

    checks = plugins.checks()

    def rule(name: str, check: str, **options) -> RuleSpec:
        return RuleSpec(
            "tenders", checks[check], options, name, checks[check].describe(options), "bench"
        )

    rules = [
        rule("amount-not-negative", "between", column="value_amount", min=0),
        rule(
            "status-codelist", "in-set", column="status", values=["active", "complete", "cancelled"]
        ),
        rule("ocid-format", "regex", column="ocid", pattern="^ocds-[a-z0-9]+-"),
        rule("within-budget", "column-pair", left="value_amount", op="<=", right="budget_amount"),
        rule("award-after-start", "column-pair", left="award", op=">=", right="start"),
        rule("start-present", "not-null", column="start"),
    ]
    policy = GatePolicy(quarantine={"amount-not-negative"})
    plan = QualityPlan(rules, policy, list(registered_checks()[1].values()))

    class Descriptor:
        licence = __import__("terbuka.metadata", fromlist=["get_licence"]).get_licence("CC-BY-4.0")

        @staticmethod
        def get(key, default=None):
            return {"update_frequency": "monthly"}.get(key, default)

        @staticmethod
        def text(key, lang="id"):
            return "A benchmark dataset with enough description to pass the flag."

    gate = Gate(plan, Descriptor(), {"tenders": schema}, "bench", "tenders")
    started = time.perf_counter()
    gate.check_data(db, path, Counter({"entered:tenders": rows}), rows)
    timed(f"gate: {len(rules)} rules, flags, quarantine, notes", rows, started)
    for result in gate.rules:
        print(f"  {result['id']:<22} {result['status']:<12} failing rows: {result['unexpected']}")
    print(f"  quarantined {dict(gate.quarantined)}; reconciled: {gate.tables['tenders']}")
    sqlite_utils.Database(path).close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench_reader(Path(folder), args.rows)
        bench_parsers(args.rows)
        bench_gate(Path(folder), args.rows)


if __name__ == "__main__":
    main()
