"""Scenario discovery: where in parameter space does merging win, and where does it lose?

Over a sampled design of uncertain parameters, every design point is run under both
policies with common random numbers (replication k of both uses seed ``seed + k``), so
the synergy effect of a point is the mean paired difference

    s_i = mean_k [ Y_ik(merge) - Y_ik(no_merge) ]

of one outcome Y (an indicator in one year at one scope, :class:`Outcome`). The points
are then classified, ``s_i > threshold`` (merging wins) or ``s_i < threshold`` (merging
loses), and three maintained algorithms describe the classes:

* PRIM, the patient rule induction method (Friedman & Fisher 1999), as used for scenario
  discovery by Bryant & Lempert (2010): a box of parameter ranges where the class is
  dense. Its peeling trajectory trades coverage (share of all cases inside the box)
  against density (share of the box's points that are cases); we choose the box with the
  largest coverage whose density reaches ``min_density``.
* CART (Breiman et al. 1984), a classification tree, as a second view whose leaves are
  boxes too.
* Extra-trees feature scores (Geurts et al. 2006; Jaxa-Rozen & Kwakkel 2018) of the
  synergy itself (regression), ranking what drives it.

All three come from EMA Workbench's analysis package (Kwakkel 2017), which uses
scikit-learn; nothing here re-implements them. CART and the extra trees draw random
numbers; they get ``discovery.seed``, so the same store gives the same boxes and scores.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.outcome import Outcome
from sim.experiments.runs import param_column

__all__ = [
    "DiscoveryError",
    "DiscoveryResult",
    "PrimBoxResult",
    "cart_leaves",
    "discover",
    "feature_scores",
    "prim_box",
    "synergy_by_point",
]


class DiscoveryError(ValueError):
    """The store cannot support a discovery (too few design points with both policies)."""


@dataclass
class PrimBoxResult:
    """One PRIM box: the peeling trajectory, the chosen step and its limits.

    Attributes:
        case: ``"wins"`` (synergy above the threshold) or ``"loses"`` (below).
        trajectory: one row per peeling/pasting step: coverage, density, mass, res_dim, n.
        chosen: index of the chosen step on the trajectory.
        limits: one row per restricted parameter: low, high (the box), full_low,
            full_high (the sampled range), qp_low, qp_high (quasi-p values).
        cases: number of cases of interest among all points.
        box: EMA Workbench's ``PrimBox`` (for its plots); not stored.
    """

    case: str
    trajectory: pd.DataFrame
    chosen: int
    limits: pd.DataFrame
    cases: int
    box: Any = field(default=None, repr=False)

    @property
    def stats(self) -> dict[str, float]:
        """Coverage, density, mass and restricted dimensions of the chosen box."""
        row = self.trajectory.iloc[self.chosen]
        return {
            "coverage": float(row["coverage"]),
            "density": float(row["density"]),
            "mass": float(row["mass"]),
            "res_dim": int(row["res_dim"]),
            "n": int(row["n"]),
        }


@dataclass
class DiscoveryResult:
    """What :func:`discover` found."""

    outcome: Outcome
    treatment: str
    control: str
    threshold: float
    synergy: pd.DataFrame  # point, parameters..., synergy, sd, n, control_mean
    parameters: list[str]
    boxes: dict[str, PrimBoxResult]  # by case, only cases that occur
    cart: pd.DataFrame  # one row per leaf
    scores: pd.DataFrame  # parameter, score (descending)
    cart_model: Any = field(default=None, repr=False)
    dropped_points: int = 0

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary: outcome, counts, chosen boxes with their limits."""
        syn = self.synergy["synergy"]
        return {
            "outcome": self.outcome.label,
            "indicator": self.outcome.indicator,
            "year": self.outcome.year,
            "scope": self.outcome.scope,
            "name": self.outcome.name,
            "unit": self.outcome.unit,
            "treatment": self.treatment,
            "control": self.control,
            "threshold": self.threshold,
            "points": len(self.synergy),
            "dropped_points": self.dropped_points,
            "wins": int((syn > self.threshold).sum()),
            "loses": int((syn < self.threshold).sum()),
            "synergy_mean": float(syn.mean()),
            "synergy_min": float(syn.min()),
            "synergy_max": float(syn.max()),
            "boxes": {
                case: {**b.stats, "limits": b.limits.reset_index().to_dict("records")}
                for case, b in self.boxes.items()
            },
            "top_features": self.scores["parameter"].head(3).tolist(),
        }

    def write(self, folder: str | Path) -> list[Path]:
        """Write the tables (CSV) and the summary (JSON) into ``folder``; return the paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / "synergy.csv", folder / "feature_scores.csv", folder / "cart.csv"]
        self.synergy.to_csv(paths[0], index=False)
        self.scores.to_csv(paths[1], index=False)
        self.cart.to_csv(paths[2], index=False)
        for case, b in self.boxes.items():
            b.trajectory.to_csv(folder / f"prim_trajectory_{case}.csv", index=False)
            b.limits.to_csv(folder / f"prim_box_{case}.csv")
            paths += [folder / f"prim_trajectory_{case}.csv", folder / f"prim_box_{case}.csv"]
        path = folder / "discovery.json"
        path.write_text(json.dumps(self.summary(), indent=2, default=float))
        return [*paths, path]


def _import_ema() -> None:
    """Import EMA Workbench without its notice about the optional ipyparallel."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel not installed")
        import ema_workbench  # noqa: F401


