"""Firm productivity: own efficiency, knowledge, agglomeration, SEZ and cluster channels.

log z_i = log q_i + K_i                                     own efficiency and knowledge
        + alpha_own * log(1 + S_{k r} / S_ref)              Marshallian, same sector  (P1)
        + alpha_rel * log(1 + R_{k r} / S_ref)              related sectors           (P2)
        + log(1 + infra_i)                                  SEZ infrastructure        (P3)
        + log(1 + coord_i)                                  integrator coordination   (P4)

S_{kr} is last year's employment of sector k in region r and R = W S with W the
sector-relatedness matrix (docs/ODD.md). Knowledge spillovers (P5) decay with distance:
I_{kr} = sum_j capacity_j exp(-d(r_j, r) / delta) over institutes of field k.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "EMPLOYMENT_REFERENCE",
    "agglomeration_log_gain",
    "institute_access",
    "log_productivity",
    "partner_knowledge_gap",
]

#: Employment that doubles the argument of the agglomeration log (S_ref, persons).
EMPLOYMENT_REFERENCE = 1000.0


def agglomeration_log_gain(
    employment_kr: np.ndarray, relatedness: np.ndarray, alpha_own: float, alpha_rel: float
) -> np.ndarray:
    """(K, R) log productivity gain from same- and related-sector employment (P1, P2)."""
    related = relatedness @ employment_kr
    return alpha_own * np.log1p(employment_kr / EMPLOYMENT_REFERENCE) + alpha_rel * np.log1p(
        related / EMPLOYMENT_REFERENCE
    )


def institute_access(
    field: np.ndarray,
    region: np.ndarray,
    capacity: np.ndarray,
    dist_km: np.ndarray,
    decay_km: float,
    n_sectors: int,
) -> np.ndarray:
    """(K, R) distance-decayed access to research institutes by field (P5).

    Args:
        field: (J,) sector index of each institute's field.
        region: (J,) region index where each institute sits.
        capacity: (J,) capacity of each institute.
        dist_km: (R, R) road distances.
        decay_km: distance at which a spillover falls by e.
        n_sectors: K.
    """
    n_regions = dist_km.shape[0]
    at = np.zeros((n_sectors, n_regions))
    np.add.at(at, (field, region), capacity)
    return at @ np.exp(-dist_km / decay_km)


def partner_knowledge_gap(
    knowledge: np.ndarray, src: np.ndarray, dst: np.ndarray, alive: np.ndarray
) -> np.ndarray:
    """Mean positive knowledge gap to value-chain partners, per firm (O(edges)).

    Links are undirected; a link to a dead firm carries nothing.
    """
    n = knowledge.shape[0]
    if src.size == 0:
        return np.zeros(n)
    ok = alive[src] & alive[dst]
    s, d = src[ok], dst[ok]
    gap_sd = np.maximum(knowledge[d] - knowledge[s], 0.0)
    gap_ds = np.maximum(knowledge[s] - knowledge[d], 0.0)
    total = np.bincount(s, gap_sd, minlength=n) + np.bincount(d, gap_ds, minlength=n)
    count = np.bincount(s, minlength=n) + np.bincount(d, minlength=n)
    return np.divide(total, count, out=np.zeros(n), where=count > 0)


@njit(cache=True)
def log_productivity(
    log_q: np.ndarray,
    knowledge: np.ndarray,
    agglo_gain: np.ndarray,
    cell: np.ndarray,
    log1p_infrastructure: np.ndarray,
    log1p_coordination: np.ndarray,
) -> np.ndarray:
    """Per-firm log productivity, P1-P4 summed (the module docstring's equation).

    Args:
        log_q: (N,) own efficiency ``log q_i``.
        knowledge: (N,) knowledge stock ``K_i``.
        agglo_gain: (K*R,) agglomeration gain by (sector, region) cell (P1, P2).
        cell: (N,) ``sector * R + region``.
        log1p_infrastructure: (N,) ``log(1 + infra_i)`` (P3).
        log1p_coordination: (N,) ``log(1 + coord_i)`` (P4).

    Returns:
        (N,) ``log z_i``.
    """
    out = np.empty(log_q.size)
    for i in range(log_q.size):
        out[i] = (
            log_q[i]
            + knowledge[i]
            + agglo_gain[cell[i]]
            + log1p_infrastructure[i]
            + log1p_coordination[i]
        )
    return out
