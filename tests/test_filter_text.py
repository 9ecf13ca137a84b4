"""The Indonesian "… rows where …" line, from the same request arguments Datasette reads."""

from __future__ import annotations

import pytest
from datasette.utils import MultiParams

from terbuka.datasette_plugins.filter_text import human_description_id


@pytest.mark.parametrize(
    "args, expected",
    [
        ({"region": ["Malang"]}, 'dengan region = "Malang"'),
        ({"year__gte": ["2020"]}, "dengan year \u2265 2020"),
        ({"name__contains": ["jalan"]}, 'dengan name memuat "jalan"'),
        ({"code__in": ["a,b"]}, 'dengan code salah satu dari ["a", "b"]'),
        ({"note__isblank": ["1"]}, "dengan note kosong"),
        ({"day__date": ["2024-01-31"]}, 'dengan "day" pada tanggal 2024-01-31'),
        ({"a": ["1"], "b__lt": ["{v}"]}, "dengan a = 1 dan b < {v}"),
    ],
)
def test_each_filter_reads_in_indonesian(args, expected):
    assert human_description_id(MultiParams(args), None, None) == expected
