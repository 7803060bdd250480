"""Incumbents that decide: start or stop exporting, join or leave a cluster (X1-X2, J1-J2).

X1  pi^X_i = m_i X^_i                          expected after-tax export profit, with
    m_i = (1 - t_pi (1 - r^pi_i)) / sigma - t_y (1 - r^y_i)   the after-tax operating
    margin of D3 (privileges included) and X^_i = p_i^(1-sigma) phi^w_i s_k the exports
    firm i would sell this year as an exporter (M6; customs relief in phi^w_i)
X2  a non-exporter starts if pi^X_i > f_x + a S; an exporter stops if pi^X_i < f_x
    (sunk-cost hysteresis: Dixit 1989, Roberts & Tybout 1997, Das, Roberts & Tybout
    2007; a = r + delta annualises the sunk cost S). Exporters pay f_x a year, starters
    S once, out of profit.
J1  B_ic = m_i Y_i (e^{(sigma-1) g_cr} - 1) - f Y_i   for a non-member of cluster c in
    region r; B_i = m_i Y_i (1 - e^{-(sigma-1) g_cr}) - f Y_i for a member (its turnover
    already holds the gain): the expected after-tax gain of the cluster's log-productivity
    gain g_cr (coordination, institute links, the integrator's links: D3c) less the
    integrator's fee f on turnover (N1)
J2  a non-member joins the cluster with the largest B_ic if B_ic > c_m; a member leaves
    if B_i < c_m. Members pay c_m a year out of profit.

Functions of arrays only: no Mesa, no model (docs/contributing.md).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "after_tax_margin",
    "export_decisions",
    "membership_benefit",
    "membership_decisions",
]


def after_tax_margin(
    sigma: float,
    profit_tax_rate: float,
    turnover_tax_rate: float,
    profit_relief: np.ndarray,
    turnover_relief: np.ndarray,
) -> np.ndarray:
    """After-tax operating profit per unit of turnover, per firm  (X1, J1).

    ``m_i = (1 - t_pi (1 - r^pi_i)) / sigma - t_y (1 - r^y_i)``: operating profit is
    ``1/sigma`` of turnover (M6); the profit tax falls on it and the turnover tax on
    turnover, each less the firm's relief (F1), as in an entrant's location value (D3).

    Args:
        sigma: elasticity of substitution.
        profit_tax_rate: t_pi.
        turnover_tax_rate: t_y.
        profit_relief: (N,) r^pi_i, share of the profit tax forgone.
        turnover_relief: (N,) r^y_i, share of the turnover tax forgone.

    Returns:
        (N,) margin, 1.
    """
    return (1.0 - profit_tax_rate * (1.0 - profit_relief)) / sigma - turnover_tax_rate * (
        1.0 - turnover_relief
    )


@njit(cache=True)
def export_decisions(
    decides: np.ndarray,
    export_profit: np.ndarray,
    fixed_cost: float,
    sunk_cost: float,
    sunk_annuity: float,
    exporter: np.ndarray,
    profit: np.ndarray,
) -> tuple[int, int]:
    """Start or stop exporting by expected export profit, with a sunk cost  (X2).

    For a firm that decides (a live domestic producer): an exporter pays ``f_x`` out of
    this year's profit and stops (from next year) if ``pi^X_i < f_x``; a non-exporter
    starts if ``pi^X_i > f_x + a S`` and pays ``S`` out of this year's profit. Other rows
    are left as they are. In place.

    Args:
        decides: (N,) bool, the firms that decide.
        export_profit: (N,) ``pi^X_i`` (X1), million currency units per year.
        fixed_cost: f_x, million per year.
        sunk_cost: S, million, once.
        sunk_annuity: a = r + delta, 1 per year.
        exporter: (N,) bool, updated in place.
        profit: (N,) million per year, the costs taken out in place.

    Returns:
        ``(started, stopped)``: how many firms started and stopped exporting.
    """
    start_at = fixed_cost + sunk_annuity * sunk_cost
    started = stopped = 0
    for i in range(decides.size):
        if not decides[i]:
            continue
        if exporter[i]:
            profit[i] -= fixed_cost
            if export_profit[i] < fixed_cost:
                exporter[i] = False
                stopped += 1
        elif export_profit[i] > start_at:
            exporter[i] = True
            profit[i] -= sunk_cost
            started += 1
    return started, stopped


def membership_benefit(
    turnover: np.ndarray,
    margin: np.ndarray,
    log_gain: np.ndarray,
    member: np.ndarray,
    sigma: float,
    fee_rate: float,
) -> np.ndarray:
    """Expected yearly after-tax gain of cluster membership, per firm  (J1).

    Revenue rises with productivity to the power ``sigma - 1`` (M6), so the cluster's
    log gain g (D3c) changes turnover by ``Y (e^{(sigma-1) g} - 1)`` for a firm that
    joins and by ``Y (1 - e^{-(sigma-1) g})`` for a member that would leave (its
    turnover holds the gain); times the after-tax margin ``m_i`` (X1), less the
    integrator's fee ``f Y`` (N1).

    Args:
        turnover: (N,) Y_i, million currency units per year.
        margin: (N,) m_i.
        log_gain: (N,) g of the cluster at the firm's location, log points.
        member: (N,) bool, already a member of that cluster.
        sigma: elasticity of substitution.
        fee_rate: f, share of turnover.

    Returns:
        (N,) B_i, million currency units per year.
    """
    x = (sigma - 1.0) * log_gain
    change = np.where(member, -np.expm1(-x), np.expm1(x))
    return margin * turnover * change - fee_rate * turnover


def membership_decisions(
    cluster: np.ndarray,
    decides: np.ndarray,
    best_cluster: np.ndarray,
    best_benefit: np.ndarray,
    member_benefit: np.ndarray,
    cost: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Who joins which cluster and who leaves  (J2).

    Args:
        cluster: (N,) each firm's cluster now (-1: none).
        decides: (N,) bool, the firms that decide (live producers).
        best_cluster: (N,) the cluster with the largest benefit for a non-member in its
            territory (-1: none).
        best_benefit: (N,) that benefit ``B_ic`` (J1).
        member_benefit: (N,) ``B_i`` of a member in its own cluster (J1).
        cost: c_m, million per year.

    Returns:
        ``(joins, leaves)``: (N,) bool each.
    """
    joins = decides & (cluster < 0) & (best_cluster >= 0) & (best_benefit > cost)
    leaves = decides & (cluster >= 0) & (member_benefit < cost)
    return joins, leaves
