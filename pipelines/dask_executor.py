"""Transform, privacy and row checks on a Dask cluster: ``terbuka run --executor``.

``local`` is the forked pool of ``work.run_units``. ``dask`` starts a
``distributed.LocalCluster`` of ``--workers`` processes on this machine (loopback TCP);
``tcp://host:8786`` (or ``tls://``) sends the units to a running scheduler whose workers
may be on other machines (docs/scaling.md). Dask is imported only here, and only for
those two: a local run never loads it.

The cluster is started (or the scheduler reached) when the extract stage begins, in a
background thread, and each worker loads the privacy models then: a new ``LocalCluster``
spends seconds spawning workers that import Presidio and spaCy and load the NER model,
and that now overlaps the extract instead of delaying the first unit (``start``).
Dask's statistical profiler, which samples every worker's stack every 10 ms, is off on
the clusters terbuka starts: nobody reads it, and it competes with the work for the GIL.

Each task carries one unit (whole contracting processes, whole budgets, or records whose
row keys the extract already made unique: the pipelines' ``batches``) and the run's
``WorkRecipe``; the worker builds its context once per run and sends the finished batch
back. The runner writes batches in input order, at most two per worker in flight, as the
forked pool does, so the publication does not depend on the executor or the workers.
Why batches and not shards on disk: see docs/scaling.md.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from typing import Any

from .batch import Batch
from .errors import EnvironmentFault, UsageError
from .work import WorkContext, default_workers

EXECUTORS = ("local", "dask")
SCHEMES = ("tcp://", "tls://")
RETRIES = 2  # a task that raised is tried again this often (a worker's death: the scheduler)
CONNECT_SECONDS = 30  # to reach a scheduler, and for --workers of them to join it


def check_executor(value: str) -> str:
    """``value`` if it names an executor, else a usage error saying what would.

    A Dask executor without Dask installed (it is the ``dask`` extra) is a usage error
    too, before any work, rather than an internal error when the cluster would start.
    """
    if not (value in EXECUTORS or (value.startswith(SCHEMES) and len(value) > len("tcp://"))):
        raise UsageError(
            f"--executor {value!r}: give local, dask or a scheduler address (tcp://host:8786)"
        )
    if value != "local" and importlib.util.find_spec("distributed") is None:
        raise UsageError(f"--executor {value}: Dask is not installed; pip install 'terbuka[dask]'")
    return value


def executor_kind(value: str) -> str:
    """What the run record says: ``local``, ``dask`` or ``dask-scheduler`` (no address)."""
    return value if value in EXECUTORS else "dask-scheduler"


class Cluster:
    """A cluster being started in a background thread; ``client()`` waits until it is up.

    Started with the run's extract stage; ``close()`` shuts down a cluster terbuka started
    and disconnects from one it did not, whatever state it is in. The runner calls it as
    soon as the transform ends (the stages after it run in the runner, and a live local
    cluster's scheduler and heartbeats would compete with them), or in its cleanup.
    """

    def __init__(self, executor: str, workers: int | None) -> None:
        self._stack = ExitStack()
        self._client: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._start, args=(executor, workers), name="terbuka-dask-start", daemon=True
        )
        self._thread.start()

    def _start(self, executor: str, workers: int | None) -> None:
        try:
            self._client = self._stack.enter_context(cluster_client(executor, workers))
            warm(self._client)
        except BaseException as error:  # re-raised in the run's own thread by client()
            self._error = error

    def client(self) -> Any:
        """The connected client, once the cluster is up (its start-up error, if it failed)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._client

    def close(self) -> None:
        self._thread.join()
        self._stack.close()


def start(executor: str, workers: int | None) -> Cluster | None:
    """Start the run's cluster now, in the background (``None`` for the local pool)."""
    return None if executor == "local" else Cluster(executor, workers)


def warm(client: Any) -> None:
    """Every worker loads the privacy models now, in parallel; one line if one cannot."""
    try:
        client.run(warm_worker)
    except EnvironmentFault:
        raise
    except Exception as error:
        raise EnvironmentFault(
            f"Dask: a worker could not load terbuka's privacy models ({type(error).__name__}); "
            "install the same terbuka on every worker; nothing was published"
        ) from None


WARM_UP_TEXT = "Hubungi Budi Santoso di 081234567890, Dinas Pekerjaan Umum Kota Malang."


def warm_worker() -> None:
    """Load what every task needs and no recipe changes, by scanning one sentence.

    Presidio's engine (asked for as ``recipe.build_context`` asks, so it is the cached one
    the tasks get), the NER model and the recognizers' word lists.
    """
    from terbuka.privacy.scanner import TextScanner

    from . import plugins

    TextScanner(extra_recognizers=tuple(plugins.recognizers())).scan(WARM_UP_TEXT)


def run_on_dask(
    context: WorkContext,
    units: Iterable[Any],
    executor: str,
    workers: int | None,
    cluster: Cluster | None = None,
) -> Iterator[tuple[Any, Batch]]:
    """``(unit, batch)`` for every unit, in input order, computed on the cluster.

    ``cluster``: the run's, started by ``start``; without one, a cluster for this call.
    """
    from .recipe import process_task, recipe_of

    recipe = recipe_of(context)
    with ExitStack() as stack:
        if cluster is None:
            cluster = Cluster(executor, workers)
            stack.callback(cluster.close)
        client = cluster.client()
        width = 2 * max(1, len(client.scheduler_info()["workers"]))
        in_flight: deque[tuple[Any, Any]] = deque()
        try:
            for unit in units:
                future = client.submit(process_task, recipe, unit, pure=False, retries=RETRIES)
                in_flight.append((unit, future))
                if len(in_flight) >= width:
                    yield finished(*in_flight.popleft())
            while in_flight:
                yield finished(*in_flight.popleft())
        finally:
            client.cancel([future for _, future in in_flight])
            forget_run(client)


def forget_run(client: Any) -> None:
    """Workers drop the run's context, whose scanner cache holds source texts.

    A long-lived worker would otherwise keep them in memory until the next run; the
    models stay loaded (they hold no data), so the next run rebuilds its context cheaply.
    Best effort: a lost worker has nothing left to forget.
    """
    from .recipe import forget_contexts

    if client.status != "running":  # the connection is gone: nothing to ask, no waiting
        return
    with suppress(Exception):  # the run's own outcome is what counts here
        client.run(forget_contexts)


def finished(unit: Any, future: Any) -> tuple[Any, Batch]:
    """The unit's batch; a worker lost for good or a lost cluster is one line, exit 3."""
    from distributed import TimeoutError as DaskTimeout
    from distributed.comm.core import CommClosedError
    from distributed.scheduler import KilledWorker

    from .recipe import TaskFailure

    try:
        value = future.result()
    except KilledWorker:
        raise EnvironmentFault(
            "Dask: the workers running one unit of this run died every time it was retried "
            "(out of memory or killed?); nothing was published"
        ) from None
    except (CommClosedError, DaskTimeout, OSError) as error:
        raise EnvironmentFault(
            f"Dask: the connection to the cluster was lost ({type(error).__name__}); "
            "nothing was published"
        ) from None
    if isinstance(value, TaskFailure):
        value.raise_again()
    return unit, value


@contextmanager
def cluster_client(executor: str, workers: int | None) -> Iterator[Any]:
    """A client of a new local cluster (``dask``) or of the scheduler at ``executor``."""
    import dask
    from distributed import Client, LocalCluster

    if executor == "dask":
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers or default_workers(),
                threads_per_worker=1,  # the work holds the GIL: processes, not threads
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.ERROR,  # the run's own line says what failed
            )
        with cluster:
            yield from _connected(Client(cluster))  # type: ignore[no-untyped-call]
        return
    client = None
    try:
        client = Client(executor, timeout=CONNECT_SECONDS)  # type: ignore[no-untyped-call]
        if workers:
            client.wait_for_workers(workers, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError) as error:
        if client is not None:
            client.close()  # type: ignore[no-untyped-call]
        raise EnvironmentFault(
            f"{executor}: no Dask scheduler answered, or fewer than {workers or 1} worker(s) "
            f"joined it in {CONNECT_SECONDS} s ({type(error).__name__})"
        ) from None
    yield from _connected(client)


def _connected(client: Any) -> Iterator[Any]:
    """``client`` until the caller is done, then closed.

    Not ``with client``: that makes it the current client of the thread entering it, and
    the run's cluster is entered in a background thread and closed from the run's own.
    """
    try:
        yield client
    finally:
        client.close()
