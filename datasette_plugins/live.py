"""Serving follows the publication: a switch or a withdraw is seen at the next request.

A published database is a link, ``DIR/<dataset>.db`` → ``.live/<dataset>/<dataset>.db``,
and a publication or a withdraw changes only where ``.live/<dataset>`` points (see
``publish/swap.py``). Datasette opens a database once per thread and keeps reading the
file it opened, so on its own it would serve the replaced publication until restarted.
Before each request this plugin resolves every served link (a few ``stat`` calls):

- the link leads to another file → the database is replaced by a fresh ``Database``
  whose connections open the new file; requests already running finish on the old one,
  whose connections are closed a little later;
- the link leads nowhere (withdrawn) → the database is removed at once;
- a new ``DIR/*.db`` appeared (a first publication) → it is added.

A request that was running while another request switched or withdrew a database can
fail half-way (its file pruned, its database gone from the list it was iterating). Such
a GET is answered again, on the new state, instead of with a 500 (``answer_again``).

Each database's metadata is its own publication's ``datasette.json`` (``get_metadata``),
read again when the link moves, so titles, licences and queries switch with the data.
No file is ever written while served, so there is no "database is locked".
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
import urllib.parse
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.database import Database

FRAGMENT = "datasette.json"
GRACE_SECONDS = 30  # longer than sql_time_limit_ms: running queries finish on the old file


class FollowedDatabase(Database):
    """One publication's database, served under the link's path and name.

    Its connections open the file the link led to when it was made (``real``), so every
    connection of this object reads the same publication, whenever it is opened. They
    belong to this object, not to its name: Datasette 0.65 keeps read connections in a
    thread-local keyed by the database name, so a replacement under the same name would
    otherwise reuse connections to the old file. A publication never changes once live,
    so its size is read once (a withdraw mid-request cannot fail a ``stat``).
    """

    def __init__(self, ds: Any, path: str, real: str):
        super().__init__(ds, path=path, is_mutable=True)
        self.real = real
        self._local = threading.local()
        stat = os.stat(real)
        self.cached_size, self._mtime_ns = stat.st_size, stat.st_mtime_ns

    def connect(self, write: bool = False) -> sqlite3.Connection:  # noqa: D102
        # Percent-encoded: a `?` or `#` in the folder's name would end an SQLite URI's path.
        path = urllib.parse.quote(str(self.real))
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._all_file_connections.append(conn)
        return conn

    @property
    def mtime_ns(self) -> int:  # noqa: D102
        return self._mtime_ns

    async def execute_fn(self, fn: Any) -> Any:  # noqa: D102
        if self.ds.executor is None:
            return await super().execute_fn(fn)

        def in_thread() -> Any:
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                self._local.conn = conn
            return fn(conn)

        return await asyncio.get_running_loop().run_in_executor(self.ds.executor, in_thread)


class Follower:
    """What one Datasette serves, kept in step with the links on disk."""

    def __init__(self, datasette: Any):
        self.ds = datasette
        self.targets: dict[str, str] = {}  # database name -> resolved file when (re)opened
        self.fragments: dict[str, tuple[tuple, dict[str, Any]]] = {}
        self.lock = threading.Lock()
        self.generation = 0  # bumped at every switch, withdraw or first publication

    def check(self) -> None:
        """Bring the served databases and their metadata in line with the links."""
        with self.lock:
            for name, db in list(self.ds.databases.items()):
                if db.is_memory or not db.path:
                    continue
                real = os.path.realpath(db.path)
                if not os.path.isfile(real):  # withdrawn: the link (or the file) is gone
                    self._drop(name, db)
                elif not os.path.islink(db.path):
                    self._fragment(name, db.path)
                elif self.targets.get(name) != real or not isinstance(db, FollowedDatabase):
                    self._open(name, db.path, real, db)
                else:
                    self._fragment(name, db.path)
            self._discover()

    def _discover(self) -> None:
        folder = getattr(self.ds, "config_dir", None)
        if not folder:
            return
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        served = {db.path for db in self.ds.databases.values() if db.path}
        for entry in entries:
            name = entry.name[: -len(".db")]
            if not entry.name.endswith(".db") or entry.path in served or name in self.ds.databases:
                continue
            real = os.path.realpath(entry.path)
            if os.path.isfile(real):
                self._open(name, entry.path, real, None)

    def _open(self, name: str, path: str, real: str, old: Any) -> None:
        try:
            fresh = FollowedDatabase(self.ds, path, real)
        except OSError:  # withdrawn while we looked
            return
        if old is not None:
            self.ds.remove_database(name)
            _close_later(old)
        self.ds.add_database(fresh, name=name, route=getattr(old, "route", None) or name)
        self.targets[name] = real
        self.fragments.pop(name, None)
        self._fragment(name, path)
        self.generation += 1

    def _drop(self, name: str, db: Any) -> None:
        self.ds.remove_database(name)
        _close_later(db)
        self.targets.pop(name, None)
        self.fragments.pop(name, None)
        self.generation += 1

    def _fragment(self, name: str, path: str) -> None:
        fragment = Path(path).parent / name / FRAGMENT
        try:
            stat = fragment.stat()
            key = (os.path.realpath(fragment), stat.st_mtime_ns, stat.st_size)
        except OSError:
            self.fragments.pop(name, None)
            return
        if name in self.fragments and self.fragments[name][0] == key:
            return
        try:
            data = json.loads(fragment.read_text("utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(data, dict):
            self.fragments[name] = (key, data)

    def metadata(self) -> dict[str, Any]:
        """``{"databases": {name: fragment}}`` for the databases served now."""
        if not self.fragments and not self.targets:
            self.check()
        return {
            "databases": {
                name: data
                for name, (_, data) in self.fragments.items()
                if name in self.ds.databases
            }
        }


def _close_later(db: Any) -> None:
    """Close a replaced database's connections once the requests using them are done."""
    try:
        asyncio.get_running_loop().call_later(GRACE_SECONDS, db.close)
    except RuntimeError:  # no loop (start-up): nothing is running on it yet
        db.close()


