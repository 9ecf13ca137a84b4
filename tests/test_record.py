"""The run record's home: one place names `.runs`, records round-trip, and a record that
cannot be written is reported (in the record, on stderr, exit 3) instead of lost."""

import json
from pathlib import Path

from click.testing import CliRunner

from terbuka.pipelines import plugins
from terbuka.pipelines.cli import cli
from terbuka.pipelines.errors import EXIT_ENVIRONMENT, EXIT_OK, GateStopped
from terbuka.pipelines.record import (
    RunRecord,
    iter_records,
    record_path,
    runs_dir,
    write_record,
)
from terbuka.pipelines.runner import STAGES, exit_code, run_dataset
from terbuka.pipelines.schedule import last_success

SPSE = (
    "kd_tender;nama_paket;hps;pagu;tgl_pengumuman_tender;status_tender;kd_satker;nama_satker\n"
    "9001;Jalan Desa;1.250.000,00;2.000.000,00;12/03/2024;Selesai;S1;Dinas PU\n"
    "9002;Gedung Sekolah;3.000.000;4.000.000;13/03/2024 10:00;Aktif;S1;Dinas PU\n"
)


def test_records_round_trip_in_their_one_folder(tmp_path):
    first: RunRecord = {"run_id": "20240101T000000Z-a", "dataset": "procurement"}
    second: RunRecord = {"run_id": "20240102T000000Z-b", "dataset": "procurement"}
    for record in (second, first):
        record.update(status="published", started="2024-01-01T00:00:00Z")
        assert write_record(tmp_path, record) == ""
    assert runs_dir(tmp_path, "procurement") == tmp_path / ".runs" / "procurement"
    assert record_path(tmp_path, first) == tmp_path / ".runs/procurement/20240101T000000Z-a.json"
    assert [r["run_id"] for r in iter_records(tmp_path, "procurement")] == [
        first["run_id"],
        second["run_id"],
    ]
    assert "record_errors" not in first
    assert last_success(tmp_path, "procurement") is not None


def test_a_record_that_cannot_be_written_is_reported_not_swallowed(tmp_path):
    (tmp_path / ".runs").write_text("not a folder")
    record: RunRecord = {"run_id": "r1", "dataset": "procurement", "status": "published"}
    problem = write_record(tmp_path, record)
    assert problem.startswith(f"{tmp_path / '.runs' / 'procurement' / 'r1.json'}:")
    assert record["record_errors"] == [problem]
    assert exit_code(record) == EXIT_ENVIRONMENT
    assert exit_code({"status": "published"}) == EXIT_OK


def unwritable_runs(tmp_path: Path) -> tuple[Path, Path]:
    """A tender CSV and a site folder whose ``.runs`` is a file: (source, site)."""
    source = tmp_path / "spse.csv"
    source.write_text(SPSE)
    site = tmp_path / "site"
    site.mkdir()
    (site / ".runs").write_text("not a folder")
    return source, site


def test_a_real_run_whose_record_cannot_be_written_exits_3_and_says_so(tmp_path):
    source, site = unwritable_runs(tmp_path)
    record = run_dataset("procurement", [str(source)], site, show_progress=False)
    assert record["status"] == "published"  # the publication is live …
    assert (site / "procurement.db").exists()
    assert len(record["record_errors"]) == 1  # … but not on record, and that is said
    assert "the run record could not be written" in record["record_errors"][0]
    assert exit_code(record) == EXIT_ENVIRONMENT


def test_the_cli_prints_the_failure_and_exits_3(tmp_path):
    source, site = unwritable_runs(tmp_path)
    args = ["run", "procurement", "--source", str(source), "--out", str(site), "--json", "-q"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == EXIT_ENVIRONMENT, result.output
    printed = json.loads(result.stdout)
    assert printed["status"] == "published" and printed["record_errors"]
    assert "the run record could not be written" in result.stderr


class Witness:
    """Notes, at each stage's hook, what the run had already done."""

    def __init__(self):
        self.seen = []
        self.ended = []

    @plugins.hookspecs.hookimpl
    def before_stage(self, stage, run):
        written = 0
        if run.build is not None:
            import sqlite3

            db = sqlite3.connect(run.build / f"{run.descriptor.name}.db")
            written = db.execute("select count(*) from tenders").fetchone()[0]
            db.close()
        self.seen.append((stage, written, "disclosure" in run.record, "tables" in run.record))

    @plugins.hookspecs.hookimpl
    def after_stage(self, stage, run):
        package = run.build / run.descriptor.name / "datapackage.json" if run.build else None
        built = package is not None and package.exists()
        self.ended.append((stage, "disclosure" in run.record, built, "published" in run.record))


def run_witnessed(tmp_path, witness, **options):
    """The SPSE sample run through the procurement pipeline with ``witness`` registered."""
    source = tmp_path / "spse.csv"
    source.write_text(SPSE)
    plugins.pm.register(witness)
    try:
        return run_dataset(
            "procurement", [str(source)], tmp_path / "site", show_progress=False, **options
        )
    finally:
        plugins.pm.unregister(witness)


def test_each_stage_hook_fires_where_its_stage_starts(tmp_path):
    witness = Witness()
    record = run_witnessed(tmp_path, witness)
    assert record["status"] == "published"
    seen = {stage: rest for stage, *rest in witness.seen}
    assert [stage for stage, *_ in witness.seen] == list(STAGES)
    assert seen["transform"] == [0, False, False]  # nothing written yet
    assert seen["privacy"] == [2, False, False]  # rows written, disclosure control next
    assert seen["quality"] == [2, True, False]  # disclosure done, the gate next
    assert seen["package"] == [2, True, True]
    ended = {stage: rest for stage, *rest in witness.ended}
    assert [stage for stage, *_ in witness.ended] == list(STAGES)
    assert ended["transform"] == [False, False, False]  # disclosure control not yet done
    assert ended["privacy"] == [True, False, False]  # disclosure done
    assert ended["quality"] == [True, False, False]  # nothing packaged yet
    assert ended["package"] == [True, True, False]  # the package written, not published
    assert ended["publish"] == [True, False, True]  # swapped in: the build folder is gone
    assert ended["record"] == [True, False, True]


class StopAtQuality(Witness):
    """Stops the run where the quality stage starts."""

    @plugins.hookspecs.hookimpl
    def before_stage(self, stage, run):
        if stage == "quality":
            raise GateStopped("stopped by a plugin")


def test_a_stage_that_fails_does_not_end(tmp_path):
    witness = StopAtQuality()
    record = run_witnessed(tmp_path, witness)
    assert record["status"] == "stopped"
    assert [stage for stage, *_ in witness.ended] == ["extract", "transform", "privacy"]


def test_a_dry_run_ends_with_the_publish_stage(tmp_path):
    witness = Witness()
    run_witnessed(tmp_path, witness, dry_run=True)
    assert [stage for stage, *_ in witness.ended] == list(STAGES[:-1])
