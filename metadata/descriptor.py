"""Dataset descriptors: one folder per dataset, validated when loaded.

A steward publishes a new dataset of a known kind by editing YAML, so every mistake
must come back as one line naming the file, the key and its line number —
``metadata/procurement/dataset.yml:7: unknown key 'licnese'`` — never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .licences import Licence, get_licence, registry

DATASET_FILE = "dataset.yml"
METADATA_PATH_ENV = "TERBUKA_METADATA_PATH"
# The days each declared ``update_frequency`` allows between two updates (``irregular``
# sets no deadline): the quality flag and the site's panel judge freshness by the same.
UPDATE_PERIOD_DAYS = {
    "continuous": 1,
    "daily": 1,
    "weekly": 7,
    "monthly": 31,
    "quarterly": 92,
    "biannual": 183,
    "annual": 366,
}


class DescriptorError(ValueError):
    """A descriptor file is missing, unreadable or invalid; the message names file and key."""


@dataclass
class Descriptor:
    """Everything about one published dataset, loaded from ``metadata/<name>/``."""

    name: str
    folder: Path
    data: dict[str, Any]
    licence: Licence
    schemas: dict[str, dict] = field(default_factory=dict)
    privacy: dict[str, Any] = field(default_factory=dict)
    expectations: dict[str, Any] = field(default_factory=dict)
    # What a run learnt about the publication beyond the YAML: who published it by the
    # sources' own metadata, conflicts, the period the data covers (pipelines/provenance.py).
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def example(self) -> bool:
        """A bundled example: it names no publisher; the sources' metadata may."""
        return bool(self.data.get("example"))

    def get(self, key: str, default: Any = None) -> Any:
        """A top-level key of ``dataset.yml``."""
        return self.data.get(key, default)

    def text(self, key: str, lang: str = "id") -> str:
        """A translatable text in ``lang``, falling back to any language given."""
        return localized(self.data.get(key), lang)

    @property
    def pipeline(self) -> str:
        """Id of the registered pipeline (domain) that builds this dataset."""
        return self.data["pipeline"]

    @property
    def tables(self) -> dict[str, dict]:
        """Per-table presentation settings (facets, FTS columns, titles)."""
        return self.data.get("tables") or {}

    @property
    def fingerprint(self) -> str:
        """A hash of every descriptor file: a changed descriptor means a changed publication."""
        digest = hashlib.sha256()
        for path in sorted(self.folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(self.folder).as_posix().encode())
                digest.update(path.read_bytes())
        return digest.hexdigest()


def localized(value: Any, lang: str = "id") -> str:
    """Pick ``lang`` from a ``{id: ..., en: ...}`` text, or return a plain string as is."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.get(lang) or next(iter(value.values()), "")


def metadata_root() -> Path:
    """The folder holding the bundled descriptors (``metadata/`` in a checkout)."""
    return Path(str(resources.files("terbuka.metadata")))


def list_datasets(root: Path | None = None) -> list[str]:
    """Names of the datasets described under ``root`` (default: the bundled ones)."""
    root = root or metadata_root()
    return sorted(p.parent.name for p in root.glob(f"*/{DATASET_FILE}"))


def search_path() -> list[Path]:
    """The stewards' descriptor folders (``$TERBUKA_METADATA_PATH``, ``os.pathsep``-separated).

    They come before the bundled descriptors: a steward's own ``procurement`` is found
    before the bundled example of that name.
    """
    return [Path(p) for p in os.environ.get(METADATA_PATH_ENV, "").split(os.pathsep) if p]


def own_datasets() -> list[Path]:
    """Every descriptor folder on the search path (the first of a name wins)."""
    found: dict[str, Path] = {}
    for root in search_path():
        for name in list_datasets(root):
            found.setdefault(name, root / name)
    return list(found.values())


def resolve(name_or_path: str | Path) -> Path:
    """The descriptor folder for a dataset name or a path to a folder.

    A name is looked up on the search path first, then among the bundled descriptors.
    """
    path = Path(name_or_path)
    if path.is_dir() and (path / DATASET_FILE).exists():
        return path
    if path.name == DATASET_FILE and path.exists():
        return path.parent
    if re.fullmatch(r"[a-z0-9][a-z0-9-]*", str(name_or_path)):
        for root in [*search_path(), metadata_root()]:
            if (root / str(name_or_path) / DATASET_FILE).exists():
                return root / str(name_or_path)
    known = ", ".join(sorted({*list_datasets(), *(p.name for p in own_datasets())})) or "none"
    raise DescriptorError(
        f"{name_or_path}: no such dataset (a name in metadata/ — {known} — "
        f"or a folder containing {DATASET_FILE})"
    )


def load_descriptor(
    name_or_path: str | Path, options: Mapping[str, dict[str, Any]] | None = None
) -> Descriptor:
    """Load and validate a descriptor by dataset name or folder path.

    ``options`` are the option schemas that registered units declare for themselves
    (a plugin domain's own top-level key, a plugin source's keys); they are validated
    with the same one-line errors as the built-in keys (see ``descriptor_schema``).
    """
    folder = resolve(name_or_path)
    path = folder / DATASET_FILE
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise DescriptorError(
            f"{display(path)}: expected a mapping of keys, got {type(data).__name__}"
        )
    validate(data, descriptor_schema(options), path, lines)
    if data["name"] != folder.name and folder.parent == metadata_root():
        raise DescriptorError(
            f"{display(path)}:{lines.get(('name',), 1)}: key 'name' is {data['name']!r} "
            f"but the folder is {folder.name!r}"
        )
    spdx = data["license"]
    try:
        licence = get_licence(spdx)
    except KeyError:
        raise DescriptorError(
            f"{display(path)}:{lines.get(('license',), 1)}: key 'license': {spdx!r} is not a "
            f"known SPDX licence id (known: {', '.join(sorted(registry()))})"
        ) from None
    schemas = load_schemas(folder)
    _check_column_texts(data, schemas, path, lines)
    return Descriptor(
        name=data["name"],
        folder=folder,
        data=data,
        licence=licence,
        schemas=schemas,
        privacy=load_optional_yaml(folder / "privacy.yml"),
        expectations=load_optional_yaml(folder / "expectations.yml"),
    )


def _check_column_texts(
    data: dict[str, Any], schemas: dict[str, dict], path: Path, lines: dict[tuple, int]
) -> None:
    """``tables.<t>.columns`` may describe only columns that ``schema/<t>.json`` has."""
    for table, settings in (data.get("tables") or {}).items():
        if table not in schemas:
            continue
        known = {f["name"] for f in schemas[table].get("fields", [])}
        for column in (settings or {}).get("columns") or {}:
            if column not in known:
                where = ("tables", table, "columns", column)
                raise DescriptorError(
                    f"{display(path)}:{lines.get(where, 1)}: key {dotted(where)!r}: "
                    f"schema/{table}.json has no column {column!r}"
                )


def load_schemas(folder: Path) -> dict[str, dict]:
    """Frictionless Table Schemas in ``schema/<table>.json``, checked with frictionless."""
    from frictionless import FrictionlessException, Schema

    schemas = {}
    for path in sorted((folder / "schema").glob("*.json")):
        try:
            descriptor = json.loads(path.read_text("utf-8"))
            Schema.from_descriptor(descriptor)
        except json.JSONDecodeError as error:
            raise DescriptorError(
                f"{display(path)}:{error.lineno}: not valid JSON: {error.msg}"
            ) from None
        except FrictionlessException as error:
            raise DescriptorError(
                f"{display(path)}: invalid Table Schema: {error.error.note}"
            ) from None
        schemas[path.stem] = descriptor
    return schemas


def load_optional_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping, or ``{}`` when the file does not exist."""
    if not path.exists():
        return {}
    data, _ = load_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DescriptorError(f"{display(path)}: expected a mapping of keys")
    return data


