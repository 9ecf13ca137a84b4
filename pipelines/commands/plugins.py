"""``terbuka plugins``: every registered unit and stage hook, with its plugin."""

from __future__ import annotations

import json

import click

from .options import command, echo


@command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON on stdout.")
def plugins_command(as_json: bool) -> None:
    """List every registered unit and stage hook, with the plugin that registered it.

    Units are readers, pipelines, sources, checks, red flags, recognizers and publishers;
    installed plugins are found through their entry points in the ``terbuka`` group.
    """
    from terbuka.pipelines import plugins

    rows = plugins.listing()
    if as_json:
        echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in ("kind", "id", "plugin")}
    for row in [{"kind": "kind", "id": "id", "plugin": "plugin", "title": "title"}, *rows]:
        echo(
            "  ".join(row[k].ljust(widths[k]) for k in ("kind", "id", "plugin"))
            + "  "
            + row["title"]
        )
