"""Errors the runner turns into exit codes and one-line messages.

Exit codes are the same for every command:

==  =====================================================================================
0   published or unchanged
1   stopped by a gate or a policy (nothing published)
2   bad input or usage (nothing published)
3   a fault of the environment: an unreachable or failing source, a lock held by another
    run, disk full, a busy port
4   an internal error (a bug; a traceback file is written)
==  =====================================================================================

In every non-zero case the previous publication is untouched. Anything that reaches the user is one line that names
the file (and row and column where known) — never a traceback for bad data.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

EXIT_OK = 0
EXIT_STOPPED = 1
EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 4

# Shown at the end of ``terbuka --help`` and every command's help ("\b": keep the lines).
EXIT_CODES_HELP = """\b
Exit codes (the same for every command):
  0  published or unchanged
  1  stopped by a gate or a policy (nothing published)
  2  bad input or usage (nothing published)
  3  a fault of the environment: an unreachable or failing source, a lock
     held by another run, disk full, a busy port
  4  an internal error (a bug; a traceback file is written)
In every non-zero case the previous publication is untouched."""

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


class TerbukaError(Exception):
    """Base class: carries an exit code and a one-line message."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(TerbukaError):
    """A source cannot be read at all: zero bytes, wrong format, truncated, unreachable."""

    exit_code = EXIT_BAD_INPUT

    def __init__(
        self,
        path: str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
    ):
        self.path = str(path)
        self.message = message
        self.row = row
        self.column = column
        where = self.path
        if row is not None:
            where += f", row {row}"
        if column:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class UsageError(TerbukaError):
    """The command was called wrongly (unknown dataset, missing source, bad option)."""

    exit_code = EXIT_BAD_INPUT


class GateStopped(TerbukaError):
    """A gate (privacy or quality) stopped publication; the previous one is untouched."""

    exit_code = EXIT_STOPPED


class RunInterrupted(TerbukaError):
    """The run was stopped (Ctrl-C or SIGTERM) before it published."""

    exit_code = EXIT_STOPPED


class EnvironmentFault(TerbukaError):
    """The environment failed: a source unreachable, a lock held elsewhere, the disk full."""

    exit_code = EXIT_ENVIRONMENT


class SourceFault(InputError):
    """A source could not be fetched: unreachable, timing out, or answering with an error.

    Not bad input: the same run may pass when the server is back, so it exits 3.
    """

    exit_code = EXIT_ENVIRONMENT


def disk_full_message(error: BaseException, path: str | Path | None = None) -> str | None:
    """One line naming the device and the file when ``error`` is a full disk, else ``None``.

    ``path`` is the file being written when the error does not say (SQLite's "database or
    disk is full" never does; ``os.write`` neither).
    """
    if isinstance(error, OSError) and error.errno in DISK_FULL:
        path = error.filename or path
    elif not (isinstance(error, sqlite3.OperationalError) and "disk is full" in str(error)):
        return None
    where = f"writing {path}" if path else "writing"
    device, mount = _device_of(Path(path)) if path else ("", "")
    on = f" on {device} mounted at {mount}" if mount else ""
    return f"disk full: no space left{on} while {where}; the previous publication is untouched"


def _device_of(path: Path) -> tuple[str, str]:
    """The device and mount point holding ``path`` (from /proc/mounts where there is one)."""
    probe = path.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    mount = probe
    while not os.path.ismount(mount) and mount != mount.parent:
        mount = mount.parent
    device = "the device"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            fields = line.split()
            if len(fields) > 2 and fields[1] == str(mount):
                device = f"{fields[0]} ({fields[2]})"
    except OSError:
        pass
    return device, str(mount)


def write_traceback(folder: Path | None, name: str) -> str:
    """Keep the current traceback in ``folder/<name>.traceback.txt``; return where.

    The traceback stays in a file, never on the screen: the user sees one line.
    """
    if folder is None:  # no output folder known: the temp folder, with a unique name
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        folder, name = Path(tempfile.gettempdir()), f"{name}-{stamp}-{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.traceback.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(_scrubbed(traceback.format_exc()))
        return str(path)
    except OSError:
        return "(not written)"


def _scrubbed(text: str) -> str:
    from terbuka.catalogs.secrets import scrub

    return str(scrub(text))