def synergy_by_point(
    results: pd.DataFrame,
    outcome: Outcome,
    parameters: list[str],
    treatment: str = "merge",
    control: str = "no_merge",
) -> pd.DataFrame:
    """Per design point: its parameter values and the mean paired synergy of ``outcome``.

    Args:
        results: rows of the store (``ResultStore.results()``).
        outcome: the indicator, year and scope.
        parameters: the design's parameter names (columns ``param_<name>``).
        treatment: the policy whose gain is measured.
        control: the policy it is measured against.

    Returns:
        One row per point with both policies' runs: ``point``, one column per parameter,
        ``synergy`` (mean of the paired differences), ``sd`` (their standard deviation,
        NaN for one replication), ``n`` (pairs) and ``control_mean``.
    """
    rows = results[
        (results["year"] == outcome.year)
        & (results["scope"] == outcome.scope)
        & (results["name"] == outcome.name)
    ]
    wide = rows.pivot_table(
        index=["point", "replication"],
        columns="policy",
        values=outcome.indicator,
        aggfunc="first",
    )
    if treatment not in wide or control not in wide:
        raise ValueError(f"the store needs runs of both {treatment!r} and {control!r}")
    wide = wide[[treatment, control]].dropna()
    diff = (wide[treatment] - wide[control]).groupby(level="point")
    out = pd.DataFrame(
        {
            "synergy": diff.mean(),
            "sd": diff.std(ddof=1),
            "n": diff.size(),
            "control_mean": wide[control].groupby(level="point").mean(),
        }
    )
    params = rows.groupby("point")[[param_column(p) for p in parameters]].first()
    params.columns = parameters
    return params.join(out, how="inner").reset_index().sort_values("point", kind="stable")


