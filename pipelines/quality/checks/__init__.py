"""Quality checks: small registered units with stable kebab-case ids, like frictionless' checks.

Two kinds, both registered through the ``register_checks`` hook:

- **rules** (``kind = "rule"``) are declared per table in ``expectations.yml``. Each builds
  one Great Expectations expectation from its options; GX runs them against the built
  database. ``rows`` says how the failing rows are found (``"map"``: GX lists them;
  ``"query"``: the rule's own SQL finds them; ``None``: the rule is about the whole table
  and cannot quarantine rows).
- **flags** (``kind = "flag"``) are dataset-level pass/fail criteria in the spirit of
  data.gouv.fr's quality score (licence, documentation, freshness, completeness,
  duplicates, rules passed). The score is the share of flags that pass.
- **pipeline checks** (``kind = "pipeline"``) are run by a pipeline on its own rows (the
  budget's children-sum reconciliation); their notes count like a rule's.

A check never decides what a failure means: the dataset's gate policy (``quality`` in
``dataset.yml``) says whether it stops publication, quarantines rows or only warns.
"""

from __future__ import annotations

from .base import (
    FREQUENCY_DAYS,
    ISO_DATE,
    Flag,
    Judgement,
    QueryRule,
    RangeRule,
    Rule,
    flag,
    gx_expectations,
    quote,
)
from .column_rules import InSet, LengthBetween, NotNull, Regex, Unique
from .data_flags import (
    ChecksPassedFlag,
    CompletenessFlag,
    DuplicatesFlag,
    PublishableFlag,
    QuarantinedFlag,
    ReconciledFlag,
    SchemaValidFlag,
)
from .descriptor_flags import (
    ColumnDescriptionsFlag,
    DescriptionFlag,
    LicenceFlag,
    UpdateFrequencyFlag,
    UpToDateFlag,
)
from .range_rules import Between, DateBetween, RowCount
from .table_rules import ColumnPair, Sql

__all__ = [
    "FLAGS",
    "FREQUENCY_DAYS",
    "ISO_DATE",
    "RULES",
    "Flag",
    "Judgement",
    "flag",
    "QueryRule",
    "RangeRule",
    "Rule",
    "gx_expectations",
    "quote",
    "NotNull",
    "Unique",
    "Regex",
    "InSet",
    "LengthBetween",
    "Between",
    "DateBetween",
    "RowCount",
    "ColumnPair",
    "Sql",
    "LicenceFlag",
    "DescriptionFlag",
    "ColumnDescriptionsFlag",
    "UpdateFrequencyFlag",
    "UpToDateFlag",
    "SchemaValidFlag",
    "CompletenessFlag",
    "DuplicatesFlag",
    "ChecksPassedFlag",
    "QuarantinedFlag",
    "ReconciledFlag",
    "PublishableFlag",
]

RULES = [
    NotNull,
    Unique,
    Between,
    DateBetween,
    Regex,
    InSet,
    LengthBetween,
    RowCount,
    ColumnPair,
    Sql,
]


FLAGS = [
    LicenceFlag, DescriptionFlag, ColumnDescriptionsFlag, UpdateFrequencyFlag, UpToDateFlag,
    SchemaValidFlag, CompletenessFlag, DuplicatesFlag, ChecksPassedFlag, QuarantinedFlag,
    ReconciledFlag, PublishableFlag,
]  # fmt: skip
