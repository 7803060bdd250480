"""The performance benchmark suite (issue 5): ``sezsim bench [--quick] [--json FILE]``.

It measures, on the machine it runs on, in one process run:

1. **throughput**: firm-steps per second of the full model (all mechanisms, merge
   policy) on the Kazakhstan scenario scaled to 10^3 .. 10^6 initial firms, 40 simulated
   years, median of several runs after a warm-up;
2. **reference**: agent-steps per second of Mesa's own ``BoltzmannWealth`` example at
   10,000 agents, and the ratio of ours to it;
3. **overhead**: the share of a run spent outside the vectorised economics (agent
   bookkeeping, data collection) from a cProfile profile, and the time of the bare
   economics kernel on the same arrays (:class:`BareKernel`), hence model / kernel;
4. **scaling**: the exponent b of run time ~ firms**b between 10^4 and 10^6 firms;
5. **memory**: peak resident bytes per firm at 10^5 and 10^6 firms (a child process
   each, so one size's peak does not hide the next);
6. **sweep throughput**: runs per minute of the default scenario on one and on all
   workers, on the local process pool and on a Dask ``LocalCluster``, with the
   parallel efficiency;
8. **decomposition**: wall time of ``sezsim decompose`` on the Kazakhstan scenario with
   its default replications (16 arms, all workers), into a fresh store;
7. **compile cost**: a fresh process that imports the model, builds it and runs one
   year, with an empty Numba cache (every compiled loop is compiled) and again with
   the cache it left (what a worker process or ``sezsim run`` pays after the first run
   on a machine).

``--quick`` shrinks every size so the whole suite runs in well under a minute: CI runs it
to check that the suite works, never to check speed. docs/performance.md records a full
run and explains the design choices behind the figures.
"""

from __future__ import annotations

import cProfile
import gc
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.model import DEFAULT_SCENARIO, SEZClusterModel, _gc_paused
from sim.scenario import Scenario, load_scenario, validate_scenario

__all__ = [
    "TARGETS",
    "BareKernel",
    "BenchConfig",
    "plot_scaling",
    "run_suite",
    "scaled_scenario",
]


@dataclass(frozen=True)
class BenchConfig:
    """Sizes and repetitions of one benchmark run (full or ``--quick``)."""

    sizes: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)
    years: int = 40
    repeats: int = 3
    repeats_largest: int = 3
    scaling_sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    target_size: int = 100_000  # the size the throughput target is stated at
    profile_size: int = 100_000
    memory_sizes: tuple[int, ...] = (100_000, 1_000_000)
    boltzmann_agents: int = 10_000
    boltzmann_steps: int = 20
    single_runs: int = 5
    sweep_runs: int = 60
    compile_repeats: int = 3
    decompose_replications: int = 40  # sezsim decompose's default
    decompose_until: int = 2040
    sweep_until: int | None = None  # None: the scenario's whole horizon (2005-2045)
    dask: bool = True

    @classmethod
    def quick(cls) -> BenchConfig:
        """Small sizes: the suite in seconds (a smoke test, not a measurement)."""
        return cls(
            sizes=(1_000, 3_000, 10_000),
            years=5,
            repeats=2,
            repeats_largest=2,
            scaling_sizes=(1_000, 3_000, 10_000),
            target_size=10_000,
            profile_size=3_000,
            memory_sizes=(3_000, 10_000),
            boltzmann_agents=10_000,
            boltzmann_steps=3,
            single_runs=2,
            sweep_runs=4,
            sweep_until=2008,
            compile_repeats=1,
            decompose_replications=2,
            decompose_until=2022,
        )


#: Issue 5's targets: name -> (comparison, threshold, what is measured).
TARGETS: dict[str, tuple[str, float, str]] = {
    "throughput_at_target_size": (">=", 2_000_000, "firm-steps/s at 100,000 firms"),
    "ratio_to_boltzmann": (">=", 20.0, "ours / Mesa BoltzmannWealth agent-steps/s"),
    "scaling_exponent": ("<=", 1.1, "b in time ~ firms**b, 10^4 .. 10^6 firms"),
    "bytes_per_firm_largest": ("<=", 2048, "peak bytes per firm at 10^6 firms"),
    "model_over_kernel": ("<=", 1.5, "model step / bare vectorised kernel"),
    "single_run_seconds": ("<=", 0.5, "one default Kazakhstan run 2005-2045, s"),
    "local_parallel_efficiency": (">=", 0.85, "local pool, 1 -> all workers"),
    "decompose_seconds": ("<=", 240.0, "sezsim decompose, default replications, s"),
}


