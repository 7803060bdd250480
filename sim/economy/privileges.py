"""Privileges and cluster channels per firm (docs/ODD.md, section 7.5; F1, M6, P3-P5).

A firm registered in an open SEZ gets its zone's privilege level: 1 for a priority
sector of the zone, ``non_priority_benefit_share`` for another when benefits are
differentiated. A cluster member outside the zones gets its cluster's level when the
policy extends privileges to the cluster's territory and one of its paired zones is
open. The level scales the tax reliefs (F1), the customs relief that sets the firm's
world freeness (M6) and the zone infrastructure (P3). Members of a cluster with channels
on get its coordination (P4) and institute-link weight (P5), higher when they sit with
the cluster's integrator and institutes.

Every firm's values are read from a handful of per-zone and per-cluster tables (the
stage :func:`sim.processes.privileges.grant_privileges` computes them), in one pass.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["firm_privileges", "world_freeness"]


def world_freeness(tau_world: float, sigma: float, customs_relief: np.ndarray) -> np.ndarray:
    """Freeness of trade with the world at each customs relief  (M6).

    ``phi_w = tau_w^(1 - sigma)`` with ``tau_w = 1 + (tau_world - 1)(1 - relief)``; 0
    when the world is closed (``tau_world`` infinite).
    """
    tau_w = 1.0 + (tau_world - 1.0) * (1.0 - customs_relief)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(tau_w), tau_w ** (1.0 - sigma), 0.0)


@njit(cache=True)
def firm_privileges(  # noqa: D417 (arguments of one kind are described together)
    sez: np.ndarray,
    sector: np.ndarray,
    cluster: np.ndarray,
    region: np.ndarray,
    sez_open: np.ndarray,
    zone_priority: np.ndarray,
    zone_level: np.ndarray,
    zone_phi: np.ndarray,
    zone_log1p_infrastructure: np.ndarray,
    cluster_level: np.ndarray,
    cluster_phi: np.ndarray,
    cluster_log1p_infrastructure: np.ndarray,
    cluster_region: np.ndarray,
    cluster_log1p_coordination: np.ndarray,
    cluster_links: np.ndarray,
    phi_none: float,
    profit_relief_rate: float,
    turnover_relief_rate: float,
    channels: bool,
    colocate: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each firm's privileges and cluster-channel weights, read from per-zone tables.

    Args:
        sez, sector, cluster, region: (N,) firm columns (-1: no zone, no cluster).
        sez_open: (Z,) bool.
        zone_priority: (Z, K) bool, the zones' priority sectors.
        zone_level, zone_phi, zone_log1p_infrastructure: (Z, 2), column 1 for a
            priority sector, column 0 for another.
        cluster_level: (C,) level of members outside the zones (NaN: none).
        cluster_phi, cluster_log1p_infrastructure: (C,).
        cluster_region: (C,) where each cluster's integrator and institutes sit.
        cluster_log1p_coordination, cluster_links: (C, 2), column 1 for a member that
            sits with its cluster's actors.
        phi_none: world freeness without customs relief.
        profit_relief_rate, turnover_relief_rate: relief of a level-1 privilege.
        channels: cluster channels are on.
        colocate: members sitting with their cluster's actors get column 1.

    Returns:
        Per firm: level, profit relief, turnover relief (level x rate), world freeness,
        ``log(1 + infra)``, institute-link weight (1 for non-members),
        ``log(1 + coord)`` (0 for non-members).
    """
    n = sez.size
    level = np.zeros(n)
    phi = np.full(n, phi_none)
    infra = np.zeros(n)
    links = np.ones(n)
    coord = np.zeros(n)
    for i in range(n):
        z, c = sez[i], cluster[i]
        if z >= 0 and sez_open[z]:
            q = 1 if zone_priority[z, sector[i]] else 0
            level[i] = zone_level[z, q]
            phi[i] = zone_phi[z, q]
            infra[i] = zone_log1p_infrastructure[z, q]
        elif c >= 0 and not np.isnan(cluster_level[c]):
            level[i] = cluster_level[c]
            phi[i] = cluster_phi[c]
            infra[i] = cluster_log1p_infrastructure[c]
        if channels and c >= 0:
            j = 1 if (colocate and region[i] == cluster_region[c]) else 0
            links[i] = cluster_links[c, j]
            coord[i] = cluster_log1p_coordination[c, j]
    return (
        level,
        level * profit_relief_rate,
        level * turnover_relief_rate,
        phi,
        infra,
        links,
        coord,
    )
