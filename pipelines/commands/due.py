"""``terbuka due``: which datasets are due by their update_frequency."""

from __future__ import annotations

import json
from pathlib import Path

from ..steward import metadata_option
from .options import command, echo, json_option, out_option


@command("due")
@out_option()
@json_option
@metadata_option
def due_command(out_dir: Path, as_json: bool) -> None:
    """List which datasets are due now by their update_frequency (what `run --due` runs)."""
    from terbuka.pipelines.schedule import due_datasets

    entries = due_datasets(out_dir)
    if as_json:
        echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    for entry in entries:
        if entry.get("error"):
            echo(f"{entry['dataset']}: broken descriptor — {entry['error']}")
            continue
        mark = "due" if entry["due"] else "not due"
        last = entry["last_success"] or "never"
        data = entry.get("data_until")
        data_text = f"; data until {data}" + (" (overdue)" if entry.get("data_overdue") else "")
        echo(
            f"{entry['dataset']}: {mark} ({entry['reason']}; last success {last}; "
            f"update_frequency {entry['update_frequency'] or '-'}{data_text if data else ''})"
        )