# ---------------------------------------------------------------------- scenarios
def scaled_scenario(n_firms: int, path: str | Path = DEFAULT_SCENARIO) -> Scenario:
    """The scenario with about ``n_firms`` initial firms and an economy to match.

    Firm counts and employment of every cluster and firm group, SEZ land and initial
    participants, regional populations and world demand are all multiplied by the same
    factor, so firms keep their size and zones their room: the economy is the same,
    only finer-grained.
    """
    spec = load_scenario(path)
    base = (
        sum(c.firms for c in spec.clusters)
        + sum(g.count for g in spec.firms)
        + sum(z.initial_participants for z in spec.sezs)
    )
    factor = n_firms / base
    data = spec.model_dump()
    # Counts are apportioned by largest remainders, so they add up to n_firms exactly
    # however many small groups the scenario has (plain rounding drifts by one per group).
    slots = [(c, "firms") for c in data["clusters"]] + [(g, "count") for g in data["firms"]]
    slots += [(z, "initial_participants") for z in data["sezs"]]
    exact = np.array([item[key] * factor for item, key in slots])
    counts = np.floor(exact).astype(int)
    short = round(exact.sum()) - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    for (item, key), count in zip(slots, counts, strict=True):
        item[key] = int(count)
    # A group scaled down to no firm takes its employment with it.
    for cluster in data["clusters"]:
        cluster["employment"] *= factor if cluster["firms"] else 0.0
    for group in data["firms"]:
        if group["employment"] is not None:  # unset: sizes are drawn (firm_sizes)
            group["employment"] *= factor if group["count"] else 0.0
    for zone in data["sezs"]:
        zone["area_ha"] *= factor
    for region in data["regions"]:
        region["population"] *= factor
        if region["labour_force"] is not None:
            region["labour_force"] *= factor
    for sector in data["sectors"]:
        sector["world_demand"] *= factor
    return validate_scenario(data, file=f"{spec.name} x {factor:.4g}")


def initial_firms(spec: Scenario) -> int:
    """Number of firms a scenario starts with."""
    return (
        sum(c.firms for c in spec.clusters)
        + sum(g.count for g in spec.firms)
        + sum(z.initial_participants for z in spec.sezs if z.opens <= spec.start_year)
    )


# ---------------------------------------------------------------------- the kernel
class _NoRecorder:
    def record(self, year: int, exited: np.ndarray) -> None:
        pass


class _NoCollector:
    def collect(self, model: Any) -> None:
        pass


