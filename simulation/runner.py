"""Run replications in this process, in local worker processes, or on a Dask cluster.

Each replication's numbers depend only on (inputs, parameters, config, seed, replication
index) — its streams come from ``SeedSequence(seed, spawn_key=(replication,))`` — so the same
seed gives identical results whatever the executor; results are returned in replication order.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

from simulation.config import SimulationConfig
from simulation.inputs import SimulationInputs
from simulation.params import ProcessParams
from simulation.replication import ReplicationResult, run_replication

SCHEDULER_ENV = "PHARMAOPS_DASK_SCHEDULER"
Progress = Callable[[int, int], None]  # (done, total)

_WORKER: dict[str, object] = {}


def _die_with_parent() -> None:
    """Ask Linux to end this worker when the process that started it dies (even by SIGKILL),
    so no replication keeps running for nobody."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the shutdown below still ends the workers
        pass


def _init_worker(parent: int, inputs: SimulationInputs, params: ProcessParams,
                 config: SimulationConfig) -> None:
    # a forked worker inherits its parent's signal handlers: it is stopped, not interrupted
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)
    # the inputs travel to each worker process once, not once per replication
    _WORKER.update(inputs=inputs, params=params, config=config)


def _run_in_worker(replication: int, seed: int) -> ReplicationResult:
    return run_replication(_WORKER["inputs"], _WORKER["params"], _WORKER["config"],
                           replication, seed)


def default_workers() -> int:
    """One worker per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_replications(inputs: SimulationInputs, params: ProcessParams, config: SimulationConfig, *,
                     replications: int, seed: int, workers: int | None = None,
                     scheduler: str | None = None, start: int = 0,
                     progress: Progress | None = None) -> list[ReplicationResult]:
    """Run replications ``start`` … ``replications`` − 1 (each draws from its own stream of
    ``seed``, so running them in parts gives the same results as at once); ``scheduler`` (or
    the environment variable ``PHARMAOPS_DASK_SCHEDULER``) names a Dask scheduler address to
    use instead of local processes; ``workers = 1`` runs in this process."""
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    done = start
    results: list[ReplicationResult] = []
    todo = range(start, replications)

    def tick(result: ReplicationResult) -> None:
        nonlocal done
        results.append(result)
        done += 1
        if progress:
            progress(done, replications)

    if not todo:
        return results
    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_completed

        with Client(scheduler) as client:
            shared = client.scatter([inputs, params, config], broadcast=True)
            futures = [client.submit(run_replication, *shared, r, seed, pure=False)
                       for r in todo]
            for future in dask_completed(futures):
                tick(future.result())
    elif (workers or default_workers()) == 1 or len(todo) == 1:
        for r in todo:
            tick(run_replication(inputs, params, config, r, seed))
    else:
        pool = ProcessPoolExecutor(max_workers=min(workers or default_workers(), len(todo)),
                                   initializer=_init_worker,
                                   initargs=(os.getpid(), inputs, params, config))
        try:
            futures = [pool.submit(_run_in_worker, r, seed) for r in todo]
            for future in as_completed(futures):
                tick(future.result())
        except BaseException:
            # interrupted or failed: stop the workers now rather than wait for their
            # replications (the executor has no public way to end running tasks)
            processes = list((pool._processes or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
            raise
        pool.shutdown()
    return sorted(results, key=lambda res: res.replication)
