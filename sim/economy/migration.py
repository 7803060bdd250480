"""Worker migration between regions toward higher real wages (equation L2, docs/ODD.md).

Rule: a pairwise-comparison ("Smith") dynamic with a migration cost (Smith 1984;
Sandholm 2010, *Population Games and Evolutionary Dynamics*, ch. 5). Each year a worker
in region r looks at one other region s, drawn uniformly among the R - 1 others, and
moves there with probability ``migration_rate`` times her relative real-wage gain net of
the cost. The share of r's workers moving to s in a year is

    m_rs = migration_rate / (R - 1) * max(0, omega_s / omega_r - 1 - migration_cost)   (L2)

with m_rr = 0; if a region's total outflow sum_s m_rs would exceed 1 its row is scaled
down to 1 (everybody leaves; only reached with extreme gaps or rates).

Why this rule and not the replicator ds/dt = s (1 - s)(omega_A - omega_B) of Baldwin et
al. (2003, ch. 2): both have the same interior rest points and the same stability, but
under the replicator an empty region stays empty whatever its wage, so full
agglomeration is a rest point at every trade freeness. Under L2 workers compare wages
directly, an empty region with a higher real wage attracts workers, and the rest points
are exactly the equilibria of the core-periphery model, including the core for
phi >= phi_S (the sustain point, :mod:`sim.economy.core_periphery`). The cost gives an
inaction band: nobody moves while omega_s / omega_r - 1 <= migration_cost.

Firms tied to workers (the core-periphery mode, docs/ODD.md 7.8): each region holds the
number of a sector's firms proportional to its workers, rounded by largest remainders,
so that firms follow migration (:func:`firms_tied_to_workers`).

Units: real wages in any common unit (only ratios enter); ``migration_rate`` in 1/year
per unit of relative real-wage gain; ``migration_cost`` a fraction of the origin's real
wage (dimensionless threshold). Labour is conserved: every worker who leaves r arrives
in some s.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "firms_tied_to_workers",
    "migrate",
    "migrate_workers",
    "migration_flows",
    "migration_shares",
]


def migration_shares(
    real_wages: np.ndarray, migration_rate: float, migration_cost: float = 0.0
) -> np.ndarray:
    """Share of each region's workers moving to each other region in one year (L2).

    m_rs = migration_rate / (R - 1) * max(0, omega_s / omega_r - 1 - migration_cost),
    m_rr = 0, rows with sum_s m_rs > 1 scaled to sum to 1.

    Args:
        real_wages: omega_r > 0, shape (R,).
        migration_rate: response of the yearly migration probability to the relative
            real-wage gain, 1/year, >= 0.
        migration_cost: relative gain a move must exceed (fraction of the origin's real
            wage), >= 0.

    Returns:
        (R, R) array, row r the shares of r's workers moving to each s; rows sum to <= 1.
    """
    omega = np.asarray(real_wages, dtype=float)
    if omega.ndim != 1 or np.any(omega <= 0):
        raise ValueError("real_wages must be a 1-d array of positive numbers")
    if migration_rate < 0 or migration_cost < 0:
        raise ValueError("migration_rate and migration_cost must be >= 0")
    n_regions = omega.size
    if n_regions < 2:
        return np.zeros((n_regions, n_regions))
    gain = omega[None, :] / omega[:, None] - 1.0 - migration_cost  # gain[r, s]
    shares = migration_rate / (n_regions - 1) * np.maximum(gain, 0.0)
    np.fill_diagonal(shares, 0.0)
    out = shares.sum(axis=1, keepdims=True)
    return shares / np.maximum(out, 1.0)


def migration_flows(
    workers: np.ndarray, real_wages: np.ndarray, migration_rate: float, migration_cost: float = 0.0
) -> np.ndarray:
    """Expected numbers of workers moving r -> s in one year: L_r * m_rs (L2).

    Returns:
        (R, R) array of flows, zero on the diagonal.
    """
    labour = np.asarray(workers, dtype=float)
    return labour[:, None] * migration_shares(real_wages, migration_rate, migration_cost)


def migrate(
    workers: np.ndarray, real_wages: np.ndarray, migration_rate: float, migration_cost: float = 0.0
) -> np.ndarray:
    """Workers per region after one year of migration (deterministic, expected flows).

    L_r' = L_r - sum_s F_rs + sum_s F_sr with F = :func:`migration_flows`; the total
    sum_r L_r is unchanged (up to floating-point rounding) and every L_r' >= 0.
    Works on counts or on shares (the two-region core-periphery model passes
    (lambda, 1 - lambda)).
    """
    labour = np.asarray(workers, dtype=float)
    flows = migration_flows(labour, real_wages, migration_rate, migration_cost)
    return labour - flows.sum(axis=1) + flows.sum(axis=0)


def migrate_workers(
    workers: np.ndarray,
    real_wages: np.ndarray,
    migration_rate: float,
    migration_cost: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Integer workers per region after one year of migration, drawn at random (L2).

    Each region's workers split multinomially between staying and the R - 1
    destinations with probabilities (1 - sum_s m_rs, m_r1, ..., m_rR) from
    :func:`migration_shares`, so the total labour force is conserved exactly and the
    expected outcome is :func:`migrate`.

    Args:
        workers: non-negative integer counts, shape (R,).
        real_wages: omega_r > 0, shape (R,).
        migration_rate: 1/year per unit of relative real-wage gain.
        migration_cost: relative gain a move must exceed.
        rng: the model's random generator.

    Returns:
        Integer array, shape (R,), with the same sum as ``workers``.
    """
    counts = np.asarray(workers)
    if not np.issubdtype(counts.dtype, np.integer) or np.any(counts < 0):
        raise ValueError("workers must be non-negative integers")
    shares = migration_shares(real_wages, migration_rate, migration_cost)
    probabilities = shares.copy()
    # Staying is the diagonal; clip the rounding of 1 - (row sum) at zero.
    np.fill_diagonal(probabilities, np.clip(1.0 - shares.sum(axis=1), 0.0, 1.0))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    moves = rng.multinomial(counts, probabilities)  # moves[r, s]: from r to s (r = s stays)
    return moves.sum(axis=0)


def firms_tied_to_workers(firms: np.ndarray, workers: np.ndarray) -> np.ndarray:
    """Firms of each sector per region proportional to the region's workers (CP mode).

    n_kr = N_k L_r / L rounded by largest remainders (Hamilton's method): the floors,
    plus one firm for the regions with the largest fractional parts until the sector's
    total N_k is reached (ties to the first region), so sum_r n_kr = N_k exactly.

    Args:
        firms: (K,) N_k, firms of each sector (non-negative integers).
        workers: (R,) L_r >= 0, not all zero.

    Returns:
        (K, R) integer array of firms per sector and region.
    """
    total = np.asarray(firms, dtype=np.int64)
    labour = np.clip(np.asarray(workers, dtype=float), 0.0, None)
    quota = total[:, None] * (labour / labour.sum())[None, :]
    counts = np.floor(quota).astype(np.int64)
    missing = total - counts.sum(axis=1)
    # Regions ranked by fractional part, largest first (stable: ties to the first region).
    rank = np.argsort(-(quota - counts), axis=1, kind="stable")
    extra = np.arange(labour.size)[None, :] < missing[:, None]
    np.put_along_axis(counts, rank, np.take_along_axis(counts, rank, axis=1) + extra, axis=1)
    return counts
