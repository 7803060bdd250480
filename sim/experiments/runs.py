"""The runs of an experiment, and running one run (in whatever process a backend uses).

A run is (design point, policy, replication). Its id is deterministic, and its seed is
``experiment.seed + replication``: common random numbers across policies and design
points, so differences between policies are paired (Law 2015, ch. 11).
"""

from __future__ import annotations

import functools
import hashlib
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.design import sample
from sim.experiments.spec import Experiment

__all__ = ["RunResult", "RunTask", "code_version", "plan_runs", "run_one", "scenario_version"]


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to execute one run."""

    run_id: str
    point: int
    policy: str
    replication: int
    seed: int
    scenario: str
    overrides: dict[str, Any]
    params: dict[str, Any]
    until: int | None
    indicators: tuple[str, ...]
    scopes: tuple[str, ...]


@dataclass
class RunResult:
    """What came back from one run: its rows, or the error that stopped it."""

    run_id: str
    status: str  # "ok" or "failed"
    seconds: float
    error: str = ""
    frame: pd.DataFrame | None = field(default=None, repr=False)


def param_column(name: str) -> str:
    """Column holding a swept parameter's value (SQL-friendly)."""
    return "param_" + name.replace(".", "__")


def plan_runs(exp: Experiment, scenario: Path) -> list[RunTask]:
    """All runs of an experiment, in a fixed order.

    With ``exp.posterior``, point 0 runs every replication at the posterior's estimate
    and point 1 gives replication k the k-th draw from the posterior, the same draw under
    every policy (sim/posterior.py, :func:`~sim.posterior.replication_draws`).
    """
    points: list[list[dict[str, Any]]]  # per point: the parameters of each replication
    if exp.posterior is not None:
        from sim.posterior import load_posterior, replication_draws

        posterior = load_posterior(exp.posterior)
        draws = replication_draws(posterior, exp.replications, exp.posterior_seed)
        points = [[posterior.estimate()] * exp.replications, draws]
    else:
        points = [[params] * exp.replications for params in sample(exp.design)]
    tasks = []
    for point, per_replication in enumerate(points):
        for policy in exp.policies:
            for k in range(exp.replications):
                params = per_replication[k]
                seed = exp.seed + k
                if exp.seeds == "per_point":
                    seed = exp.seed + point * exp.replications + k
                tasks.append(
                    RunTask(
                        run_id=f"p{point:05d}-{policy}-r{k:04d}",
                        point=point,
                        policy=policy,
                        replication=k,
                        seed=seed,
                        scenario=str(scenario),
                        overrides={**exp.fixed, **params},
                        params=params,
                        until=exp.until,
                        indicators=tuple(exp.indicators),
                        scopes=tuple(exp.scopes),
                    )
                )
    return tasks


def run_one(task: RunTask) -> RunResult:
    """Run one simulation; never raises: a failure is returned as a failed result."""
    from sim.model import SEZClusterModel

    started = time.perf_counter()
    try:
        model = SEZClusterModel(
            _scenario(task.scenario), policy=task.policy, rng=task.seed, **task.overrides
        )
        model.run(until=task.until)
        frame = model.indicators()
        frame = frame[frame["scope"].isin(task.scopes)]
        frame = frame[["year", "scope", "name", *task.indicators]].reset_index(drop=True)
        frame.insert(0, "seed", task.seed)
        frame.insert(0, "replication", task.replication)
        frame.insert(0, "policy", task.policy)
        frame.insert(0, "point", task.point)
        frame.insert(0, "run_id", task.run_id)
        for name, value in task.params.items():
            if isinstance(value, list):  # a set of names, e.g. merge_channels: a+b, or none
                value = "+".join(map(str, value)) or "none"
            frame[param_column(name)] = value
        return RunResult(task.run_id, "ok", time.perf_counter() - started, frame=frame)
    except Exception as exc:  # a failing run is recorded, not fatal to the sweep
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return RunResult(task.run_id, "failed", time.perf_counter() - started, error=last)


@functools.lru_cache(maxsize=8)
def _scenario(path: str):
    """Parse each scenario file once per worker process (validation happens per run)."""
    from sim.model import scenario_from_file

    return scenario_from_file(path)


def code_version() -> str:
    """Hash of the package's source files: which code produced a result."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def scenario_version(path: str | Path) -> str:
    """Hash of a scenario file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
