"""The cluster actors act (ODD section 3, stages 6-7): integrators, then institutes."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import PRODUCING
from sim.economy.firm_dynamics import group_rows

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["cluster_actors_act", "members_by_cluster"]


def members_by_cluster(model: SEZClusterModel) -> list[np.ndarray]:
    """Rows of the live, producing members of every cluster (each increasing), in one pass."""
    f = model.firms
    cl = f.view("cluster")
    member = f.view("alive") & (cl >= 0) & (f.view("status") == PRODUCING)
    rows, bounds = group_rows(cl, member, model.n_clusters)
    return [rows[a:b] for a, b in pairwise(bounds)]


def cluster_actors_act(model: SEZClusterModel) -> None:
    """Integrators (in random order), then research institutes, take their yearly step.

    The firm table does not change while they act, so the members of every cluster are
    found once and served to them through ``model.cluster_members``.
    """
    model.members_now = members_by_cluster(model)
    try:
        model.integrators.shuffle_do("step")
        model.institutes.do("step")
    finally:
        model.members_now = None
