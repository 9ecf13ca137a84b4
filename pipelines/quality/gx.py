"""Great Expectations, imported once, quietly, and only when rules run (it takes seconds)."""

from __future__ import annotations

import logging
import os
import warnings
from functools import cache
from typing import Any


@cache
def import_gx() -> Any:
    """``great_expectations``, quiet: no analytics, no deprecation noise, no log chatter."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations as gx
        import great_expectations.expectations  # noqa: F401
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    return gx
