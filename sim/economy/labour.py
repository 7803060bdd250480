"""Regional labour markets: wages (docs/ODD.md, L1).

w_r = w (1 + epsilon S_r / L_r)                                                      (L1)

a wage curve: the regional wage rises with the share of the labour force that
manufacturing employs (S_r, persons), with elasticity epsilon (``wage_elasticity``).
Worker migration between regions (L2) is in :mod:`sim.economy.migration`.

In the core-periphery mode (``core_periphery``, docs/ODD.md 7.8) the wage instead
clears the market of the mobile manufacturing workers:

    w_r' = w_r * (d_r)**(1 / sigma)                                                 (L3)

with d_r the labour demanded per worker of r when every region holds the same number
of firms per worker (firms tied to workers). A firm's labour demand falls with its
wage as w**(-sigma) at given market access (M4), so L3 is the wage that clears the
market at this year's access: one step of Fujita, Krugman & Venables' (1999, ch. 5)
iteration on the wage equation w_r**sigma = sum_s phi_rs Y_s G_s**(sigma - 1). Its
rest point d_r = 1 is that equation (C3 of sim/economy/core_periphery.py).
"""

from __future__ import annotations

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


def clearing_wages(wages: np.ndarray, demand_per_worker: np.ndarray, sigma: float) -> np.ndarray:
    """(R,) next year's wages, million currency units per worker-year  (L3).

    w_r' = w_r d_r**(1 / sigma): the wage at which a firm's demand, falling as
    w**(-sigma) at given market access, employs exactly the region's share of workers.

    Args:
        wages: (R,) this year's w_r.
        demand_per_worker: (R,) d_r from :func:`tied_labour_demand`, > 0.
        sigma: elasticity of substitution.
    """
    return wages * demand_per_worker ** (1.0 / sigma)
