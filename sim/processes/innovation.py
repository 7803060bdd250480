"""Innovation and knowledge (ODD section 3, stage 8; D1, P5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import PRODUCING
from sim.economy import firm_dynamics as dyn
from sim.economy import productivity as prod

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["innovate", "institute_access"]


def institute_access(model: SEZClusterModel) -> np.ndarray:
    """(K, R) distance-decayed access to the model's research institutes (P5)."""
    inst = list(model.institutes)
    if not inst:
        return np.zeros((model.n_sectors, model.n_regions))
    return prod.institute_access(
        np.array([a.field for a in inst]),
        np.array([a.region for a in inst]),
        np.array([a.capacity for a in inst]),
        model.territory.road_km,
        model.params.spillover_decay_km,
        model.n_sectors,
    )


def innovate(model: SEZClusterModel) -> None:
    """Producers innovate (D1) and learn from their value-chain partners (P5).

    The hazard rises with institute access, and for an institute's collaboration
    partners with their direct access to its output (I4, ``model.partner_access``, set
    by :func:`sim.processes.institutes.collaborate_and_grow`); sets ``innovated``, grows
    ``knowledge``.
    """
    f, p = model.firms, model.params
    producing = f.view("alive") & (f.view("status") == PRODUCING)
    hazard = dyn.innovation_hazard(
        model.institute_access.ravel(),
        f.view("sector") * model.n_regions + f.view("region"),
        model.institute_links,
        p.innovation_rate,
        p.spillover_strength,
    )
    if model.partner_access is not None:  # institutes' partners absorb their output (I4)
        hazard = hazard + p.innovation_rate * p.spillover_strength * model.partner_access
    drawn = dyn.hazard_draws(model.rng, hazard)
    knowledge = f.view("knowledge")
    gap = prod.partner_knowledge_gap(knowledge, f.link_src, f.link_dst, producing)
    dyn.absorb_knowledge(
        drawn, producing, gap, p.innovation_step, p.partner_absorption, knowledge,
        f.view("innovated"),
    )  # fmt: skip
