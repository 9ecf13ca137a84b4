"""Every hook is documented, and every registered unit keeps its contract."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from terbuka.pipelines import contracts, hookspecs, plugins

DOCS = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"

HOOKS = sorted(
    name
    for name, value in vars(hookspecs).items()
    if callable(value) and hasattr(value, "terbuka_spec")
)
UNITS = [
    *[(contracts.Reader, unit) for unit in plugins.readers().values()],
    *[(contracts.Pipeline, unit) for unit in plugins.pipelines().values()],
    *[(contracts.Source, unit) for unit in plugins.sources().values()],
    *[(contracts.Check, unit) for unit in plugins.checks().values()],
    *[(contracts.RedFlagIndicator, unit) for unit in plugins.red_flags().values()],
    *[(contracts.Publisher, unit) for unit in plugins.publishers().values()],
]


def test_there_are_hooks_and_units():
    assert len(HOOKS) >= 8
    assert len(UNITS) >= 30


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_with_its_signature(hook):
    text = DOCS.read_text("utf-8")
    headings = re.findall(r"^### `(\w+)\((.*?)\)", text, re.M)
    documented = {name: params for name, params in headings}
    assert hook in documented, f"docs/plugins.md has no '### `{hook}(…)`' section"
    spec = inspect.signature(getattr(hookspecs, hook))
    names = [p.split(":")[0].strip() for p in documented[hook].split(",") if p.strip()]
    assert names == list(spec.parameters), (hook, names)


@pytest.mark.parametrize("protocol, unit", UNITS, ids=[f"{p.__name__}:{u.id}" for p, u in UNITS])
def test_every_registered_unit_satisfies_its_protocol(protocol, unit):
    assert isinstance(unit, protocol), f"{unit.__name__} lacks part of {protocol.__name__}"
    assert unit.id and isinstance(unit.id, str)


def test_every_protocol_is_documented():
    text = DOCS.read_text("utf-8")
    for name, value in vars(contracts).items():
        if isinstance(value, type) and getattr(value, "_is_protocol", False):
            if name != "Protocol":
                assert name in text, f"docs/plugins.md does not mention {name}"
