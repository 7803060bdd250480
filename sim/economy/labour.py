"""Regional labour markets: wages (docs/ODD.md, L1).

w_r = w (1 + epsilon S_r / L_r)                                                      (L1)

a wage curve: the regional wage rises with the share of the labour force that
manufacturing employs (S_r, persons), with elasticity epsilon (``wage_elasticity``).
Worker migration between regions (L2) is in :mod:`sim.economy.migration`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["regional_wages"]


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
