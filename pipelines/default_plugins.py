"""terbuka's own readers and pipelines, registered exactly as a third-party plugin would be."""

from .hookspecs import hookimpl


@hookimpl
def register_readers():
    """The built-in source readers."""
    from .readers.delimited import CsvReader
    from .readers.inaproc import InaprocReader
    from .readers.jsonrows import JsonRowsReader
    from .readers.ocds import OcdsJsonReader
    from .readers.xlsx import XlsxReader

    return [OcdsJsonReader, XlsxReader, CsvReader, JsonRowsReader, InaprocReader]


@hookimpl
def register_pipelines():
    """The built-in pipelines (one per kind of dataset)."""
    from .domains.budget import BudgetPipeline
    from .domains.inaproc import InaprocPipeline
    from .domains.procurement import ProcurementPipeline
    from .domains.service_kpi import ServiceKpiPipeline

    return [ProcurementPipeline, BudgetPipeline, ServiceKpiPipeline, InaprocPipeline]


@hookimpl
def register_sources():
    """The built-in source kinds a descriptor's ``sources`` can name."""
    from .sources.ckan import CkanSource
    from .sources.folder import FolderSource
    from .sources.http import HttpSource
    from .sources.ocds_api import OcdsApiSource
    from .sources.paged_api import PagedApiSource

    return [HttpSource, OcdsApiSource, PagedApiSource, CkanSource, FolderSource]


@hookimpl
def register_publishers():
    """The built-in publishers: where a finished run can be published besides Datasette."""
    from terbuka.catalogs.ckan import CkanPublisher

    return [CkanPublisher]


@hookimpl
def register_checks():
    """The built-in quality checks.

    Rules that ``expectations.yml`` can name and the dataset-level flags (the quality
    gate), and the checks pipelines run on their own rows (budget reconciliation).
    """
    from .domains.budget_checks import CHECKS
    from .quality.checks import FLAGS, RULES
    from .quality.provenance_flags import FLAGS as PROVENANCE_FLAGS

    return [*RULES, *FLAGS, *PROVENANCE_FLAGS, *CHECKS]


@hookimpl
def register_red_flags():
    """The built-in procurement red flags (Cardinal's where it defines them, else TBK-…)."""
    from .red_flags.cardinal import ShortSubmissionPeriod, SingleBidReceived
    from .red_flags.cardinal_bids import CARDINAL_BID_INDICATORS
    from .red_flags.indonesia import INDONESIAN_INDICATORS
    from .red_flags.tbk import AwardAboveEstimate, DirectAboveLimit, SupplierConcentration

    return [
        ShortSubmissionPeriod,
        SingleBidReceived,
        *CARDINAL_BID_INDICATORS,
        AwardAboveEstimate,
        SupplierConcentration,
        DirectAboveLimit,
        *INDONESIAN_INDICATORS,
    ]
