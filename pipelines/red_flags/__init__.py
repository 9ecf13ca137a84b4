"""Procurement red flags: small indicators, each with a stable id and a written definition.

Every indicator is a class registered through the ``register_red_flags`` hook (terbuka's
own in ``default_plugins``), switched on and configured by id in the descriptor's
``red_flags`` key, and computed from the *published* tables in the procurement
pipeline's ``derive`` step. Where Open Contracting's Cardinal defines the same indicator
we use its id and methodology (``cardinal.py``) so results are comparable; the others
carry terbuka's own ``TBK-`` ids (``tbk.py``).
"""

from .base import Flag, RedFlag, RedFlagError
from .derive import INDICATOR_TABLE, RESULT_TABLE, derive_red_flags, enabled_indicators

__all__ = [
    "Flag",
    "INDICATOR_TABLE",
    "RESULT_TABLE",
    "RedFlag",
    "RedFlagError",
    "derive_red_flags",
    "enabled_indicators",
]
