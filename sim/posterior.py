"""Parameter uncertainty by approximate Bayesian computation (docs/validation.md, "Calibration").

``sezsim posterior FILE`` reads a calibration file (:mod:`sim.calibration`) and

1. runs a **reference table**: a Latin hypercube of ``abc.samples`` points over the
   uniform priors (the free parameters' bounds, plus ``abc.priors``: parameters that
   drive the synergy of merging, with ranges from the literature), each run with its own
   seed, as an experiment in the results store (resumable, checksummed, one seed gives
   bit-identical tables; :mod:`sim.experiments.store`);
2. keeps the ``abc.accept`` share of points whose fitted targets lie closest to the
   observed ones (Euclidean distance of ``log(1 + value)``, each target scaled by its
   median absolute deviation over the table) and corrects them by a local-linear
   regression (Beaumont, Zhang & Balding 2002): with Epanechnikov weights
   ``K_i = 1 - (d_i / delta)^2`` (``delta`` the largest accepted distance), the
   parameters, on a logit scale of their prior range so that they stay inside it, are
   regressed on ``s_i - s_obs`` and adjusted to ``theta_i - (s_i - s_obs) beta``;
3. writes the weighted sample: ``<output>.yaml`` (metadata, summary) and ``<output>.csv``
   (one row per accepted point), and a pairs plot.

``sezsim compare --posterior FILE`` draws parameter sets from it
(:func:`replication_draws`) so that the synergy's interval includes parameter
uncertainty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.calibration import CalibrationSpec, Target
from sim.experiments.spec import Design, Experiment, ParameterRange
from sim.scenario import ScenarioError, apply_overrides, read_yaml, validate_scenario

__all__ = [
    "Posterior",
    "abc_regression",
    "check_against_scenario",
    "estimate_posterior",
    "load_posterior",
    "plot_pairs",
    "reference_experiment",
    "reference_statistics",
    "replication_draws",
    "write_posterior",
]

_EPS = 1e-6  # keeps the logit of a parameter at its prior's bound finite


def reference_experiment(spec: CalibrationSpec, scenario: Path) -> Experiment:
    """The reference table as an experiment: a Latin hypercube over the priors.

    Every run has its own seed (``seeds: per_point``): the table then carries the
    seed noise that the posterior must average over.
    """
    ranges = spec.prior_ranges()
    return Experiment(
        name=f"{spec.name}-reference",
        description=f"ABC reference table of {spec.name}",
        scenario=str(scenario),
        policies=[spec.policy],
        replications=spec.abc.replications,
        seed=spec.abc.seed,
        seeds="per_point",
        until=max(t.year for t in spec.targets),
        design=Design(
            type="latin_hypercube",
            parameters={n: ParameterRange(low=lo, high=hi) for n, (lo, hi) in ranges.items()},
            samples=spec.abc.samples,
            seed=spec.abc.seed,
        ),
        indicators=sorted({t.indicator for t in spec.targets}),
        scopes=sorted({t.scope for t in spec.targets}),
    )


def reference_statistics(results: pd.DataFrame, targets: list[Target], points: int) -> np.ndarray:
    """(points, targets) mean value of each target over a point's replications.

    Points whose runs all failed are rows of NaN.
    """
    out = np.full((points, len(targets)), np.nan)
    if results.empty:
        return out
    years = {t.year for t in targets}
    rows = results[results["year"].isin(years)]
    for j, t in enumerate(targets):
        sel = rows[(rows["scope"] == t.scope) & (rows["year"] == t.year)]
        if t.id is not None:
            sel = sel[sel["name"] == t.id]
        per_run = sel.groupby(["point", "run_id"])[t.indicator].sum()
        per_point = per_run.groupby(level="point").mean()
        out[per_point.index.to_numpy(dtype=int), j] = per_point.to_numpy()
    return out


def _logit(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, _EPS, 1.0 - _EPS)
    return np.log(u / (1.0 - u))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def abc_regression(
    theta_unit: np.ndarray,
    stats: np.ndarray,
    observed: np.ndarray,
    accept: float,
    weights: np.ndarray | None = None,
    adjust: bool = True,
) -> dict[str, np.ndarray]:
    """Rejection ABC with local-linear regression adjustment (Beaumont et al. 2002).

    Args:
        theta_unit: (points, parameters) parameters rescaled to [0, 1] by their prior.
        stats: (points, statistics) summary statistics of each point (finite rows only
            are used).
        observed: (statistics,) the observed statistics.
        accept: share of the (finite) points to accept, by distance.
        weights: (statistics,) weight of each statistic in the distance (default 1).
        adjust: apply the regression adjustment (False: plain rejection).

    Returns:
        ``index`` (accepted rows of the input), ``distance``, ``kernel`` (Epanechnikov
        weights, summing to 1), ``theta_unit`` (adjusted, in (0, 1)) and ``beta``
        (regression coefficients, statistics x parameters; zeros without adjustment).
    """
    weights = np.ones(stats.shape[1]) if weights is None else np.asarray(weights, float)
    finite = np.flatnonzero(np.isfinite(stats).all(axis=1))
    if finite.size < 2:
        raise ValueError("the reference table has fewer than two points with every statistic")
    s = stats[finite]
    scale = np.median(np.abs(s - np.median(s, axis=0)), axis=0)
    scale = np.where(scale > 0, scale, np.std(s, axis=0))
    scale = np.where(scale > 0, scale, 1.0)
    z = (s - observed) / scale * np.sqrt(weights)
    distance = np.sqrt((z**2).sum(axis=1))
    n_accept = max(2, round(accept * finite.size))
    order = np.argsort(distance, kind="stable")[:n_accept]
    d = distance[order]
    delta = d.max() if d.max() > 0 else 1.0
    kernel = np.clip(1.0 - (d / (delta * (1.0 + 1e-9))) ** 2, 0.0, None)
    if kernel.sum() <= 0:
        kernel = np.ones_like(d)
    kernel = kernel / kernel.sum()
    phi = _logit(theta_unit[finite][order])
    used = weights > 0
    x = (s[order] - observed)[:, used]
    beta = np.zeros((stats.shape[1], theta_unit.shape[1]))
    if adjust and n_accept > x.shape[1] + 1:
        design = np.column_stack([np.ones(n_accept), x])
        root = np.sqrt(kernel)[:, None]
        coef, *_ = np.linalg.lstsq(design * root, phi * root, rcond=None)
        beta[used] = coef[1:]
        phi = phi - x @ coef[1:]
    return {
        "index": finite[order],
        "distance": d,
        "kernel": kernel,
        "theta_unit": _expit(phi),
        "beta": beta,
    }


@dataclass
class Posterior:
    """A weighted sample of parameter sets, with its priors' bounds and provenance."""

    draws: pd.DataFrame  # one column per parameter
    weights: np.ndarray
    bounds: dict[str, tuple[float, float]]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """The parameters, in the file's order."""
        return list(self.bounds)

    def estimate(self) -> dict[str, float]:
        """The posterior mean of every parameter (the point estimate)."""
        return {
            n: float(np.average(self.draws[n].to_numpy(), weights=self.weights)) for n in self.names
        }

    def summary(self) -> pd.DataFrame:
        """Per parameter: prior range, posterior mean, sd, 5% and 95% quantiles, shrinkage.

        Shrinkage is 1 - posterior sd / prior sd (a uniform prior's sd is its range over
        sqrt 12): near 0, the targets say nothing about the parameter.
        """
        rows = []
        for n in self.names:
            lo, hi = self.bounds[n]
            x = self.draws[n].to_numpy()
            mean = float(np.average(x, weights=self.weights))
            sd = float(np.sqrt(np.average((x - mean) ** 2, weights=self.weights)))
            q05, q95 = _weighted_quantiles(x, self.weights, [0.05, 0.95])
            rows.append(
                {
                    "parameter": n,
                    "prior_low": lo,
                    "prior_high": hi,
                    "mean": mean,
                    "sd": sd,
                    "q05": q05,
                    "q95": q95,
                    "shrinkage": 1.0 - sd / ((hi - lo) / np.sqrt(12.0)),
                }
            )
        return pd.DataFrame(rows)


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: list[float]) -> list[float]:
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    cum = cum / cum[-1]
    return [float(x[order][min(np.searchsorted(cum, q), x.size - 1)]) for q in qs]


