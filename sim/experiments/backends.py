"""Where runs execute: in this process, on a local process pool, or on a Dask cluster.

Every backend offers the same verb, ``results(tasks)``: an iterator of
:class:`~sim.experiments.runs.RunResult` in completion order. A run's result depends only
on its task (its seed included), so every backend and worker count gives the same
results.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Iterator, Sequence

from sim.experiments.runs import RunResult, RunTask, run_one

__all__ = [
    "BACKENDS",
    "Backend",
    "DaskBackend",
    "LocalBackend",
    "SchedulerUnreachable",
    "WorkerLost",
    "make_backend",
]


class WorkerLost(RuntimeError):
    """A worker process died (killed, out of memory); finished runs are already stored."""


class SchedulerUnreachable(ValueError):
    """``--scheduler`` names an address where no Dask scheduler answers."""


#: Seconds to wait for a Dask scheduler named by ``--scheduler`` before giving up.
CONNECT_SECONDS = 5


class Backend:
    """Base class: a context manager yielding results of tasks."""

    name = "base"

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release workers."""

    def results(self, tasks: Sequence[RunTask]) -> Iterator[RunResult]:
        """Run tasks, yielding results as they complete."""
        raise NotImplementedError


class LocalBackend(Backend):
    """A pool of worker processes on this machine (all cores by default)."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool: cf.ProcessPoolExecutor | None = None

    def results(self, tasks: Sequence[RunTask]) -> Iterator[RunResult]:
        """Run in this process (one worker) or on a spawn-started process pool.

        The pool is started by the first call and kept for the next ones (a calibration
        asks for a few replications at a time, hundreds of times) until :meth:`close`.
        """
        if self.workers == 1:
            for task in tasks:
                yield run_one(task)
            return
        if self._pool is None:
            # spawn: workers start clean (no inherited threads or state from the parent).
            self._pool = cf.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        futures = [self._pool.submit(run_one, t) for t in tasks]
        try:
            for fut in cf.as_completed(futures):
                yield fut.result()
        except cf.process.BrokenProcessPool as exc:
            self.close()  # a broken pool takes no more work
            raise WorkerLost("a worker process died; rerun with --resume to finish") from exc
        finally:
            for fut in futures:
                fut.cancel()

    def results_in_order(self, tasks: Sequence[RunTask]) -> list[RunResult]:
        """All results, in the order of ``tasks`` (not of completion)."""
        index = {task.run_id: i for i, task in enumerate(tasks)}
        return sorted(self.results(tasks), key=lambda r: index[r.run_id])

    def close(self) -> None:
        """Shut the pool down, cancelling what has not started."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskBackend(Backend):
    """Dask distributed: a ``LocalCluster`` here, or a cluster at ``scheduler``."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        from dask.distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout=f"{CONNECT_SECONDS}s")
            except Exception as err:  # OSError, TimeoutError, ValueError for a bad address
                reason = str(err).splitlines()[0] if str(err) else type(err).__name__
                raise SchedulerUnreachable(
                    f"--scheduler: no Dask scheduler answered at {scheduler!r} within "
                    f"{CONNECT_SECONDS} s ({reason}); start one with `dask scheduler` and give "
                    "its address, tcp://HOST:8786"
                ) from None
        else:
            self.cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            self.client = Client(self.cluster)

    def results(self, tasks: Sequence[RunTask]) -> Iterator[RunResult]:
        """Submit every task to the cluster; yield results as they complete."""
        from dask.distributed import as_completed

        futures = self.client.map(run_one, list(tasks), pure=False)
        for fut in as_completed(futures):
            yield fut.result()

    def close(self) -> None:
        """Close the client (and the LocalCluster this backend started)."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


BACKENDS = ("local", "dask")


def make_backend(name: str, workers: int | None, scheduler: str | None = None) -> Backend:
    """Build a backend by name; ValueError lists the choices."""
    if name == "local":
        if scheduler:
            raise ValueError("--scheduler needs --backend dask")
        return LocalBackend(workers)
    if name == "dask":
        return DaskBackend(workers, scheduler)
    raise ValueError(f"unknown backend {name!r}; allowed: {', '.join(BACKENDS)}")
