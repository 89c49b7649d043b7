"""Running tasks on a Dask cluster: an existing one (its scheduler's address, or a
``distributed.Client``), or a ``LocalCluster`` started for the run (``"local:N"``).

Tasks carry batches of replications (a Dask task costs a few milliseconds) and each its own
child seeds, so the results are those of the local executor, whatever the workers. A remote
cluster needs this package installed on its workers (same version), and is best started
with ``WORKER_ENVIRON`` in its ``distributed.nanny.pre-spawn-environ`` setting. A task lost
with a worker that dies is run again elsewhere by the scheduler."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from iaas_sim.experiments.options import OptionError
from iaas_sim.experiments.tasks import Outcome, Task, run_task

WORKER_ENVIRON = {
    "MALLOC_TRIM_THRESHOLD_": str(128 * 2**20),
    "MALLOC_MMAP_THRESHOLD_": str(32 * 2**20),
}
"""glibc's allocator settings for the workers of a cluster started here, given to Dask's
``distributed.nanny.pre-spawn-environ`` (read before a worker process starts, as glibc needs)
in place of the nanny's ``MALLOC_TRIM_THRESHOLD_`` of 65,536: with that, glibc maps and
unmaps every array above 128 KiB afresh, which slows a replication by about 45 %. Elsewhere
than glibc the variables mean nothing; one already set in this process's environment wins
(Dask's rule)."""


def run_on_dask(
    tasks: list[Task], scheduler: Any, finished: Callable[[int, Outcome], None]
) -> None:
    """Submit every task, and call ``finished(k, outcome)`` here as each completes."""
    from distributed import as_completed

    client, close = connect(scheduler)
    try:
        run = uuid.uuid4().hex[:12]
        futures = {
            client.submit(run_task, task, key=f"iaas-sim-{run}-{k}", pure=False): k
            for k, task in enumerate(tasks)
        }
        for future in as_completed(futures):
            finished(futures[future], future.result())
    finally:
        close()


def connect(scheduler: Any) -> tuple[Any, Callable[[], None]]:
    """A client for ``scheduler`` and how to let it go (only what was started here is
    closed)."""
    import dask
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        return scheduler, lambda: None
    if isinstance(scheduler, str) and scheduler.startswith("local:"):
        n = int(scheduler.split(":", 1)[1])
        environ = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in WORKER_ENVIRON.items()}
        with dask.config.set(environ):  # each nanny reads it once, when it is made
            cluster = LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            )
        client = Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()

        return client, close
    try:
        client = Client(scheduler, timeout="30s")
    except (OSError, TimeoutError, TypeError, ValueError) as exc:  # TypeError: TLS, no ssl_context
        raise OptionError(
            "scheduler",
            f"cannot reach the Dask scheduler at {scheduler} ({type(exc).__name__}: {exc}); "
            "a tls:// address needs Dask's TLS settings (distributed.comm.tls)",
        ) from None
    return client, client.close
