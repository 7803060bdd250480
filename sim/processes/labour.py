"""Labour markets (ODD section 3, stage 15; L1-L3): migration, then wages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import PRODUCING
from sim.economy import labour
from sim.economy.migration import migrate
from sim.processes import markets, relocation

if TYPE_CHECKING:
    from sim.model import SEZClusterModel
    from sim.parameters import ModelParameters
    from sim.territory import Territory

__all__ = ["initial_labour", "update_labour_markets"]


def initial_labour(territory: Territory, p: ModelParameters) -> tuple[np.ndarray, np.ndarray]:
    """(R,) labour force and (R,) income of the immobile population at the start.

    Outside the core-periphery mode the whole population's income is the labour force's
    wages, and the immobile income is zero. In that mode (docs/ODD.md 7.8) the labour
    force is the mobile manufacturing workforce, split between the first two regions as
    the firms are (``initial_share_a``), and the rest of the population are Krugman's
    farmers: immobile, each earning the base wage ``wage`` (the numeraire).
    """
    workers = territory.labour_force.copy()
    if not p.core_periphery:
        return workers, np.zeros_like(workers)
    farm_income = p.wage * (territory.population - workers)
    if p.initial_share_a is not None:
        total = workers.sum()
        workers[:] = 0.0
        workers[:2] = total * np.array([p.initial_share_a, 1.0 - p.initial_share_a])
    return workers, farm_income


def update_labour_markets(model: SEZClusterModel) -> None:
    """Labour forces grow; workers migrate (L2); wages respond (L1, or L3 in CP mode).

    Workers compare this year's real wages w_r / P_r (P_r the price level of
    manufactures, M7) and move by the expected flows of L2, so the total labour force is
    conserved; ``migration_rate`` 0 switches migration off.
    """
    p = model.params
    model.labour_force *= 1.0 + p.population_growth
    if p.migration_rate > 0 and model.n_regions > 1:
        real_wages = model.wages / model.price_level
        moved = migrate(model.labour_force, real_wages, p.migration_rate, p.migration_cost)
        model.labour_force = np.clip(moved, 0.0, None)  # rounding only
    if p.core_periphery:
        _clear_markets_of_mobile_workers(model)
        return
    employment = model.emp_kr.sum(axis=0)
    model.wages = labour.regional_wages(p.wage, p.wage_elasticity, employment, model.labour_force)


def _clear_markets_of_mobile_workers(model: SEZClusterModel) -> None:
    """CP mode: firms follow their workers, then wages clear the workers' markets (L3).

    Labour demand at trial wages comes from the market stage itself (M1-M7,
    :func:`sim.processes.markets.produce_and_trade`), so the market is re-solved at the
    year's new allocation of workers and firms; next year's market stage starts there.
    """
    p, f, t = model.params, model.firms, model.territory
    relocation.follow_workers(model)
    producing = f.view("alive") & (f.view("status") == PRODUCING)
    firms = np.bincount(f.view("sector")[producing], minlength=model.n_sectors)
    workers = model.labour_force.sum()

    def demand_per_worker(wages: np.ndarray) -> np.ndarray:
        model.wages = wages
        markets.produce_and_trade(model, model.year)
        # Labour a firm of unit efficiency demands at these wages and access (M4, M6).
        revenue = model.unit_revenue * model.access
        per_firm = t.labour_share[:, None] * revenue / wages[None, :] + p.fixed_labour
        return labour.tied_labour_demand(per_firm, firms, workers)

    model.wages = labour.clearing_wages(demand_per_worker, model.wages)
