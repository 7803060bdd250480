"""Statistics of experiments: synergy effects with confidence intervals, sensitivity.

Also policy bands, and global sensitivity (Sobol, Morris) of the synergy effect.

Synergy effect (paper 1): the difference an indicator shows under merge against no merge.
With common random numbers, replication k of both policies shares seed k, so the effect
is estimated from paired differences d_k = Y_k(merge) - Y_k(no_merge): their mean, and
a 95% percentile-bootstrap interval of the mean (2,000 resamples, a fixed seed). Paired
differences of this model are often skewed and heavy-tailed (a few replications where a
cluster takes off, or collapses), where the t interval's symmetry is wrong; the table
says when the sample is heavy-tailed and when it is too small to call anything
significant (fewer than ``MIN_REPLICATIONS``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "MIN_REPLICATIONS",
    "bootstrap_interval",
    "paired_differences",
    "policy_bands",
    "sensitivity",
    "synergy_table",
    "uncertainty_table",
]

#: Fewer paired replications than this: the table warns and calls nothing significant.
MIN_REPLICATIONS = 10
#: Excess kurtosis or |skewness| above which the differences are flagged heavy-tailed.
_HEAVY_KURTOSIS, _HEAVY_SKEW = 3.0, 1.0
_BOOTSTRAP, _BOOTSTRAP_SEED = 2000, 20240


def bootstrap_interval(
    samples: np.ndarray, confidence: float = 0.95, seed: int = _BOOTSTRAP_SEED
) -> tuple[float, float]:
    """Percentile-bootstrap interval of the mean of ``samples`` (NaN for fewer than 2)."""
    if samples.size < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = samples[rng.integers(0, samples.size, (_BOOTSTRAP, samples.size))].mean(axis=1)
    q = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [q, 1.0 - q])
    return float(low), float(high)


def _select(results: pd.DataFrame, scope: str, name: str) -> pd.DataFrame:
    return results[(results["scope"] == scope) & (results["name"] == name)]


def paired_differences(
    results: pd.DataFrame,
    indicator: str,
    treatment: str = "merge",
    control: str = "no_merge",
    scope: str = "national",
    name: str = "national",
) -> pd.DataFrame:
    """Per (point, replication, year): treatment minus control, paired by seed."""
    sel = _select(results, scope, name)
    wide = sel.pivot_table(
        index=["point", "replication", "year"], columns="policy", values=indicator, aggfunc="first"
    )
    if treatment not in wide or control not in wide:
        raise ValueError(f"results need both policies {treatment!r} and {control!r}")
    diff = (wide[treatment] - wide[control]).rename("difference").dropna()
    return diff.reset_index()


def synergy_table(
    results: pd.DataFrame,
    indicators: list[str],
    years: list[int] | None = None,
    treatment: str = "merge",
    control: str = "no_merge",
    scope: str = "national",
    name: str = "national",
    point: int = 0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean synergy effect, its confidence interval and whether it excludes zero.

    Returns one row per (indicator, year) with columns mean, ci_low, ci_high (percentile
    bootstrap), n, control_mean, relative (mean / control mean; NaN when the control is
    0), significant (the interval excludes 0 and n >= ``MIN_REPLICATIONS``), heavy_tailed
    and warning (why the row should be read with care, or "").
    """
    rows = []
    sel = results[results["point"] == point]
    for ind in indicators:
        diffs = paired_differences(sel, ind, treatment, control, scope, name)
        base = _select(sel, scope, name)
        base = base[base["policy"] == control].groupby("year")[ind].mean()
        for year, group in diffs.groupby("year"):
            if years and year not in years:
                continue
            d = group["difference"].to_numpy()
            n = d.size
            mean = float(d.mean())
            low, high = bootstrap_interval(d, confidence)
            heavy = False
            if n >= 4 and d.std() > 0:
                heavy = bool(
                    stats.kurtosis(d) > _HEAVY_KURTOSIS or abs(stats.skew(d)) > _HEAVY_SKEW
                )
            warning = ""
            if n < MIN_REPLICATIONS:
                warning = f"only {n} replications: too few to call significant"
            elif heavy:
                warning = "heavy-tailed differences: read the bootstrap interval, not mean +- 2 se"
            ctrl = float(base.get(year, np.nan))
            rows.append(
                {
                    "indicator": ind,
                    "year": int(year),
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "n": n,
                    "control_mean": ctrl,
                    "relative": mean / ctrl if ctrl else float("nan"),
                    "significant": bool(n >= MIN_REPLICATIONS and (low > 0 or high < 0)),
                    "heavy_tailed": heavy,
                    "warning": warning,
                }
            )
    return pd.DataFrame(rows)