def estimate_posterior(
    spec: CalibrationSpec, results: pd.DataFrame, meta: dict[str, Any] | None = None
) -> tuple[Posterior, pd.DataFrame]:
    """The ABC posterior from a finished reference table, and its predictive check.

    Returns:
        The posterior, and per target: observed, role, the posterior predictive mean and
        90% interval (weighted accepted points, before adjustment) and its error.
    """
    from sim.experiments.design import sample_matrix

    exp = reference_experiment(spec, Path(meta.get("scenario", "")) if meta else Path())
    matrix = sample_matrix(exp.design)
    ranges = spec.prior_ranges()
    names = list(ranges)
    low = np.array([ranges[n][0] for n in names])
    high = np.array([ranges[n][1] for n in names])
    theta_unit = (matrix - low) / (high - low)
    stats = reference_statistics(results, spec.targets, matrix.shape[0])
    fitted = np.array([t.fitted for t in spec.targets])
    observed = np.log1p([t.value for t in spec.targets])
    weights = np.array([t.weight for t in spec.targets])
    found = abc_regression(
        theta_unit,
        np.log1p(np.clip(stats[:, fitted], 0.0, None)),
        observed[fitted],
        spec.abc.accept,
        weights[fitted],
    )
    draws = pd.DataFrame(low + found["theta_unit"] * (high - low), columns=names)
    posterior = Posterior(
        draws=draws,
        weights=found["kernel"],
        bounds={n: (float(ranges[n][0]), float(ranges[n][1])) for n in names},
        meta={
            **(meta or {}),
            "method": "rejection ABC with local-linear regression adjustment "
            "(Beaumont, Zhang & Balding 2002) on log(1 + target)",
            "reference_points": int(matrix.shape[0]),
            "usable_points": int(np.isfinite(stats[:, fitted]).all(axis=1).sum()),
            "accepted": int(found["index"].size),
            "tolerance": float(found["distance"].max()),
            "targets": [t.label for t in spec.targets if t.fitted],
        },
    )
    posterior.draws.insert(0, "point", found["index"])
    posterior.draws["distance"] = found["distance"]
    accepted = stats[found["index"]]
    rows = []
    for j, t in enumerate(spec.targets):
        x = accepted[:, j]
        ok = np.isfinite(x)
        w = found["kernel"][ok]
        mean = float(np.average(x[ok], weights=w)) if ok.any() else float("nan")
        q05, q95 = _weighted_quantiles(x[ok], w, [0.05, 0.95]) if ok.any() else (np.nan,) * 2
        rows.append(
            {
                "target": t.label,
                "kind": t.kind,
                "year": t.year,
                "role": "held out" if t.held_out else ("fitted" if t.fitted else "reported"),
                "observed": t.value,
                "predictive_mean": mean,
                "q05": q05,
                "q95": q95,
                "error": mean / t.value - 1.0,
            }
        )
    return posterior, pd.DataFrame(rows)


