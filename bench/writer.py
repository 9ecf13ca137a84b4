"""The database writer against sqlite-utils' ``insert_all`` of the same rows.

    python bench/writer.py [--rows 200000] [--batch 5000] [--repeat 3]

Rows shaped like ``risk_components`` (the largest derived table: nine columns, a
four-column primary key) go into a table created from its Table Schema, batch by batch:
once through ``publish.database.Writer.insert`` (one prepared statement per batch), once
through ``insert_all`` with the cells ``Writer`` would prepare (what it did before
the evening of 2026-12-07). Prints the medians.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from terbuka.publish import database

COLUMNS = [
    ("subject_kind", "string"), ("subject_id", "string"), ("period", "string"),
    ("component", "string"), ("value", "number"), ("weight", "number"),
    ("contribution", "number"), ("judged", "integer"), ("flagged", "integer"),
]  # fmt: skip
SCHEMA = {
    "fields": [{"name": name, "type": kind} for name, kind in COLUMNS],
    "primaryKey": ["subject_kind", "subject_id", "period", "component"],
}


def rows(count: int) -> list[dict]:
    return [
        {
            "subject_kind": "tender",
            "subject_id": f"ocds-abc-{i // 19:06d}",
            "period": "2024",
            "component": f"R{i % 19:03d}",
            "value": 0.5 if i % 3 else None,
            "weight": 1.0,
            "contribution": None,
            "judged": 1,
            "flagged": 0,
        }
        for i in range(count)
    ]


def timed(how: str, data: list[dict], batch: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        db = database.open_database(Path(folder) / "bench.db")
        database.create_tables(db, {"t": SCHEMA})
        writer = database.Writer(db, {"t": SCHEMA})
        columns = writer.columns["t"]
        started = time.perf_counter()
        for start in range(0, len(data), batch):
            part = data[start : start + batch]
            if how == "writer":
                writer.insert("t", part)
            else:
                prepared = [{c: database._cell(row.get(c)) for c in columns} for row in part]
                with db.conn:
                    db["t"].insert_all(prepared, batch_size=1000)
        elapsed = time.perf_counter() - started
        db.close()
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = rows(args.rows)
    times: dict[str, list[float]] = {"insert_all": [], "writer": []}
    for _ in range(args.repeat):
        for how in times:
            times[how].append(timed(how, data, args.batch))
    for how, values in times.items():
        print(
            f"{how:<10} {statistics.median(values):6.2f} s for {args.rows:,} rows "
            f"(runs: {', '.join(f'{v:.2f}' for v in values)})"
        )
    ratio = statistics.median(times["insert_all"]) / statistics.median(times["writer"])
    print(f"writer is {ratio:.1f}x insert_all")


if __name__ == "__main__":
    main()
