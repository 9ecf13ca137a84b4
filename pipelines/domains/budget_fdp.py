"""Fiscal Data Package input: a ``datapackage.json`` whose model maps columns to budget terms.

The package's ``model`` (``mapping`` in older packages) names the measures — amounts with
a currency and a phase (approved, adjusted, executed) — and the dimensions: the fiscal
date, classifications (economic, functional, administrative) and activities. Planned is the
adjusted budget when the package has one, else the approved one; realised is the executed
amount. A package whose data files are not beside it is an error naming the missing file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..readers import detect, members
from ..readers.limits import load_json, read_whole
from ..readers.tabular import Layout

REALISED_WORDS = re.compile(r"paid|execut|actual|realis|spent|outturn", re.IGNORECASE)
YEARISH = re.compile(r"^(\d{4})(?:\s*[-/]\s*\d{2,4})?$")


@dataclass
class Measure:
    """A measure of the package and what it becomes: planned or realised, for which year."""

    name: str
    source: str
    role: str
    currency: str
    factor: float = 1.0
    year: int | None = None


@dataclass
class Package:
    """What terbuka takes from a Fiscal Data Package."""

    name: str
    title: str
    folder: Path
    model: dict[str, Any]
    measures: list[Measure] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    resources: list[tuple[str, Path]] = field(default_factory=list)
    year: int | None = None  # from fiscalPeriod, when it lies within one year


def is_package(path: Path) -> bool:
    """A ``datapackage.json`` (the name the spec gives it)."""
    return path.name.lower() == "datapackage.json"


def load_package(path: Path, display: str, roles: dict[str, str] | None = None) -> Package:
    """Read and check a package: its model, its measures' roles and its data files."""
    try:  # bounded: depth and size limits hold here as in every reader
        with open(path, "rb") as stream:
            data = load_json(read_whole(stream, display), display)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(display, f"not a readable datapackage.json: {error}") from None
    if not isinstance(data, dict):
        raise InputError(display, "datapackage.json is not a JSON object")
    model = data.get("model") or data.get("mapping")
    if not isinstance(model, dict) or not isinstance(model.get("measures"), dict):
        raise InputError(
            display, "not a Fiscal Data Package: no `model` (or `mapping`) with `measures`"
        )
    folder = path.parent
    base = data.get("base") or ""
    package = Package(
        name=str(data.get("name") or folder.name),
        title=str(data.get("title") or data.get("name") or folder.name).strip(),
        folder=folder,
        model=model,
    )
    for resource in data.get("resources") or []:
        if not isinstance(resource, dict):
            continue
        location = resource.get("path")
        if isinstance(location, list):
            location = location[0] if location else None
        if not isinstance(location, str):
            raise InputError(display, f"resource {resource.get('name')!r} has no data path")
        if location.startswith(("http://", "https://")):
            raise InputError(
                display,
                f"resource {resource.get('name')!r} is remote ({location}); download it beside the package",
            )
        file = folder / location
        if not file.exists() and base:
            file = folder / base / location
        if not file.exists():
            raise InputError(
                display,
                f"resource {resource.get('name')!r}: data file {location} is missing "
                "(the package lists it but it is not beside datapackage.json)",
            )
        package.resources.append((str(resource.get("name") or file.stem), file))
    if not package.resources:
        raise InputError(display, "the package lists no data resources")
    package.measures, package.ignored = _measures(
        model["measures"], roles or {}, data.get("granularity") == "transactional"
    )
    period = data.get("fiscalPeriod") or {}
    years = {str(period.get(k) or "")[:4] for k in ("start", "end")} - {""}
    package.year = int(years.pop()) if len(years) == 1 and next(iter(years)).isdigit() else None
    if not package.measures:
        raise InputError(display, "no measure of the package can be read as planned or realised")
    return package


def _measures(
    specs: dict[str, Any], roles: dict[str, str], transactional: bool = False
) -> tuple[list[Measure], list[str]]:
    """Which measure is planned and which realised.

    A phase decides (adjusted, else approved → planned; executed → realised); a measure
    named after a year is that year's plan; without a phase, a name like "paid" or
    "executed" (or a transactional package) means realised, and a lone measure is the
    plan. Anything else is ignored and listed, unless ``budget.fdp_measures`` says.
    """
    chosen: list[Measure] = []
    ignored: list[str] = []
    phased = {name: (spec or {}).get("phase") for name, spec in specs.items()}
    has_adjusted = "adjusted" in phased.values()
    lone = len(specs) == 1
    taken: set[str] = set()
    for name, spec in specs.items():
        spec = spec or {}
        role = roles.get(name)
        year = None
        phase = spec.get("phase")
        if role is None:
            match = YEARISH.match(name.strip())
            if match:
                role, year = "planned", int(match.group(1))
            elif phase == "executed":
                role = "realised"
            elif phase == "adjusted" or (phase == "approved" and not has_adjusted):
                role = "planned"
            elif phase == "approved":
                role = "ignore"
            elif transactional or REALISED_WORDS.search(f"{name} {spec.get('source', '')}"):
                role = "realised"
            elif lone:
                role = "planned"
            else:
                role = "ignore"
        if role == "ignore" or (year is None and role in taken):
            ignored.append(name)
            continue
        if year is None:
            taken.add(role)
        chosen.append(
            Measure(
                name=name,
                source=str(spec.get("source") or name),
                role=role,
                currency=str(spec.get("currency") or ""),
                factor=float(spec.get("factor") or 1),
                year=year,
            )
        )
    return chosen, ignored


