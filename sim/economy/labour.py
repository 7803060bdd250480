"""Regional labour markets: wages (docs/ODD.md, L1 and, in the core-periphery mode, L3).

w_r = w (1 + epsilon S_r / L_r)                                                      (L1)

a wage curve: the regional wage rises with the share of the labour force that
manufacturing employs (S_r, persons), with elasticity epsilon (``wage_elasticity``).
Worker migration between regions (L2) is in :mod:`sim.economy.migration`.

In the core-periphery mode (``core_periphery``, docs/ODD.md 7.8) the wage instead
clears the market of the mobile manufacturing workers every year:

    d_r(w) = 1  for every region r                                                  (L3)

with d_r(w) the labour demanded per worker of r at wages w when every region holds the
same number of firms per worker (firms tied to workers), computed by the market
equations M1-M7 themselves. Solved by Newton's method in log wages with a
finite-difference Jacobian (R + 1 market solves per step), as the solver of
sim/economy/core_periphery.py solves the wage equation
w_r**sigma = sum_s phi_rs Y_s G_s**(sigma - 1) (C3), which L3 is with the model's
market equations (Fujita, Krugman & Venables 1999, ch. 5).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["clearing_wages", "regional_wages", "tied_labour_demand"]


def regional_wages(
    base_wage: float, elasticity: float, employment: np.ndarray, labour_force: np.ndarray
) -> np.ndarray:
    """(R,) wages, million currency units per worker-year  (L1).

    Args:
        base_wage: w, the wage at zero manufacturing employment.
        elasticity: epsilon.
        employment: (R,) manufacturing employment S_r, persons.
        labour_force: (R,) L_r, persons.
    """
    return base_wage * (1.0 + elasticity * employment / labour_force)


def tied_labour_demand(
    labour_per_firm: np.ndarray, firms: np.ndarray, labour_force: float
) -> np.ndarray:
    """(R,) labour demanded per worker when firms are tied to workers  (L3).

    d_r = sum_k (N_k / L) l_kr: each region holds N_k / L firms of sector k per worker.

    Args:
        labour_per_firm: (K, R) l_kr, persons a firm of sector k in r demands at this
            year's wage and market access.
        firms: (K,) N_k, producing firms of each sector.
        labour_force: L, total workers (persons).
    """
    return firms @ labour_per_firm / labour_force


def clearing_wages(
    demand_per_worker: Callable[[np.ndarray], np.ndarray],
    wages: np.ndarray,
    *,
    tol: float = 1e-12,
    max_steps: int = 50,
    step: float = 1e-6,
) -> np.ndarray:
    """(R,) wages that clear every region's market of mobile workers  (L3).

    Newton's method on h(x) = ln d(e**x) = 0, x the log wages, from ``wages``; the
    Jacobian by forward differences of size ``step``; each Newton step clipped to 1 in
    log. Stops when max |h| < ``tol``.

    Args:
        demand_per_worker: d(w), (R,) labour demanded per worker at wages w (> 0).
        wages: (R,) starting wages, million currency units per worker-year.
        tol: largest |ln d_r| accepted.
        max_steps: Newton steps before RuntimeError.
        step: finite-difference step in log wages.
    """
    x = np.log(np.asarray(wages, dtype=float))
    for _ in range(max_steps):
        h = np.log(demand_per_worker(np.exp(x)))
        if np.max(np.abs(h)) < tol:
            return np.exp(x)
        jacobian = np.empty((x.size, x.size))
        for s in range(x.size):
            shifted = x.copy()
            shifted[s] += step
            jacobian[:, s] = (np.log(demand_per_worker(np.exp(shifted))) - h) / step
        x = x - np.clip(np.linalg.solve(jacobian, h), -1.0, 1.0)
    raise RuntimeError(f"wages did not clear the labour markets in {max_steps} steps")
