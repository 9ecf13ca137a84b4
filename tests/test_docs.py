"""The documentation keeps up with the code: every command, option and descriptor key."""

import re
from pathlib import Path

import click
import pytest

from terbuka.metadata.descriptor import descriptor_schema
from terbuka.pipelines.cli import cli

DOCS = Path(__file__).resolve().parents[1] / "docs"


def commands():
    return sorted(cli.commands)


@pytest.mark.parametrize("name", commands())
def test_every_command_and_option_is_documented(name):
    text = (DOCS / "cli.md").read_text()
    assert f"## terbuka {name}" in text
    for param in cli.commands[name].params:
        if isinstance(param, click.Option):
            assert param.opts[0] in text, f"{name} {param.opts[0]} is not in docs/cli.md"


def schema_keys(schema, prefix=""):
    for key, value in (schema.get("properties") or {}).items():
        yield key
        yield from schema_keys(value, f"{prefix}{key}.")


@pytest.mark.parametrize("key", sorted(set(schema_keys(descriptor_schema()))))
def test_every_top_level_descriptor_key_is_documented(key):
    text = (DOCS / "descriptors.md").read_text()
    assert re.search(rf"`{re.escape(key)}`", text), f"{key} is not in docs/descriptors.md"


def test_every_table_and_layout_key_is_documented():
    text = (DOCS / "descriptors.md").read_text()
    definitions = descriptor_schema()["definitions"]
    for definition in ("table", "layout", "query"):
        for key in definitions[definition]["properties"]:
            assert f"`{key}`" in text, f"{definition}.{key} is not in docs/descriptors.md"


def test_every_privacy_key_is_documented():
    from terbuka.privacy.policy import OPERATORS, POLICY_KEYS, SPEC_KEYS

    text = (DOCS / "privacy.md").read_text()
    for key in [*POLICY_KEYS, *SPEC_KEYS, *OPERATORS]:
        assert f"`{key}`" in text, key


@pytest.mark.parametrize("name", commands())
def test_every_documented_option_exists(name):
    """The reverse: an option the docs promise must not disappear from the command."""
    text = (DOCS / "cli.md").read_text()
    heading = f"## terbuka {name}"
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    section = text[start : end if end != -1 else len(text)]
    usage = section.split("```")[1] if section.count("```") >= 2 else ""
    documented = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", usage))
    existing = {opt for p in cli.commands[name].params for opt in getattr(p, "opts", [])}
    existing |= {opt for p in cli.commands[name].params for opt in getattr(p, "secondary_opts", [])}
    assert documented <= existing, (
        f"terbuka {name}: {sorted(documented - existing)} documented but missing"
    )
