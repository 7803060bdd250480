"""Privileges and cluster channels per firm (ODD section 3, stage 3; section 7.5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.economy.privileges import firm_privileges, world_freeness

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["grant_privileges", "log1p_or_zero"]


def log1p_or_zero(x: np.ndarray) -> np.ndarray:
    """log1p(x), and exactly 0.0 where x is zero."""
    return np.where(x != 0, np.log1p(x), 0.0)


def grant_privileges(model: SEZClusterModel) -> None:
    """Each firm's privilege level, reliefs, world freeness and cluster-channel weights.

    SEZ participants get their open zone's privileges, those in it through merging only
    through the channels in force (``model.channels``); in the territory variant of
    merging (``cluster_territory_privileges``), members outside the zones get the best
    level of their cluster's open paired zones. The per-zone and per-cluster tables are
    built here and read per firm by :func:`sim.economy.privileges.firm_privileges`. Sets
    ``privilege_level``, ``profit_relief``, ``turnover_relief``, ``phi_world_i``,
    ``log_zone_gain_i``, ``log1p_coordination_i`` and ``institute_links`` on the model
    (arrays over the firm table).
    """
    f, p, t, pol = model.firms, model.params, model.territory, model.policy
    open_ = model.government.sez_open
    sigma, tau = p.sigma, model.tau_world
    non_priority = p.non_priority_benefit_share if pol.differentiated_benefits else 1.0
    # Zones: column 0 for a sector outside the zone's priorities, column 1 for one.
    zone_level = np.tile([non_priority, 1.0], (model.n_sezs, 1))
    zone_infra = t.sez_infrastructure[:, None] * zone_level
    # Members outside the zones get their cluster's level, if one of its zones is open.
    level_c = np.full(model.n_clusters, np.nan)
    infra_c = np.zeros(model.n_clusters)
    cluster_zone = np.zeros((model.n_clusters, model.n_sezs), dtype=bool)
    for c, zones in enumerate(model.government.cluster_sezs):
        cluster_zone[c, zones] = True
        if not p.cluster_territory_privileges:
            continue
        open_zones = [z for z in zones if open_[z]]
        if not open_zones:
            continue
        k = t.cluster_sector[c]
        lv = max(1.0 if t.sez_sectors[z, k] else non_priority for z in open_zones)
        level_c[c] = lv
        infra_c[c] = max(t.sez_infrastructure[z] for z in open_zones) * lv
    # Cluster channels: column 1 for a member co-located with its integrator.
    boost = 1.0 + p.colocation_bonus * np.array([False, True])
    coordination = (p.integrator_coordination * model.has_integrator)[:, None] * boost
    channels = model.channels
    (
        model.privilege_level,
        model.profit_relief,
        model.turnover_relief,
        model.phi_world_i,
        model.log_zone_gain_i,
        model.institute_links,
        model.log1p_coordination_i,
    ) = firm_privileges(
        f.view("sez"),
        f.view("sector"),
        f.view("cluster"),
        f.view("region"),
        f.view("via_merge"),
        open_,
        t.sez_sectors,
        zone_level,
        world_freeness(tau, sigma, zone_level * p.customs_relief),
        log1p_or_zero(zone_infra),
        level_c,
        world_freeness(tau, sigma, np.nan_to_num(level_c) * p.customs_relief),
        log1p_or_zero(infra_c),
        model.cluster_region_now,
        log1p_or_zero(coordination),
        np.tile(1.0 + boost, (model.n_clusters, 1)),
        cluster_zone,
        "finance" in channels,
        "industry" in channels,
        p.labour_pooling_premium if "labour" in channels else 0.0,
        float(world_freeness(tau, sigma, np.zeros(1))[0]),
        p.profit_tax_relief,
        p.other_tax_relief,
        pol.cluster_channels,
        model.colocated,
    )
