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

import hashlib
import json
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
    "ABCSettings",
    "CalibrationResult",
    "CalibrationResumeError",
    "CalibrationSpec",
    "FreeParameter",
    "IdentificationResult",
    "Prior",
    "Target",
    "calibrate",
    "fit_table",
    "identify",
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
    held_out: bool = Field(
        False, description="predicted, not fitted: an independent check of the fit"
    )
    kind: Literal["observation", "forecast"] = Field(
        description="observation: a reported figure; forecast: a plan or projection"
    )
    source: str = Field("", description="where the figure comes from (file, row, document)")

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


class Prior(_Strict):
    """A uniform prior of a parameter the reference table samples beyond the free ones.

    For parameters that drive the synergy of merging but that the targets may not
    identify: their range comes from the literature (``source``), and the posterior
    then carries that uncertainty into ``sezsim compare --posterior``.
    """

    name: str
    low: float
    high: float
    source: str = ""

    @model_validator(mode="after")
    def _bounds(self) -> Prior:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class ABCSettings(_Strict):
    """Approximate Bayesian computation (``sezsim posterior``; sim/posterior.py)."""

    samples: int = Field(2000, ge=10, le=1_000_000, description="reference table points")
    replications: int = Field(1, ge=1, le=100, description="runs per point (own seeds)")
    accept: float = Field(0.1, gt=0.0, le=1.0, description="share of points accepted")
    seed: int = Field(0, ge=0, description="seed of the Latin hypercube and the runs")
    priors: list[Prior] = Field(
        default_factory=list, description="parameters sampled besides the free ones"
    )
    store: str | None = Field(None, description="reference table store (a results store)")
    output: str | None = Field(None, description="posterior file to write (.yaml)")


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
    abc: ABCSettings = Field(default_factory=ABCSettings)

    @model_validator(mode="after")
    def _consistent(self) -> CalibrationSpec:
        if self.policy not in POLICIES:
            raise ValueError(f"policy: unknown {self.policy!r}; allowed: {', '.join(POLICIES)}")
        if not any(t.fitted for t in self.targets):
            raise ValueError("targets: at least one target must be fitted (not held_out)")
        names = [p.name for p in self.free]
        if len(set(names)) != len(names):
            raise ValueError("free: a parameter is listed twice")
        twice = sorted(set(names) & {p.name for p in self.abc.priors})
        if twice:
            raise ValueError(f"abc.priors: already free: {', '.join(twice)}")
        return self

    def prior_ranges(self) -> dict[str, tuple[float, float]]:
        """Every parameter of the reference table with its uniform prior's bounds."""
        ranges = {p.name: (p.low, p.high) for p in self.free}
        ranges.update({p.name: (p.low, p.high) for p in self.abc.priors})
        return ranges

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
    checks = [(f"free[{i}].name", p.name, p.start or p.low) for i, p in enumerate(spec.free)]
    for i, q in enumerate(spec.abc.priors):
        checks += [(f"abc.priors[{i}].name", q.name, v) for v in (q.low, q.high)]
    for where, name, value in checks:
        try:
            validate_scenario(apply_overrides(raw, {name: value}, str(path)))
        except ScenarioError as e:
            problems += [(where, f"{name}: {msg}") for _, msg in e.problems]
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
    """Outcome of a calibration.

    ``best_objective`` is J on the fitting seeds (in sample), ``fresh_objective`` J at
    the same estimate on ``check_replications`` fresh seeds: the honest number. The
    table gives every target's error on both.
    """

    spec: CalibrationSpec
    start: dict[str, float]
    best: dict[str, float]
    start_objective: float
    best_objective: float
    evaluations: int
    history: pd.DataFrame
    table: pd.DataFrame = field(repr=False)
    fresh_objective: float = float("nan")

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


def fitting_seeds(spec: CalibrationSpec) -> list[int]:
    """Seeds of every objective evaluation (common random numbers)."""
    return [spec.seed + k for k in range(spec.replications)]


def fresh_seeds(spec: CalibrationSpec, offset: int = 10_000) -> list[int]:
    """Seeds never used in the fit, for the out-of-sample check of the estimate."""
    return [spec.seed + offset + k for k in range(spec.check_replications)]


def calibrate(
    spec: CalibrationSpec,
    scenario: Path,
    workers: int | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    journal: Path | None = None,
    resume: bool = False,
) -> CalibrationResult:
    """Estimate the free parameters by SMM with Nelder-Mead; see the module docstring.

    With ``journal``, every evaluation's simulated targets are appended to that file as
    it finishes; with ``resume`` too, the evaluations already in it are read back instead
    of simulated again. Nelder-Mead is deterministic, so a calibration killed part way
    and resumed retraces its steps from the journal and ends exactly where an
    uninterrupted one would.
    """
    workers = workers or os.cpu_count() or 1
    evaluator: _Evaluator | _Journal = _Evaluator(
        spec, scenario, min(workers, max(spec.replications, 2))
    )
    if journal is not None:
        evaluator = _Journal(evaluator, journal, _journal_key(spec, scenario), resume)
    try:
        return _calibrate(spec, evaluator, progress)
    finally:
        evaluator.close()


