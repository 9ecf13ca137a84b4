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

EXIT_OK = 0
EXIT_STOPPED = 1
EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 4


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
