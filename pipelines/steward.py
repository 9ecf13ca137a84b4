"""``terbuka init``: a steward's own descriptor, made from a bundled kind, outside the package.

The bundled ``procurement``, ``budget`` and ``service-kpi`` descriptors are examples
with no publisher: publishing real data with them shows a publisher only when the
sources name one. A steward runs ``terbuka init NAME --kind procurement --publisher …``
once; the folder written (``DIR/NAME/``) is theirs to edit and keep, is found through
``$TERBUKA_METADATA_PATH`` or ``--metadata DIR``, and marks with ``# CHECK:`` every line
whose value was guessed for them (title, licence, source, frequency, OCID prefix …).

``--metadata DIR`` (:func:`metadata_option`) is the same search path given on the
command line; it is put in front of ``$TERBUKA_METADATA_PATH`` so that worker
processes and hooks see it too.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from terbuka.metadata import (
    METADATA_PATH_ENV,
    DescriptorError,
    get_licence,
    list_datasets,
    metadata_root,
    registry,
    search_path,
)

from .errors import EXIT_CODES_HELP, UsageError

CHECK = "# CHECK:"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*):")
# Nested lines a steward must look at, by their key, with the reason shown beside them.
NESTED_CHECKS = {
    "ocid_prefix": "your OCID prefix, registered with the Open Contracting Partnership",
    "schema": "where the OCDS release schema is read (or set TERBUKA_OCDS_SCHEMA)",
}
TOP_CHECKS = {
    "title": "the title readers see, in Indonesian (id) and English (en)",
    "description": "what the dataset holds, in both languages",
    "update_frequency": "how often you publish: 'overdue' is judged from it and the data's dates",
    "spatial": "the area the data covers",
    "timezone": "your time zone (IANA name)",
    "keywords": "words readers search for",
}


def metadata_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--metadata DIR`` (repeatable): folders of your own descriptors, searched first."""

    def remember(ctx: click.Context, param: click.Parameter, value: tuple[Path, ...]) -> None:
        if value:
            use_metadata(value)

    return click.option(
        "--metadata",
        "metadata_dirs",
        multiple=True,
        type=click.Path(file_okay=False, path_type=Path),
        expose_value=False,
        is_eager=True,
        callback=remember,
        help=f"A folder of your own descriptors (like ${METADATA_PATH_ENV}); repeatable.",
    )(func)


def use_metadata(folders: tuple[Path, ...] | list[Path]) -> None:
    """Put ``folders`` first on the descriptor search path of this process and its children."""
    for folder in folders:
        if not folder.is_dir():
            raise click.BadParameter(f"{folder}: no such folder", param_hint="--metadata")
    current = os.environ.get(METADATA_PATH_ENV, "")
    os.environ[METADATA_PATH_ENV] = os.pathsep.join(
        [str(f.resolve()) for f in folders] + ([current] if current else [])
    )


@click.command("init", epilog=EXIT_CODES_HELP)
@click.argument("name")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(sorted(list_datasets())),
    help="Which bundled descriptor to start from (its pipeline, tables, rules, privacy policy).",
)
@click.option("--publisher", help="Your organisation, as readers should cite it.")
@click.option("--publisher-url", metavar="URL", help="Your organisation's web address.")
@click.option("--email", help="Where readers write about the data (published).")
@click.option(
    "--licence",
    default="CC-BY-4.0",
    show_default=True,
    help="SPDX id of the licence you publish under.",
)
@click.option("--source", "source_url", metavar="URL", help="Where the data comes from.")
@click.option("--source-title", help="What the source is called.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Folder to write NAME/ into (default: the first folder of ${METADATA_PATH_ENV}, else .).",
)
@click.option("--force", is_flag=True, help="Replace NAME/ if it exists.")
def init_command(
    name: str,
    kind: str,
    publisher: str | None,
    publisher_url: str | None,
    email: str | None,
    licence: str,
    source_url: str | None,
    source_title: str | None,
    out_dir: Path | None,
    force: bool,
) -> None:
    """Write your organisation's descriptor for dataset NAME, made from a bundled KIND.

    Every line you must check is marked `# CHECK:`. Then publish with
    `terbuka run NAME --metadata DIR --source …` (or put DIR in $TERBUKA_METADATA_PATH).
    """
    from terbuka.catalogs.secrets import scrub

    folder = write_descriptor(
        name, kind, out_dir, force=force, publisher=publisher, publisher_url=publisher_url,
        email=email, licence=licence, source_url=source_url, source_title=source_title,
    )  # fmt: skip
    checks = (folder / "dataset.yml").read_text("utf-8").count(CHECK) - 1  # not the header
    click.echo(
        scrub(
            f"{folder / 'dataset.yml'}: written from the {kind} example; {checks} lines marked "
            f"'{CHECK}' to check. Publish with: terbuka run {name} --metadata {folder.parent} "
            "--source … --out SITE"
        ),
        err=True,
    )