class CalibrationResumeError(ValueError):
    """A journal that belongs to another calibration (file, scenario or code)."""


def _journal_key(spec: CalibrationSpec, scenario: Path) -> str:
    """What a journal's evaluations depend on: the calibration, the scenario, the code."""
    from sim.experiments.runs import code_version

    digest = hashlib.sha256()
    digest.update(json.dumps(spec.model_dump(mode="json"), sort_keys=True).encode())
    digest.update(Path(scenario).read_bytes())
    digest.update(code_version().encode())
    return digest.hexdigest()


class _Journal:
    """An evaluator that records every evaluation in a file, and replays it on resume.

    One JSON line per evaluation: the parameter point, the seeds and the (replications,
    targets) values, floats written exactly (``repr`` round-trips). A line cut short by a kill is
    ignored; its evaluation is simulated again.
    """

    def __init__(self, inner: _Evaluator, path: Path, key: str, resume: bool) -> None:
        self.inner, self.path = inner, Path(path)
        self.known: dict[tuple, np.ndarray] = {}
        if resume and self.path.exists():
            lines = self.path.read_text().splitlines()
            head = json.loads(lines[0]) if lines else {}
            if head.get("key") != key:
                raise CalibrationResumeError(
                    f"{self.path}: its evaluations are of another calibration (a different "
                    "calibration file, scenario or code); run without --resume to start over"
                )
            for line in lines[1:]:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue  # the last line, cut short by a kill
                key = (tuple(row["params"]), tuple(row["seeds"]))
                self.known[key] = np.array(row["values"], dtype=float)
            self.file = self.path.open("a")
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.file = self.path.open("w")
            self.file.write(json.dumps({"key": key}) + "\n")
            self.file.flush()

    def simulate(self, params: dict[str, float], seeds: list[int]) -> np.ndarray:
        point = (tuple(params.values()), tuple(seeds))
        if point in self.known:
            return self.known[point]
        values = self.inner.simulate(params, seeds)
        row = {"params": list(point[0]), "seeds": list(seeds), "values": values.tolist()}
        self.file.write(json.dumps(row) + "\n")
        self.file.flush()
        return values

    def close(self) -> None:
        self.file.close()
        self.inner.close()


def _calibrate(
    spec: CalibrationSpec,
    evaluator: _Evaluator | _Journal,
    progress: Callable[[int, int, float], None] | None = None,
) -> CalibrationResult:
    from scipy.optimize import minimize

    free = spec.free
    seeds = fitting_seeds(spec)
    history: list[dict[str, Any]] = []
    means: list[np.ndarray] = []  # per evaluation: every target's mean on the fitting seeds

    def params_of(u: np.ndarray) -> dict[str, float]:
        return {p.name: p.from_unit(x) for p, x in zip(free, u, strict=True)}

    def j_of(u: np.ndarray) -> float:
        params = params_of(u)
        # A failed run is a row of NaN: its mean is NaN and the objective infinite.
        m = evaluator.simulate(params, seeds).mean(axis=0)
        value = objective(m, spec.targets)
        history.append({"evaluation": len(history) + 1, "objective": value, **params})
        means.append(m)
        if progress:
            best = min(h["objective"] for h in history)
            progress(len(history), spec.budget, best)
        return value

    start_u = np.array(
        [p.to_unit(p.start if p.start is not None else (p.low + p.high) / 2) for p in free]
    )
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
    best_at = int(hist["objective"].idxmin())
    best_row = hist.loc[best_at]
    best = {p.name: float(best_row[p.name]) for p in free}
    sims = evaluator.simulate(best, fresh_seeds(spec))
    table = fit_table(spec.targets, means[best_at], sims)
    return CalibrationResult(
        spec=spec,
        start={p.name: p.from_unit(x) for p, x in zip(free, start_u, strict=True)},
        best=best,
        start_objective=j_start,
        best_objective=float(best_row["objective"]),
        evaluations=len(history),
        history=hist,
        table=table,
        fresh_objective=objective(np.nanmean(sims, axis=0), spec.targets),
    )


def fit_table(targets: list[Target], in_sample: np.ndarray, fresh: np.ndarray) -> pd.DataFrame:
    """Every target's value and error on the fitting seeds and on fresh seeds.

    Args:
        targets: the calibration's targets.
        in_sample: (targets,) mean on the fitting seeds at the estimate.
        fresh: (fresh seeds, targets) values at the estimate on fresh seeds.

    Returns:
        One row per target: ``fit_simulated``/``fit_error`` (in sample), ``simulated``,
        ``sd`` (across fresh seeds) and ``relative_error`` (fresh), ``role`` (fitted,
        held out, or reported: weight 0).
    """
    observed = np.array([t.value for t in targets])
    table = pd.DataFrame(
        {
            "target": [t.label for t in targets],
            "kind": [t.kind for t in targets],
            "indicator": [t.indicator for t in targets],
            "scope": [t.scope + (f":{t.id}" if t.id else "") for t in targets],
            "year": [t.year for t in targets],
            "observed": observed,
            "fit_simulated": in_sample,
            "fit_error": in_sample / observed - 1.0,
            "simulated": np.nanmean(fresh, axis=0),
            "sd": np.nanstd(fresh, axis=0, ddof=1) if len(fresh) > 1 else 0.0,
            "held_out": [t.held_out for t in targets],
            "role": [
                "held out" if t.held_out else ("fitted" if t.fitted else "reported")
                for t in targets
            ],
            "source": [t.source for t in targets],
        }
    )
    table["relative_error"] = table["simulated"] / table["observed"] - 1.0
    return table


