"""Validation of the core-periphery case: tomahawk diagram and break/sustain table.

The closed forms and the deterministic two-region simulator are in
:mod:`sim.economy.core_periphery` (Krugman 1991; Baldwin et al. 2003, ch. 2); this
module only tabulates and plots them for ``docs/validation.md``. Regenerate with::

    python -m sim.validation_cp docs/img

which writes ``docs/img/validation_cp_tomahawk.png`` and prints the table. Matplotlib
is imported only inside the plotting function.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.economy import core_periphery as cp

__all__ = [
    "CP_PARAMETER_SETS",
    "MIGRATION_RATE",
    "bifurcation_table",
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


def plot_tomahawk(
    path: str | Path, sets: Sequence[tuple[float, float]] = CP_PARAMETER_SETS
) -> pd.DataFrame:
    """Draw the CP tomahawk (closed-form equilibria and simulated long run) to ``path``.

    Returns:
        The simulated points (:func:`simulated_tomahawk` for every set), for the docs.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(sets), figsize=(4.2 * len(sets), 4.0), squeeze=False)
    sims = []
    for ax, (sigma, mu) in zip(axes[0], sets, strict=True):
        phi_s, phi_b = cp.sustain_point(sigma, mu), cp.break_point(sigma, mu)
        top = min(0.95, 1.6 * phi_b)
        phis = np.unique(
            np.concatenate([np.linspace(0.01 * phi_b, top, 120), np.linspace(phi_s, phi_b, 40)])
        )
        rows = pd.DataFrame(cp.tomahawk(phis, sigma, mu))
        st, un = rows[rows.stable], rows[~rows.stable]
        ax.plot(st.phi, st.share, "k.", ms=2, label="stable (solver)")
        ax.plot(un.phi, un.share, ".", color="0.6", ms=1.5, label="unstable (solver)")
        sim = simulated_tomahawk(sigma, mu, tomahawk_phis(sigma, mu))
        sims.append(sim)
        for s0, marker, colour in ((0.52, "o", "tab:blue"), (1.0, "^", "tab:red")):
            d = sim[np.isclose(sim.share0, s0)]
            ax.plot(
                d.phi, d.simulated, marker, mfc="none", color=colour, label=f"simulated, λ0={s0:g}"
            )
        ax.axvline(phi_s, color="tab:green", ls=":", lw=1)
        ax.axvline(phi_b, color="tab:purple", ls=":", lw=1)
        ax.set_title(f"σ={sigma:g}, μ={mu:g}: φS={phi_s:.4f}, φB={phi_b:.4f}", fontsize=9)
        ax.set_xlabel("trade freeness φ")
        ax.set_ylim(-0.03, 1.03)
    axes[0][0].set_ylabel("long-run share of mobile workers in A, λ")
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.suptitle("Core-periphery model (Krugman 1991): migration (L2) over the tomahawk")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return pd.concat(sims, ignore_index=True)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m sim.validation_cp [OUT_DIR]``: write the figure, print the tables."""
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0] if args else "docs/img")
    out.mkdir(parents=True, exist_ok=True)
    print(bifurcation_table().to_string(index=False, float_format=lambda x: f"{x:.6g}"))
    sims = plot_tomahawk(out / "validation_cp_tomahawk.png")
    worst = (sims.simulated - sims.predicted).abs().max()
    print(f"{len(sims)} simulated runs; largest |simulated - predicted| = {worst:.2e}")


if __name__ == "__main__":
    main()
