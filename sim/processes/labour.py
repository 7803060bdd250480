"""Labour markets (ODD section 3, stage 15; L1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["update_labour_markets"]


def update_labour_markets(model: SEZClusterModel) -> None:
    """Labour forces grow; wages respond to the manufacturing employment rate (L1).

    ``w_r = w (1 + epsilon S_r / L_r)``, with S_r this year's employment in region r.
    """
    p = model.params
    model.labour_force *= 1.0 + p.population_growth
    rate = model.emp_kr.sum(axis=0) / model.labour_force
    model.wages = p.wage * (1.0 + p.wage_elasticity * rate)
