"""Taxes and the budget cost of privileges (docs/ODD.md, F1-F3).

T_i = t_pi * max(pi_i, 0) * (1 - r_i^pi) + t_y * Y_i * (1 - r_i^y) + t_w * wage bill_i
C_i = t_pi * max(pi_i, 0) * r_i^pi + t_y * Y_i * r_i^y        (tax forgone: privilege cost)
"""

from __future__ import annotations

import numpy as np

__all__ = ["taxes_and_privilege_cost"]


def taxes_and_privilege_cost(
    profit: np.ndarray,
    turnover: np.ndarray,
    wage_bill: np.ndarray,
    profit_relief: np.ndarray,
    turnover_relief: np.ndarray,
    profit_tax_rate: float,
    turnover_tax_rate: float,
    payroll_tax_rate: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (taxes paid, privilege cost) per firm, million currency units per year."""
    base_profit = np.maximum(profit, 0.0) * profit_tax_rate
    base_turnover = turnover * turnover_tax_rate
    paid = (
        base_profit * (1.0 - profit_relief)
        + base_turnover * (1.0 - turnover_relief)
        + wage_bill * payroll_tax_rate
    )
    cost = base_profit * profit_relief + base_turnover * turnover_relief
    return paid, cost
