"""``terbuka run --executor dask|tcp://…``: the same publication as the local run (issue 19).

The demo's procurement sources are published once in this process (``local``) and once on
a 2-worker ``LocalCluster`` over loopback; every table, the Data Package and the run
record must be the same apart from run ids, times and the executor. Units are made small
(``BATCH_RELEASES``, read in the runner's process) so both workers get many of them and
the input order is really tested. A worker killed mid-run is replaced and its units run
again; when the cluster may not retry, the run fails with one line and exit 3 and the
previous publication stays.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import OCDS_SCHEMA, free_port, invoke_cli, nonempty, read_published, tree_digest

from terbuka.pipelines import runner
from terbuka.pipelines.domains import procurement

distributed = pytest.importorskip("distributed")

UNIT_RELEASES = 40  # releases per unit here (500 in a real run)
VOLATILE = ("run_id", "started", "finished", "timings", "executor", "out", "published")


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    from terbuka.pipelines.demo import generate_procurement

    paths, _ = generate_procurement(tmp_path_factory.mktemp("dask-src"), seed=5, processes=70)
    return [str(p) for p in paths]


@pytest.fixture(scope="module")
def schema_location(tmp_path_factory):
    """The release schema the tests' autouse fixture points at (merge rules come from it),
    or the missing file it names when this checkout has no ../shared data."""
    if OCDS_SCHEMA.exists():
        return str(OCDS_SCHEMA)
    return str(tmp_path_factory.getbasetemp() / "no-schema-here.json")


@pytest.fixture(autouse=True)
def small_units(monkeypatch):
    monkeypatch.setattr(procurement, "BATCH_RELEASES", UNIT_RELEASES)
    monkeypatch.setenv("TERBUKA_HASH_KEY", "a test key: the same pseudonyms in every run")


@pytest.fixture(scope="module")
def local_publication(sources, tmp_path_factory, schema_location):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(procurement, "BATCH_RELEASES", UNIT_RELEASES)
        patch.setenv("TERBUKA_HASH_KEY", "a test key: the same pseudonyms in every run")
        # as the autouse fixture sets it for the tests (a module fixture comes before it)
        patch.setenv("TERBUKA_OCDS_SCHEMA", schema_location)
        out = tmp_path_factory.mktemp("dask-local") / "site"
        record = runner.run_dataset("procurement", sources, out, show_progress=False, workers=1)
    assert record["status"] == "published", record.get("error")
    assert record["executor"] == "local"
    return out, record


@pytest.fixture(scope="module")
def cluster():
    """A cluster of two worker processes this test owns, reached at its ``tcp://`` address."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0"
        ) as local,
        distributed.Client(local) as client,
    ):
        yield local.scheduler_address, client


def publication(out: Path, record: dict) -> dict:
    """Every published table's rows, the Data Package and the run record, run ids aside."""
    run_id = record["run_id"]
    db = sqlite3.connect(out / "procurement.db")
    names = [n for (n,) in db.execute("select name from sqlite_master where type = 'table'")]
    tables = {}
    for name in names:
        if name.startswith("_runs") or "_fts" in name:
            continue
        rows = db.execute(f"select * from [{name}] order by rowid").fetchall()
        tables[name] = json.dumps(rows, default=str).replace(run_id, "RUN")
    (stored,) = db.execute("select record from _runs").fetchone()
    db.close()
    folder = out / "procurement"
    package = json.loads((folder / "datapackage.json").read_text().replace(run_id, "RUN"))
    for resource in package["resources"]:
        # the hash is of the CSV's bytes, run id included (the CSVs are compared below,
        # run ids aside); the size of _runs follows its times
        resource.pop("hash", None)
        if resource["name"] == "_runs":
            resource.pop("bytes", None)
    csvs = {
        p.name: read_published(p).decode("utf-8").replace(run_id, "RUN")
        for p in (folder / "data").iterdir()
        if p.name != "_runs.csv"
    }
    return {
        "tables": tables,
        "package": package,
        "csvs": csvs,
        "record": _steady(record),
        "stored record": _steady(json.loads(stored)),
    }


def _steady(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in VOLATILE}


def test_a_two_worker_dask_cluster_publishes_what_the_local_run_does(
    local_publication, sources, tmp_path, monkeypatch
):
    out, local = local_publication
    clusters_after_the_transform = []
    derive = runner._disclosure_and_derived

    def spy(run, *args, **kwargs):
        clusters_after_the_transform.append(run.cluster)
        return derive(run, *args, **kwargs)

    monkeypatch.setattr(runner, "_disclosure_and_derived", spy)
    record = runner.run_dataset(
        "procurement", sources, tmp_path / "site", show_progress=False, workers=2, executor="dask"
    )
    # the serial stages run without the cluster: it was shut down when the transform ended
    assert clusters_after_the_transform == [None]
    assert record["status"] == "published", record.get("error")
    assert record["executor"] == "dask"
    assert nonempty(record["privacy"].values(), "redactions")  # the demo plants personal data
    assert record["tables"]["releases"]["rows"] > 3 * UNIT_RELEASES
    expected, got = publication(out, local), publication(tmp_path / "site", record)
    assert got["tables"].keys() == expected["tables"].keys()
    for name in expected["tables"]:
        assert got["tables"][name] == expected["tables"][name], name
    assert got == expected