class BareKernel(SEZClusterModel):
    """The model's vectorised economics on the same arrays, without bookkeeping.

    Same stages, same random draws, same firm table as :class:`SEZClusterModel`, but no
    Mesa agent is created or removed per firm and nothing is observed (no indicator
    recording, no DataCollector). Only useful to time what the economics alone costs.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recorder = _NoRecorder()  # type: ignore[assignment]
        self.datacollector = _NoCollector()  # type: ignore[assignment]

    def add_firms(self, count: int, **cols: Any) -> np.ndarray:
        """Append firms to the table only (no Mesa ids or agents)."""
        return self.firms.append(count, **cols)

    def remove_firms(self, rows: np.ndarray) -> None:
        """Mark firms dead in the table only."""
        self.firms.view("alive")[rows] = False


# ---------------------------------------------------------------------- measurements
def _timed_run(model_cls: type, spec: Scenario, years: int, seed: int) -> dict[str, float]:
    """Build a model, step it ``years`` times; time construction and steps separately.

    The previous run's model is garbage with reference cycles (agents point to their
    model); it is collected before the clock starts, so no run pays for another's.
    """
    gc.collect()
    t0 = time.perf_counter()
    model = model_cls(spec, policy="merge", rng=seed)
    t1 = time.perf_counter()
    firm_steps = 0
    steps = min(years, model.end_year - model.year + 1)
    alive = model.firms.view
    with _gc_paused():  # as SEZClusterModel.run() steps
        for _ in range(steps):
            firm_steps += int(np.count_nonzero(alive("alive")))
            model.step()
    gc.collect()  # the collector's postponed work is charged to the run (a full collection)
    t2 = time.perf_counter()
    return {
        "setup_s": t1 - t0,
        "run_s": t2 - t1,
        "steps": steps,
        "firm_steps": firm_steps,
        "final_firms": int(np.count_nonzero(model.firms.view("alive"))),
    }


def measure_throughput(n_firms: int, years: int, repeats: int, seed: int = 1) -> dict[str, Any]:
    """Firm-steps per second at one size: a short warm-up, then the median of runs."""
    spec = scaled_scenario(n_firms)
    _timed_run(SEZClusterModel, spec, min(2, years), seed)  # warm-up: imports, caches
    runs = [_timed_run(SEZClusterModel, spec, years, seed) for _ in range(repeats)]
    run_s = statistics.median(r["run_s"] for r in runs)
    firm_steps = runs[0]["firm_steps"]
    return {
        "firms": initial_firms(spec),
        "years": runs[0]["steps"],
        "repeats": repeats,
        "run_s": run_s,
        "run_s_all": [r["run_s"] for r in runs],
        "setup_s": statistics.median(r["setup_s"] for r in runs),
        "firm_steps": firm_steps,
        "step_ms": 1e3 * run_s / runs[0]["steps"],
        "firm_steps_per_s": firm_steps / run_s,
        "final_firms": runs[0]["final_firms"],
    }


def measure_boltzmann(n_agents: int, steps: int, seed: int = 1) -> dict[str, Any]:
    """Agent-steps per second of Mesa's own BoltzmannWealth example, as shipped."""
    from mesa.examples.basic.boltzmann_wealth_model.model import (
        BoltzmannScenario,
        BoltzmannWealth,
    )

    side = max(10, round(n_agents**0.5))  # the example's density: one agent per cell
    model = BoltzmannWealth(BoltzmannScenario(n=n_agents, width=side, height=side, rng=seed))
    model.step()  # warm-up
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - t0)
    step_s = statistics.median(times)
    return {
        "agents": n_agents,
        "grid": f"{side}x{side}",
        "steps": steps,
        "step_ms": 1e3 * step_s,
        "agent_steps_per_s": n_agents / step_s,
    }


#: Functions whose time is bookkeeping or observation, not economics.
_OVERHEAD = {
    ("indicators.py", "record"): "indicator recording",
    ("datacollection.py", "collect"): "Mesa DataCollector",
    ("firm.py", "materialise"): "Firm agents created",
    ("firm.py", "attach"): "Firm agents created",
    ("firm.py", "leave"): "Firm agents removed",
    ("firm.py", "compact"): "firm table compaction",
}


def measure_overhead(n_firms: int, years: int, repeats: int, seed: int = 1) -> dict[str, Any]:
    """Profile share of bookkeeping, and model run time over the bare kernel's.

    Model and kernel runs alternate (median of ``repeats`` each), so a change of
    machine load hits both alike.
    """
    spec = scaled_scenario(n_firms)
    profiler = cProfile.Profile()
    model = SEZClusterModel(spec, policy="merge", rng=seed)
    steps = min(years, model.end_year - model.year + 1)
    profiler.enable()
    for _ in range(steps):
        model.step()
    profiler.disable()
    del model
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = max(ct for (_, _, name), (_, _, _, ct, _) in stats.items() if name == "step")
    parts: dict[str, float] = {}
    for (file, _, name), (_, _, _, ct, _) in stats.items():
        for (suffix, func), label in _OVERHEAD.items():
            if name == func and file.endswith(suffix):
                parts[label] = parts.get(label, 0.0) + ct
    model_s, kernel_s = [], []
    for _ in range(repeats):
        model_s.append(_timed_run(SEZClusterModel, spec, years, seed)["run_s"])
        kernel_s.append(_timed_run(BareKernel, spec, years, seed)["run_s"])
    check_model = SEZClusterModel(spec, policy="merge", rng=seed).run(spec.start_year + 2)
    check_kernel = BareKernel(spec, policy="merge", rng=seed).run(spec.start_year + 2)
    same = all(
        np.array_equal(check_model.firms.view(c), check_kernel.firms.view(c))
        for c in ("alive", "region", "turnover", "capital")
    )
    m, k = statistics.median(model_s), statistics.median(kernel_s)
    return {
        "firms": initial_firms(spec),
        "years": steps,
        "profile_total_s": total,
        "overhead_parts_s": parts,
        "overhead_share": sum(parts.values()) / total,
        "model_run_s": m,
        "kernel_run_s": k,
        "model_step_ms": 1e3 * m / steps,
        "kernel_step_ms": 1e3 * k / steps,
        "model_over_kernel": m / k,
        "kernel_matches_model": bool(same),
    }


