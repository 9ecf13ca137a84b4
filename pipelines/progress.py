"""Progress on stderr with rich: a bar on long work, silent when stderr is not a terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress

console = Console(stderr=True)


class Progress:
    """Stages and counted tasks; stdout stays free for ``--json``."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and console.is_terminal
        self._progress = RichProgress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=not self.enabled,
        )

    def __enter__(self) -> Progress:
        self._progress.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._progress.__exit__(kind, error, trace)

    def stage(self, name: str) -> None:
        """Announce a stage (shown only on a terminal)."""
        if self.enabled:
            self._progress.console.log(f"[dim]stage[/] {name}")

    @contextmanager
    def task(self, description: str, total: int | None) -> Iterator[Callable[[int], None]]:
        """A task with a bar; yields ``advance(n)``."""
        task_id = self._progress.add_task(description, total=total)

        def advance(n: int = 1) -> None:
            self._progress.advance(task_id, n)

        try:
            yield advance
        finally:
            self._progress.remove_task(task_id)
