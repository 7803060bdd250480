"""Privileges and cluster channels per firm (docs/ODD.md, section 7.5; F1, M6, P3-P5).

A firm registered in an open SEZ gets its zone's privilege level: 1 for a priority
sector of the zone, ``non_priority_benefit_share`` for another when benefits are
differentiated. The level scales the tax reliefs (F1), the customs relief that sets the
firm's world freeness (M6) and the zone infrastructure (P3). A firm that is in its zone
only through merging (a cluster member that registered in its cluster zone, or an
entrant the zone admits only because it is merged with the entrant's cluster) gets the
tax and customs relief only through the finance channel and the infrastructure only
through the industry channel. Cluster members registered in their cluster zone share its
labour pool (P6, labour channel). In the "territory" variant of merging, a member
outside the zones gets its cluster's level when one of its paired zones is open.
Members of a cluster with channels on get its coordination (P4) and institute-link
weight (P5), higher when they sit with the cluster's integrator and institutes.

Every firm's values are read from a handful of per-zone and per-cluster tables (the
stage :func:`sim.processes.privileges.grant_privileges` computes them), in one pass.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["firm_privileges", "registration_gain", "world_freeness"]


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
    via_merge: np.ndarray,
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
    cluster_zone: np.ndarray,
    finance: bool,
    industry: bool,
    pooling: float,
    phi_none: float,
    profit_relief_rate: float,
    turnover_relief_rate: float,
    channels: bool,
    colocate: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each firm's privileges and cluster-channel weights, read from per-zone tables.

    Args:
        sez, sector, cluster, region: (N,) firm columns (-1: no zone, no cluster).
        via_merge: (N,) bool, in its zone only through merging.
        sez_open: (Z,) bool.
        zone_priority: (Z, K) bool, the zones' priority sectors.
        zone_level, zone_phi, zone_log1p_infrastructure: (Z, 2), column 1 for a
            priority sector, column 0 for another.
        cluster_level: (C,) level of members outside the zones (NaN: none).
        cluster_phi, cluster_log1p_infrastructure: (C,).
        cluster_region: (C,) where each cluster's integrator and institutes sit.
        cluster_log1p_coordination, cluster_links: (C, 2), column 1 for a member that
            sits with its cluster's actors.
        cluster_zone: (C, Z) bool, the cluster zones merging has formed.
        finance: the finance channel is on (reliefs for firms in via merging).
        industry: the industry channel is on (infrastructure for them).
        pooling: log productivity gain of members in their cluster zone (P6; 0 when
            the labour channel is off).
        phi_none: world freeness without customs relief.
        profit_relief_rate, turnover_relief_rate: relief of a level-1 privilege.
        channels: cluster channels are on.
        colocate: members sitting with their cluster's actors get column 1.

    Returns:
        Per firm: level of tax relief, profit relief, turnover relief (level x rate),
        world freeness, zone log productivity gain ``log(1 + infra) + pooling`` (P3,
        P6), institute-link weight (1 for non-members), ``log(1 + coord)`` (0 for
        non-members).
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
            if finance or not via_merge[i]:
                level[i] = zone_level[z, q]
                phi[i] = zone_phi[z, q]
            if industry or not via_merge[i]:
                infra[i] = zone_log1p_infrastructure[z, q]
            if c >= 0 and cluster_zone[c, z]:
                infra[i] += pooling
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


def registration_gain(
    turnover: np.ndarray,
    exports: np.ndarray,
    profit: np.ndarray,
    phi_w: np.ndarray,
    phi_w_zone: float,
    log_gain: float,
    profit_relief: float,
    turnover_relief: float,
    sigma: float,
    profit_tax_rate: float,
    turnover_tax_rate: float,
    payroll_tax_rate: float,
    labour_share: float,
) -> np.ndarray:
    """Yearly after-tax profit gain of registering in a zone, per firm (R1).

    A firm outside the zones with turnover ``Y = D + X`` (domestic sales and exports)
    and profit ``pi`` would, in the zone, sell ``Y' = e^{g (sigma - 1)} (D + X
    phi_w,zone / phi_w)``: its productivity rises by the zone's log gain g
    (infrastructure and labour pooling, P3 and P6) and its exports by the customs relief
    (M6). Operating profit rises by ``(Y' - Y) / sigma``. Taxes (F1) before and after:
    ``t_pi max(pi, 0) (1 - r_pi) + t_y Y (1 - r_y) + t_w lambda Y``.

    Args:
        turnover: (N,) Y, million currency units per year.
        exports: (N,) X.
        profit: (N,) pi.
        phi_w: (N,) the firms' world freeness now.
        phi_w_zone: world freeness in the zone.
        log_gain: g, log points.
        profit_relief: share of the profit tax forgone in the zone.
        turnover_relief: share of the turnover tax forgone in the zone.
        sigma: elasticity of substitution.
        profit_tax_rate: t_pi.
        turnover_tax_rate: t_y.
        payroll_tax_rate: t_w.
        labour_share: lambda of the firms' sector (wage bill per unit of turnover).

    Returns:
        (N,) gain, million currency units per year.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        export_factor = np.where(phi_w > 0, phi_w_zone / phi_w, 1.0)
    new_turnover = np.exp(log_gain * (sigma - 1.0)) * (turnover - exports + exports * export_factor)
    new_profit = profit + (new_turnover - turnover) / sigma

    def after_tax(pi: np.ndarray, y: np.ndarray, r_pi: float, r_y: float) -> np.ndarray:
        tax = (
            profit_tax_rate * np.maximum(pi, 0.0) * (1.0 - r_pi)
            + turnover_tax_rate * y * (1.0 - r_y)
            + payroll_tax_rate * labour_share * y
        )
        return pi - tax

    return after_tax(new_profit, new_turnover, profit_relief, turnover_relief) - after_tax(
        profit, turnover, 0.0, 0.0
    )
