"""Where readers' problem reports live: ``DIR/.feedback/feedback.db``, never a published table.

The folder is hidden, so Datasette's configuration-directory mode never serves it, and
no pipeline reads it. It holds only what the form asks — dataset, table, the page the
reader was on, the message and its language — and a *sender tag*: a keyed hash of the
reader's network, never an IP address or a name.

A flood degrades, it does not lock readers out. Up to ``MAX_PER_HOUR`` reports an hour
(and ``MAX_REPORTS`` open ones) are stored as ``open``; past that, reports go into a
``pending`` queue of at most ``MAX_PENDING``. When the queue is full, a new report takes
the place of the newest pending report of the sender tag that holds the most — so the
flooder sheds its own reports, and a reader from a quiet network still gets in. Only a
reader whose network already holds as many pending reports as any other is refused.
``MAX_BYTES`` on disk is the hard stop.
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
MAX_PER_HOUR = 200  # open reports an hour, across all readers
MAX_PENDING = 1000  # reports queued during a flood, shed heaviest sender first
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
    handled text,
    sender text
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
    if "sender" not in {r["name"] for r in conn.execute("pragma table_info(reports)")}:
        conn.execute("alter table reports add column sender text")  # a store from before 0.x
    return conn


def clean(text: str) -> str:
    """Plain text: no control or direction-override characters, Unix line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL.sub("", text).strip()


def now() -> str:
    """The current time, ISO 8601 UTC."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def room_for_more(conn: sqlite3.Connection, out_dir: Path) -> bool:
    """Whether another report can be stored as open (hourly volume, open count, size)."""
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = conn.execute(
        "select count(*) from reports where created >= ? and status != 'pending'", [hour_ago]
    ).fetchone()[0]
    opened = conn.execute("select count(*) from reports where status = 'open'").fetchone()[0]
    return recent < MAX_PER_HOUR and opened < MAX_REPORTS and not _full(out_dir)


def _full(out_dir: Path) -> bool:
    return path_for(out_dir).stat().st_size >= MAX_BYTES


def _queue(conn: sqlite3.Connection, sender: str) -> bool:
    """Make room in the pending queue for ``sender``; False when it must be refused."""
    pending = conn.execute("select count(*) from reports where status = 'pending'").fetchone()[0]
    if pending < MAX_PENDING:
        return True
    heaviest = conn.execute(
        "select sender, count(*) as n from reports where status = 'pending' "
        "group by sender order by n desc, max(id) desc limit 1"
    ).fetchone()
    own = conn.execute(
        "select count(*) from reports where status = 'pending' and sender is ?", [sender]
    ).fetchone()[0]
    if heaviest is None or own + 1 > heaviest["n"] or heaviest["sender"] == sender:
        return False  # this sender already holds as much of the queue as anyone
    conn.execute(
        "delete from reports where id = (select max(id) from reports "
        "where status = 'pending' and sender is ?)",
        [heaviest["sender"]],
    )
    return True


def add(out_dir: Path, dataset: str, table: str | None, page: str | None, message: str,
        lang: str, sender: str | None = None) -> tuple[int, str] | None:  # fmt: skip
    """Store one report: its id and status (``open`` or ``pending``), or None if refused."""
    conn = connect(out_dir)
    assert conn is not None
    try:
        with conn:
            conn.execute("begin immediate")  # one writer decides at a time
            if room_for_more(conn, out_dir):
                status = "open"
            elif not _full(out_dir) and _queue(conn, sender or ""):
                status = "pending"
            else:
                return None
            cursor = conn.execute(
                "insert into reports (created, dataset, table_name, page, message, lang, "
                "status, sender) values (?, ?, ?, ?, ?, ?, ?, ?)",
                [now(), dataset, table, page, message[:MAX_MESSAGE], lang, status, sender or ""],
            )
        return cursor.lastrowid, status
    finally:
        conn.close()


def reports(out_dir: Path, include_handled: bool = False) -> list[dict[str, Any]]:
    """Reports, oldest first (open ones only unless asked)."""
    conn = connect(out_dir, create=False)
    if conn is None:
        return []
    try:
        where = "" if include_handled else "where status in ('open', 'pending')"
        columns = "id, created, dataset, table_name, page, message, lang, status, handled"
        return [dict(r) for r in conn.execute(f"select {columns} from reports {where} order by id")]
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
