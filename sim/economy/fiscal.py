"""Taxes and the budget cost of privileges (docs/ODD.md, F1-F3).

T_i = t_pi * max(pi_i, 0) * (1 - r_i^pi) + t_y * Y_i * (1 - r_i^y) + t_w * wage bill_i  (F1)
C_i = t_pi * max(pi_i, 0) * r_i^pi + t_y * Y_i * r_i^y + d m Y_i c_i                       (F2)

C_i is the budget cost of privileges: taxes forgone plus the import duty d forgone on
imported inputs (m per unit of turnover) of a participant with customs level c_i. The
government books the sums (:class:`sim.agents.government.Government`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["taxes_and_privilege_cost"]


@njit(cache=True)
def taxes_and_privilege_cost(
    profit: np.ndarray,
    turnover: np.ndarray,
    wage_bill: np.ndarray,
    profit_relief: np.ndarray,
    turnover_relief: np.ndarray,
    profit_tax_rate: float,
    turnover_tax_rate: float,
    payroll_tax_rate: float,
    customs_level: np.ndarray,
    duty_on_turnover: float,
    paid: np.ndarray,
    cost: np.ndarray,
) -> tuple[float, float]:
    """Taxes paid (F1) and privilege cost (F2) per firm, written into ``paid`` and ``cost``.

    Args:
        profit: (N,) pi_i, million currency units per year.
        turnover: (N,) Y_i, million currency units per year.
        wage_bill: (N,) million currency units per year.
        profit_relief: (N,) r_i^pi, share of the profit tax forgone, in [0, 1].
        turnover_relief: (N,) r_i^y, share of the turnover tax forgone, in [0, 1].
        profit_tax_rate: t_pi.
        turnover_tax_rate: t_y.
        payroll_tax_rate: t_w.
        customs_level: (N,) c_i, the firm's customs exemption level (0: none).
        duty_on_turnover: d m, import duty forgone per unit of turnover at level 1.
        paid: (N,) output T_i, million currency units per year.
        cost: (N,) output C_i, million currency units per year.

    Returns:
        The totals ``(sum paid, sum cost)``, added in row order.
    """
    total_paid = 0.0
    total_cost = 0.0
    for i in range(profit.size):
        base_profit = max(profit[i], 0.0) * profit_tax_rate
        base_turnover = turnover[i] * turnover_tax_rate
        t = (
            base_profit * (1.0 - profit_relief[i])
            + base_turnover * (1.0 - turnover_relief[i])
            + wage_bill[i] * payroll_tax_rate
        )
        c = (
            base_profit * profit_relief[i]
            + base_turnover * turnover_relief[i]
            + duty_on_turnover * turnover[i] * customs_level[i]
        )
        paid[i] = t
        cost[i] = c
        total_paid += t
        total_cost += c
    return total_paid, total_cost