def scaling_exponent(firms: list[int], seconds: list[float]) -> float:
    """Least-squares slope b of log(seconds) on log(firms): time ~ firms**b."""
    return float(np.polyfit(np.log(firms), np.log(seconds), 1)[0])


def _status_bytes(field: str) -> int:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _memory_child(n_firms: int, years: int) -> None:
    """In a fresh process: peak resident memory of building and running one size.

    VmHWM (the high-water mark of resident memory) starts afresh with each exec'd
    process, unlike ``ru_maxrss``, which Linux carries over from the parent.
    """
    spec = scaled_scenario(n_firms)
    before = _status_bytes("VmRSS")
    model = SEZClusterModel(spec, policy="merge", rng=1)
    peak_firms = 0
    for _ in range(min(years, model.end_year - model.year + 1)):
        model.step()
        peak_firms = max(peak_firms, int(np.count_nonzero(model.firms.view("alive"))))
    peak = _status_bytes("VmHWM") - before
    print(
        json.dumps(
            {
                "firms": initial_firms(spec),
                "peak_live_firms": peak_firms,
                "baseline_bytes": before,
                "peak_bytes": peak,
                "bytes_per_firm": peak / initial_firms(spec),
                "bytes_per_live_firm_at_peak": peak / peak_firms,
            }
        )
    )


def measure_memory(n_firms: int, years: int) -> dict[str, Any]:
    """Peak resident bytes per firm (a child process: VmHWM minus the RSS before the model)."""
    code = f"from sim.bench import _memory_child; _memory_child({n_firms}, {years})"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _sweep_tasks(n: int, until: int | None, tag: str) -> list:
    from sim.experiments.runs import RunTask
    from sim.indicators import INDICATORS

    return [
        RunTask(
            run_id=f"bench-{tag}-{i:04d}",
            point=0,
            policy="merge",
            replication=i,
            seed=1 + i,
            scenario=str(DEFAULT_SCENARIO),
            overrides={},
            params={},
            until=until,
            indicators=tuple(INDICATORS.names),
            scopes=("national", "region", "sez", "cluster"),
        )
        for i in range(n)
    ]


def measure_sweep(backend: str, workers: int, runs: int, until: int | None) -> dict[str, Any]:
    """Runs per minute on a backend; steady state, after each worker's first run.

    The clock starts when the last worker has delivered its first run (process start-up
    and imports are paid once per sweep, not per run), and stops at the last result.
    """
    import logging

    from sim.experiments.backends import make_backend

    # Dask logs every closed comm of a LocalCluster shutting down; not news here.
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    tasks = _sweep_tasks(runs + workers, until, f"{backend}{workers}")
    started = time.perf_counter()
    stamps = []
    failed = 0
    with make_backend(backend, workers) as runner:
        ready = time.perf_counter()
        for result in runner.results(tasks):
            stamps.append(time.perf_counter())
            failed += result.status != "ok"
    steady = stamps[-1] - stamps[workers - 1]
    return {
        "backend": backend,
        "workers": workers,
        "runs": runs,
        "failed": failed,
        "startup_s": ready - started,
        "wall_s": stamps[-1] - started,
        "runs_per_min": 60.0 * runs / steady,
    }


