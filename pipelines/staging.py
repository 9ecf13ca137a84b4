"""Writing staged rows: the one loop every domain's ``extract`` uses.

Rows are inserted a chunk at a time, so memory stays flat on large inputs and the
progress bar moves as they are read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def insert_in_chunks(
    table: Any,
    rows: Iterable[dict[str, Any]],
    size: int,
    progress: Callable[[int], Any] | None = None,
    **insert: Any,
) -> None:
    """Insert ``rows`` into a sqlite-utils ``table`` ``size`` at a time; report each chunk.

    ``insert``: keyword arguments for ``insert_all`` (``batch_size``).
    """
    pending: list[dict[str, Any]] = []
    for row in rows:
        pending.append(row)
        if len(pending) >= size:
            table.insert_all(pending, **insert)
            if progress:
                progress(len(pending))
            pending = []
    if pending:
        table.insert_all(pending, **insert)
        if progress:
            progress(len(pending))
