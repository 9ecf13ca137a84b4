"""What every check shares: the ``Rule`` and ``Flag`` bases and the options schema.

A check's ``options`` name its options and their kinds; ``options_schema()`` turns them
into the JSON Schema fragment a plugin author or an editor can validate
``expectations.yml`` entries with (the loader gives the same answer, as one line with
the file and line).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from terbuka.metadata import UPDATE_PERIOD_DAYS

from ..gx import import_gx

FREQUENCY_DAYS = UPDATE_PERIOD_DAYS
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$")


def gx_expectations() -> Any:
    """``great_expectations.expectations``, imported only when rules run (it is slow)."""
    return import_gx().expectations


def mostly_option(spec: dict[str, Any]) -> dict[str, Any]:
    return {"mostly": spec["mostly"]} if "mostly" in spec else {}


def date_bound(value: Any) -> str:
    """A date bound as the ISO text our datetime columns hold; ``now``/``today`` resolved."""
    now = datetime.now(UTC)
    if value == "now":
        return now.strftime("%Y-%m-%dT%H:%M:%SZ")
    if value == "today":
        return now.strftime("%Y-%m-%dT00:00:00Z")
    text = str(value)
    return text if "T" in text else f"{text}T00:00:00Z"


# Each option kind a check may declare, as JSON Schema (``plan.py`` checks the same).
OPTION_KINDS: dict[str, dict[str, Any]] = {
    "str": {"type": "string", "minLength": 1},
    "list": {"type": "array", "minItems": 1},
    "bool": {"type": "boolean"},
    "number": {"type": "number"},
    "integer": {"type": "integer", "minimum": 0},
    "share": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
    "date": {"type": "string", "description": "an ISO date or date-time, `now` or `today`"},
}


def options_schema(
    check_id: str, options: dict[str, str], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A check's entry in ``expectations.yml`` as a JSON Schema fragment.

    Every entry names its ``check`` and may carry an ``id`` and a ``description``; any
    other key is one of the check's own options, of the kind it declares.
    """
    return {
        "type": "object",
        "properties": {
            "check": {"const": check_id},
            "id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
            "description": {"type": "string"},
            **{key: dict(OPTION_KINDS[kind]) for key, kind in options.items()},
        },
        "required": ["check", *required],
        "additionalProperties": False,
    }


def quote(name: str) -> str:
    """An SQLite identifier in brackets (column names come from Table Schemas)."""
    return "[" + name.replace("]", "") + "]"


class Rule:
    """Base of the rules: options, the columns they read, and a one-line description."""

    kind = "rule"
    id = ""
    title = ""
    options: dict[str, str] = {}
    required: tuple[str, ...] = ()
    rows: str | None = "map"
    column_options: tuple[str, ...] = ("column",)
    numeric_only = False
    gx_name = ""  # the GX expectation class ``expectation`` builds from ``gx_options``

    @classmethod
    def options_schema(cls) -> dict[str, Any]:
        """The rule's entry in ``expectations.yml``, as a JSON Schema fragment."""
        return options_schema(cls.id, cls.options, cls.required)

    @classmethod
    def columns(cls, spec: dict[str, Any]) -> list[str]:
        """Every column the rule reads (checked against the table's published schema)."""
        found: list[str] = []
        for key in cls.column_options:
            value = spec.get(key)
            found.extend(value if isinstance(value, list) else [value] if value else [])
        return found

    @classmethod
    def problem(cls, spec: dict[str, Any]) -> str:
        """What is wrong with a rule's options beyond their types, or ``""``."""
        return ""

    @classmethod
    def row_mode(cls, spec: dict[str, Any]) -> str | None:
        """How this rule's failing rows are found (``map``, ``query``), or ``None``."""
        return cls.rows

    @classmethod
    def present(cls, spec: dict[str, Any], value: Any) -> Any:
        """A failing value as the steward wrote the rule (GX may see it differently)."""
        return value

    @classmethod
    def describe(cls, spec: dict[str, Any]) -> str:
        """The rule in words, for the report and the quarantine reason."""
        return cls.title

    @classmethod
    def gx_options(cls, spec: dict[str, Any]) -> dict[str, Any]:
        """The options of the ``gx_name`` expectation: the column, and ``mostly`` if given."""
        return {"column": spec["column"], **mostly_option(spec)}

    @classmethod
    def expectation(cls, spec: dict[str, Any]) -> Any:
        """The Great Expectations expectation that checks this rule."""
        if not cls.gx_name:
            raise NotImplementedError
        return getattr(gx_expectations(), cls.gx_name)(**cls.gx_options(spec))


class RangeRule(Rule):
    """A rule bounded by ``min``, ``max`` or both (either end may be open)."""

    @classmethod
    def problem(cls, spec: dict[str, Any]) -> str:
        return "give `min`, `max` or both" if "min" not in spec and "max" not in spec else ""

    @classmethod
    def gx_options(cls, spec: dict[str, Any]) -> dict[str, Any]:
        """The column's options, with the two ends as GX names them."""
        ends = {"min_value": spec.get("min"), "max_value": spec.get("max")}
        return {**super().gx_options(spec), **ends}


class QueryRule(Rule):
    """A rule whose own SQL ``query`` selects the rows that break it."""

    rows = "query"

    @classmethod
    def query(cls, spec: dict[str, Any]) -> str:
        """The rows that break the rule; ``{batch}`` is the table, as GX writes it."""
        raise NotImplementedError

    @classmethod
    def expectation(cls, spec: dict[str, Any]) -> Any:
        return gx_expectations().UnexpectedRowsExpectation(
            unexpected_rows_query=cls.query(spec), description=cls.describe(spec)
        )


# A flag's result: ``pass``, ``fail`` or ``skip``, the value measured, and a message.
Judgement = tuple[str, float | None, str]


class Flag:
    """Base of the dataset-level flags: ``evaluate(context) -> (status, value, message)``.

    ``status`` is ``pass``, ``fail`` or ``skip`` (does not apply; left out of the score).
    ``phase`` is ``data`` (judged on the built tables) or ``package`` (on the Data Package).
    ``fixed_action`` is set for flags whose failure always stops publication.
    """

    kind = "flag"
    id = ""
    title = ""
    phase = "data"
    default_action = "warn"
    fixed_action: str | None = None

    @classmethod
    def options_schema(cls) -> dict[str, Any]:
        """Flags take no options (the gate policy sets their action): an empty object."""
        return {"type": "object", "properties": {}, "additionalProperties": False}

    @classmethod
    def evaluate(cls, context: Any) -> Judgement:
        """Judge the dataset."""
        raise NotImplementedError

    @staticmethod
    def graded(passed: bool, share: float, message: str) -> tuple[str, float, str]:
        """The result of a flag measured as a share: pass or fail, the share to four places."""
        return ("pass" if passed else "fail"), round(share, 4), message


def flag(
    flag_id: str, title: str, **attributes: str
) -> Callable[[Callable[[Any], Judgement]], type[Flag]]:
    """A ``Flag`` whose ``evaluate`` is the decorated function (its docstring, the flag's).

    A flag is one question about the dataset, so it is written as one function;
    ``attributes`` set its ``phase``, ``default_action`` or ``fixed_action``.
    """

    def build(evaluate: Callable[[Any], Judgement]) -> type[Flag]:
        body = {"id": flag_id, "title": title, "evaluate": staticmethod(evaluate), **attributes}
        built = type(evaluate.__name__, (Flag,), body)
        built.__doc__, built.__module__ = evaluate.__doc__, evaluate.__module__
        return cast(type[Flag], built)

    return build
