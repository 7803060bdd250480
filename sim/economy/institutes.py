"""Research institutes that grow and choose (docs/ODD.md, 7.11; I1-I5).

I1  C_j <- C_j + rho (F_j / c - C_j)          capacity moves toward what funding pays
I2  u_ij = exp(K_i) l_i exp(-d(r_j, r_i)/delta)  an institute ranks the producers of its
                                              field by absorptive capacity (knowledge,
                                              size) and distance; it takes the best
                                              n_j = floor(nu C_j)
I3  F_j = g_j + kappa sum_{i partner} Y_i      funding: grants (G2) plus contracts
I4  O_j = C_j; A_i = sum_{j: i partner of j} O_j exp(-d(r_j, r_i)/delta)
                                              knowledge output, and a partner's direct
                                              access to it (hazard D1 gains h s b A_i)
I5  N_j ~ Poisson(lambda O_j)                 spin-offs in the institute's field and region

rho = ``institute_adjustment_rate``, c = ``institute_cost_per_capacity``, nu =
``institute_partners_per_capacity``, kappa = ``institute_contract_share``, b =
``institute_partner_boost``, lambda = ``spinoff_rate``, delta = ``spillover_decay_km``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "absorptive_scores",
    "capacity_update",
    "choose_partners",
    "partner_access",
    "partner_count",
]


def capacity_update(
    capacity: np.ndarray, funding: np.ndarray, cost_per_capacity: float, adjustment: float
) -> np.ndarray:
    """Next year's capacity ``C + rho (F / c - C)`` (I1); never below 0.

    Args:
        capacity: (J,) capacity, hundreds of researchers.
        funding: (J,) grants plus contracts this year, million per year.
        cost_per_capacity: c, million per capacity unit per year.
        adjustment: rho in [0, 1], per year (0: capacity fixed).
    """
    return np.maximum(capacity + adjustment * (funding / cost_per_capacity - capacity), 0.0)


def partner_count(capacity: float, partners_per_capacity: float) -> int:
    """How many partners an institute of this capacity takes: ``floor(nu C)`` (I2)."""
    return int(np.floor(partners_per_capacity * capacity))


def absorptive_scores(
    knowledge: np.ndarray, employment: np.ndarray, decay: np.ndarray
) -> np.ndarray:
    """Score ``exp(K_i) l_i exp(-d/delta)`` of each candidate partner (I2).

    Args:
        knowledge: (m,) candidates' knowledge stocks, log points.
        employment: (m,) candidates' employees (size).
        decay: (m,) ``exp(-d(r_j, r_i)/delta)`` from the institute to each candidate.
    """
    return np.exp(knowledge) * employment * decay


def choose_partners(rows: np.ndarray, score: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` candidates of highest score, as increasing rows (I2).

    A selection, not a sort: O(m) for m candidates (``np.argpartition``); candidates
    with a zero score are never chosen.
    """
    keep = score > 0
    rows, score = rows[keep], score[keep]
    if n <= 0 or rows.size == 0:
        return np.zeros(0, dtype=np.int64)
    if n < rows.size:
        best = np.argpartition(-score, n - 1, kind="introselect")[:n]
        rows = rows[best]
    return np.sort(rows)


def partner_access(n_rows: int, partners: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """(N,) a firm's direct access to its institutes' output (I4); O(partners).

    Args:
        n_rows: rows of the firm table.
        partners: (P,) rows of partners (a firm may partner several institutes).
        weight: (P,) ``O_j exp(-d(r_j, r_i)/delta)`` of each partnership.
    """
    return np.bincount(partners, weights=weight, minlength=n_rows)
