"""Cluster members register in their cluster zone (ODD section 3; merge, R1).

Under merging, the members of a cluster that sit in the region of one of its open
cluster zones decide each year whether to register in it: a member registers when its
yearly after-tax profit gain (:func:`sim.economy.privileges.registration_gain`, through
the channels merging acts through) exceeds ``registration_cost``. Land limits the
zone: it takes at most its capacity in participants, the largest gains first. A
registered member is ``via_merge``: it has its privileges only through merge's channels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import PRODUCING
from sim.economy.privileges import registration_gain, world_freeness

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["register_members", "zone_benefits"]


def zone_benefits(model: SEZClusterModel, z: int, k: int) -> tuple[float, float, float, float]:
    """What a via-merge participant of sector k gets in zone z, by the channels in force.

    Returns:
        ``(profit relief, turnover relief, world freeness, log productivity gain)``.
    """
    p, t, pol, ch = model.params, model.territory, model.policy, model.channels
    level = 1.0
    if pol.differentiated_benefits and not t.sez_sectors[z, k]:
        level = p.non_priority_benefit_share
    relief = level if "finance" in ch else 0.0
    phi = float(world_freeness(model.tau_world, p.sigma, np.array([relief * p.customs_relief]))[0])
    gain = np.log1p(t.sez_infrastructure[z] * level) if "industry" in ch else 0.0
    if "labour" in ch:
        gain += p.labour_pooling_premium
    return relief * p.profit_tax_relief, relief * p.other_tax_relief, phi, float(gain)


def register_members(model: SEZClusterModel) -> int:
    """Members in a cluster zone's region register where it pays, up to the zone's land.

    Returns:
        The number of members that registered this year.
    """
    if not model.channels - {"innovation"}:
        return 0  # merging brings no zone benefit: nothing to register for
    f, p, t = model.firms, model.params, model.territory
    sez, cluster, region = f.view("sez"), f.view("cluster"), f.view("region")
    # Members outside the zones, found in one pass; the loops below look only at them.
    outside = np.flatnonzero(
        f.view("alive") & (f.view("status") == PRODUCING) & (sez < 0) & (cluster >= 0)
    )
    free = np.ones(outside.size, dtype=bool)
    member_of, lives_in = cluster[outside], region[outside]
    open_ = model.government.sez_open
    registered = np.bincount(sez[f.view("alive") & (sez >= 0)], minlength=model.n_sezs)
    joined = 0
    for c, zones in enumerate(model.government.cluster_sezs):
        k = int(t.cluster_sector[c])
        for z in zones:
            room = int(t.sez_capacity[z] - registered[z])
            if not open_[z] or room <= 0:
                continue
            here = np.flatnonzero(free & (member_of == c) & (lives_in == t.sez_region[z]))
            if not here.size:
                continue
            rows = outside[here]
            r_pi, r_y, phi_zone, log_gain = zone_benefits(model, z, k)
            gain = registration_gain(
                f.view("turnover")[rows], f.view("exports")[rows], f.view("profit")[rows],
                model.phi_world_i[rows], phi_zone, log_gain, r_pi, r_y, p.sigma,
                p.profit_tax_rate, p.turnover_tax_rate, p.payroll_tax_rate,
                float(t.labour_share[k]),
            )  # fmt: skip
            keen = np.flatnonzero(gain > p.registration_cost)
            # Largest gains first (ties by row: deterministic, no random draw).
            take = keen[np.argsort(-gain[keen], kind="stable")][:room]
            chosen = rows[take]
            sez[chosen] = z
            f.view("via_merge")[chosen] = True
            free[here[take]] = False
            registered[z] += chosen.size
            joined += chosen.size
    return joined
