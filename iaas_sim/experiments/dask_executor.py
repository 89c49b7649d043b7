"""Running tasks on a Dask cluster: an existing one (its scheduler's address, or a
``distributed.Client``), or a ``LocalCluster`` started for the run (``"local:N"``).

Tasks carry batches of replications (a Dask task costs a few milliseconds) and each its own
child seeds, so the results are those of the local executor, whatever the workers. A remote
cluster needs this package installed on its workers (same version). A task lost with a
worker that dies is run again elsewhere by the scheduler."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iaas_sim.experiments.executor import Outcome, Task


def run_on_dask(
    tasks: list[Task], scheduler: Any, finished: Callable[[int, Outcome], None]
) -> None:
    """Submit every task, and call ``finished(k, outcome)`` here as each completes."""
    from distributed import as_completed

    client, close = connect(scheduler)
    try:
        run = uuid.uuid4().hex[:12]
        futures = {
            client.submit(run_on_worker, task, key=f"iaas-sim-{run}-{k}", pure=False): k
            for k, task in enumerate(tasks)
        }
        for future in as_completed(futures):
            finished(futures[future], future.result())
    finally:
        close()


_TUNED = False


def run_on_worker(task: Task) -> Outcome:
    """``run_task`` on a Dask worker, after undoing the nanny's ``MALLOC_TRIM_THRESHOLD_``
    (65,536 by default): with it, glibc maps and unmaps every array above 128 KiB afresh,
    which slows a replication by about 45 %. Elsewhere than glibc, nothing to undo."""
    global _TUNED
    from iaas_sim.experiments.executor import run_task

    if not _TUNED:
        _TUNED = True
        try:
            import ctypes
            import ctypes.util

            libc = ctypes.CDLL(ctypes.util.find_library("c"))
            libc.mallopt(-1, 128 * 2**20)  # M_TRIM_THRESHOLD
            libc.mallopt(-3, 32 * 2**20)  # M_MMAP_THRESHOLD
        except (OSError, AttributeError, TypeError):
            pass
    return run_task(task)


def connect(scheduler: Any) -> tuple[Any, Callable[[], None]]:
    """A client for ``scheduler`` and how to let it go (only what was started here is
    closed)."""
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        return scheduler, lambda: None
    if isinstance(scheduler, str) and scheduler.startswith("local:"):
        n = int(scheduler.split(":", 1)[1])
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
        from iaas_sim.experiments.executor import OptionError

        raise OptionError(
            "--scheduler",
            f"cannot reach the Dask scheduler at {scheduler} ({type(exc).__name__}: {exc}); "
            "a tls:// address needs Dask's TLS settings (distributed.comm.tls)",
        ) from None
    return client, client.close
