"""Closed forms of the footloose-entrepreneur (FE) model (validation case).

Forslid & Ottaviano (2003); Baldwin, Forslid, Martin, Ottaviano & Robert-Nicoud
(2003), *Economic Geography and Public Policy*, ch. 4. Two regions, one
manufacturing sector with expenditure share mu and elasticity sigma, mobile
entrepreneurs (one per firm), immobile workers split by s_L, freeness phi.
Notation: a = mu / (sigma - 1), b = mu / sigma.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

__all__ = [
    "adjustment_limit",
    "break_point",
    "equilibria",
    "expenditures",
    "home_market_share",
    "real_profit_gap",
    "real_profits",
    "sustain_point",
]


def break_point(sigma: float, mu: float) -> float:
    """phi_B = (1 - a)(1 - b) / ((1 + a)(1 + b)): symmetric dispersion breaks above it.

    Equivalently (sigma - mu)(sigma - 1 - mu) / ((sigma + mu)(sigma - 1 + mu)).
    Requires the no-black-hole condition mu < sigma - 1.
    """
    if not mu < sigma - 1:
        raise ValueError(f"no-black-hole condition mu < sigma - 1 fails (mu={mu}, sigma={sigma})")
    return (sigma - mu) * (sigma - 1 - mu) / ((sigma + mu) * (sigma - 1 + mu))


def sustain_point(sigma: float, mu: float) -> float:
    """phi_S: full agglomeration in one region is stable for phi above it.

    Root in (0, 1) of phi**a * ((1 + b)/2 * phi + (1 - b)/(2 phi)) = 1, the real profit
    of a lone deviant firm in the empty region relative to the core (symmetric
    labour, s_L = 1/2).
    """
    a, b = mu / (sigma - 1), mu / sigma

    def deviant(phi: float) -> float:
        return phi**a * ((1 + b) / 2 * phi + (1 - b) / (2 * phi)) - 1.0

    return brentq(deviant, 1e-9, 1 - 1e-12, xtol=1e-14)


def real_profits(share: float, phi: float, sigma: float, mu: float, s_l: float = 0.5):
    """Real operating profit per firm in regions A and B at firm share ``share`` in A.

    Solves the FE expenditure equations exactly (with total labour 1 and one unit of
    entrepreneurs): E_A = s_L + s pi_A, E_B = 1 - s_L + (1 - s) pi_B,
    pi = b (E_A / Delta_A-term + phi E_B / Delta_B-term).

    Returns:
        (omega_A, omega_B): nominal profit deflated by P**mu.
    """
    b = mu / sigma
    s = share
    da, db = s + phi * (1 - s), phi * s + 1 - s
    ea, eb = expenditures(share, phi, sigma, mu, s_l)
    pa = b * (ea / da + phi * eb / db)
    pb = b * (phi * ea / da + eb / db)
    exp = mu / (sigma - 1)
    return pa * da**exp, pb * db**exp


def real_profit_gap(share: float, phi: float, sigma: float, mu: float, s_l: float = 0.5) -> float:
    """omega_A - omega_B at ``share``; the sign gives the direction of relocation."""
    wa, wb = real_profits(share, phi, sigma, mu, s_l)
    return wa - wb


# ---------------------------------------------------------------------------------
# Equilibria and the home-market effect (validation, docs/validation.md).


def expenditures(
    share: float, phi: float, sigma: float, mu: float, s_l: float = 0.5
) -> tuple[float, float]:
    """Expenditure (E_A, E_B) at firm share ``share`` in A, total labour 1.

    The linear system behind :func:`real_profits`: E_A = s_L + s pi_A,
    E_B = 1 - s_L + (1 - s) pi_B (Forslid & Ottaviano 2003, eq. 9).
    """
    b = mu / sigma
    s = share
    da, db = s + phi * (1 - s), phi * s + 1 - s
    m = np.array(
        [
            [1 - s * b / da, -s * b * phi / db],
            [-(1 - s) * b * phi / da, 1 - (1 - s) * b / db],
        ]
    )
    ea, eb = np.linalg.solve(m, np.array([s_l, 1 - s_l]))
    return float(ea), float(eb)


def equilibria(
    phi: float, sigma: float, mu: float, s_l: float = 0.5, grid: int = 2001
) -> list[tuple[float, bool]]:
    """Every long-run equilibrium share of firms in A, with its stability.

    Rest points of the adjustment dynamics ds/dt ~ s (1 - s) gap(s), gap the real
    profit gap (ODD D4): interior roots of the gap (found by sign changes on a grid of
    ``grid`` points and refined with brentq) and the corners s = 0, 1. An interior root is
    stable when the gap falls through it; the core s = 1 is stable when a lone deviant in
    B earns less (gap(1) > 0, i.e. phi > phi_S), s = 0 symmetrically.

    Returns:
        [(share, stable), ...] sorted by share.
    """

    def gap(s: float) -> float:
        return real_profit_gap(s, phi, sigma, mu, s_l)

    xs = np.linspace(0.0, 1.0, grid)
    values = np.array([gap(x) for x in xs])
    out = [(0.0, bool(values[0] < 0)), (1.0, bool(values[-1] > 0))]
    for i in range(1, grid - 2):
        lo, hi = values[i], values[i + 1]
        if lo == 0.0:
            out.append((float(xs[i]), bool(values[i - 1] > 0 > hi)))
        elif lo * hi < 0:
            root = brentq(gap, xs[i], xs[i + 1], xtol=1e-13)
            out.append((float(root), bool(lo > 0 > hi)))
    return sorted(out)


def adjustment_limit(share0: float, phi: float, sigma: float, mu: float, s_l: float = 0.5) -> float:
    """Where the adjustment dynamics ds/dt ~ s (1 - s) gap(s) lead from ``share0``.

    Firms move toward the region with the higher real profit, so s rises to the
    nearest equilibrium above ``share0`` when gap(share0) > 0 and falls to the nearest
    one below when gap(share0) < 0. Between phi_S and phi_B the answer depends on
    ``share0``: the hysteresis of the FE model.
    """
    g = real_profit_gap(share0, phi, sigma, mu, s_l)
    if g == 0.0:
        return float(share0)
    points = [s for s, _ in equilibria(phi, sigma, mu, s_l)]
    if g > 0:
        return min(s for s in points if s > share0)
    return max(s for s in points if s < share0)


def home_market_share(phi: float, sigma: float, mu: float, s_l: float) -> float | None:
    """Stable interior equilibrium share of firms in A when A has labour share ``s_l``.

    The home-market effect (Krugman 1980; Baldwin et al. 2003, ch. 4): for s_L > 1/2 the
    larger region hosts a more than proportional share of firms, s* > s_E > s_L, with
    s_E = E_A / (E_A + E_B) from :func:`expenditures`. The FE model has no explicit
    formula for s*; it is the root of real_profit_gap(s) = 0 (brentq). Returns None
    when no interior equilibrium is stable (the larger region holds the whole
    industry).
    """
    stable = [s for s, ok in equilibria(phi, sigma, mu, s_l) if ok and 0.0 < s < 1.0]
    return stable[0] if len(stable) == 1 else None
