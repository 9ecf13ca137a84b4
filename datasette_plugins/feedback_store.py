"""Where readers' problem reports live: ``DIR/.feedback/feedback.db``, never a published table.

The folder is hidden, so Datasette's configuration-directory mode never serves it, and
no pipeline reads it. It holds only what the form asks — dataset, table, the page the
reader was on, the message and its language — never an IP address or a name. The size
is bounded: past ``MAX_REPORTS`` open reports or ``MAX_BYTES`` on disk, new ones are
refused until the steward handles some.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

FOLDER = ".feedback"
FILE = "feedback.db"
MAX_MESSAGE = 2000
MAX_REPORTS = 5000
MAX_BYTES = 20 * 1024 * 1024
MAX_PER_HOUR = 200  # across all readers: a flood cannot fill the disk
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")

SCHEMA = """
create table if not exists reports (
    id integer primary key,
    created text not null,
    dataset text not null,
    table_name text,
    page text,
    message text not null,
    lang text,
    status text not null default 'open',
    handled text
);
create index if not exists reports_by_status on reports(status, created);
"""


def path_for(out_dir: Path) -> Path:
    """The feedback database of a published folder."""
    return Path(out_dir) / FOLDER / FILE


def connect(out_dir: Path, create: bool = True) -> sqlite3.Connection | None:
    """Open (and create, owner-only) the feedback database; None if absent and not creating."""
    path = path_for(out_dir)
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=5)
    conn.row_factory = sqlite3.Row
    conn.executescript(SCHEMA)
    return conn


def clean(text: str) -> str:
    """Plain text: no control or direction-override characters, Unix line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL.sub("", text).strip()


def now() -> str:
    """The current time, ISO 8601 UTC."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def room_for_more(conn: sqlite3.Connection, out_dir: Path) -> bool:
    """Whether the store accepts another report (size, open count, hourly volume)."""
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = conn.execute("select count(*) from reports where created >= ?", [hour_ago]).fetchone()[
        0
    ]
    opened = conn.execute("select count(*) from reports where status = 'open'").fetchone()[0]
    size = path_for(out_dir).stat().st_size
    return recent < MAX_PER_HOUR and opened < MAX_REPORTS and size < MAX_BYTES


def add(out_dir: Path, dataset: str, table: str | None, page: str | None, message: str,
        lang: str) -> int | None:  # fmt: skip
    """Store one report; its id, or None when the store is full."""
    conn = connect(out_dir)
    assert conn is not None
    try:
        if not room_for_more(conn, out_dir):
            return None
        with conn:
            cursor = conn.execute(
                "insert into reports (created, dataset, table_name, page, message, lang) "
                "values (?, ?, ?, ?, ?, ?)",
                [now(), dataset, table, page, message[:MAX_MESSAGE], lang],
            )
        return cursor.lastrowid
    finally:
        conn.close()


def reports(out_dir: Path, include_handled: bool = False) -> list[dict[str, Any]]:
    """Reports, oldest first (open ones only unless asked)."""
    conn = connect(out_dir, create=False)
    if conn is None:
        return []
    try:
        where = "" if include_handled else "where status = 'open'"
        return [dict(r) for r in conn.execute(f"select * from reports {where} order by id")]
    finally:
        conn.close()


def mark_handled(out_dir: Path, ids: list[int]) -> list[int]:
    """Mark reports handled; returns the ids that do not exist."""
    conn = connect(out_dir, create=False)
    if conn is None:
        return list(ids)
    try:
        missing = []
        with conn:
            for report_id in ids:
                updated = conn.execute(
                    "update reports set status = 'handled', handled = ? where id = ?",
                    [now(), report_id],
                ).rowcount
                if not updated:
                    missing.append(report_id)
        return missing
    finally:
        conn.close()
