"""The government's budget and its rules (docs/ODD.md, 7.10; G1-G4).

G1  B_t = s T_t + b              a budget line: share s of this year's taxes T_t plus
                                  a fixed amount b (research grants, integrators)
G2  g_j = B_t w_j / sum_j w_j     allocation by the rules file's weights w (capacity,
                                  partners, members; equal shares when all are 0)
G3  zone z meets its targets iff participants_z >= P_z, investment_z >= I_z and
    employment_z >= E_z at a review (every N years after it opens)
G4  balance_t = T_t - C_t - infrastructure_t - grants_t - integrators_t

The rules are data (``GovernmentRules`` in :mod:`sim.scenario`); the decisions that use
them are :class:`sim.agents.government.Government`'s. Money in million currency units
per year.
"""

from __future__ import annotations

import numpy as np

__all__ = ["allocate", "budget_balance", "budget_line", "meets_targets", "review_due"]


def budget_line(taxes: float, share_of_taxes: float, fixed: float) -> float:
    """Yearly amount of a budget line: ``s T + b`` (G1), million per year."""
    return share_of_taxes * taxes + fixed


def allocate(total: float, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` in proportion to non-negative ``weights`` (G2).

    Equal shares when every weight is 0; nothing when there is nobody to pay. The
    shares sum to ``total`` up to rounding.
    """
    n = weights.size
    if n == 0:
        return np.zeros(0)
    w = np.asarray(weights, dtype=float)
    s = w.sum()
    return total * (w / s if s > 0 else np.full(n, 1.0 / n))


def review_due(year: int, opens: np.ndarray, open_now: np.ndarray, every: int) -> np.ndarray:
    """(Z,) bool: zones reviewed this year, every ``every`` years after opening (G3).

    A zone is reviewed while it operates, in years ``opens + every``, ``opens + 2 every``,
    ...; ``every`` = 0 means no review.
    """
    if every <= 0:
        return np.zeros(opens.size, dtype=bool)
    age = year - opens
    return open_now & (age > 0) & (age % every == 0)


def meets_targets(
    participants: np.ndarray,
    investment: np.ndarray,
    employment: np.ndarray,
    target_participants: np.ndarray,
    target_investment: np.ndarray,
    target_employment: np.ndarray,
) -> np.ndarray:
    """(Z,) bool: a zone meets its targets when it reaches all three (G3).

    Args:
        participants: (Z,) producing participants.
        investment: (Z,) participants' investment since the last review, million.
        employment: (Z,) participants' employees, persons.
        target_participants: (Z,) participants the zone must have.
        target_investment: (Z,) investment it must have attracted, million.
        target_employment: (Z,) employees it must have, persons.
    """
    return (
        (participants >= target_participants)
        & (investment >= target_investment)
        & (employment >= target_employment)
    )


def budget_balance(
    taxes: float,
    privilege_cost: float,
    infrastructure: float,
    grants: float,
    integrators: float,
) -> tuple[float, float, float]:
    """``(revenue, spending, balance)`` of a year, ``balance = revenue - spending`` (G4).

    Revenue is the taxes booked (F1); spending the privilege cost (F2, taxes and duty
    forgone, counted as a tax expenditure as in the fiscal balance of section 7.9),
    zone infrastructure, research grants and integrator funding.
    """
    spending = privilege_cost + infrastructure + grants + integrators
    return taxes, spending, taxes - spending