@dataclass
class IdentificationResult:
    """Whether the targets pin the free parameters down (:func:`identify`).

    ``table`` has one row per free parameter: ``truth`` (the value the pseudo-data were
    simulated at), ``estimate``, ``error_unit`` (|estimate - truth| as a share of the
    parameter's range), ``curvature`` (mean rise of J when the estimate moves by
    ``step`` of the range either way), ``identified`` (curvature at least
    ``min_curvature``) and ``recovered`` (error_unit at most ``tolerance``).
    """

    fit: CalibrationResult
    truth: dict[str, float]
    table: pd.DataFrame

    def unidentified(self) -> list[str]:
        """Parameters the targets cannot identify (a flat objective around the estimate)."""
        return self.table.loc[~self.table["identified"], "parameter"].tolist()


def default_truth(spec: CalibrationSpec) -> dict[str, float]:
    """A known parameter point away from the fit's start: 30% or 70% of each range."""
    truth = {}
    for p in spec.free:
        u = p.to_unit(p.start if p.start is not None else (p.low + p.high) / 2)
        truth[p.name] = p.from_unit(0.3 if u >= 0.5 else 0.7)
    return truth


def identify(
    spec: CalibrationSpec,
    scenario: Path,
    truth: dict[str, float] | None = None,
    workers: int | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    tolerance: float = 0.1,
    step: float = 0.1,
    min_curvature: float = 0.01,
) -> IdentificationResult:
    """Identification check: simulate pseudo-data at known parameters, fit, compare.

    The targets' values are replaced by the mean of ``check_replications`` runs at
    ``truth`` on seeds the fit never uses; the calibration then starts from the file's
    start values and fits them with its own seeds and budget. A parameter is
    *identified* when J rises by at least ``min_curvature`` (about a 10% error on one
    target) on moving the estimate by ``step`` of its range either way, and
    *recovered* when the estimate lies within ``tolerance`` of its range from the truth.
    Targets whose pseudo-value is not positive are reported, not fitted.
    """
    truth = truth or default_truth(spec)
    unknown = set(truth) - {p.name for p in spec.free}
    if unknown:
        raise ValueError(f"truth: not free parameters: {', '.join(sorted(unknown))}")
    workers = workers or os.cpu_count() or 1
    evaluator = _Evaluator(spec, scenario, min(workers, max(spec.replications, 2)))
    try:
        pseudo = np.nanmean(evaluator.simulate(truth, fresh_seeds(spec, 20_000)), axis=0)
        targets = [
            t.model_copy(update={"value": float(v)})
            if np.isfinite(v) and v > 0
            else t.model_copy(update={"weight": 0.0})
            for t, v in zip(spec.targets, pseudo, strict=True)
        ]
        if not any(t.fitted for t in targets):
            raise ValueError("no target is positive at the truth: nothing to fit")
        pseudo_spec = spec.model_copy(update={"targets": targets})
        evaluator.spec = pseudo_spec
        fit = _calibrate(pseudo_spec, evaluator, progress)
        seeds = fitting_seeds(spec)
        rows = []
        for p in spec.free:
            u = p.to_unit(fit.best[p.name])
            rises = []
            for v in (u - step, u + step):
                if 0.0 <= v <= 1.0:
                    point = {**fit.best, p.name: p.from_unit(v)}
                    m = evaluator.simulate(point, seeds).mean(axis=0)
                    rises.append(objective(m, targets) - fit.best_objective)
            curvature = float(np.mean(rises))
            error = abs(u - p.to_unit(truth[p.name]))
            rows.append(
                {
                    "parameter": p.name,
                    "truth": truth[p.name],
                    "start": fit.start[p.name],
                    "estimate": fit.best[p.name],
                    "error_unit": error,
                    "curvature": curvature,
                    "identified": curvature >= min_curvature,
                    "recovered": error <= tolerance,
                }
            )
    finally:
        evaluator.close()
    return IdentificationResult(fit=fit, truth=truth, table=pd.DataFrame(rows))


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
        "objective_fresh_seeds": round(result.fresh_objective, 6),
        "fresh_seeds": result.spec.check_replications,
        "parameters": {k: float(f"{v:.6g}") for k, v in result.best.items()},
        "targets": [
            {
                "target": row.target,
                "kind": row.kind,
                "year": int(row.year),
                "observed": float(row.observed),
                "error_fitting_seeds": round(float(row.fit_error), 4),
                "simulated": float(f"{row.simulated:.6g}"),
                "sd_across_seeds": float(f"{row.sd:.6g}"),
                "relative_error": round(float(row.relative_error), 4),
                "held_out": bool(row.held_out),
                "role": row.role,
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
