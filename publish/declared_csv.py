"""A Frictionless plugin: a CSV resource whose dialect is declared is read as declared.

Frictionless' CSV parser runs ``csv.Sniffer`` on the first 100 lines of every CSV before
reading it, even when the resource declares its delimiter and quote character. The
sniffer's regular expressions are quadratic in quoted text: 100 rows of ``_changes``
(changed rows as JSON, 373 KB) took 48 s to sniff, longer than the rest of the run. The
package's own CSVs are written with a known dialect, declared in ``datapackage.json``
(``publish.datapackage.DIALECT``), so nothing needs guessing. A resource that declares
no delimiter or no quote character is left to Frictionless' own parser.
"""

from __future__ import annotations

import csv
from typing import Any

from frictionless import Plugin, system
from frictionless.formats.csv import CsvControl, CsvParser

PLUGIN_NAME = "terbuka-declared-csv"


class DeclaredCsvParser(CsvParser):
    """Frictionless' CSV parser without the sniffing: the declared dialect is the dialect."""

    def read_cell_stream_create(self) -> Any:  # type: ignore[override]
        control = CsvControl.from_dialect(self.resource.dialect)
        return csv.reader(self.loader.text_stream, dialect=control.to_python())


class DeclaredCsvPlugin(Plugin):
    """Chooses :class:`DeclaredCsvParser` for CSV resources whose dialect is declared."""

    def create_parser(self, resource: Any) -> CsvParser | None:  # type: ignore[override]
        if resource.format != "csv" or not resource.dialect.has_control("csv"):
            return None
        control = resource.dialect.get_control("csv")
        if control.has_defined("delimiter") and control.has_defined("quote_char"):
            return DeclaredCsvParser(resource)
        return None


def register() -> None:
    """Register the plugin with Frictionless (once per process; it goes before the built-ins).

    ``system.methods`` is read first: ``register`` refreshes Frictionless' cached plugin
    list only when its hook table was already built.
    """
    if PLUGIN_NAME not in system.methods["create_parser"]:
        system.register(PLUGIN_NAME, DeclaredCsvPlugin())
