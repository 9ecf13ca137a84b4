"""The ``terbuka`` commands, one module each.

Every module defines one click command; :mod:`terbuka.pipelines.cli` adds each to the
group with one line, in the order ``terbuka --help`` lists them. Shared options and
helpers live in :mod:`.options`.
"""

from __future__ import annotations
