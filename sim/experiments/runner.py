"""Run an experiment into its store, with progress, batching, a write lock and resume."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sim.experiments.backends import Backend, make_backend
from sim.experiments.runs import RunResult, code_version, plan_runs, scenario_version
from sim.experiments.spec import Experiment
from sim.experiments.store import Damage, ResultStore

__all__ = ["ExperimentOutcome", "run_experiment"]


@dataclass
class ExperimentOutcome:
    """What a call to :func:`run_experiment` did."""

    store: ResultStore
    total: int
    skipped: int  # already done before this call (resume)
    completed: int
    failed: int
    seconds: float
    quarantined: list[Damage] = field(default_factory=list)  # damaged batches, rerun


def run_experiment(
    exp: Experiment,
    scenario: Path,
    out: str | Path,
    *,
    workers: int | None = None,
    backend: str | Backend = "local",
    scheduler: str | None = None,
    resume: bool = False,
    batch_size: int | None = None,
    commit_seconds: float = 5.0,
    progress: Callable[[int, int], None] | None = None,
) -> ExperimentOutcome:
    """Run every missing run of an experiment and commit the results in batches.

    Args:
        exp: the validated experiment.
        scenario: path of its scenario file.
        out: the store's folder.
        workers: worker processes (default: all cores).
        backend: ``"local"``, ``"dask"`` or a ready :class:`Backend`.
        scheduler: Dask scheduler address (``tcp://host:8786``) for a real cluster.
        resume: complete an existing store instead of refusing to touch it.
        batch_size: runs per committed batch (default: twice the workers, at least 4).
        commit_seconds: also commit whatever finished after this many seconds.
        progress: called as ``progress(done, total)`` after every finished run.

    Returns:
        An :class:`ExperimentOutcome`; ``quarantined`` lists the damaged or uncommitted
        batches a resume moved aside (their runs were run again).

    Raises:
        StoreLocked: another process is writing the store (named by pid).
        StoreError: the store exists without ``resume``, belongs to another experiment,
            or ``out`` cannot be a folder.
        ValueError: an unknown backend, or a scheduler that does not answer.
    """
    started = time.perf_counter()
    tasks = plan_runs(exp, scenario)
    by_id = {t.run_id: t for t in tasks}
    store = ResultStore(out)
    # The backend first: a scheduler that cannot be reached fails before any store exists.
    runner = backend if isinstance(backend, Backend) else make_backend(backend, workers, scheduler)
    with runner, store.lock():
        quarantined = store.create(
            {
                "experiment": exp.model_dump(mode="json"),
                "scenario_file": str(scenario),
                "scenario_version": scenario_version(scenario),
                "code_version": code_version(),
                "runs": len(tasks),
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
            },
            resume=resume,
        )
        done = store.done()
        pending = [t for t in tasks if t.run_id not in done]
        size = batch_size or max(4, 2 * (workers or 2))
        completed = failed = 0
        buffer: list[RunResult] = []
        last_commit = time.monotonic()
        if progress:
            progress(len(done), len(tasks))
        try:
            for result in runner.results(pending):
                buffer.append(result)
                completed += 1
                failed += result.status != "ok"
                if len(buffer) >= size or time.monotonic() - last_commit > commit_seconds:
                    store.commit(buffer, by_id)
                    buffer, last_commit = [], time.monotonic()
                if progress:
                    progress(len(done) + completed, len(tasks))
        finally:
            # Whatever finished is kept, even when a worker died or the user interrupted.
            store.commit(buffer, by_id)
    return ExperimentOutcome(
        store,
        len(tasks),
        len(done),
        completed,
        failed,
        time.perf_counter() - started,
        quarantined,
    )
