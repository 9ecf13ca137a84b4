"""``example-inbox``: the files a partner drops into an inbox folder, by suffix.

Its keys (``inbox``, ``suffix``) are its own: ``options_schema`` adds them to what a
``sources:`` entry may carry, and ``requires``/``accepts`` say which apply to this kind.
Pulling is terbuka's folder source (hashing, archiving, skipping unchanged files) on
the inbox; only the naming of the keys differs.
"""

from __future__ import annotations

from typing import Any

from terbuka.pipelines.sources import Payload, PullContext, SourceReport
from terbuka.pipelines.sources.folder import FolderSource


class InboxSource:
    """Every ``suffix`` file in the ``inbox`` folder (relative to the descriptor)."""

    id = "example-inbox"
    title = "Files dropped into an inbox folder (example plugin)"
    requires = ("inbox",)
    accepts = ("suffix",)
    options_schema = {
        "inbox": {"type": "string", "minLength": 1},
        "suffix": {"type": "string", "pattern": "^\\.[A-Za-z0-9]+$"},
    }

    @staticmethod
    def pull(spec: dict[str, Any], ctx: PullContext, report: SourceReport) -> list[Payload]:
        """The inbox's files, archived; unchanged ones are not hashed again."""
        folder_spec = {"id": spec["id"], "path": spec["inbox"]}
        folder_spec["pattern"] = f"*{spec.get('suffix', '.psv')}"
        return FolderSource.pull(folder_spec, ctx, report)
