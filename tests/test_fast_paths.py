"""The fast paths of issue 19 publish exactly what the slow paths published.

One run forces the slow paths — the Python ``jsonschema`` reference for release messages
and Frictionless' full cell-by-cell check — and one takes the defaults; on real OCDS from
several publishers (valid and failing releases, conflicts, personal data) every published
table, system tables included, must hold the same rows and the same redactions.
"""

import shutil

import pytest
from conftest import published_tables

from terbuka.pipelines.ocds_schema import ReleaseValidator
from terbuka.pipelines.ocds_validate import reference_errors
from terbuka.pipelines.runner import run_dataset

FOLDERS = ["moldova/sample", "mexico/cdmx/sample", "armenia/sample", "uk-contracts-finder/sample"]


@pytest.fixture(scope="module")
def sources(ocds_examples):
    files = []
    for folder in FOLDERS:
        files += [p for p in sorted((ocds_examples / folder).rglob("*.json")) if p.stat().st_size]
    return [str(p) for p in files]


def test_fast_and_slow_paths_publish_the_same_tables(sources, tmp_path):
    out = tmp_path / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            ReleaseValidator, "errors", lambda self, release: reference_errors(self.schema, release)
        )
        slow = run_dataset("procurement", sources, out, show_progress=False, full_check=True)
    assert slow["status"] == "published", slow.get("error")
    assert slow["quality"]["package_check"] == "full"
    shutil.copy((out / "procurement.db").resolve(), tmp_path / "slow.db")
    fast = run_dataset("procurement", sources, out, show_progress=False, force=True)
    assert fast["status"] == "published", fast.get("error")
    assert fast["quality"]["package_check"].startswith("structure and the first")
    assert fast["notes"].get("ocds-schema", 0) > 0, "failing releases among the inputs"
    assert sum(fast["privacy"].values()) > 0, "personal data among the inputs"
    before = published_tables(tmp_path / "slow.db")
    after = published_tables(out / "procurement.db")
    assert before.keys() == after.keys()
    for name in before:
        assert before[name] == after[name], name
    assert fast["privacy"] == slow["privacy"] and fast["notes"] == slow["notes"]


def test_the_record_times_every_stage(sources, tmp_path):
    record = run_dataset("procurement", sources[:3], tmp_path / "site", show_progress=False)
    assert record["status"] == "published", record.get("error")
    assert {"extract", "transform+privacy+quality", "quality gate", "package", "publish"} <= set(
        record["timings"]
    )
    assert all(seconds >= 0 for seconds in record["timings"].values())
