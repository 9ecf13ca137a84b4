"""Errors the runner turns into exit codes and one-line messages.

Exit codes are the same for every command: 0 published or unchanged, 1 a gate stopped
publication, 2 bad input or usage. Anything that reaches the user is one line that names
the file (and row and column where known) — never a traceback for bad data.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_STOPPED = 1
EXIT_BAD_INPUT = 2


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