def write_posterior(posterior: Posterior, path: Path) -> Path:
    """Write ``path`` (YAML: metadata, bounds, summary) and its draws beside it (CSV)."""
    path = Path(path)
    csv = path.with_suffix(".csv")
    frame = posterior.draws.copy()
    frame["weight"] = posterior.weights
    frame.to_csv(csv, index=False, float_format="%.10g")
    summary = posterior.summary()
    data = {
        "posterior": {
            "draws": csv.name,
            "parameters": {n: {"low": lo, "high": hi} for n, (lo, hi) in posterior.bounds.items()},
            **{k: v for k, v in posterior.meta.items()},
            "summary": json.loads(summary.to_json(orient="records", double_precision=6)),
        }
    }
    header = "# Generated by `sezsim posterior`: an ABC posterior (sim/posterior.py).\n"
    path.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
    return path


def load_posterior(path: str | Path) -> Posterior:
    """Read a posterior file written by :func:`write_posterior`.

    Raises:
        ScenarioError: naming the file and the field for a missing or malformed file.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(str(path), [("(file)", "no such posterior file")])
    data = read_yaml(path)
    block = data.get("posterior") if isinstance(data, dict) else None
    if not isinstance(block, dict):
        raise ScenarioError(
            str(path), [("posterior", "missing: not a posterior file (sezsim posterior)")]
        )
    params = block.get("parameters")
    if not isinstance(params, dict) or not params:
        raise ScenarioError(str(path), [("posterior.parameters", "missing or empty")])
    bounds = {}
    for name, b in params.items():
        try:
            bounds[str(name)] = (float(b["low"]), float(b["high"]))
        except (TypeError, KeyError, ValueError):
            raise ScenarioError(
                str(path), [(f"posterior.parameters.{name}", "needs numeric low and high")]
            ) from None
    draws_name = block.get("draws")
    if not isinstance(draws_name, str):
        raise ScenarioError(str(path), [("posterior.draws", "missing: the CSV of draws")])
    csv = path.parent / draws_name
    try:
        frame = pd.read_csv(csv)
    except (OSError, ValueError) as err:
        raise ScenarioError(
            str(path), [("posterior.draws", f"cannot read {csv}: {type(err).__name__}")]
        ) from None
    missing = [c for c in [*bounds, "weight"] if c not in frame.columns]
    if missing:
        raise ScenarioError(
            str(path), [("posterior.draws", f"{csv.name} lacks columns: {', '.join(missing)}")]
        )
    values = frame[[*bounds, "weight"]].apply(pd.to_numeric, errors="coerce")
    weights = values["weight"].to_numpy(float)
    if (
        frame.empty
        or not np.isfinite(values.to_numpy(float)).all()
        or (weights < 0).any()
        or weights.sum() <= 0
    ):
        raise ScenarioError(
            str(path),
            [("posterior.draws", f"{csv.name}: needs rows of finite values, weights >= 0")],
        )
    meta = {k: v for k, v in block.items() if k not in ("parameters", "draws", "summary")}
    return Posterior(
        draws=values[list(bounds)], weights=weights / weights.sum(), bounds=bounds, meta=meta
    )


def check_against_scenario(posterior: Posterior, path: str | Path, scenario: str | Path) -> None:
    """Refuse a posterior whose parameters the scenario does not have (or refuses).

    Raises:
        ScenarioError: naming the posterior file and each parameter.
    """
    raw = read_yaml(scenario)
    problems = []
    for name, value in posterior.estimate().items():
        try:
            validate_scenario(apply_overrides(raw, {name: value}, str(path)), str(scenario))
        except ScenarioError as err:
            problems += [(f"posterior.parameters.{name}", msg) for _, msg in err.problems]
    if problems:
        raise ScenarioError(str(path), problems)


def replication_draws(posterior: Posterior, n: int, seed: int) -> list[dict[str, float]]:
    """``n`` parameter sets drawn with replacement by weight (seeded; replication order)."""
    rng = np.random.default_rng(seed)
    index = rng.choice(len(posterior.weights), size=n, replace=True, p=posterior.weights)
    rows = posterior.draws.to_numpy(float)[index]
    return [{k: float(v) for k, v in zip(posterior.names, row, strict=True)} for row in rows]


def plot_pairs(posterior: Posterior, path: Path, prior: np.ndarray | None = None) -> None:
    """Pairs plot of the posterior: weighted histograms on the diagonal, scatter below.

    ``prior`` (points, parameters), the reference table's points, is drawn in grey.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = posterior.names
    k = len(names)
    fig, axes = plt.subplots(k, k, figsize=(1.3 * k + 1, 1.3 * k + 1), squeeze=False)
    x = posterior.draws[names].to_numpy(float)
    w = posterior.weights
    size = 4 + 60 * w / w.max()
    for i in range(k):
        for j in range(k):
            ax = axes[i, j]
            lo_j, hi_j = posterior.bounds[names[j]]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(x[:, i], bins=20, range=(lo_j, hi_j), weights=w, color="tab:blue")
                ax.set_yticks([])
            else:
                if prior is not None:
                    ax.scatter(prior[:, j], prior[:, i], s=1, color="0.8")
                ax.scatter(x[:, j], x[:, i], s=size, color="tab:blue", alpha=0.5, lw=0)
                ax.set_ylim(*posterior.bounds[names[i]])
            ax.set_xlim(lo_j, hi_j)
            ax.tick_params(labelsize=6)
            if i == k - 1:
                ax.set_xlabel(names[j].replace("sectors.", ""), fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(names[i].replace("sectors.", ""), fontsize=7)
    fig.suptitle("ABC posterior (blue, size = weight) over the prior's reference table (grey)")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