def write_descriptor(
    name: str, kind: str, out_dir: Path | None, *, force: bool = False, **fields: Any
) -> Path:
    """Copy the bundled ``kind`` to ``out_dir/name``, fill in and mark the steward's fields.

    The written descriptor is loaded (validated with every registered unit's options)
    before this returns; a folder that would not load is removed and the error raised.
    """
    from . import descriptors

    if not NAME.match(name):
        raise UsageError(f"{name}: a dataset name is lowercase letters, digits and '-'")
    out_dir = out_dir or next(iter(search_path()), Path("."))
    folder = out_dir / name
    bundled = metadata_root()
    if _inside(folder, bundled):
        raise UsageError(
            f"{folder}: inside the installed package; write your descriptor elsewhere (--out)"
        )
    licence = fields.get("licence") or "CC-BY-4.0"
    try:
        get_licence(licence)
    except KeyError:
        raise UsageError(
            f"--licence {licence!r}: not a known SPDX id (known: {', '.join(sorted(registry()))})"
        ) from None
    template = (bundled / kind / "dataset.yml").read_text("utf-8")
    if not fields.get("publisher") and "{nama_klpd}" not in template:
        raise UsageError(
            "--publisher is required: the organisation readers will cite for this dataset"
        )
    if folder.exists():
        if not force:
            raise UsageError(f"{folder}: exists already (--force replaces it)")
        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(bundled / kind, folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (folder / "dataset.yml").write_text(
        fill(template, name=name, kind=kind, **{**fields, "licence": licence}), "utf-8"
    )
    try:
        descriptors.load(folder)
    except DescriptorError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def fill(template: str, **fields: Any) -> str:
    """The bundled ``dataset.yml`` text with the steward's keys replaced and checks marked.

    Works on the text, top-level key by top-level key, so the example's comments and
    layout survive for the steward to read.
    """
    blocks = _blocks(template)
    old_publisher = _block_value(blocks.get("publisher", ""), "name")
    head = [
        f"# {fields['name']}: your organisation's descriptor, made by `terbuka init` from the",
        f"# bundled {fields['kind']} descriptor. Keys: docs/descriptors.md. Lines marked",
        f"# '{CHECK}' hold values guessed for you: check each, then remove the mark.",
    ]
    out: list[str] = head
    for key, text in blocks.items():
        if key in ("", "example"):
            continue  # the example's own header and its `example: true` go
        out.extend(_replace(key, text, fields, old_publisher))
        if key == "license" and "publisher" not in blocks:  # examples name no publisher
            out.extend(_publisher(fields, old_publisher))
    return "\n".join(out).rstrip("\n") + "\n"


def _blocks(text: str) -> dict[str, str]:
    """Top-level keys in order, each with its lines (comments before a key go with it)."""
    blocks: dict[str, list[str]] = {"": []}
    pending: list[str] = []
    current = ""
    for line in text.splitlines():
        match = TOP_KEY.match(line)
        if match:
            current = match.group(1)
            blocks[current] = [*pending, line]
            pending = []
        elif line.startswith("#") or not line.strip():
            pending.append(line)
        else:
            blocks[current].extend([*pending, line])
            pending = []
    if pending:
        blocks[current].extend(pending)
    return {key: "\n".join(lines) for key, lines in blocks.items()}


def _block_value(text: str, key: str) -> str:
    match = re.search(rf"^\s+{key}:\s*(.+)$", text, re.M)
    return match.group(1).strip().strip("\"'") if match else ""


def _replace(key: str, text: str, fields: dict[str, Any], old_publisher: str) -> list[str]:
    """The lines of one top-level key in the steward's descriptor."""
    if key == "name":
        return [f"name: {fields['name']}"]
    if key == "license":
        return [f"license: {fields['licence']}  {CHECK} the licence you publish under (SPDX id)"]
    if key == "publisher":
        return _publisher(fields, old_publisher)
    if key == "source":
        return _source(text, fields)
    lines = text.splitlines()
    if key in TOP_CHECKS:
        index = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
        lines.insert(index, f"{CHECK} {TOP_CHECKS[key]}")
    for index, line in enumerate(lines):
        match = re.match(r"^(\s+)([A-Za-z_]+):\s*\S", line)
        if match and match.group(2) in NESTED_CHECKS and CHECK not in line:
            lines[index] = f"{line}  {CHECK} {NESTED_CHECKS[match.group(2)]}"
    return lines


def _publisher(fields: dict[str, Any], old_publisher: str) -> list[str]:
    name = fields.get("publisher") or old_publisher
    lines = ["publisher:", f"  {CHECK} your organisation, as readers should cite it"]
    if "{nama_klpd}" in name:
        lines.append("  # {nama_klpd} is filled in from the feeds' institution at each run.")
    lines.append(f"  name: {_quoted(name)}")
    if fields.get("publisher_url"):
        lines.append(f"  url: {_quoted(fields['publisher_url'])}")
    else:
        lines.append(f"  # url: https://…  {CHECK} your organisation's web address")
    if fields.get("email"):
        lines.append(f"  email: {_quoted(fields['email'])}")
    return lines


def _source(text: str, fields: dict[str, Any]) -> list[str]:
    lines = ["source:", f"  {CHECK} where the data comes from (shown beside every table)"]
    title = fields.get("source_title")
    if title:
        lines.append(f"  title: {_quoted(title)}")
    elif fields.get("source_url"):  # the example's title names another source
        lines.append(f"  # title: …  {CHECK} what the source is called")
    else:  # keep the example's title, marked
        body = text.splitlines()[1:]
        kept = []
        inside = False
        for line in body:
            if re.match(r"^  title:", line):
                inside = True
                kept.append(line)
            elif inside and line.startswith("    "):
                kept.append(line)
            else:
                inside = False
        lines.extend(kept)
    url = fields.get("source_url") or _block_value(text, "url")
    if url:
        lines.append(f"  url: {_quoted(url)}")
    return lines


def _quoted(value: str) -> str:
    """A YAML scalar that stays a string whatever it holds."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True
