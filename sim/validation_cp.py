"""Validation of the core-periphery case: tomahawk diagram and break/sustain table.

The closed forms and the deterministic two-region simulator are in
:mod:`sim.economy.core_periphery` (Krugman 1991; Baldwin et al. 2003, ch. 2); this
module only tabulates and plots them for ``docs/validation.md``. Regenerate with::

    python -m sim.validation_cp docs/img

which writes ``docs/img/validation_cp_tomahawk.png`` and prints the table. The agent
model's core-periphery case (``scenarios/cp_two_region.yaml``, docs/ODD.md 7.8) against
the same solver::

    python -m sim.validation_cp --agent docs/img

writes ``docs/img/validation_cp_agent_tomahawk.png`` and prints where the agent model's
break and sustain points lie against the closed forms. Matplotlib is imported only
inside the plotting functions.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.economy import core_periphery as cp

#: The agent model's core-periphery case.
CP_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "cp_two_region.yaml"
#: Years the agent model runs for a long-run share (the scenario's whole horizon).
AGENT_YEARS = 300

__all__ = [
    "AGENT_YEARS",
    "CP_PARAMETER_SETS",
    "CP_SCENARIO",
    "MIGRATION_RATE",
    "agent_bifurcation_table",
    "agent_long_run",
    "agent_real_wage_ratio",
    "agent_tomahawk",
    "bifurcation_table",
    "plot_agent_tomahawk",
    "plot_tomahawk",
    "simulated_tomahawk",
    "tomahawk_phis",
]

#: (sigma, mu) sets of the diagram; all satisfy the no-black-hole condition sigma (1 - mu) > 1.
CP_PARAMETER_SETS: tuple[tuple[float, float], ...] = (
    (5.0, 0.4),
    (4.0, 0.6),
    (3.0, 0.5),
    (5.0, 0.3),
)
#: Migration rate of the simulated points (1/year per unit relative real-wage gap), no cost.
MIGRATION_RATE = 1.0


def _solver_tomahawk(ax, sigma: float, mu: float) -> tuple[float, float]:
    """Draw the solver's stable and unstable equilibria on ``ax``; return (phi_S, phi_B)."""
    phi_s, phi_b = cp.sustain_point(sigma, mu), cp.break_point(sigma, mu)
    top = min(0.95, 1.6 * phi_b)
    phis = np.unique(
        np.concatenate([np.linspace(0.01 * phi_b, top, 120), np.linspace(phi_s, phi_b, 40)])
    )
    rows = pd.DataFrame(cp.tomahawk(phis, sigma, mu))
    st, un = rows[rows.stable], rows[~rows.stable]
    ax.plot(st.phi, st.share, "k.", ms=2, label="stable (solver)")
    ax.plot(un.phi, un.share, ".", color="0.6", ms=1.5, label="unstable (solver)")
    return phi_s, phi_b


def bifurcation_table(sets: Iterable[tuple[float, float]] = CP_PARAMETER_SETS) -> pd.DataFrame:
    """phi_S and phi_B (and the matching trade costs T = phi**(1 / (1 - sigma))) per set."""
    rows = []
    for sigma, mu in sets:
        phi_s, phi_b = cp.sustain_point(sigma, mu), cp.break_point(sigma, mu)
        rows.append(
            dict(
                sigma=sigma,
                mu=mu,
                phi_sustain=phi_s,
                phi_break=phi_b,
                tau_sustain=phi_s ** (1 / (1 - sigma)),
                tau_break=phi_b ** (1 / (1 - sigma)),
            )
        )
    return pd.DataFrame(rows)


def tomahawk_phis(sigma: float, mu: float, n: int = 12) -> np.ndarray:
    """Freeness values for simulated points: n over (0, 1.6 phi_B], 3 inside (phi_S, phi_B)."""
    phi_s, phi_b = cp.sustain_point(sigma, mu), cp.break_point(sigma, mu)
    outside = np.linspace(0.05 * phi_b, min(0.95, 1.6 * phi_b), n)
    inside = phi_s + (phi_b - phi_s) * np.array([0.25, 0.5, 0.75])
    return np.unique(np.concatenate([outside, inside]))


