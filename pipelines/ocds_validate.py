"""Release validation with a compiled validator that also gives the messages (issue 19).

``jsonschema-rs`` decides validity ~90× faster than the previous fastjsonschema +
``jsonschema`` pair on the real OCDS examples, and gives the errors of a failing release
itself, so the Python ``jsonschema`` no longer walks failing releases a second time; and
validity and messages come from one pass (``iter_errors``), not ``is_valid`` first.

The published notes must not change with the validator: each error is worded as
``jsonschema`` words it (``'x' is not one of [...]``, ``'' is not of type 'number',
'null'``, ``fails 'uniqueItems'``) from the error's keyword and the schema value at its
schema path, and errors are put in ``jsonschema``'s order (depth first, keywords and
properties in schema order, array items by index), so the first ``MAX_ERRORS`` are the
same ones. ``reference_errors`` keeps the Python path for the test that compares them.
"""

from __future__ import annotations

from typing import Any

MAX_ERRORS = 5
WORDED = ("type", "format", "enum", "required", "minProperties", "minItems")


class CompiledReleaseValidator:
    """``jsonschema-rs`` for validity and messages, worded and ordered as ``jsonschema``."""

    def __init__(self, schema: dict[str, Any]):
        import jsonschema_rs

        self.schema = schema
        # Formats are checked where ``jsonschema`` checks them: ``date-time`` (with
        # rfc3339-validator) but not ``uri`` (it would need rfc3987), else the notes change.
        unchecked = {name: _accept for name in _formats(schema) - set(_python_formats())}
        self._validator = jsonschema_rs.Draft4Validator(
            schema, validate_formats=True, formats=unchecked
        )

    def errors(self, release: Any) -> list[str]:
        """Up to ``MAX_ERRORS`` messages, each prefixed by the JSON path; ``[]`` if valid.

        One pass: the errors themselves say whether the release is valid. ``is_valid``
        first walked a failing release twice (it stops at the first error, then
        ``iter_errors`` starts again); on a valid release the two cost the same.
        """
        found = sorted(self._validator.iter_errors(release), key=self._order)
        return [
            f"{'/'.join(str(p) for p in error.instance_path) or '(release)'}: {self._word(error)}"
            for error in found[:MAX_ERRORS]
        ]

    def _at(self, path: Any) -> Any:
        node: Any = self.schema
        for step in path:
            node = node[step]
        return node

    def _word(self, error: Any) -> str:
        keyword = error.schema_path[-1] if error.schema_path else ""
        if keyword not in WORDED:
            return f"fails '{keyword}'"[:200]
        value = self._at(error.schema_path)
        instance = error.instance
        if keyword == "type":
            types = ", ".join(repr(t) for t in value) if isinstance(value, list) else repr(value)
            text = f"{instance!r} is not of type {types}"
        elif keyword == "enum":
            text = f"{instance!r} is not one of {value!r}"
        elif keyword == "required":
            text = f"{error.kind.property!r} is a required property"
        elif keyword == "format":
            text = f"{instance!r} is not a {value!r}"
        else:  # minProperties, minItems
            short = (
                "does not have enough properties" if keyword == "minProperties" else "is too short"
            )
            text = f"{instance!r} {'should be non-empty' if value == 1 else short}"
        return text[:200]

    def _order(self, error: Any) -> list[Any]:
        """Where ``jsonschema`` would have met this error: indexes along its evaluation path.

        Keywords and properties count by their place in the schema; array items by
        their index in the instance (the evaluation path does not carry it).
        """
        node: Any = self.schema
        key: list[Any] = []
        path = list(error.evaluation_path)
        instance = list(error.instance_path)
        consumed = 0  # instance path elements matched so far
        i = 0
        while i < len(path):
            step = path[i]
            if isinstance(node, dict) and step == "$ref" and "$ref" in node:
                node = self._at([p for p in node["$ref"].lstrip("#").split("/") if p])
                i += 1
                continue
            if not isinstance(node, dict):
                break
            keys = list(node)
            key.append(keys.index(step) if step in keys else len(keys))
            node = node.get(step)
            following = path[i + 1] if i + 1 < len(path) else None
            if step in ("properties", "patternProperties") and isinstance(node, dict):
                if following is None:
                    break
                names = list(node)
                key.append(names.index(following) if following in names else len(names))
                node = node.get(following)
                consumed += 1
                i += 2
                continue
            if step in ("items", "additionalItems", "additionalProperties"):
                if consumed < len(instance):
                    item = instance[consumed]
                    key.append(item if isinstance(item, int) else 0)
                    consumed += 1
                if isinstance(node, list) and isinstance(following, int):
                    node = node[following]
                    i += 2
                    continue
            i += 1
        return key


def _accept(_value: str) -> bool:
    return True


def _formats(node: Any) -> set[str]:
    """Every ``format`` named in a schema."""
    if isinstance(node, dict):
        found = {node["format"]} if isinstance(node.get("format"), str) else set()
        return found.union(*(_formats(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_formats(v) for v in node))
    return set()


def _python_formats() -> list[str]:
    """The formats ``jsonschema``'s Draft 4 checker checks with what is installed."""
    import jsonschema

    return list(jsonschema.Draft4Validator.FORMAT_CHECKER.checkers)


def reference_errors(schema: dict[str, Any], release: Any) -> list[str]:
    """The same messages from the Python ``jsonschema`` (the slow reference, for tests)."""
    import jsonschema

    validator = jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    messages = []
    for error in validator.iter_errors(release):
        path = "/".join(str(p) for p in error.absolute_path) or "(release)"
        if error.validator in WORDED:
            text = error.message[:200]
        else:
            text = f"fails '{error.validator}'"[:200]
        messages.append(f"{path}: {text}")
        if len(messages) >= MAX_ERRORS:
            break
    return messages
