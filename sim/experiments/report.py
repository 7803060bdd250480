"""The experiment reports: Markdown with PNG plots.

The experiment / compare report: trajectories, synergy, maps (choropleths of the synergy
by region), sensitivity, and the PRIM box of a scenario discovery run. The discovery
report (``sezsim discover``): PRIM boxes, CART tree, feature scores.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.experiments.analysis import policy_bands, synergy_table
from sim.experiments.discover import DiscoveryResult, PrimBoxResult
from sim.indicators import INDICATORS
from sim.scenario import Scenario

__all__ = [
    "MAP_INDICATORS",
    "REPORT_INDICATORS",
    "discovery_section",
    "markdown_table",
    "plot_synergy_map",
    "synergy_by_region",
    "write_discovery_report",
    "write_report",
]

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
    discovery: Path | None = None,
    uncertainty: tuple[pd.DataFrame, str] | None = None,
) -> Path:
    """Write ``report.md`` and its PNGs into ``out``; return the report's path.

    ``fiscal`` and ``jobs`` (:mod:`sim.experiments.fiscal`) and ``channels`` (a
    decomposition table, :mod:`sim.experiments.decompose`) add their sections and their
    sentences to the explanation when given; ``discovery``, the folder of a ``sezsim
    discover`` run, adds its PRIM box (where merging wins).
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
        map_year = max(years) if years else int(results["year"].max())
        if plot_synergy_map(
            results, scenario, out / "synergy_map.png", map_year, None, treatment, control
        ):
            lines += [
                f"## Synergy by region: who gains, who loses ({map_year})",
                "",
                f"Mean paired difference {treatment} - {control} in each region; green: "
                f"higher under {treatment}, purple: lower (displacement between regions "
                "shows as both colours); grey: regions the scenario does not model.",
                "",
                "![synergy map](synergy_map.png)",
                "",
            ]
    if uncertainty is not None:
        table, source = uncertainty
        shown = table.copy()
        shown["param_significant"] = shown["param_significant"].map({True: "yes", False: "no"})
        lines += [
            "## The synergy with parameter uncertainty",
            "",
            f"Seed noise only: every replication at the posterior's estimate. Seed + "
            f"parameters: replication k runs with the k-th draw from `{source}` (the same "
            "draw and seed under both policies), so its interval includes the parameters' "
            "uncertainty. 95% percentile-bootstrap intervals of the paired differences; "
            "`width_ratio`: how much wider the second interval is.",
            "",
            markdown_table(shown),
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
    if discovery is not None:
        lines += discovery_section(Path(discovery), out)
    plot_trajectories(results, present, out / "trajectories.png")
    lines += ["## Trajectories", "", "![trajectories](trajectories.png)", ""]
    policies_run = list(dict.fromkeys(results["policy"])) if not results.empty else []
    last_year = int(results["year"].max()) if not results.empty else 0
    if "firms" in results and plot_indicator_map(
        results, scenario, out / "firms_map.png", "firms", last_year, policies_run
    ):
        lines += [
            f"## Firms by region in {last_year}",
            "",
            "Mean number of firms over the replications, per policy; grey: regions the "
            "scenario does not model.",
            "",
            "![firms by region](firms_map.png)",
            "",
        ]
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


# ---------------------------------------------------------------------- maps
#: Indicators of the synergy map in the compare report (2 x 2 panels).
MAP_INDICATORS = ["firms", "employment", "turnover", "taxes"]


def synergy_by_region(
    results: pd.DataFrame,
    indicator: str,
    year: int,
    treatment: str = "merge",
    control: str = "no_merge",
    point: int = 0,
) -> dict[str, float]:
    """Mean paired synergy (treatment - control) of an indicator in each region."""
    rows = results[
        (results["scope"] == "region") & (results["year"] == year) & (results["point"] == point)
    ]
    wide = rows.pivot_table(
        index=["name", "replication"], columns="policy", values=indicator, aggfunc="first"
    )
    if treatment not in wide or control not in wide:
        return {}
    diff = (wide[treatment] - wide[control]).dropna().groupby(level="name").mean()
    return {str(k): float(v) for k, v in diff.items()}


def plot_synergy_map(
    results: pd.DataFrame,
    scenario: Scenario,
    path: Path,
    year: int,
    indicators: list[str] | None = None,
    treatment: str = "merge",
    control: str = "no_merge",
) -> bool:
    """Choropleths of the synergy by region (gain green, loss purple); False if no map.

    Drawn only for scenarios whose regions are units of ``data/kz_adm1.geojson``
    (``sim.maps.ADM1_BY_REGION``) and results with region rows of both policies.
    """
    from sim.maps import choropleth, mappable_regions

    if not mappable_regions(r.id for r in scenario.regions):
        return False
    indicators = [i for i in (indicators or MAP_INDICATORS) if i in results.columns]
    panels = [(i, synergy_by_region(results, i, year, treatment, control)) for i in indicators]
    panels = [(i, v) for i, v in panels if v]
    if not panels:
        return False
    cols = 2 if len(panels) > 1 else 1
    rows = int(np.ceil(len(panels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(7.5 * cols, 4.3 * rows), squeeze=False)
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    for ax, (ind, values) in zip(axes.flat, panels, strict=False):
        choropleth(
            values,
            ax=ax,
            title=f"{ind}: {treatment} - {control}, {year}",
            unit=INDICATORS[ind].unit,
            diverging=True,
            gain_label=f"higher under {treatment}",
            loss_label=f"lower under {treatment}",
        )
    fig.suptitle(f"Synergy effect by region in {year} (mean paired difference over replications)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_indicator_map(
    results: pd.DataFrame,
    scenario: Scenario,
    path: Path,
    indicator: str,
    year: int,
    policies: list[str],
) -> bool:
    """Choropleths of one indicator by region, one panel per policy; False if no map."""
    from sim.maps import choropleth, mappable_regions

    if not mappable_regions(r.id for r in scenario.regions) or indicator not in results:
        return False
    rows = results[(results["scope"] == "region") & (results["year"] == year)]
    means = rows.groupby(["policy", "name"])[indicator].mean()
    order = list(_COLOURS)
    policies = sorted(
        (p for p in policies if p in means.index.get_level_values(0)),
        key=lambda p: order.index(p) if p in order else len(order),
    )
    if not policies:
        return False
    shared = (float(means.min()), float(means.max()))  # one colour scale for all panels
    fig, axes = plt.subplots(1, len(policies), figsize=(6.5 * len(policies), 4), squeeze=False)
    for ax, policy in zip(axes.flat, policies, strict=True):
        values = {str(k): float(v) for k, v in means.loc[policy].items()}
        choropleth(
            values,
            ax=ax,
            title=f"{indicator}, {policy}, {year}",
            unit=INDICATORS[indicator].unit,
            limits=shared,
        )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# ---------------------------------------------------------------------- discovery
def plot_prim_tradeoff(box: PrimBoxResult, path: Path, title: str) -> None:
    """PRIM's peeling trajectory, coverage against density (EMA Workbench's plot)."""
    fig = box.box.show_tradeoff()
    ax = fig.axes[0]
    chosen = box.trajectory.iloc[box.chosen]
    ax.scatter([chosen["coverage"]], [chosen["density"]], s=160, facecolor="none", edgecolor="red")
    ax.annotate(
        f"chosen box {box.chosen}",
        (chosen["coverage"], chosen["density"]),
        xytext=(8, 8),
        textcoords="offset points",
        fontsize=8,
        color="red",
    )
    ax.set_title(title, fontsize=9)
    fig.set_size_inches(6, 5)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_prim_box(box: PrimBoxResult, path: Path, title: str) -> bool:
    """The chosen box's limits on each restricted parameter (EMA Workbench's plot)."""
    if box.limits.empty:
        return False
    n = len(box.limits)
    fig, ax = plt.subplots(figsize=(9.5, 1.5 + 0.6 * n))
    box.box.inspect(box.chosen, style="graph", ax=ax)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_feature_scores(scores: pd.DataFrame, path: Path, title: str) -> None:
    """Extra-trees feature scores of the synergy, highest on top."""
    fig, ax = plt.subplots(figsize=(6, 0.8 + 0.4 * len(scores)))
    ordered = scores.iloc[::-1]
    ax.barh(ordered["parameter"], ordered["score"], color="#4393c3")
    ax.set_xlabel("feature score (share of the extra trees' impurity decrease)")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_cart(result: DiscoveryResult, path: Path, max_depth: int = 3) -> None:
    """The top of the CART tree (scikit-learn's drawing; no graphviz needed)."""
    from sklearn.tree import plot_tree

    fig, ax = plt.subplots(figsize=(14, 6))
    clf = result.cart_model.clf
    plot_tree(
        clf,
        feature_names=result.cart_model.feature_names,
        class_names=[{0: "no win", 1: "win"}[int(c)] for c in clf.classes_],
        filled=True,
        impurity=False,
        proportion=True,
        max_depth=max_depth,
        fontsize=7,
        ax=ax,
    )
    ax.set_title(f"CART: where {result.treatment} wins on {result.outcome}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_synergy_scatter(result: DiscoveryResult, path: Path) -> None:
    """Synergy of each design point over the two highest-scoring parameters."""
    table = result.synergy
    first = result.scores["parameter"].iloc[0]
    # With one parameter, the synergy itself is the vertical axis.
    second = result.scores["parameter"].iloc[1] if len(result.scores) > 1 else "synergy"
    fig, ax = plt.subplots(figsize=(6.5, 5))
    half = float(table["synergy"].abs().max()) or 1.0
    dots = ax.scatter(
        table[first],
        table[second],
        c=table["synergy"],
        cmap="PRGn",
        vmin=-half,
        vmax=half,
        edgecolor="k",
        lw=0.4,
    )
    wins = result.boxes.get("wins")
    if wins is not None and second != "synergy":
        lims = wins.limits
        lo = [lims.loc[p, "low"] if p in lims.index else table[p].min() for p in (first, second)]
        hi = [lims.loc[p, "high"] if p in lims.index else table[p].max() for p in (first, second)]
        ax.add_patch(
            plt.Rectangle(
                (lo[0], lo[1]),
                hi[0] - lo[0],
                hi[1] - lo[1],
                fill=False,
                edgecolor="#1b7837",
                lw=1.5,
                ls="--",
                label="PRIM box (wins), projected",
            )
        )
        ax.legend(fontsize=8, loc="upper right")
    bar = fig.colorbar(dots, ax=ax)
    bar.set_label(f"synergy [{result.outcome.unit}]", fontsize=8)
    ax.set_xlabel(first)
    ax.set_ylabel(second)
    ax.set_title(f"Synergy of {result.outcome} per design point", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


_CASE_TEXT = {"wins": "merging wins", "loses": "merging loses"}


def _box_lines(box: PrimBoxResult, result: DiscoveryResult) -> list[str]:
    s = box.stats
    sign = ">" if box.case == "wins" else "<"
    what = f"synergy {sign} {result.threshold:g} {result.outcome.unit}"
    lines = [
        f"Cases: {box.cases} of {len(result.synergy)} points ({what}). Chosen box "
        f"{box.chosen} of the peeling trajectory: **coverage {s['coverage']:.2f}, density "
        f"{s['density']:.2f}**, mass {s['mass']:.2f} ({s['n']} points), "
        f"{s['res_dim']} restricted parameter(s).",
        "",
    ]
    if box.limits.empty:
        lines += ["The box restricts no parameter: the whole sampled space.", ""]
    else:
        lines += [
            markdown_table(box.limits.reset_index(), "{:.3g}"),
            "",
            "`low`/`high`: the box; `full_low`/`full_high`: the sampled range; `qp_*`: "
            "quasi-p values of each limit (Bryant & Lempert 2010), small means the "
            "restriction is unlikely to be chance.",
            "",
        ]
    return lines


def write_discovery_report(
    out: Path,
    result: DiscoveryResult,
    title: str,
    description: str,
    ranges: dict[str, tuple[float, float]],
    runs: pd.DataFrame,
) -> Path:
    """Write the scenario discovery report (``report.md`` and PNGs) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    summary = result.summary()
    ok = int((runs["status"] == "ok").sum())
    lines = [
        f"# {title}",
        "",
        description,
        "",
        f"Outcome: **{result.outcome}** [{result.outcome.unit}], synergy = "
        f"{result.treatment} - {result.control}, mean of the paired differences over the "
        f"replications of each design point (common random numbers). Runs: {ok} finished, "
        f"{len(runs) - ok} failed; design points analysed: {summary['points']}"
        + (f" ({result.dropped_points} lost to failed runs)" if result.dropped_points else "")
        + ".",
        "",
        f"Merging wins (synergy > {result.threshold:g}) at **{summary['wins']}** points, "
        f"loses at **{summary['loses']}**; synergy from {summary['synergy_min']:,.4g} to "
        f"{summary['synergy_max']:,.4g} (mean {summary['synergy_mean']:,.4g}).",
        "",
        "## Uncertain parameters",
        "",
        markdown_table(
            pd.DataFrame(
                [{"parameter": p, "low": lo, "high": hi} for p, (lo, hi) in ranges.items()]
            ),
            "{:.4g}",
        ),
        "",
    ]
    plot_synergy_scatter(result, out / "synergy_scatter.png")
    lines += ["![synergy per point](synergy_scatter.png)", ""]
    for case, box in result.boxes.items():
        label = f"PRIM: where {_CASE_TEXT[case]} on {result.outcome}"
        lines += [f"## {label}", ""]
        lines += _box_lines(box, result)
        plot_prim_tradeoff(box, out / f"prim_tradeoff_{case}.png", f"{label}: peeling trajectory")
        lines += [f"![PRIM trade-off {case}](prim_tradeoff_{case}.png)", ""]
        if plot_prim_box(box, out / f"prim_box_{case}.png", label):
            lines += [f"![PRIM box {case}](prim_box_{case}.png)", ""]
    for case in ("wins", "loses"):
        if case not in result.boxes:
            lines += [f"No design point where {_CASE_TEXT[case]}: no PRIM box for it.", ""]
    lines += [
        "## CART: a second view",
        "",
        f"A classification tree of 'merging wins' (leaves of at least "
        f"{100 * (result.cart['mass'].min() if len(result.cart) else 0):.0f}% of the points); "
        "each leaf is a box. Leaves by density of wins:",
        "",
        markdown_table(
            result.cart.sort_values("density", ascending=False, kind="stable"), "{:.2f}"
        ),
        "",
    ]
    plot_cart(result, out / "cart.png")
    lines += ["![CART tree](cart.png)", ""]
    lines += [
        "## What drives the synergy",
        "",
        "Extra-trees feature scores of the synergy (regression; Geurts et al. 2006): the "
        "share of the trees' variance reduction due to each parameter.",
        "",
        markdown_table(result.scores, "{:.3f}"),
        "",
    ]
    plot_feature_scores(result.scores, out / "feature_scores.png", "Feature scores")
    lines += ["![feature scores](feature_scores.png)", ""]
    lines += [
        "Tables: `discovery/synergy.csv` (per point), `discovery/prim_box_*.csv`, "
        "`discovery/prim_trajectory_*.csv`, `discovery/cart.csv`, "
        "`discovery/feature_scores.csv`, `discovery/discovery.json`.",
        "",
    ]
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path


def discovery_section(folder: Path, out: Path, case: str = "wins") -> list[str]:
    """Report lines of a finished discovery store (its PRIM box), copying its plots.

    Args:
        folder: the output folder of ``sezsim discover`` (with ``discovery/``).
        out: the folder of the report that includes the section.
        case: ``"wins"`` or ``"loses"``.

    Returns:
        Markdown lines; a note instead when the folder holds no such box.
    """
    import json
    import shutil

    summary_path = folder / "discovery" / "discovery.json"
    if not summary_path.exists():
        return [f"No scenario discovery results in {folder} (run `sezsim discover`).", ""]
    summary = json.loads(summary_path.read_text())
    box = summary["boxes"].get(case)
    head = (
        f"## Where merging {'wins' if case == 'wins' else 'loses'}: scenario discovery "
        f"on {summary['outcome']}"
    )
    lines = [
        head,
        "",
        f"From `{folder}` ({summary['points']} design points, {summary['wins']} wins, "
        f"{summary['loses']} losses; its `report.md` has the trade-off, the CART tree "
        "and the feature scores).",
        "",
    ]
    if box is None:
        return [*lines, f"No point where merging {case}.", ""]
    lines += [
        f"PRIM box: coverage {box['coverage']:.2f}, density {box['density']:.2f}, mass "
        f"{box['mass']:.2f}, {box['res_dim']} restricted parameter(s); top features: "
        f"{', '.join(summary['top_features'])}.",
        "",
    ]
    if box["limits"]:
        lines += [markdown_table(pd.DataFrame(box["limits"]), "{:.3g}"), ""]
    for name in (f"prim_box_{case}.png", f"prim_tradeoff_{case}.png"):
        if (folder / name).exists():
            shutil.copyfile(folder / name, out / f"discovery_{name}")
            lines += [f"![{name}](discovery_{name})", ""]
    return lines
