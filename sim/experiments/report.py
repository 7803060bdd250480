"""The experiment report: Markdown with PNG plots (trajectories, synergy, map, sensitivity)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.experiments.analysis import policy_bands, synergy_table
from sim.indicators import INDICATORS
from sim.scenario import Scenario

__all__ = ["REPORT_INDICATORS", "markdown_table", "write_report"]

#: The indicators plotted, by the papers' four areas plus FDI and exports.
REPORT_INDICATORS = [
    "taxes",
    "privilege_cost",
    "turnover",
    "investment",
    "employment",
    "innovations",
    "fdi_inflow",
    "exports",
]
_COLOURS = {"merge": "#1b7837", "no_merge": "#762a83", "heterodox": "#e08214"}


def markdown_table(frame: pd.DataFrame, floatfmt: str = "{:,.1f}") -> str:
    """Render a DataFrame as a Markdown table (no extra dependency)."""
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in frame.iterrows():
        cells = []
        for c in cols:
            v = row[c]
            if isinstance(v, float | np.floating):
                cells.append("-" if np.isnan(v) else floatfmt.format(v))
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _grid(n: int) -> tuple[plt.Figure, np.ndarray]:
    cols = 4
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat


def plot_trajectories(results: pd.DataFrame, indicators: list[str], path: Path) -> None:
    """Mean and 95% band across replications, per policy, for each indicator."""
    fig, axes = _grid(len(indicators))
    for ax, ind in zip(axes, indicators, strict=False):
        bands = policy_bands(results, ind)
        for policy, g in bands.groupby("policy"):
            c = _COLOURS.get(policy)
            ax.plot(g["year"], g["mean"], color=c, label=policy)
            ax.fill_between(g["year"], g["low"], g["high"], color=c, alpha=0.2, lw=0)
        ax.set_title(f"{ind} [{INDICATORS[ind].unit}]", fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=8)
    fig.suptitle("Indicator trajectories by policy (mean, 95% band across replications)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_synergy(table: pd.DataFrame, indicators: list[str], path: Path, label: str) -> None:
    """Synergy effect over time with its 95% confidence interval."""
    fig, axes = _grid(len(indicators))
    for ax, ind in zip(axes, indicators, strict=False):
        g = table[table["indicator"] == ind]
        ax.axhline(0, color="grey", lw=0.8)
        ax.plot(g["year"], g["mean"], color="#1b7837")
        ax.fill_between(g["year"], g["ci_low"], g["ci_high"], color="#1b7837", alpha=0.25, lw=0)
        ax.set_title(f"{ind} [{INDICATORS[ind].unit}]", fontsize=9)
        ax.tick_params(labelsize=8)
    fig.suptitle(f"Synergy effect {label} (mean, 95% CI of paired differences)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_map(results: pd.DataFrame, scenario: Scenario, path: Path) -> bool:
    """Where firms ended up: regions at their coordinates, sized by firms, per policy."""
    regions = results[results["scope"] == "region"]
    if regions.empty:
        return False
    last = regions["year"].max()
    final = regions[regions["year"] == last].groupby(["policy", "name"])["firms"].mean()
    policies = list(dict.fromkeys(results["policy"]))
    coords = {r.id: (r.lon, r.lat, r.name) for r in scenario.regions}
    fig, axes = plt.subplots(1, len(policies), figsize=(5.2 * len(policies), 4.2), squeeze=False)
    top = max(final.max(), 1.0)
    for ax, policy in zip(axes.flat, policies, strict=True):
        for rid, (lon, lat, name) in coords.items():
            n = float(final.get((policy, rid), 0.0))
            ax.scatter(
                lon,
                lat,
                s=20 + 1200 * n / top,
                color=_COLOURS.get(policy, "C0"),
                alpha=0.6,
                edgecolor="k",
                lw=0.5,
            )
            ax.annotate(
                f"{name.split(' ')[0]}\n{n:.0f}",
                (lon, lat),
                fontsize=7,
                ha="center",
                va="bottom",
                xytext=(0, 6),
                textcoords="offset points",
            )
        for z in scenario.sezs:
            r = coords[z.region]
            ax.scatter(r[0], r[1], marker="s", s=14, color="k")
        ax.set_title(f"{policy}: firms by region in {last}", fontsize=9)
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _synergy_markdown(table: pd.DataFrame) -> str:
    """A synergy table for the report: relative in percent with two decimals, no NaN%."""
    shown = table[
        ["indicator", "year", "mean", "ci_low", "ci_high", "relative", "significant", "n",
         "warning"]
    ].copy()  # fmt: skip
    shown["relative"] = [f"{100 * r:+.2f}%" if r == r else "-" for r in shown["relative"]]
    return markdown_table(shown)


def write_report(
    out: Path,
    results: pd.DataFrame,
    runs: pd.DataFrame,
    scenario: Scenario,
    title: str,
    years: list[int],
    treatment: str = "merge",
    control: str = "no_merge",
    sensitivity: pd.DataFrame | None = None,
    notes: list[str] | None = None,
    fiscal: pd.DataFrame | None = None,
    jobs: pd.DataFrame | None = None,
    channels: pd.DataFrame | None = None,
) -> Path:
    """Write ``report.md`` and its PNGs into ``out``; return the report's path.

    ``fiscal`` and ``jobs`` (:mod:`sim.experiments.fiscal`) and ``channels`` (a
    decomposition table, :mod:`sim.experiments.decompose`) add their sections and their
    sentences to the explanation when given.
    """
    from sim.experiments.explain import explain_synergy

    out.mkdir(parents=True, exist_ok=True)
    present = [i for i in REPORT_INDICATORS if i in results.columns]
    lines = [f"# {title}", ""]
    ok = runs[runs["status"] == "ok"]
    bad = runs[runs["status"] != "ok"]
    lines += [
        f"Scenario: {scenario.name}. Runs: {len(ok)} finished, {len(bad)} failed. "
        f"Policies: {', '.join(sorted(set(runs['policy'])))}; replications per policy: "
        f"{runs.groupby('policy').size().max()}. Money in {scenario.currency} per year.",
        "",
    ]
    lines += notes or []
    policies = set(results["policy"]) if not results.empty else set()
    policy_year = scenario.parameters.policy_start_year or scenario.start_year
    if {treatment, control} <= policies:
        table = synergy_table(results, present, None, treatment, control)
        shown = table[table["year"].isin(years)] if years else table
        lines += ["## What the results say", ""]
        lines += explain_synergy(
            shown, scenario.currency, policy_year, channels=channels, fiscal=fiscal, jobs=jobs
        )
        lines += [
            f"## Synergy effect: {treatment} minus {control}",
            "",
            "Paired differences (common random numbers): mean and 95% percentile-bootstrap "
            "interval; `significant` means the interval excludes zero with at least "
            "10 replications; `relative` is the mean over the control's mean.",
            "",
            _synergy_markdown(shown),
            "",
        ]
        plot_synergy(table, present, out / "synergy.png", f"{treatment} - {control}")
        lines += ["![synergy](synergy.png)", ""]
        for other in sorted(policies - {treatment, control}):
            extra = synergy_table(results, present, None, other, control)
            extra = extra[extra["year"].isin(years)] if years else extra
            lines += [
                f"### {other} minus {control}",
                "",
                f"The {other} policy against the same status quo, paired the same way.",
                "",
                _synergy_markdown(extra),
                "",
            ]
    if channels is not None and not channels.empty:
        year = int(channels["year"].max())
        lines += [
            "## The synergy by channel",
            "",
            "Exact Shapley values over the 16 coalitions of paper 1's four channels "
            "(`sezsim decompose`); the channels add up to the total (merge - no_merge).",
            "",
            markdown_table(channels, "{:,.1f}"),
            "",
        ]
        if (out / f"waterfall_{year}.png").exists():
            lines += [f"![channels](waterfall_{year}.png)", ""]
    if fiscal is not None and not fiscal.empty:
        lines += [
            "## Fiscal balance",
            "",
            f"Present values at {policy_year} at {100 * scenario.parameters.discount_rate:g}% "
            "a year; privilege cost includes import duty forgone; 95% bootstrap intervals.",
            "",
            markdown_table(fiscal, "{:,.3f}"),
            "",
        ]
    if jobs is not None and not jobs.empty:
        lines += [
            "## Jobs: gross in zones, net national, displacement",
            "",
            markdown_table(jobs, "{:,.2f}"),
            "",
        ]
    plot_trajectories(results, present, out / "trajectories.png")
    lines += ["## Trajectories", "", "![trajectories](trajectories.png)", ""]
    if plot_map(results, scenario, out / "map.png"):
        lines += [
            "## Where firms ended up",
            "",
            "Regions at their coordinates; circle area: mean number of firms in the "
            "last year; black squares: SEZs.",
            "",
            "![map](map.png)",
            "",
        ]
    if sensitivity is not None:
        lines += [
            "## Global sensitivity of the synergy effect",
            "",
            markdown_table(sensitivity, "{:.3f}"),
            "",
        ]
        fig, ax = plt.subplots(figsize=(6, 0.5 + 0.4 * len(sensitivity)))
        key = "ST" if "ST" in sensitivity else "mu_star"
        ax.barh(
            sensitivity["parameter"],
            sensitivity[key],
            xerr=sensitivity[f"{key}_conf"],
            color="#4393c3",
        )
        ax.set_xlabel(key)
        fig.tight_layout()
        fig.savefig(out / "sensitivity.png", dpi=110)
        plt.close(fig)
        lines += ["![sensitivity](sensitivity.png)", ""]
    if len(bad):
        lines += ["## Failed runs", "", markdown_table(bad[["run_id", "error"]]), ""]
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path
