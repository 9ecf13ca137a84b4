"""Run ids sort in run order, even for runs started within the same second."""

from __future__ import annotations

import re

from terbuka.pipelines.runner import new_run_id
from terbuka.publish import swap, versions


def test_run_ids_made_within_a_second_sort_in_the_order_they_were_made():
    made = [new_run_id() for _ in range(200)]
    assert sorted(made) == made and len(set(made)) == len(made)
    same_second = [r for r in made if r[:16] == made[0][:16]]
    assert len(same_second) > 1  # 200 ids in well under a second: the case that matters


def test_new_and_old_run_ids_both_read_as_times_and_as_run_folders():
    new, old = new_run_id(), "20261205T065958Z-cbab30"
    assert re.fullmatch(r"\d{8}T\d{6}Z-\d{6}-[0-9a-f]{6}", new)
    assert versions.run_time(new) is not None
    assert versions.run_time(old).isoformat() == "2026-12-05T06:59:58+00:00"
    assert swap._RUN_ID.match(new) and swap._RUN_ID.match(old)
    assert old < "20261205T065959Z-000000-aaaaaa"  # a later second sorts later in any format