def test_a_worker_killed_mid_run_is_replaced_and_the_output_is_the_same(
    local_publication, sources, cluster, tmp_path, monkeypatch
):
    address, client = cluster
    killer = KillTheFirstBusyWorker(client, client.cluster.scheduler)
    client.cluster.scheduler.add_plugin(killer)
    record = runner.run_dataset(
        "procurement", sources, tmp_path / "site", show_progress=False, executor=address
    )
    assert killer.killed, "no worker was killed: the test did not test a failure"
    assert record["status"] == "published", record.get("error")
    assert record["executor"] == "dask-scheduler"  # the address itself is not published
    out, local = local_publication
    assert publication(tmp_path / "site", record) == publication(out, local)


def test_a_worker_lost_for_good_fails_the_run_with_one_line_and_keeps_the_publication(
    local_publication, sources, tmp_path, monkeypatch
):
    import dask

    out = tmp_path / "site"
    import shutil

    shutil.copytree(local_publication[0], out, symlinks=True)
    before = tree_digest(out)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0"
            ) as local,
            distributed.Client(local) as client,
        ):
            killer = KillTheFirstBusyWorker(client, local.scheduler)
            local.scheduler.add_plugin(killer)
            record = runner.run_dataset(
                "procurement",
                sources,
                out,
                show_progress=False,
                executor=local.scheduler_address,
                force=True,
                full=True,  # every unit goes to the workers, none is reused
            )
    assert killer.killed
    assert (record["status"], record.get("exit_code")) == ("failed", 3), record.get("error")
    assert (
        record["error"].startswith("Dask: the workers running one unit")
        and "\n" not in (record["error"])
    )
    assert tree_digest(out) == before


class KillTheFirstBusyWorker(distributed.diagnostics.plugin.SchedulerPlugin):
    """SIGKILL the worker process the scheduler gives the run's first task to.

    A scheduler plugin in the test's own cluster: the kill comes while the task is
    processing on that worker, whatever the machine's load, so it dies mid-task.
    """

    def __init__(self, client, scheduler):
        self.pids = client.run(os.getpid)  # worker address -> process id
        self.killed: list[int] = []
        self.scheduler = scheduler  # add_plugin on a running scheduler does not call start

    def transition(self, key, start, finish, *args, **kwargs):
        if finish != "processing" or self.killed:
            return
        task = self.scheduler.tasks.get(key)
        worker = task.processing_on.address if task and task.processing_on else None
        if worker in self.pids:
            self.killed.append(self.pids[worker])
            os.kill(self.pids[worker], signal.SIGKILL)


def test_units_hold_whole_contracting_processes(sources, tmp_path):
    from terbuka.pipelines import descriptors
    from terbuka.pipelines.readers import Input, hash_file
    from terbuka.publish import database

    pipeline = procurement.ProcurementPipeline(descriptors.load("procurement"))
    inputs = [Input(path=Path(p), display=p) for p in sources]
    for item in inputs:
        item.sha256, item.size = hash_file(item.path, item.display)
    staging = database.open_database(tmp_path / "staging.db")
    pipeline.extract(inputs, staging)
    seen: dict[str, int] = {}
    units = list(pipeline.batches(staging, inputs))
    assert len(units) > 1  # several units, so a split ocid would show
    for index, unit in enumerate(units):
        for ocid, _releases in unit:
            assert ocid not in seen, f"{ocid} is split over units {seen[ocid]} and {index}"
            seen[ocid] = index
    staged = staging.execute("select count(*) from raw_releases where disposition = 'ok'")
    assert sum(pipeline.unit_size(u) for u in units) == staged.fetchone()[0]


