"""The synergy of merging attributed to paper 1's four channels by exact Shapley values.

Merging acts through four channels (``merge_channels``, docs/ODD.md 7.5): finance,
industry, labour and innovation. For a coalition S of channels, v(S) is the paired
difference Y(merge through S) - Y(no_merge), replication by replication (common random
numbers: replication k of every arm uses seed ``seed + k``). Merging through no channel
is the status quo, so v(empty) = 0 and v(all) is the synergy effect. The Shapley value of
channel i,

    phi_i = sum over S not containing i of |S|! (n - |S| - 1)! / n! [v(S + i) - v(S)],

splits v(all) exactly among the channels (efficiency: sum_i phi_i = v(all) - v(empty);
Shapley 1953). With n = 4 channels the 2^4 coalitions are the experiment's arms, run as
one experiment (a grid over ``merge_channels``) in the results store. Each channel's
contribution is averaged over replications; its 95% interval is a percentile bootstrap
over replications (paired differences of a simulation are often heavy-tailed, where a
t interval is off).
"""

from __future__ import annotations

import itertools
from math import factorial
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.experiments.runs import param_column
from sim.experiments.spec import Design, Experiment, ParameterRange
from sim.indicators import INDICATORS
from sim.parameters import CHANNELS

__all__ = [
    "HEADLINE",
    "coalition_label",
    "coalitions",
    "decomposition_experiment",
    "decomposition_table",
    "plot_waterfalls",
    "shapley_values",
]

#: The indicators the decomposition reports by default (paper 1's four areas).
HEADLINE = ("taxes", "turnover", "investment", "employment", "exports", "innovations")

#: Bootstrap resamples and the generator seed of the intervals (reproducible tables).
_BOOTSTRAP, _BOOTSTRAP_SEED = 2000, 12345


def coalitions(channels: tuple[str, ...] = CHANNELS) -> list[tuple[str, ...]]:
    """Every subset of the channels, smallest first, each in the channels' order."""
    return [c for r in range(len(channels) + 1) for c in itertools.combinations(channels, r)]


def coalition_label(coalition: tuple[str, ...] | list[str]) -> str:
    """How a coalition is written in the store's parameter column: ``finance+labour``."""
    return "+".join(coalition) if coalition else "none"


def decomposition_experiment(
    scenario: str | Path,
    *,
    replications: int,
    seed: int = 1,
    until: int | None = None,
    indicators: list[str] | None = None,
    channels: tuple[str, ...] = CHANNELS,
    scopes: list[str] | None = None,
    fixed: dict[str, Any] | None = None,
) -> Experiment:
    """The 2^n arms as one experiment: merge through every coalition of ``channels``.

    ``fixed``: parameter overrides for every arm (``sezsim decompose --set``).
    """
    values = [list(c) for c in coalitions(channels)]
    return Experiment(
        name=f"decompose-{Path(scenario).stem}",
        description="merge through every coalition of channels (Shapley decomposition)",
        scenario=str(scenario),
        policies=["merge"],
        replications=replications,
        seed=seed,
        until=until,
        design=Design(type="grid", parameters={"merge_channels": ParameterRange(values=values)}),
        indicators=indicators or list(INDICATORS.main),
        scopes=scopes or ["national"],
        fixed=fixed or {},
    )


def shapley_values(values: dict[tuple[str, ...], np.ndarray], channels: tuple[str, ...]) -> dict:
    """Exact Shapley values of each channel from the coalition values v(S).

    Args:
        values: coalition (a tuple in the channels' order) -> v(S), arrays of one shape
            (e.g. one value per replication). ``values[()]`` is v(empty).
        channels: the players.

    Returns:
        channel -> phi, arrays of the same shape; they add up to v(all) - v(empty).
    """
    n = len(channels)
    out = {}
    for i in channels:
        others = [c for c in channels if c != i]
        phi = np.zeros_like(np.asarray(values[()], dtype=float))
        for r in range(n):
            weight = factorial(r) * factorial(n - r - 1) / factorial(n)
            for s in itertools.combinations(others, r):
                with_i = tuple(c for c in channels if c in s or c == i)
                phi = phi + weight * (values[with_i] - values[s])
        out[i] = phi
    return out