def simulated_tomahawk(
    sigma: float,
    mu: float,
    phis: Iterable[float],
    starts: Sequence[float] = (0.52, 1.0),
    migration_rate: float = MIGRATION_RATE,
) -> pd.DataFrame:
    """Long-run share of the simulator (:func:`cp.simulate`) against the predicted equilibrium.

    Returns:
        Columns sigma, mu, phi, share0, simulated, predicted (:func:`cp.adjustment_limit`).
    """
    rows = []
    for phi in phis:
        for s0 in starts:
            path = cp.simulate(
                s0, float(phi), sigma, mu, migration_rate=migration_rate, tol=1e-9, years=20_000
            )
            rows.append(
                dict(
                    sigma=sigma,
                    mu=mu,
                    phi=float(phi),
                    share0=s0,
                    simulated=path[-1],
                    predicted=cp.adjustment_limit(s0, float(phi), sigma, mu),
                )
            )
    return pd.DataFrame(rows)


def _plot_over_tomahawk(
    path: str | Path,
    sets: Sequence[tuple[float, float]],
    simulate: Callable[[float, float], pd.DataFrame],
    column: str,
    label: str,
    ylabel: str,
    title: str,
) -> pd.DataFrame:
    """One panel per (sigma, mu): the solver's tomahawk with simulated long-run shares.

    ``simulate(sigma, mu)`` returns rows with ``phi``, ``share0`` and ``column``; each
    starting share is drawn with its own marker. Returns the simulated rows of every set.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(sets), figsize=(4.2 * len(sets), 4.0), squeeze=False)
    rows = []
    for ax, (sigma, mu) in zip(axes[0], sets, strict=True):
        phi_s, phi_b = _solver_tomahawk(ax, sigma, mu)
        sim = simulate(sigma, mu)
        rows.append(sim)
        for s0, marker, colour in ((0.52, "o", "tab:blue"), (1.0, "^", "tab:red")):
            d = sim[np.isclose(sim.share0, s0)]
            ax.plot(d.phi, d[column], marker, mfc="none", color=colour, label=f"{label}, λ0={s0:g}")
        ax.axvline(phi_s, color="tab:green", ls=":", lw=1)
        ax.axvline(phi_b, color="tab:purple", ls=":", lw=1)
        ax.set_title(f"σ={sigma:g}, μ={mu:g}: φS={phi_s:.4f}, φB={phi_b:.4f}", fontsize=9)
        ax.set_xlabel("trade freeness φ")
        ax.set_ylim(-0.03, 1.03)
    axes[0][0].set_ylabel(ylabel)
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.suptitle(title)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return pd.concat(rows, ignore_index=True)


def plot_tomahawk(
    path: str | Path, sets: Sequence[tuple[float, float]] = CP_PARAMETER_SETS
) -> pd.DataFrame:
    """Draw the CP tomahawk (closed-form equilibria and simulated long run) to ``path``.

    Returns:
        The simulated points (:func:`simulated_tomahawk` for every set), for the docs.
    """
    return _plot_over_tomahawk(
        path,
        sets,
        lambda sigma, mu: simulated_tomahawk(sigma, mu, tomahawk_phis(sigma, mu)),
        column="simulated",
        label="simulated",
        ylabel="long-run share of mobile workers in A, λ",
        title="Core-periphery model (Krugman 1991): migration (L2) over the tomahawk",
    )


def _agent_model(sigma: float, mu: float, phi: float, share0: float, **changes):
    from sim.model import SEZClusterModel  # the model only for these functions

    return SEZClusterModel(
        CP_SCENARIO,
        rng=1,
        trade_freeness=phi,
        sigma=sigma,
        initial_share_a=share0,
        **{"sectors.manufacturing.expenditure_share": mu},
        **changes,
    )


def agent_long_run(
    sigma: float, mu: float, phi: float, share0: float, years: int = AGENT_YEARS
) -> float:
    """Share of firms in A (``industry_share_a``) after ``years`` of the agent model."""
    m = _agent_model(sigma, mu, phi, share0)
    m.run(until=m.spec.start_year + years - 1)
    return float(m.recorder.last_national("industry_share_a"))


def agent_real_wage_ratio(sigma: float, mu: float, phi: float, share: float) -> float:
    """omega_A / omega_B of the agent model held at ``share`` (no migration, wages by L3)."""
    m = _agent_model(sigma, mu, phi, share, migration_rate=0.0)
    m.step()
    omega = m.wages / m.price_level
    return float(omega[0] / omega[1])


def agent_tomahawk(
    sigma: float, mu: float, phis: Iterable[float], starts: Sequence[float] = (0.52, 1.0)
) -> pd.DataFrame:
    """Long-run share of the agent model against the solver's predicted equilibrium.

    Returns:
        Columns sigma, mu, phi, share0, agent, predicted (:func:`cp.adjustment_limit`).
    """
    rows = []
    for phi in phis:
        for s0 in starts:
            rows.append(
                dict(
                    sigma=sigma,
                    mu=mu,
                    phi=float(phi),
                    share0=s0,
                    agent=agent_long_run(sigma, mu, float(phi), s0),
                    predicted=cp.adjustment_limit(s0, float(phi), sigma, mu),
                )
            )
    return pd.DataFrame(rows)


def agent_bifurcation_table(
    sets: Iterable[tuple[float, float]] = CP_PARAMETER_SETS, step: float = 0.005
) -> pd.DataFrame:
    """The agent model's sustain and break points against the solver's.

    Sustain: the phi at which omega_B / omega_A at the core (lambda = 1) is 1 in the agent
    model with migration off (brentq on ln phi). Break: the phi at which
    omega_A / omega_B = 1 at lambda = 1/2 + ``step`` (a finite-difference break point;
    ``phi_break_fd`` is the solver's at the same step, ``phi_break`` the closed form).
    """
    from scipy.optimize import brentq

    rows = []
    share = 0.5 + step
    for sigma, mu in sets:
        phi_s, phi_b = cp.sustain_point(sigma, mu), cp.break_point(sigma, mu)

        def core(x: float, sigma: float = sigma, mu: float = mu) -> float:
            return np.log(agent_real_wage_ratio(sigma, mu, np.exp(x), 1.0))

        def tilt(x: float, sigma: float = sigma, mu: float = mu) -> float:
            return np.log(agent_real_wage_ratio(sigma, mu, np.exp(x), share))

        def tilt_solver(x: float, sigma: float = sigma, mu: float = mu) -> float:
            sr = cp.short_run_equilibrium(share, np.exp(x), sigma, mu)
            return np.log(sr.real_wage_a / sr.real_wage_b)

        lo_s, hi_s = np.log(0.8 * phi_s), np.log(min(1.2 * phi_s, phi_b))
        lo_b, hi_b = np.log(0.8 * phi_b), np.log(min(1.2 * phi_b, 0.99))
        rows.append(
            dict(
                sigma=sigma,
                mu=mu,
                phi_sustain=phi_s,
                agent_sustain=float(np.exp(brentq(core, lo_s, hi_s, xtol=1e-10))),
                phi_break=phi_b,
                phi_break_fd=float(np.exp(brentq(tilt_solver, lo_b, hi_b, xtol=1e-12))),
                agent_break=float(np.exp(brentq(tilt, lo_b, hi_b, xtol=1e-10))),
            )
        )
    return pd.DataFrame(rows)


def plot_agent_tomahawk(
    path: str | Path, sets: Sequence[tuple[float, float]] = CP_PARAMETER_SETS
) -> pd.DataFrame:
    """Draw the solver's tomahawk with the agent model's long-run shares to ``path``.

    Returns:
        The agent model's runs (:func:`agent_tomahawk` for every set).
    """
    return _plot_over_tomahawk(
        path,
        sets,
        lambda sigma, mu: agent_tomahawk(sigma, mu, tomahawk_phis(sigma, mu, n=6)),
        column="agent",
        label="agent model",
        ylabel="long-run share of manufacturing in A",
        title=(
            f"Agent model, scenarios/cp_two_region.yaml ({AGENT_YEARS} years) over the CP tomahawk"
        ),
    )


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m sim.validation_cp [--agent] [OUT_DIR]``: write the figure, print tables."""
    args = list(sys.argv[1:] if argv is None else argv)
    agent = "--agent" in args
    args = [a for a in args if a != "--agent"]
    out = Path(args[0] if args else "docs/img")
    out.mkdir(parents=True, exist_ok=True)
    fmt = dict(index=False, float_format=lambda x: f"{x:.6g}")
    if agent:
        runs = plot_agent_tomahawk(out / "validation_cp_agent_tomahawk.png")
        print(runs.to_string(**fmt))
        worst = (runs.agent - runs.predicted).abs().max()
        print(f"{len(runs)} agent-model runs; largest |agent - predicted| = {worst:.2e}")
        print(agent_bifurcation_table().to_string(**fmt))
        return
    print(bifurcation_table().to_string(index=False, float_format=lambda x: f"{x:.6g}"))
    sims = plot_tomahawk(out / "validation_cp_tomahawk.png")
    worst = (sims.simulated - sims.predicted).abs().max()
    print(f"{len(sims)} simulated runs; largest |simulated - predicted| = {worst:.2e}")


if __name__ == "__main__":
    main()
