"""Statistics of experiments: synergy effects with confidence intervals, sensitivity.

Also policy bands, and global sensitivity (Sobol, Morris) of the synergy effect.

Synergy effect (paper 1): the difference an indicator shows under merge against no merge.
With common random numbers, replication k of both policies shares seed k, so the effect
is estimated from paired differences d_k = Y_k(merge) - Y_k(no_merge):
mean d, standard error s_d / sqrt(n), and the 95% interval mean +- t_{0.975, n-1} * se.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["paired_differences", "policy_bands", "sensitivity", "synergy_table"]


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

    Returns one row per (indicator, year) with columns mean, ci_low, ci_high, n,
    control_mean, relative (mean / control mean) and significant.
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
            if n > 1:
                half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * d.std(ddof=1) / np.sqrt(n))
            else:
                half = float("nan")
            ctrl = float(base.get(year, np.nan))
            rows.append(
                {
                    "indicator": ind,
                    "year": int(year),
                    "mean": mean,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                    "n": n,
                    "control_mean": ctrl,
                    "relative": mean / ctrl if ctrl else float("nan"),
                    "significant": bool(n > 1 and (mean - half > 0 or mean + half < 0)),
                }
            )
    return pd.DataFrame(rows)


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