def _bootstrap_interval(samples: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """95% percentile-bootstrap interval of the mean over replications."""
    if samples.size < 2:
        return float("nan"), float("nan")
    idx = rng.integers(0, samples.size, size=(_BOOTSTRAP, samples.size))
    means = samples[idx].mean(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    return float(low), float(high)


def decomposition_table(
    results: pd.DataFrame,
    indicators: list[str],
    years: list[int],
    channels: tuple[str, ...] = CHANNELS,
    scope: str = "national",
    name: str = "national",
) -> pd.DataFrame:
    """Channel contributions to the synergy of each indicator and year.

    Returns:
        Columns indicator, year, channel, contribution, ci_low, ci_high, n: one row per
        channel and one ``total`` row (merge through every channel minus no_merge, the
        synergy effect) per indicator and year. The contributions add up to the total.
    """
    column = param_column("merge_channels")
    sel = results[(results["scope"] == scope) & (results["name"] == name)]
    rows = []
    rng = np.random.default_rng(_BOOTSTRAP_SEED)
    for indicator in indicators:
        for year in years:
            at = sel[sel["year"] == year]
            wide = at.pivot_table(
                index="replication", columns=column, values=indicator, aggfunc="first"
            ).dropna()
            if wide.empty:
                continue
            base = wide[coalition_label(())].to_numpy()
            values = {c: wide[coalition_label(c)].to_numpy() - base for c in coalitions(channels)}
            phi = shapley_values(values, channels)
            total = values[tuple(channels)]
            for channel, contribution in (*phi.items(), ("total", total)):
                low, high = _bootstrap_interval(contribution, rng)
                rows.append(
                    {
                        "indicator": indicator,
                        "year": int(year),
                        "channel": channel,
                        "contribution": float(contribution.mean()),
                        "ci_low": low,
                        "ci_high": high,
                        "n": int(contribution.size),
                    }
                )
    return pd.DataFrame(
        rows, columns=["indicator", "year", "channel", "contribution", "ci_low", "ci_high", "n"]
    )


def plot_waterfalls(table: pd.DataFrame, year: int, path: Path, currency: str) -> Path:
    """One waterfall per indicator: the channels' contributions stacked up to the total."""
    indicators = list(dict.fromkeys(table["indicator"]))
    cols = min(3, len(indicators))
    rows = -(-len(indicators) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
    for ax, indicator in zip(axes.flat, indicators, strict=False):
        part = table[(table["indicator"] == indicator) & (table["year"] == year)]
        steps = part[part["channel"] != "total"]
        total = part[part["channel"] == "total"]
        start = 0.0
        for i, row in enumerate(steps.itertuples()):
            colour = "#2a9d8f" if row.contribution >= 0 else "#e76f51"
            ax.bar(i, row.contribution, bottom=start, color=colour)
            ax.errorbar(
                i,
                start + row.contribution,
                yerr=[
                    [row.contribution - row.ci_low],
                    [row.ci_high - row.contribution],
                ],
                color="black",
                capsize=3,
                lw=0.8,
            )
            start += row.contribution
        if not total.empty:
            t = total.iloc[0]
            ax.bar(len(steps), t.contribution, color="#264653")
            ax.errorbar(
                len(steps),
                t.contribution,
                yerr=[[t.contribution - t.ci_low], [t.ci_high - t.contribution]],
                color="black",
                capsize=3,
                lw=0.8,
            )
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_xticks(range(len(steps) + 1), [*steps["channel"], "total"], rotation=30)
        unit = INDICATORS[indicator].unit.replace("million currency units", currency)
        ax.set_title(f"{indicator} ({unit})", fontsize=9)
    for ax in list(axes.flat)[len(indicators) :]:
        ax.axis("off")
    fig.suptitle(f"Synergy of merging by channel, {year} (Shapley values, 95% bootstrap CI)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
