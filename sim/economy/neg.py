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
    "break_point",
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
    # Linear system in (E_A, E_B).
    m = np.array(
        [
            [1 - s * b / da, -s * b * phi / db],
            [-(1 - s) * b * phi / da, 1 - (1 - s) * b / db],
        ]
    )
    ea, eb = np.linalg.solve(m, np.array([s_l, 1 - s_l]))
    pa = b * (ea / da + phi * eb / db)
    pb = b * (phi * ea / da + eb / db)
    exp = mu / (sigma - 1)
    return pa * da**exp, pb * db**exp


def real_profit_gap(share: float, phi: float, sigma: float, mu: float, s_l: float = 0.5) -> float:
    """omega_A - omega_B at ``share``; the sign gives the direction of relocation."""
    wa, wb = real_profits(share, phi, sigma, mu, s_l)
    return wa - wb
