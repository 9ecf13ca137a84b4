"""``folder``: files in a local folder that match a pattern (an export drop, a mount)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from ..readers import hash_file
from . import Payload, PullContext, SourceReport


class FolderSource:
    """Every non-hidden file under ``path`` matching ``pattern``, copied into the archive."""

    id = "folder"
    title = "Files in a local folder"
    requires = ("path",)
    accepts = ("pattern", "archive")

    @staticmethod
    def pull(spec: dict[str, Any], ctx: PullContext, report: SourceReport) -> list[Payload]:
        """Hash (or reuse the hash of) each file whose size and mtime are unchanged."""
        root = Path(spec["path"]).expanduser()
        if not root.is_absolute():
            root = ctx.folder / root
        if not root.is_dir():
            raise InputError(str(root), "no such folder (source " + repr(spec["id"]) + ")")
        pattern = spec.get("pattern", "**/*")
        files = [
            p
            for p in sorted(root.glob(pattern))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
        ]
        if not files:
            raise InputError(str(root), f"no files match {pattern!r}")
        keep = spec.get("archive", True)
        state = ctx.load_state(report.id)
        known = state.get("files", {})
        seen: dict[str, dict] = {}
        payloads = []
        for path in files:
            stat = path.stat()
            entry = known.get(str(path))
            fresh = not (
                entry
                and entry["size"] == stat.st_size
                and entry["mtime_ns"] == stat.st_mtime_ns
                and (not keep or ctx.archive.has(entry["sha256"]))
            )
            if fresh:
                if keep:
                    stored = ctx.archive.add_file(path)
                    sha = stored.sha256
                    ctx.archive.record(
                        str(path), sha256=sha, status=200, size=stat.st_size,
                        dataset=ctx.dataset, source=report.id,
                    )  # fmt: skip
                else:
                    sha, _ = hash_file(path)
                report.downloaded_bytes += stat.st_size
                entry = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha}
            else:
                report.skipped += 1
            seen[str(path)] = entry
            stored_at = ctx.archive.path(entry["sha256"]) if keep else path
            payloads.append(Payload(str(path), entry["sha256"], stored_at, entry["size"]))
        ctx.save_state(report.id, {"files": seen})
        return payloads
