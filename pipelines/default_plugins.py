"""terbuka's own readers and pipelines, registered exactly as a third-party plugin would be."""

from .hookspecs import hookimpl


@hookimpl
def register_readers():
    """The built-in source readers."""
    from .readers.ocds import OcdsJsonReader
    from .readers.tabular import CsvReader, XlsxReader

    return [OcdsJsonReader, XlsxReader, CsvReader]


@hookimpl
def register_pipelines():
    """The built-in pipelines (one per kind of dataset)."""
    from .domains.procurement import ProcurementPipeline

    return [ProcurementPipeline]