@pytest.mark.parametrize("value", ["threads", "tcp://", "http://scheduler:8786"])
def test_an_unknown_executor_is_a_one_line_usage_error(value, tmp_path):
    result = invoke_cli("run", "procurement", "--source", "x.json", "--executor", value)
    assert result.returncode == 2
    assert "--executor" in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_scheduler_fails_the_run_with_exit_3(tmp_path, monkeypatch):
    from terbuka.pipelines import dask_executor

    monkeypatch.setattr(dask_executor, "CONNECT_SECONDS", 2)
    source = tmp_path / "one.jsonl"
    source.write_text(
        json.dumps(
            {"ocid": "ocds-x-1", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"]}
        )
        + "\n"
    )

    record = runner.run_dataset(
        "procurement",
        [str(source)],
        tmp_path / "site",
        show_progress=False,
        executor=f"tcp://127.0.0.1:{free_port()}",
    )
    assert (record["status"], record["exit_code"]) == ("failed", 3)
    assert "no Dask scheduler answered" in record["error"]
    assert not (tmp_path / "site" / "procurement.db").exists()


def test_a_local_run_does_not_import_dask(tmp_path):
    source = tmp_path / "one.jsonl"
    source.write_text(
        json.dumps(
            {"ocid": "ocds-x-1", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"]}
        )
        + "\n"
    )
    script = (
        "import sys; from terbuka.pipelines.runner import run_dataset;"
        f"r = run_dataset('procurement', [{str(source)!r}], __import__('pathlib').Path({str(tmp_path / 'site')!r}),"
        " show_progress=False);"
        "print(r['status'], 'dask' in sys.modules, 'distributed' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.stdout.split() == ["published", "False", "False"], result.stderr[-2000:]


def _worker_state() -> tuple[int, bool]:
    """On a worker: whether the NER model is loaded, and whether Dask's profiler runs."""
    import dask

    from terbuka.privacy.models import load_ner

    return load_ner.cache_info().currsize, dask.config.get("distributed.worker.profile.enabled")


def test_the_cluster_starts_in_the_background_with_the_models_loaded_and_no_profiler():
    """``start`` returns at once; by the time ``client()`` answers, every worker has loaded
    the NER model (no task was sent) and runs without Dask's statistical profiler."""
    from terbuka.pipelines import dask_executor

    cluster = dask_executor.start("dask", 2)
    assert cluster is not None and dask_executor.start("local", 2) is None
    try:
        client = cluster.client()
        states = client.run(_worker_state)
        assert len(states) == 2
        assert set(states.values()) == {(1, False)}
    finally:
        cluster.close()
    assert client.status == "closed"


def test_a_run_that_fails_while_the_cluster_starts_leaves_no_cluster_behind(tmp_path):
    """Bad input stops the run during the extract, while its cluster is starting: the run
    fails with its one line and the cluster, its thread and its processes are gone."""
    import threading

    import psutil

    source = tmp_path / "broken.json"
    source.write_text('{"releases": [{"ocid": "ocds-x-1", ')
    before = set(psutil.Process().children(recursive=True))  # earlier tests' helpers
    record = runner.run_dataset(
        "procurement", [str(source)], tmp_path / "site", show_progress=False,
        workers=1, executor="dask",
    )  # fmt: skip
    assert (record["status"], record["exit_code"]) == ("failed", 2), record.get("error")
    assert "broken.json" in record["error"]
    assert not [t for t in threading.enumerate() if t.name == "terbuka-dask-start"]
    started = set(psutil.Process().children(recursive=True)) - before
    # multiprocessing's resource tracker lives as long as this process, cluster or not
    assert [
        " ".join(p.cmdline()) for p in started if "resource_tracker" not in p.cmdline()[-1]
    ] == []


def test_a_worker_that_cannot_load_the_models_fails_the_run_with_one_line(
    sources, tmp_path, monkeypatch
):
    """The warm-up is where a worker without terbuka's models shows: one line, exit 3.

    A lambda stands in for ``warm_worker``; Dask sends it to the worker by value.
    """
    from terbuka.pipelines import dask_executor

    monkeypatch.setattr(dask_executor, "warm_worker", lambda: 1 / 0)
    record = runner.run_dataset(
        "procurement", sources, tmp_path / "site", show_progress=False, workers=1,
        executor="dask",
    )  # fmt: skip
    assert (record["status"], record["exit_code"]) == ("failed", 3), record.get("error")
    assert record["error"].startswith("Dask: a worker could not load terbuka's privacy models")
    assert "ZeroDivisionError" in record["error"] and "\n" not in record["error"]
    assert not (tmp_path / "site" / "procurement.db").exists()


def test_a_long_lived_worker_forgets_the_run_when_it_ends(sources, tmp_path):
    """After a run on a cluster that outlives it, no worker keeps the run's context (its
    scanner cache holds source texts); the models stay loaded for the next run."""
    from distributed import Client, LocalCluster

    def contexts_and_model() -> tuple[int, int]:
        from terbuka.pipelines import recipe
        from terbuka.privacy.models import load_ner

        return len(recipe._CONTEXTS), load_ner.cache_info().currsize

    with LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster:  # fmt: skip
        record = runner.run_dataset(
            "procurement", sources, tmp_path / "site", show_progress=False, workers=1,
            executor=cluster.scheduler_address,
        )  # fmt: skip
        assert record["status"] == "published", record.get("error")
        assert record["tables"]["releases"]["rows"] > 3 * UNIT_RELEASES
        with Client(cluster) as client:
            assert list(client.run(contexts_and_model).values()) == [(0, 1)]


def test_a_dask_executor_without_dask_installed_is_a_one_line_usage_error(tmp_path, monkeypatch):
    """``pip install .`` leaves the ``dask`` extra out: the run says so before any work."""
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "distributed" else find_spec(name, *a),
    )
    record = runner.run_dataset(
        "procurement", ["x.json"], tmp_path / "site", show_progress=False, executor="dask"
    )
    assert (record["status"], record["exit_code"]) == ("failed", 2)
    assert record["error"] == "--executor dask: Dask is not installed; pip install 'terbuka[dask]'"
