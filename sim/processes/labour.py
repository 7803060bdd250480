"""Labour markets (ODD section 3, stage 15; L1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.economy.labour import regional_wages

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["update_labour_markets"]


def update_labour_markets(model: SEZClusterModel) -> None:
    """Labour forces grow; wages respond to this year's manufacturing employment (L1)."""
    p = model.params
    model.labour_force *= 1.0 + p.population_growth
    employment = model.emp_kr.sum(axis=0)
    model.wages = regional_wages(p.wage, p.wage_elasticity, employment, model.labour_force)