def measure_single_run(repeats: int, seed: int = 1) -> dict[str, Any]:
    """Wall time of one default run (build, 2005-2045, indicator table), median."""
    times = []
    SEZClusterModel(DEFAULT_SCENARIO, rng=seed).run(until=2007)  # warm-up
    for _ in range(repeats):
        t0 = time.perf_counter()
        SEZClusterModel(DEFAULT_SCENARIO, policy="merge", rng=seed).run().indicators()
        times.append(time.perf_counter() - t0)
    return {"seconds": statistics.median(times), "all": times}


_COMPILE_PROBE = """
import time
t0 = time.perf_counter()
from sim import SEZClusterModel
t1 = time.perf_counter()
SEZClusterModel(scenario, rng=1).run(until=2005)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def measure_compile(repeats: int = 3) -> dict[str, Any]:
    """Seconds to import and run one year in a fresh process, cold and warm Numba cache.

    Each probe is a new interpreter with ``NUMBA_CACHE_DIR`` pointing at a directory of
    its own: empty for the cold runs (every ``@njit`` loop is compiled), then the one a
    cold run filled for the warm runs. Medians over ``repeats`` probes each.
    """
    import tempfile

    def probe(cache_dir: str) -> tuple[float, float]:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
        code = f"scenario = {str(DEFAULT_SCENARIO)!r}\n" + _COMPILE_PROBE
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        first, second = done.stdout.split()[-2:]
        return float(first), float(second)

    cold, warm = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            cold.append(probe(cache))
            warm.append(probe(cache))
    return {
        "repeats": repeats,
        "cold_import_s": statistics.median(c[0] for c in cold),
        "cold_first_year_s": statistics.median(c[1] for c in cold),
        "warm_import_s": statistics.median(w[0] for w in warm),
        "warm_first_year_s": statistics.median(w[1] for w in warm),
    }


def measure_decompose(replications: int, until: int) -> dict[str, Any]:
    """Wall time of the channel decomposition (16 arms x replications) into a fresh store."""
    import tempfile

    from sim.experiments.decompose import decomposition_experiment
    from sim.experiments.runner import run_experiment

    exp = decomposition_experiment(str(DEFAULT_SCENARIO), replications=replications, until=until)
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        outcome = run_experiment(exp, DEFAULT_SCENARIO, Path(out) / "store", workers=workers)
        seconds = time.perf_counter() - t0
    return {
        "replications": replications,
        "until": until,
        "runs": outcome.total,
        "failed": outcome.failed,
        "workers": workers,
        "seconds": seconds,
    }


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import mesa

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "platform": platform.platform(),
        "load_average": list(os.getloadavg()),
    }


# ---------------------------------------------------------------------- the suite
def run_suite(config: BenchConfig, log: Any = print) -> dict[str, Any]:
    """Run every measurement; return the results (JSON-serialisable)."""
    started = time.perf_counter()
    out: dict[str, Any] = {"quick": config != BenchConfig(), "machine": machine()}
    out["throughput"] = []
    for n in config.sizes:
        reps = config.repeats_largest if n == max(config.sizes) else config.repeats
        log(f"throughput at {n:,} firms ({config.years} years, {reps} runs) ...")
        out["throughput"].append(measure_throughput(n, config.years, reps))
    log(f"Mesa BoltzmannWealth at {config.boltzmann_agents:,} agents ...")
    out["boltzmann"] = measure_boltzmann(config.boltzmann_agents, config.boltzmann_steps)
    log(f"overhead profile and bare kernel at {config.profile_size:,} firms ...")
    out["overhead"] = measure_overhead(config.profile_size, config.years, config.repeats)
    log("memory ...")
    out["memory"] = [measure_memory(n, config.years) for n in config.memory_sizes]
    log("one default run ...")
    out["single_run"] = measure_single_run(config.single_runs)
    log("compile cost (fresh processes, cold and warm Numba cache) ...")
    out["compile"] = measure_compile(config.compile_repeats)
    log(f"decomposition ({config.decompose_replications} replications x 16 arms) ...")
    out["decompose"] = measure_decompose(config.decompose_replications, config.decompose_until)
    workers = os.cpu_count() or 1
    out["sweep"] = []
    for backend in ("local", "dask") if config.dask else ("local",):
        for w in sorted({1, workers}):
            log(f"sweep: {backend} backend, {w} worker(s), {config.sweep_runs} runs ...")
            out["sweep"].append(measure_sweep(backend, w, config.sweep_runs, config.sweep_until))
    out["machine"]["load_average_after"] = list(os.getloadavg())
    out["seconds"] = time.perf_counter() - started
    out["summary"] = summarise(out, config)
    return out


def _efficiency(sweep: list[dict], backend: str) -> float | None:
    rows = {r["workers"]: r["runs_per_min"] for r in sweep if r["backend"] == backend}
    if len(rows) < 2:
        return None
    most = max(rows)
    return rows[most] / (most * rows[1])


def summarise(out: dict[str, Any], config: BenchConfig) -> dict[str, Any]:
    """The headline figures, each with its target (if issue 5 sets one)."""
    by_size = {r["firms"]: r for r in out["throughput"]}
    at_target = min(by_size, key=lambda n: abs(n - config.target_size))
    scaling = [r for r in out["throughput"] if r["firms"] in _nearest(by_size, config)]
    mem = out["memory"][-1]
    values = {
        "throughput_at_target_size": by_size[at_target]["firm_steps_per_s"],
        "ratio_to_boltzmann": by_size[at_target]["firm_steps_per_s"]
        / out["boltzmann"]["agent_steps_per_s"],
        "scaling_exponent": scaling_exponent(
            [r["firms"] for r in scaling], [r["run_s"] for r in scaling]
        ),
        "bytes_per_firm_largest": mem["bytes_per_firm"],
        "model_over_kernel": out["overhead"]["model_over_kernel"],
        "single_run_seconds": out["single_run"]["seconds"],
        "compile_cold_seconds": out["compile"]["cold_import_s"]
        + out["compile"]["cold_first_year_s"],
        "compile_warm_seconds": out["compile"]["warm_import_s"]
        + out["compile"]["warm_first_year_s"],
        "decompose_seconds": out["decompose"]["seconds"],
        "local_parallel_efficiency": _efficiency(out["sweep"], "local"),
        "dask_parallel_efficiency": _efficiency(out["sweep"], "dask"),
        "overhead_share": out["overhead"]["overhead_share"],
    }
    summary = {}
    for name, value in values.items():
        row: dict[str, Any] = {"value": value}
        if name in TARGETS and value is not None:
            op, threshold, what = TARGETS[name]
            row.update(
                target=f"{op} {threshold:g}",
                what=what,
                met=bool(value >= threshold if op == ">=" else value <= threshold),
            )
        summary[name] = row
    return summary


def _nearest(by_size: dict[int, dict], config: BenchConfig) -> list[int]:
    return [min(by_size, key=lambda n, s=s: abs(n - s)) for s in config.scaling_sizes]


def plot_scaling(out: dict[str, Any], path: str | Path) -> Path:
    """Log-log plot of run time and throughput against firms (docs/img/performance_*)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = out["throughput"]
    firms = np.array([r["firms"] for r in rows], dtype=float)
    step_ms = np.array([r["step_ms"] for r in rows])
    rate = np.array([r["firm_steps_per_s"] for r in rows])
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.loglog(firms, step_ms, "o-", label="full model")
    linear = step_ms[-1] * firms / firms[-1]
    left.loglog(firms, linear, "--", color="grey", label="linear (exponent 1)")
    o = out["overhead"]
    left.loglog([o["firms"]], [o["kernel_step_ms"]], "s", label="bare kernel")
    left.set_xlabel("initial firms")
    left.set_ylabel("ms per simulated year")
    left.legend()
    right.semilogx(firms, rate / 1e6, "o-", label="sezsim (merge policy)")
    boltz = out["boltzmann"]["agent_steps_per_s"] / 1e6
    right.axhline(boltz, color="C3", ls=":", label="Mesa BoltzmannWealth, 10,000 agents")
    right.axhline(2.0, color="grey", ls="--", label="target at 10^5 firms")
    right.axhline(20 * boltz, color="C3", ls="--", label="target: 20x BoltzmannWealth")
    right.set_xlabel("initial firms")
    right.set_ylabel("million firm-steps per second")
    right.set_ylim(0, max(20 * boltz, rate.max() / 1e6) * 1.5)  # room for the legend
    right.legend(loc="upper left")
    m = out["machine"]
    fig.suptitle(f"sezsim bench: {m['cpu']}, {m['cores']} cores, load {m['load_average'][0]:.1f}")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def tables(out: dict[str, Any]) -> list:
    """Rich tables of a suite's results: measurements, then targets."""
    from rich.table import Table

    quick = " (--quick: sizes shrunk, not a measurement)" if out["quick"] else ""
    m = out["machine"]
    t = Table(
        title=f"sezsim bench{quick}",
        caption=f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, Mesa {m['mesa']}, "
        f"load {m['load_average'][0]:.2f} before / {m['load_average_after'][0]:.2f} after",
        header_style="bold",
    )
    for col in ("measurement", "size", "value", "detail"):
        t.add_column(col, justify="left" if col in ("measurement", "detail") else "right")
    for r in out["throughput"]:
        t.add_row(
            "throughput",
            f"{r['firms']:,} firms",
            f"{r['firm_steps_per_s']:,.0f} firm-steps/s",
            f"{r['step_ms']:.1f} ms/step, run {r['run_s']:.2f} s ({r['years']} years), "
            f"setup {r['setup_s']:.2f} s",
        )
    b = out["boltzmann"]
    t.add_row(
        "Mesa BoltzmannWealth",
        f"{b['agents']:,} agents",
        f"{b['agent_steps_per_s']:,.0f} agent-steps/s",
        f"{b['step_ms']:.1f} ms/step on a {b['grid']} grid",
    )
    o = out["overhead"]
    parts = ", ".join(f"{k} {1e3 * v:,.0f} ms" for k, v in o["overhead_parts_s"].items())
    t.add_row(
        "overhead (profile)",
        f"{o['firms']:,} firms",
        f"{100 * o['overhead_share']:.1f}% of a run",
        parts,
    )
    t.add_row(
        "model / bare kernel",
        f"{o['firms']:,} firms",
        f"{o['model_over_kernel']:.2f}x",
        f"{o['model_step_ms']:.1f} vs {o['kernel_step_ms']:.1f} ms/step "
        f"(kernel reproduces the model: {o['kernel_matches_model']})",
    )
    for r in out["memory"]:
        t.add_row(
            "peak memory",
            f"{r['firms']:,} firms",
            f"{r['bytes_per_firm']:,.0f} B/firm",
            f"{r['peak_bytes'] / 2**20:,.0f} MiB; {r['bytes_per_live_firm_at_peak']:,.0f} B "
            f"per live firm at the peak ({r['peak_live_firms']:,})",
        )
    s = out["single_run"]
    t.add_row("one default run", "Kazakhstan", f"{s['seconds']:.3f} s", "build + 2005-2045")
    d = out["decompose"]
    t.add_row(
        "sezsim decompose",
        f"{d['replications']} x 16 arms",
        f"{d['seconds']:.0f} s",
        f"{d['runs']} runs to {d['until']}, {d['workers']} workers, {d['failed']} failed",
    )
    c = out["compile"]
    for label, key in (("empty Numba cache", "cold"), ("warm Numba cache", "warm")):
        t.add_row(
            "fresh process",
            label,
            f"{c[f'{key}_import_s'] + c[f'{key}_first_year_s']:.2f} s",
            f"import {c[f'{key}_import_s']:.2f} s + build and first year "
            f"{c[f'{key}_first_year_s']:.2f} s (median of {c['repeats']})",
        )
    for r in out["sweep"]:
        t.add_row(
            f"sweep ({r['backend']})",
            f"{r['workers']} worker(s)",
            f"{r['runs_per_min']:,.0f} runs/min",
            f"{r['runs']} runs, {r['failed']} failed, start-up {r['startup_s']:.1f} s",
        )
    g = Table(title="Performance targets (issues 5 and 14)", header_style="bold")
    for col in ("target", "measured", "goal", "met"):
        g.add_column(col, justify="left" if col == "target" else "right")
    for name, row in out["summary"].items():
        value = row["value"]
        shown = "-" if value is None else f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
        met = row.get("met")
        mark = "-" if met is None else "[green]yes[/]" if met else "[red]no[/]"
        g.add_row(row.get("what", name.replace("_", " ")), shown, row.get("target", ""), mark)
    return [t, g]