def prim_box(
    x: pd.DataFrame,
    cases: np.ndarray,
    case: str,
    *,
    min_density: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> PrimBoxResult | None:
    """The first PRIM box of ``cases`` among the points ``x``, or None without cases.

    The chosen step is the one with the largest coverage whose density reaches
    ``min_density`` (the densest step if none does).
    """
    _import_ema()
    from ema_workbench.analysis import prim

    n_cases = int(cases.sum())
    if n_cases == 0:
        return None
    with warnings.catch_warnings():
        # EMA Workbench 3.0 calls DataFrame.drop(inplace=True), deprecated in pandas 3.1.
        warnings.filterwarnings("ignore", message="The inplace keyword")
        alg = prim.Prim(x, cases.astype(int), peel_alpha=peel_alpha, mass_min=mass_min)
    box = alg.find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    dense = np.flatnonzero(trajectory["density"].to_numpy() >= min_density)
    chosen = int(dense[0]) if dense.size else int(trajectory["density"].to_numpy().argmax())
    # Among steps of equal coverage and density take the first (the fewest restrictions).
    box.select(chosen)
    _, lims = box.inspect(chosen, style="data")[0]
    lims = lims.copy()
    lims.columns = ["low", "high", "qp_low", "qp_high"]
    full = box.box_lims[0]
    lims.insert(2, "full_low", [float(full[p].iloc[0]) for p in lims.index])
    lims.insert(3, "full_high", [float(full[p].iloc[1]) for p in lims.index])
    lims.index.name = "parameter"
    return PrimBoxResult(case, trajectory, chosen, lims.astype(float), n_cases, box)


def cart_leaves(
    x: pd.DataFrame, cases: np.ndarray, *, mass_min: float = 0.05, seed: int = 0
) -> tuple[pd.DataFrame, Any]:
    """A CART classification tree of ``cases``; one row per leaf with its rule and stats.

    scikit-learn's tree breaks ties between equally good splits at random; EMA's ``CART``
    builds it from NumPy's global generator, which is seeded here (and restored after) so
    the tree depends on ``seed`` only.
    """
    _import_ema()
    from ema_workbench.analysis import cart

    # EMA truncates mass_min * points to an int; keep a leaf at least one point large.
    alg = cart.CART(x, cases.astype(int), mass_min=max(mass_min, 1.0 / len(x)))
    # EMA's CART leaves scikit-learn's random_state unset: the global generator decides.
    state = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(seed)  # noqa: NPY002
        alg.build_tree()
    finally:
        np.random.set_state(state)  # noqa: NPY002
    if alg.clf.tree_.node_count == 1:  # no split (one class): EMA's boxes need a split
        share = float(cases.mean())
        root = {"leaf": 0, "rule": "(all points)", "coverage": 1.0 if share else float("nan")}
        return pd.DataFrame([{**root, "density": share, "mass": 1.0, "res_dim": 0}]), alg
    full = x.agg(["min", "max"])
    rows = []
    for i, (lims, stats) in enumerate(zip(alg.boxes, alg.stats, strict=True)):
        rule = [
            f"{p} in [{lims[p].iloc[0]:.3g}, {lims[p].iloc[1]:.3g}]"
            for p in x.columns
            if lims[p].iloc[0] > full[p].iloc[0] or lims[p].iloc[1] < full[p].iloc[1]
        ]
        rows.append(
            {
                "leaf": i,
                "rule": " and ".join(rule) or "(all points)",
                "coverage": float(stats["coverage"]),
                "density": float(stats["density"]),
                "mass": float(stats["mass"]),
                "res_dim": int(stats["res dim"]),
            }
        )
    return pd.DataFrame(rows), alg


def feature_scores(x: pd.DataFrame, synergy: np.ndarray, *, seed: int = 0) -> pd.DataFrame:
    """Extra-trees feature scores of the synergy (regression), highest first."""
    _import_ema()
    from ema_workbench.analysis import feature_scoring
    from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

    # EMA's default, a third of the features per split, rounds to 0 for one parameter.
    scores, _ = feature_scoring.get_ex_feature_scores(
        x,
        synergy,
        mode=RuleInductionType.REGRESSION,
        max_features=max(1, round(x.shape[1] / 3)),
        random_state=seed,
    )
    frame = scores.reset_index()
    frame.columns = ["parameter", "score"]
    return frame


def discover(
    results: pd.DataFrame,
    outcome: Outcome,
    parameters: list[str],
    *,
    treatment: str = "merge",
    control: str = "no_merge",
    threshold: float = 0.0,
    min_density: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    seed: int = 0,
    expected_points: int | None = None,
) -> DiscoveryResult:
    """Synergy per design point, PRIM boxes (wins and losses), a CART tree, feature scores.

    Args:
        results: rows of the store.
        outcome: the outcome whose synergy is analysed.
        parameters: the design's uncertain parameters.
        treatment: the policy whose gain is measured (merge).
        control: the policy it is measured against (no_merge).
        threshold: a point is a win when its synergy exceeds this (outcome's unit), a loss
            when it is below.
        min_density: density the chosen PRIM box must reach.
        peel_alpha: share of points PRIM peels off per step.
        mass_min: smallest box (share of points) for PRIM and the CART leaves.
        seed: of CART's tie-breaking and the extra trees.
        expected_points: design size, to count points lost to failed runs.

    Returns:
        A :class:`DiscoveryResult`.

    Raises:
        DiscoveryError: fewer than 10 points have both policies' runs.
    """
    table = synergy_by_point(results, outcome, parameters, treatment, control)
    if len(table) < 10:
        raise DiscoveryError(
            f"scenario discovery needs at least 10 design points with both policies' runs, "
            f"have {len(table)}"
        )
    x = table[parameters].astype(float).reset_index(drop=True)
    syn = table["synergy"].to_numpy(dtype=float)
    boxes = {}
    for case, cases in (("wins", syn > threshold), ("loses", syn < threshold)):
        found = prim_box(
            x, cases, case, min_density=min_density, peel_alpha=peel_alpha, mass_min=mass_min
        )
        if found is not None:
            boxes[case] = found
    leaves, cart_model = cart_leaves(x, syn > threshold, mass_min=mass_min, seed=seed)
    return DiscoveryResult(
        outcome=outcome,
        treatment=treatment,
        control=control,
        threshold=threshold,
        synergy=table.reset_index(drop=True),
        parameters=list(parameters),
        boxes=boxes,
        cart=leaves,
        scores=feature_scores(x, syn, seed=seed),
        cart_model=cart_model,
        dropped_points=max(0, (expected_points or len(table)) - len(table)),
    )