def uncertainty_table(
    results: pd.DataFrame,
    indicators: list[str],
    years: list[int] | None = None,
    treatment: str = "merge",
    control: str = "no_merge",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The synergy with seed noise only (point 0) beside seed + parameter noise (point 1).

    The results of ``sezsim compare --posterior``: point 0 runs every replication at the
    posterior's estimate, point 1 gives replication k its own posterior draw (the same
    under both policies, with the same seed), so the bootstrap interval of point 1's
    paired differences includes the parameters' uncertainty. ``width_ratio`` is the
    width of the second interval over the first.
    """
    seed = synergy_table(results, indicators, years, treatment, control, point=0,
                         confidence=confidence)  # fmt: skip
    both = synergy_table(results, indicators, years, treatment, control, point=1,
                         confidence=confidence)  # fmt: skip
    keys = ["indicator", "year"]
    merged = seed[[*keys, "mean", "ci_low", "ci_high", "n"]].merge(
        both[[*keys, "mean", "ci_low", "ci_high", "significant"]],
        on=keys,
        suffixes=("", "_p"),
    )
    merged.columns = [
        *keys, "seed_mean", "seed_ci_low", "seed_ci_high", "n",
        "param_mean", "param_ci_low", "param_ci_high", "param_significant",
    ]  # fmt: skip
    width = merged["seed_ci_high"] - merged["seed_ci_low"]
    merged["width_ratio"] = (merged["param_ci_high"] - merged["param_ci_low"]) / width.where(
        width > 0
    )
    return merged


def policy_bands(
    results: pd.DataFrame,
    indicator: str,
    scope: str = "national",
    name: str = "national",
    point: int = 0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per policy and year: mean and the central ``confidence`` band across replications."""
    sel = _select(results[results["point"] == point], scope, name)
    q = (1 - confidence) / 2
    grouped = sel.groupby(["policy", "year"])[indicator]
    return pd.DataFrame(
        {
            "mean": grouped.mean(),
            "low": grouped.quantile(q),
            "high": grouped.quantile(1 - q),
        }
    ).reset_index()


def sensitivity(
    results: pd.DataFrame,
    problem: dict[str, Any],
    design_type: str,
    matrix: np.ndarray,
    indicator: str,
    year: int,
    treatment: str = "merge",
    control: str = "no_merge",
    scope: str = "national",
    name: str = "national",
    seed: int = 0,
) -> pd.DataFrame:
    """Sobol (S1, ST) or Morris (mu*, sigma) indices of the synergy effect, with CIs.

    The output of design point i is the synergy effect averaged over its replications.
    """
    diffs = paired_differences(results, indicator, treatment, control, scope, name)
    diffs = diffs[diffs["year"] == year]
    y_by_point = diffs.groupby("point")["difference"].mean()
    if len(y_by_point) != matrix.shape[0]:
        raise ValueError(
            f"sensitivity needs every design point: have {len(y_by_point)} of {matrix.shape[0]}"
        )
    y = y_by_point.sort_index().to_numpy()
    if design_type == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
        return pd.DataFrame(
            {
                "parameter": problem["names"],
                "S1": si["S1"],
                "S1_conf": si["S1_conf"],
                "ST": si["ST"],
                "ST_conf": si["ST_conf"],
            }
        )
    if design_type == "morris":
        from SALib.analyze import morris

        si = morris.analyze(problem, matrix, y, seed=seed)
        return pd.DataFrame(
            {
                "parameter": problem["names"],
                "mu_star": si["mu_star"],
                "mu_star_conf": si["mu_star_conf"],
                "sigma": si["sigma"],
            }
        )
    raise ValueError(f"sensitivity needs a sobol or morris design, not {design_type!r}")
