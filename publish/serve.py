"""Serve a published folder with Datasette (configuration-directory mode)."""

from __future__ import annotations

from pathlib import Path


def serve_directory(directory: Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Run ``datasette serve DIRECTORY`` in this process until interrupted."""
    from datasette.cli import cli as datasette_cli

    # --cors: the JSON API is for everyone's web pages too (Access-Control-Allow-Origin: *).
    args = ["serve", str(directory), "--host", host, "--port", str(port), "--cors"]
    datasette_cli.main(args=args, prog_name="datasette", standalone_mode=True)
