"""The cluster actors act (ODD section 3, stages 6-7): integrators, then institutes."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import PRODUCING
from sim.economy.firm_dynamics import group_rows

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["cluster_actors_act", "members_by_cluster", "producers_by_sector", "zone_room"]


def members_by_cluster(model: SEZClusterModel) -> list[np.ndarray]:
    """Rows of the live, producing members of every cluster (each increasing), in one pass."""
    f = model.firms
    cl = f.view("cluster")
    member = f.view("alive") & (cl >= 0) & (f.view("status") == PRODUCING)
    rows, bounds = group_rows(cl, member, model.n_clusters)
    return [rows[a:b] for a, b in pairwise(bounds)]


def producers_by_sector(model: SEZClusterModel) -> list[np.ndarray]:
    """Rows of the live producers of every sector (each increasing), in one pass."""
    f = model.firms
    producing = f.view("alive") & (f.view("status") == PRODUCING)
    rows, bounds = group_rows(f.view("sector"), producing, model.n_sectors)
    return [rows[a:b] for a, b in pairwise(bounds)]


def zone_room(model: SEZClusterModel) -> np.ndarray:
    """(Z,) participants each zone's land can still take (capacity less live registered)."""
    f = model.firms
    sez = f.view("sez")
    registered = np.bincount(sez[f.view("alive") & (sez >= 0)], minlength=model.n_sezs)
    return model.territory.sez_capacity - registered


def cluster_actors_act(model: SEZClusterModel) -> None:
    """Integrators (in random order), then research institutes, take their yearly step.

    The firm table does not change while they act (but for the fees taken out of the
    members' profit), so the members of every cluster, the producers of every sector
    (the integrators' candidate partners, N4) and the land left in each zone (where
    they anchor investors) are found once and served to them.
    """
    model.members_now = members_by_cluster(model)
    model.anchor_zone[:] = -1
    acting = len(model.integrators) > 0 and model.policy.cluster_channels
    if acting and model.params.integrator_matchmaking:
        model.producers_now = producers_by_sector(model)
    if acting and model.params.integrator_anchoring and "industry" in model.channels:
        model.zone_room = zone_room(model)
    try:
        model.integrators.shuffle_do("step")
        model.institutes.do("step")
    finally:
        model.members_now = None
        model.producers_now = None
