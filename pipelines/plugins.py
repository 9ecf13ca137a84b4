"""The plugin manager: built-in units and installed plugins, looked up by stable id."""

from __future__ import annotations

import importlib
from typing import Any

import pluggy

from . import hookspecs

DEFAULT_PLUGINS = ("terbuka.pipelines.default_plugins",)

pm = pluggy.PluginManager("terbuka")
pm.add_hookspecs(hookspecs)
pm.load_setuptools_entrypoints("terbuka")
for _name in DEFAULT_PLUGINS:
    pm.register(importlib.import_module(_name), _name)


def _collect(hook_results: list[list[Any]]) -> dict[str, Any]:
    units: dict[str, Any] = {}
    for result in hook_results:
        for unit in result or []:
            if unit.id in units and units[unit.id] is not unit:
                raise ValueError(f"two plugins register the id {unit.id!r}")
            units[unit.id] = unit
    return units


def readers() -> dict[str, Any]:
    """Source reader classes by id, in registration order (most specific first)."""
    return _collect(pm.hook.register_readers())


def pipelines() -> dict[str, Any]:
    """Pipeline (domain) classes by id."""
    return _collect(pm.hook.register_pipelines())


def publishers() -> dict[str, Any]:
    """Publisher classes by id."""
    return _collect(pm.hook.register_publishers())


def checks() -> dict[str, Any]:
    """Quality check classes by id."""
    return _collect(pm.hook.register_checks())


def red_flags() -> dict[str, Any]:
    """Red-flag indicator classes by id."""
    return _collect(pm.hook.register_red_flags())


def recognizers() -> list[Any]:
    """Extra recognizer classes contributed by plugins."""
    return [r for result in pm.hook.register_recognizers() for r in (result or [])]


def sources() -> dict[str, Any]:
    """Source kinds (what a descriptor's ``sources`` entries pull from) by id."""
    return _collect(pm.hook.register_sources())


def descriptor_options() -> dict[str, dict[str, Any]]:
    """The option schemas registered units declare for descriptors.

    A pipeline (domain) with ``options_key`` and ``options_schema`` owns that top-level key
    of ``dataset.yml``; a source kind's ``options_schema`` (a mapping of key → schema)
    adds the keys its ``sources:`` entries may carry. Built-in units' keys live in the
    bundled ``descriptor-schema.yml``; plugins' are merged in here.
    """
    options: dict[str, dict[str, Any]] = {}
    for unit in pipelines().values():
        key, schema = getattr(unit, "options_key", None), getattr(unit, "options_schema", None)
        if key and schema:
            options[key] = schema
    source_keys: dict[str, Any] = {}
    for unit in sources().values():
        source_keys.update(getattr(unit, "options_schema", None) or {})
    if source_keys:
        options["sources"] = source_keys
    return options


# What ``terbuka plugins`` lists: each kind of unit and the hook that registers it.
UNIT_HOOKS = {
    "reader": "register_readers",
    "pipeline": "register_pipelines",
    "source": "register_sources",
    "check": "register_checks",
    "red-flag": "register_red_flags",
    "recognizer": "register_recognizers",
    "publisher": "register_publishers",
}


def listing() -> list[dict[str, str]]:
    """Every registered unit and stage hook, with the plugin that registered it.

    A unit's ``plugin`` is the distribution it came from (``name version``, found through
    its entry point) or the module name of one registered in-process — so a steward can
    see that an installed plugin was found, and what it adds.
    """
    origins = {id(p): f"{d.project_name} {d.version}" for p, d in pm.list_plugin_distinfo()}

    def origin(plugin: Any) -> str:
        return origins.get(id(plugin)) or pm.get_name(plugin) or type(plugin).__name__

    rows = []
    for kind, hook in UNIT_HOOKS.items():
        for impl in reversed(getattr(pm.hook, hook).get_hookimpls()):  # registration order
            for unit in impl.function() or []:
                unit_id = getattr(unit, "id", None)  # a Presidio recognizer's is a property
                title = getattr(unit, "title", None) or getattr(unit, "ENTITY", "")
                if isinstance(title, dict):
                    title = title.get("en") or next(iter(title.values()), "")
                rows.append(
                    {
                        "kind": kind,
                        "id": unit_id if isinstance(unit_id, str) else unit.__name__,
                        "title": str(title),
                        "plugin": origin(impl.plugin),
                    }
                )
    for hook in ("before_stage", "after_stage"):
        for impl in reversed(getattr(pm.hook, hook).get_hookimpls()):
            rows.append({"kind": "hook", "id": hook, "title": "", "plugin": origin(impl.plugin)})
    return rows