def _dimension(model: dict, *tests) -> tuple[str, dict] | None:
    dimensions = model.get("dimensions") or {}
    for test in tests:
        for name, spec in dimensions.items():
            if isinstance(spec, dict) and test(name, spec):
                return name, spec
    return None


def _chain(spec: dict) -> list[tuple[str, str | None]]:
    """Code attributes from the top of the hierarchy down, each with its label's source."""
    attributes = spec.get("attributes") or {}
    labels = {
        a["labelfor"]: a.get("source")
        for a in attributes.values()
        if isinstance(a, dict) and a.get("labelfor")
    }
    codes = {n: a for n, a in attributes.items() if isinstance(a, dict) and not a.get("labelfor")}
    ordered: list[str] = []
    remaining = dict(codes)
    while remaining:
        ready = [n for n, a in remaining.items() if not a.get("parent") or a["parent"] in ordered]
        if not ready:
            ready = list(remaining)
        for name in ready:
            ordered.append(name)
            remaining.pop(name)
    return [(codes[n].get("source") or n, labels.get(n)) for n in ordered]


def _value(values: dict[str, Any], column: str | None) -> Any:
    if not column:
        return None
    if column in values:
        return values[column]
    wanted = " ".join(column.split())
    return values.get(wanted)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass
class FdpRow:
    """One source row: its classification path, units, and measures by role."""

    resource: str
    number: int
    year: int | None
    account: list[tuple[str, str | None]]
    admin_unit: str | None
    activity: str | None
    amounts: list[tuple[Measure, Any]]
    problem: str = ""


def read_rows(package: Package, display: str) -> Iterator[FdpRow]:
    """Every row of every resource, with the package's model applied."""
    model = package.model
    date = _dimension(
        model, lambda n, s: s.get("dimensionType") == "datetime", lambda n, s: n == "date"
    )
    account = _dimension(
        model,
        lambda n, s: s.get("classificationType") == "economic",
        lambda n, s: (
            s.get("dimensionType") == "classification"
            and s.get("classificationType") != "administrative"
        ),
        lambda n, s: s.get("dimensionType") == "activity",
        lambda n, s: s.get("dimensionType") not in ("datetime", "entity") and n != "date",
        lambda n, s: s.get("dimensionType") != "datetime" and n != "date",
    )
    admin = _dimension(
        model,
        lambda n, s: s.get("classificationType") == "administrative",
        lambda n, s: s.get("dimensionType") == "administrative",
    )
    activity = _dimension(
        model,
        lambda n, s: s.get("dimensionType") == "activity" and (account is None or n != account[0]),
        lambda n, s: (
            s.get("classificationType") == "functional" and (account is None or n != account[0])
        ),
    )
    date_column = None
    if date:
        attributes = date[1].get("attributes") or {}
        preferred = [a for n, a in attributes.items() if "year" in n.lower()] + list(
            attributes.values()
        )
        date_column = next((a.get("source") for a in preferred if isinstance(a, dict)), None)
    account_chain = _chain(account[1]) if account else []
    admin_chain = _chain(admin[1]) if admin else []
    activity_chain = _chain(activity[1]) if activity else []
    for resource, path in package.resources:
        found = members(path, f"{display}!{path.relative_to(package.folder)}")
        if found.notes:  # no quality notes here: refuse rather than skip without a word
            raise InputError(f"{display}!{path.relative_to(package.folder)}", found.notes[0])
        for member in found:
            reader = detect(member, ["csv", "xlsx"])
            layout = Layout()
            for row in reader.read(member, {}, layout):
                values = row.values
                yield FdpRow(
                    resource=resource,
                    number=row.number,
                    year=_year(values, date_column),
                    account=_account_path(values, account_chain),
                    admin_unit=_label(values, admin_chain),
                    activity=_label(values, activity_chain),
                    amounts=[(m, _value(values, m.source)) for m in package.measures],
                    problem=row.problem,
                )


def _year(values: dict[str, Any], date_column: Any) -> int | None:
    """The year of a row's date column (``2024``, ``2024-03-01``, ``TA 2024``), or None."""
    raw_date = _text(_value(values, date_column))
    if not raw_date:
        return None
    match = re.search(r"(19|20|21)\d\d", raw_date)
    return int(match.group(0)) if match else None


def _account_path(values: dict[str, Any], chain: list[Any]) -> list[tuple[Any, Any]]:
    """The row's account codes from the top level down, each with its label."""
    path_codes = []
    for code_column, label_column in chain:
        code = _text(_value(values, code_column))
        if code is None:
            continue
        path_codes.append((code, _text(_value(values, label_column))))
    return path_codes


def _label(values: dict[str, Any], chain: list[tuple[str, str | None]]) -> str | None:
    """The deepest level's label (or code) of a classification."""
    for code_column, label_column in reversed(chain):
        label = _text(_value(values, label_column)) or _text(_value(values, code_column))
        if label:
            return label
    return None
