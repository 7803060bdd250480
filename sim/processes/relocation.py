"""Relocation (ODD section 3, stage 10; D4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.agents.firm import PRODUCING
from sim.economy import firm_dynamics as dyn

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["relocate"]


def relocate(model: SEZClusterModel) -> None:
    """Producers outside SEZs and clusters imitate better-located peers (D4)."""
    p = model.params
    if p.relocation_rate <= 0 or model.n_regions < 2:
        return
    f = model.firms
    movable = (
        f.view("alive")
        & (f.view("status") == PRODUCING)
        & (f.view("sez") < 0)
        & (f.view("cluster") < 0)
    )
    region = f.view("region")
    region[:] = dyn.relocation_moves(
        model.rng,
        f.view("sector"),
        region,
        model.location_value,
        movable,
        p.relocation_rate,
        p.relocation_cost,
    )