# libyaml's loader where PyYAML was built with it: the same documents, parsed several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML and remember the line of every key, for error messages."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DescriptorError(f"{display(path)}: cannot read: {error}") from None
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = None if node is None else _LOADER("").construct_document(node)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise DescriptorError(f"{display(path)}{where}: invalid YAML: {problem}") from None
    lines: dict[tuple, int] = {}
    if node is not None:
        _collect_lines(node, (), lines)
    return data, lines


def _collect_lines(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            lines[child] = key.start_mark.line + 1
            _collect_lines(value, child, lines)
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _collect_lines(value, (*path, index), lines)


@cache
def _bundled_schema() -> dict[str, Any]:
    text = resources.files("terbuka.metadata").joinpath("descriptor-schema.yml").read_text("utf-8")
    schema: dict[str, Any] = yaml.safe_load(text)
    return schema


def descriptor_schema(options: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON Schema that ``dataset.yml`` files must satisfy, with units' own options.

    ``options`` maps a top-level key to the JSON Schema fragment of the unit that owns
    it (a domain's settings); the key ``sources`` maps to the extra per-source keys that
    source kinds accept. A unit may not redefine a key of the bundled schema.
    """
    schema = _bundled_schema()
    if not options:
        return schema
    properties = dict(schema["properties"])
    definitions = dict(schema["definitions"])
    for key, fragment in options.items():
        if key == "sources":
            source = dict(definitions["source"])
            clash = set(fragment) & set(source["properties"])
            if clash:
                raise DescriptorError(f"a source kind redefines the source key {min(clash)!r}")
            source["properties"] = {**source["properties"], **fragment}
            definitions["source"] = source
        elif key in properties:
            raise DescriptorError(f"a registered unit redefines the descriptor key {key!r}")
        else:
            properties[key] = fragment
    return {**schema, "properties": properties, "definitions": definitions}


def validate(data: Any, schema: dict, path: Path, lines: dict[tuple, int]) -> None:
    """Raise ``DescriptorError`` for the first problem, phrased for a steward."""
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(
        validator.iter_errors(data),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    if not errors:
        return
    raise DescriptorError(explain(errors[0], path, lines))


def explain(error: jsonschema.ValidationError, path: Path, lines: dict[tuple, int]) -> str:
    """One line for a schema error: file, line, key and what is wrong."""
    where = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        patterns = list(error.schema.get("patternProperties", {}))
        unknown = [
            key
            for key in error.instance
            if key not in allowed and not any(re.search(p, key) for p in patterns)
        ]
        key_path = (*where, unknown[0]) if unknown else where
        return f"{display(path)}:{lines.get(key_path, 1)}: unknown key {dotted(key_path)!r}"
    if error.validator == "required":
        missing = re.search(r"'([^']+)' is a required property", error.message)
        key = missing.group(1) if missing else error.message
        return (
            f"{display(path)}:{lines.get(where, 1)}: missing required key {dotted((*where, key))!r}"
        )
    if error.validator == "oneOf" and error.schema.get("description"):
        return f"{display(path)}:{lines.get(where, 1)}: key {dotted(where)!r}: {error.schema['description']}"
    return f"{display(path)}:{lines.get(where, 1)}: key {dotted(where)!r}: {error.message}"


def dotted(key_path: tuple) -> str:
    """``('tables', 'awards', 'facets')`` → ``tables.awards.facets``."""
    return ".".join(str(part) for part in key_path) or "(top level)"


def display(path: Path) -> str:
    """A path as short as it can be while still naming the file unambiguously."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
