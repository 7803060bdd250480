"""Calibration by the simulated method of moments (docs/validation.md, "Calibration").

A calibration file (``experiments/calibrate_*.yaml``) names a scenario, the free
parameters with their bounds, and the targets: an indicator at a scope, a year and
an observed value with its source. The objective is the weighted sum of squared log
ratios between the mean simulated value (over ``replications`` runs with common
random numbers: the same seeds at every evaluation) and the target:

    J(theta) = sum_j w_j * log(mean_sim_j(theta) / target_j)**2

minimised by Nelder-Mead (derivative-free; scipy) within the bounds, on parameters
rescaled to [0, 1], with a fixed budget of evaluations. Targets marked ``held_out``
are not in J; they are predicted by the fitted model as an out-of-sample check. The
fit is then re-simulated with ``check_replications`` fresh seeds to report each
target's mean, spread across seeds and relative error.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.experiments.backends import LocalBackend
from sim.experiments.runs import RunTask
from sim.indicators import INDICATORS
from sim.policy import POLICIES
from sim.scenario import (
    ScenarioError,
    apply_overrides,
    format_validation_error,
    read_yaml,
    validate_scenario,
)

__all__ = [
    "CalibrationResult",
    "CalibrationSpec",
    "FreeParameter",
    "Target",
    "calibrate",
    "load_calibration",
    "write_calibrated_scenario",
]

SCOPES = ("national", "region", "sez", "cluster")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FreeParameter(_Strict):
    """A parameter the calibration estimates: a model parameter or a dotted scenario path."""

    name: str
    low: float
    high: float
    start: float | None = Field(None, description="starting value; default: the midpoint")

    @model_validator(mode="after")
    def _bounds(self) -> FreeParameter:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.start is not None and not self.low <= self.start <= self.high:
            raise ValueError(f"start ({self.start}) must lie in [{self.low}, {self.high}]")
        return self

    def to_unit(self, value: float) -> float:
        """Map a value in [low, high] to [0, 1]."""
        return (value - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> float:
        """Map u in [0, 1] (clipped) back to [low, high]."""
        return self.low + float(np.clip(u, 0.0, 1.0)) * (self.high - self.low)


class Target(_Strict):
    """An observed figure the model should reproduce."""

    label: str
    indicator: str
    scope: Literal["national", "region", "sez", "cluster"]
    id: str | None = Field(None, description="scope item (region/SEZ/cluster id); none: sum")
    year: int
    value: float = Field(gt=0.0)
    weight: float = Field(1.0, ge=0.0)
    held_out: bool = False
    source: str = ""

    @property
    def fitted(self) -> bool:
        """Whether the target enters the objective (not held out, positive weight)."""
        return not self.held_out and self.weight > 0

    @model_validator(mode="after")
    def _known_indicator(self) -> Target:
        if self.indicator not in INDICATORS.names:
            raise ValueError(
                f"unknown indicator {self.indicator!r}; allowed: {', '.join(INDICATORS.names)}"
            )
        return self


class CalibrationSpec(_Strict):
    """A calibration file."""

    name: str
    description: str = ""
    scenario: str
    policy: str = "no_merge"
    replications: int = Field(4, ge=1, le=1000)
    seed: int = Field(1, ge=0)
    budget: int = Field(120, ge=1, le=100_000, description="objective evaluations")
    method: Literal["nelder-mead"] = "nelder-mead"
    check_replications: int = Field(10, ge=1, le=10_000)
    output: str | None = Field(None, description="calibrated scenario to write")
    free: list[FreeParameter] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> CalibrationSpec:
        if self.policy not in POLICIES:
            raise ValueError(f"policy: unknown {self.policy!r}; allowed: {', '.join(POLICIES)}")
        if not any(t.fitted for t in self.targets):
            raise ValueError("targets: at least one target must be fitted (not held_out)")
        names = [p.name for p in self.free]
        if len(set(names)) != len(names):
            raise ValueError("free: a parameter is listed twice")
        return self

    def fitted(self) -> list[Target]:
        """Targets that enter the objective."""
        return [t for t in self.targets if t.fitted]


def load_calibration(path: str | Path) -> tuple[CalibrationSpec, Path, dict]:
    """Read and validate a calibration file; return it, its scenario path and scenario data.

    Raises:
        ScenarioError: naming the file and field for anything wrong, including free
            parameters the scenario does not have and targets outside it.
    """
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(str(path), [("(top level)", "expected a mapping of fields")])
    try:
        spec = CalibrationSpec.model_validate(data)
    except ValidationError as err:
        problems = format_validation_error(err, data, root=CalibrationSpec)
        raise ScenarioError(str(path), problems) from None
    scenario = (Path(path).resolve().parent / spec.scenario).resolve()
    if not scenario.is_file():
        raise ScenarioError(str(path), [("scenario", f"no such scenario file: {scenario}")])
    raw = read_yaml(scenario)
    problems: list[tuple[str, str]] = []
    for i, p in enumerate(spec.free):
        try:
            validate_scenario(apply_overrides(raw, {p.name: p.start or p.low}, str(path)))
        except ScenarioError as e:
            problems += [(f"free[{i}].name", f"{p.name}: {msg}") for _, msg in e.problems]
    base = validate_scenario(raw, file=str(scenario))
    ids = {
        "region": {r.id for r in base.regions},
        "sez": {z.id for z in base.sezs},
        "cluster": {c.id for c in base.clusters},
        "national": {"national"},
    }
    for i, t in enumerate(spec.targets):
        if t.id is not None and t.id not in ids[t.scope]:
            allowed = ", ".join(sorted(ids[t.scope]))
            problems.append((f"targets[{i}].id", f"unknown {t.scope} {t.id!r}; allowed: {allowed}"))
        if not base.start_year <= t.year <= base.end_year:
            problems.append(
                (f"targets[{i}].year", f"{t.year} outside {base.start_year}-{base.end_year}")
            )
    if problems:
        raise ScenarioError(str(path), problems)
    return spec, scenario, raw


@dataclass
class CalibrationResult:
    """Outcome of a calibration."""

    spec: CalibrationSpec
    start: dict[str, float]
    best: dict[str, float]
    start_objective: float
    best_objective: float
    evaluations: int
    history: pd.DataFrame
    table: pd.DataFrame = field(repr=False)

    def held_out(self) -> pd.DataFrame:
        """Rows of the fit table for the held-out targets."""
        return self.table[self.table["held_out"]]


def _target_values(frame: pd.DataFrame, targets: list[Target]) -> np.ndarray:
    out = np.empty(len(targets))
    for j, t in enumerate(targets):
        rows = frame[(frame["scope"] == t.scope) & (frame["year"] == t.year)]
        if t.id is not None:
            rows = rows[rows["name"] == t.id]
        out[j] = float(rows[t.indicator].sum())
    return out


class _Evaluator:
    """Runs replications of one parameter point, in this process or on a pool."""

    def __init__(self, spec: CalibrationSpec, scenario: Path, workers: int) -> None:
        self.spec, self.scenario = spec, scenario
        self.until = max(t.year for t in spec.targets)
        self.indicators = tuple(sorted({t.indicator for t in spec.targets}))
        self.scopes = tuple(sorted({t.scope for t in spec.targets}))
        self.backend = LocalBackend(max(1, workers))  # one pool for every evaluation

    def close(self) -> None:
        self.backend.close()

    def simulate(self, params: dict[str, float], seeds: list[int]) -> np.ndarray:
        """(replications, targets) simulated values at a parameter point."""
        tasks = [
            RunTask(
                run_id=f"cal-{k}",
                point=0,
                policy=self.spec.policy,
                replication=k,
                seed=seed,
                scenario=str(self.scenario),
                overrides=dict(params),
                params={},
                until=self.until,
                indicators=self.indicators,
                scopes=self.scopes,
            )
            for k, seed in enumerate(seeds)
        ]
        results = self.backend.results_in_order(tasks)
        rows = []
        for r in results:
            if r.status != "ok":
                rows.append(np.full(len(self.spec.targets), np.nan))
            else:
                rows.append(_target_values(r.frame, self.spec.targets))
        return np.array(rows)


def objective(sim_means: np.ndarray, targets: list[Target]) -> float:
    """Weighted sum of squared log ratios over the fitted targets (inf if a run failed)."""
    total = 0.0
    for t, value in zip(targets, sim_means, strict=True):
        if not t.fitted:
            continue
        if not np.isfinite(value):
            return float("inf")
        ratio = max(value, 1e-9 * t.value) / t.value
        total += t.weight * float(np.log(ratio)) ** 2
    return total


def calibrate(
    spec: CalibrationSpec,
    scenario: Path,
    workers: int | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> CalibrationResult:
    """Estimate the free parameters by SMM with Nelder-Mead; see the module docstring."""
    from scipy.optimize import minimize

    workers = workers or os.cpu_count() or 1
    free = spec.free
    seeds = [spec.seed + k for k in range(spec.replications)]
    history: list[dict[str, Any]] = []
    evaluator = _Evaluator(spec, scenario, min(workers, spec.replications))

    def params_of(u: np.ndarray) -> dict[str, float]:
        return {p.name: p.from_unit(x) for p, x in zip(free, u, strict=True)}

    def j_of(u: np.ndarray) -> float:
        params = params_of(u)
        # A failed run is a row of NaN: its mean is NaN and the objective infinite.
        value = objective(evaluator.simulate(params, seeds).mean(axis=0), spec.targets)
        history.append({"evaluation": len(history) + 1, "objective": value, **params})
        if progress:
            best = min(h["objective"] for h in history)
            progress(len(history), spec.budget, best)
        return value

    start_u = np.array(
        [p.to_unit(p.start if p.start is not None else (p.low + p.high) / 2) for p in free]
    )
    try:
        j_start = j_of(start_u)
        if spec.budget > 1:
            # Initial simplex: a step of a fifth of each range, toward the far bound.
            simplex = [start_u]
            for i in range(len(free)):
                v = start_u.copy()
                v[i] = v[i] + 0.2 if v[i] <= 0.8 else v[i] - 0.2
                simplex.append(v)
            minimize(
                j_of,
                start_u,
                method="Nelder-Mead",
                bounds=[(0.0, 1.0)] * len(free),
                options={
                    "maxfev": spec.budget - 1,
                    "initial_simplex": np.array(simplex),
                    "xatol": 1e-3,
                    "fatol": 1e-6,
                },
            )
        hist = pd.DataFrame(history)
        best_row = hist.loc[hist["objective"].idxmin()]
        best = {p.name: float(best_row[p.name]) for p in free}
        check_seeds = [spec.seed + 10_000 + k for k in range(spec.check_replications)]
        sims = evaluator.simulate(best, check_seeds)
    finally:
        evaluator.close()
    table = pd.DataFrame(
        {
            "target": [t.label for t in spec.targets],
            "indicator": [t.indicator for t in spec.targets],
            "scope": [t.scope + (f":{t.id}" if t.id else "") for t in spec.targets],
            "year": [t.year for t in spec.targets],
            "observed": [t.value for t in spec.targets],
            "simulated": np.nanmean(sims, axis=0),
            "sd": np.nanstd(sims, axis=0, ddof=1) if len(check_seeds) > 1 else 0.0,
            "held_out": [t.held_out for t in spec.targets],
            "source": [t.source for t in spec.targets],
        }
    )
    table["relative_error"] = table["simulated"] / table["observed"] - 1.0
    return CalibrationResult(
        spec=spec,
        start={p.name: p.from_unit(x) for p, x in zip(free, start_u, strict=True)},
        best=best,
        start_objective=j_start,
        best_objective=float(best_row["objective"]),
        evaluations=len(history),
        history=hist,
        table=table,
    )


def write_calibrated_scenario(
    result: CalibrationResult, raw: dict, path: Path, calibration_file: str
) -> None:
    """Write the scenario with the fitted values and a record of targets and errors."""
    data = apply_overrides(raw, result.best, str(path))
    data["name"] = f"{raw.get('name', 'scenario')} (calibrated)"
    data["calibration"] = {
        "file": calibration_file,
        "method": "simulated method of moments; Nelder-Mead on log-ratio loss",
        "policy": result.spec.policy,
        "replications": result.spec.replications,
        "evaluations": result.evaluations,
        "objective_start": round(result.start_objective, 6),
        "objective_best": round(result.best_objective, 6),
        "parameters": {k: float(f"{v:.6g}") for k, v in result.best.items()},
        "targets": [
            {
                "target": row.target,
                "year": int(row.year),
                "observed": float(row.observed),
                "simulated": float(f"{row.simulated:.6g}"),
                "sd_across_seeds": float(f"{row.sd:.6g}"),
                "relative_error": round(float(row.relative_error), 4),
                "held_out": bool(row.held_out),
            }
            for row in result.table.itertuples()
        ],
    }
    validate_scenario(data, file=str(path))
    header = (
        f"# Generated by `sezsim calibrate {calibration_file}`: the scenario with the fitted\n"
        "# parameters; `calibration` records the targets and the errors achieved.\n"
    )
    path.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


def plot_fit(result: CalibrationResult, path: Path) -> None:
    """Observed vs simulated (mean ± sd across seeds) per target, and the objective's descent."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result.table
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [2, 1]})
    y = np.arange(len(t))
    ratio = t["simulated"] / t["observed"]
    err = t["sd"] / t["observed"]
    colours = ["tab:orange" if h else "tab:blue" for h in t["held_out"]]
    ax.barh(y, ratio, xerr=err, color=colours, alpha=0.8)
    ax.axvline(1.0, color="black", lw=1)
    ax.set_yticks(
        y,
        [a if str(b) in a else f"{a} ({b})" for a, b in zip(t["target"], t["year"], strict=True)],
    )
    ax.set_xscale("log")
    ax.set_xlabel("simulated / observed (log scale; bar = mean, line = ±1 sd across seeds)")
    ax.set_title("Fit to the targets (orange: held out)")
    ax.invert_yaxis()
    h = result.history
    bx.plot(h["evaluation"], h["objective"].cummin(), color="tab:blue")
    bx.set_yscale("log")
    bx.set_xlabel("evaluation")
    bx.set_ylabel("best objective (sum of squared log ratios)")
    bx.set_title("Nelder-Mead progress")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