def follower(datasette: Any) -> Follower:
    """The follower of this Datasette instance (one per instance)."""
    found = getattr(datasette, "_terbuka_follower", None)
    if found is None:
        found = Follower(datasette)
        datasette._terbuka_follower = found
    return found


@hookimpl
def startup(datasette: Any) -> None:
    """Drop databases whose link leads nowhere before Datasette checks its connections."""
    follower(datasette).check()


@hookimpl
def get_metadata(datasette: Any, key: str, database: str, table: str) -> dict[str, Any]:
    """Each database's metadata, from its live publication's ``datasette.json``.

    Asked about one database, Datasette reads only that database's block, so only that
    block is given: its table-permission check deep-copies all it gets, once per table
    listed (the demo's database page spent 80 % of its time copying the other datasets'
    metadata).
    """
    found = follower(datasette).metadata()
    if database is None:
        return found
    block = found["databases"].get(database)
    return {"databases": {database: block}} if block is not None else {}


RETRIES = 3  # switches that can overtake one request before its 500 is let through


async def answer_again(app: Any, links: Follower, scope: dict, receive: Any, send: Any) -> None:
    """Run ``app`` for a GET/HEAD; a 5xx caused by a switch meanwhile is answered again.

    The 5xx's start and body are held back only when the served databases changed while
    the request ran (``links.generation``); any other 5xx goes out as it is.
    """
    for _ in range(RETRIES):
        held = _HeldFor(links, send)
        await app(scope, receive, held.send)
        if not held.swallowed:
            return
    await app(scope, receive, send)


class _HeldFor:
    """A ``send`` that swallows a 5xx answer if a switch happened since it was made."""

    def __init__(self, links: Follower, send: Any):
        self.links, self.out = links, send
        self.generation = links.generation
        self.swallowed = False

    async def send(self, message: dict) -> None:
        if message["type"] == "http.response.start" and message["status"] >= 500:
            self.links.check()  # the switch may not have been seen by any request yet
            self.swallowed = self.links.generation != self.generation
        if not self.swallowed:
            await self.out(message)


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Check the links before every HTTP request; answer again a request a switch broke."""

    def wrap(app: Any) -> Any:
        async def follow(scope: dict, receive: Any, send: Any) -> None:
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            links = follower(datasette)
            links.check()
            if scope.get("method") in ("GET", "HEAD"):
                await answer_again(app, links, scope, receive, send)
            else:
                await app(scope, receive, send)

        return follow

    return wrap
