"""Column detection once per table per run, on a sample across batches (issue 19).

A run with many batches detects each settled column once, records the decision in the
privacy report, and publishes exactly what per-batch detection published on the demo.
"""

import json
from collections import Counter

import pytest
from conftest import demo_procurement, leaked, published_tables

from terbuka.pipelines import column_plans
from terbuka.pipelines.batch import Batch
from terbuka.pipelines.domains import procurement
from terbuka.pipelines.runner import run_dataset
from terbuka.privacy import PrivacyError, Redactor, TextScanner, load_policy
from terbuka.privacy import redactor as redactor_module


@pytest.mark.parametrize("size", [0, 1, 3, 4, 5, 9, 17, 100, 1001])
def test_the_sample_spans_the_whole_run(size):
    picked = column_plans.spread(iter(range(size)), keep=4)
    positions = [position for position, _ in picked]
    assert positions == sorted(set(positions)) and all(p == v for p, v in picked)
    assert len(positions) == min(size, 4)
    if size > 8:
        assert positions[0] == 0 and positions[-1] >= size // 2


def test_sampled_rows_come_from_every_batch_in_turn():
    first, second = Batch(), Batch()
    for i in range(3):
        first.add("t", {"n": f"a{i}"})
    second.add("t", {"n": "b0"})
    second.add("u", {"n": "c0"})
    sample = column_plans.interleaved([first, second])
    assert [r["n"] for r in sample["t"]] == ["a0", "b0", "a1", "a2"]
    assert [r["n"] for r in sample["u"]] == ["c0"]


def test_a_sampled_batch_replaces_only_its_own_unit():
    done = column_plans.Transformed(["x"], Batch())
    units = list(column_plans.with_sampled([["a"], ["x"], ["c"]], {1: done}))
    assert units == [["a"], done, ["c"]]
    changed = list(column_plans.with_sampled([["a"], ["y"]], {1: done}))
    assert changed == [["a"], ["y"]], "a different unit at that position is transformed anew"


def test_kept_columns_are_still_checked_for_nip_in_every_batch():
    policy = load_policy({"columns": {"t.nip_ppk": "keep"}})
    redactor = Redactor(policy, TextScanner(), b"k")
    sample = [{"nip_ppk": "", "phone": f"0812-3456-78{i:02d}"} for i in range(30)]
    assert redactor.settle("t", sample) == ["phone"]
    assert redactor.decisions()[0]["detected"]["entity"] == "PHONE_NUMBER"
    later = [{"nip_ppk": f"19650812199003100{i}", "phone": ""} for i in range(1, 6)]
    with pytest.raises(PrivacyError, match="NIP"):
        redactor.rows("t", later)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The demo in batches of 20 releases, with per-batch and with run-wide detection."""
    folder = tmp_path_factory.mktemp("plans")
    paths, planted, descriptor = demo_procurement(folder, seed=11, processes=60)
    # Titles and descriptions without their role, so their columns are detected from values.
    policy = descriptor / "privacy.yml"
    lines = policy.read_text().splitlines(keepends=True)
    policy.write_text(
        "".join(x for x in lines if '"*.title"' not in x and '"*.description"' not in x)
    )
    runs: dict[int, tuple[Counter, dict]] = {}
    detect = redactor_module.Redactor._detect
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(procurement, "BATCH_RELEASES", 20)
        for units in (0, column_plans.SAMPLE_UNITS):
            counted: Counter = Counter()

            def counting(self, table, column, rows, counted=counted):
                counted[(table, column)] += 1
                return detect(self, table, column, rows)

            patch.setattr(redactor_module.Redactor, "_detect", counting)
            patch.setattr(column_plans, "SAMPLE_UNITS", units)
            out = folder / f"site-{units}"
            record = run_dataset(
                descriptor, [str(p) for p in paths], out, show_progress=False, workers=1
            )
            assert record["status"] == "published", record.get("error")
            runs[units] = counted, record
    return folder, runs, planted


def test_detection_runs_once_per_settled_column_and_is_reported(runs):
    folder, done, planted = runs
    (per_batch, _), (once, record) = done[0], done[column_plans.SAMPLE_UNITS]
    plans = record["privacy_columns"]
    assert plans["sampled_units"] == column_plans.SAMPLE_UNITS
    detected = [(c["table"], c["column"]) for c in plans["columns"] if c["detected"] is not None]
    assert ("tenders", "description") in detected and ("compiled_releases", "title") in detected
    for key in detected:
        assert once[key] == 1, key
        assert per_batch[key] > 1, key
    assert sum(once.values()) < sum(per_batch.values())
    site = folder / f"site-{column_plans.SAMPLE_UNITS}"
    report = json.loads((site / "procurement" / "privacy.json").read_text())
    assert report["column_plans"] == plans
    assert not leaked(planted.all(), json.dumps(report))


def test_run_wide_detection_publishes_what_per_batch_detection_did(runs):
    folder, _, _ = runs
    before = published_tables(folder / "site-0" / "procurement.db")
    after = published_tables(folder / f"site-{column_plans.SAMPLE_UNITS}" / "procurement.db")
    assert before.keys() == after.keys()
    for name in before:
        assert before[name] == after[name], name
