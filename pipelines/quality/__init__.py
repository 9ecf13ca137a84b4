"""The quality stage.

Row by row, every row is checked against its table's Frictionless Table Schema
(``schema``); once the tables are built, the dataset's rules run with Great Expectations
and the gate decides — from the dataset's policy — what stops publication, what is
quarantined and what only warns (``gate``). Checks are small registered units with
kebab-case ids (``checks``), switched on by id from YAML like frictionless' checks.
"""

from .gate import Gate
from .plan import GatePolicy, QualityPlan, load_plan
from .schema import TableValidator, check_batch, count_entering, validators_for

__all__ = [
    "Gate",
    "GatePolicy",
    "QualityPlan",
    "TableValidator",
    "check_batch",
    "count_entering",
    "load_plan",
    "validators_for",
]
