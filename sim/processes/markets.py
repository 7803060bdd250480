"""Production and trade (ODD section 3, stage 4): productivity, prices, trade, markets.

With ``intermediate_share`` > 0 firms also buy inputs from their related sectors (M8,
M9), with a one-year lag: this year's mill prices use last year's input price index
(``model.input_term``) and this year's input demand is last year's turnover by sector
and region (``model.turnover_kr``); both are rewritten at the end of the stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import PRODUCING
from sim.economy import market
from sim.economy import productivity as prod

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = [
    "current_input_cost",
    "fix_input_reference",
    "prices",
    "produce_and_trade",
    "world_demand_scale",
]


def current_input_cost(model: SEZClusterModel) -> np.ndarray | None:
    """(K, R) unit-cost factor of intermediate inputs this year (M8), or None when off.

    From last year's input price term; 1 everywhere before there is one (the first
    round of the start-up solve).
    """
    if not model.input_linkages:
        return None
    if model.input_term is None or model.input_reference is None:
        return np.ones((model.n_sectors, model.n_regions))
    return market.input_cost_factor(
        model.input_term, model.input_reference, model.input_shares, model.params.sigma
    )


def fix_input_reference(model: SEZClusterModel) -> None:
    """Set each sector's reference input price term from the current economy (M8).

    Called by the start-up solve after each round, so the reference is that of the
    start-up economy; never during the years.
    """
    if model.input_linkages and model.input_term is not None:
        model.input_reference = market.input_reference(model.input_term, model.turnover_kr)


def _prices(model: SEZClusterModel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Productivity (P1-P4) and ``p_i^(1-sigma)`` of every firm, this year.

    Returns:
        ``(cell, z, w, p1s)``: each firm's (sector, region) cell, productivity, wage and
        ``(w_r / z_i)^(1-sigma)`` (0 for firms that do not produce).
    """
    f, p, t = model.firms, model.params, model.territory
    k, r = f.view("sector"), f.view("region")
    cell = k * model.n_regions + r  # (K, R) tables are read with .flat[cell]
    producing = f.view("alive") & (f.view("status") == PRODUCING)
    agglo = prod.agglomeration_log_gain(
        model.emp_kr, t.relatedness, p.agglomeration_elasticity, p.related_elasticity
    )
    model.agglomeration = agglo
    log_z = prod.log_productivity(
        f.view("log_q"),
        f.view("knowledge"),
        agglo.ravel(),
        cell,
        model.log_zone_gain_i,
        model.log1p_coordination_i,
    )
    z = np.exp(log_z)
    w = model.wages[r]
    cost = model.input_cost
    if cost is None:
        p1s = np.where(producing, (w / z) ** (1.0 - p.sigma), 0.0)
    else:  # M8: p_i = c_kr w_r / z_i
        p1s = np.where(producing, (w * cost.ravel()[cell] / z) ** (1.0 - p.sigma), 0.0)
    return cell, z, w, p1s


def prices(model: SEZClusterModel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """This year's input cost (M8, set on the model) and the firms' prices (P1-P4).

    Returns:
        ``(cell, z, w, p1s)`` as :func:`_prices`: what :func:`world_demand_scale` and
        :func:`produce_and_trade` start from (the start-up solve computes it once for
        both in each round).
    """
    model.input_cost = current_input_cost(model)
    return _prices(model)


def world_demand_scale(
    model: SEZClusterModel,
    firm_prices: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``s_k`` such that this year's exports equal the scenario's world demand (M6).

    Computed from the firms' current prices (``firm_prices``, else :func:`prices`) and
    world freeness; the model fixes it once at start-up, with the export supply index
    ``B_k0`` it is measured against (M6a).

    Returns:
        ``(s, B0)``: (K,) the scale and (K,) the export supply index it divides.
    """
    f, t = model.firms, model.territory
    _, _, _, p1s = prices(model) if firm_prices is None else firm_prices
    supply = market.export_supply(
        p1s, model.phi_world_i, f.view("exporter"), f.view("sector"), model.n_sectors
    )
    scale = np.divide(t.world_demand, supply, out=np.zeros(model.n_sectors), where=supply > 0)
    return scale, supply


def produce_and_trade(
    model: SEZClusterModel,
    year: int,
    firm_prices: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> None:
    """Turnover, exports, employment, profit of every firm; expenditure and access (M1-M9).

    Sets the firms' flows and, on the model, ``expenditure``, ``access`` (consumers'
    and, with input-output linkages, buyers' demand), ``price_level``, ``emp_kr``
    (employment by sector and region, next year's P1 input), ``location_value`` and
    ``unit_revenue`` (what relocation and entry compare), ``export_demand`` (the world's
    demand for a variety, M6, M6a, which entry expects too); with linkages also
    ``input_access`` (the buyers' part of ``access``, M9), ``input_term`` and
    ``turnover_kr`` (next year's M8 and M9 inputs); with ``export_decision``,
    ``export_potential``: the exports each firm would sell as an exporter (X1).
    ``firm_prices``: this year's :func:`prices`, when already computed.
    """
    f, p, t = model.firms, model.params, model.territory
    sigma, n_k, n_r = p.sigma, model.n_sectors, model.n_regions
    k, r = f.view("sector"), f.view("region")
    producing = f.view("alive") & (f.view("status") == PRODUCING)
    cell, z, w, p1s = prices(model) if firm_prices is None else firm_prices
    agglo = model.agglomeration
    growth = (1.0 + p.world_demand_growth) ** (year - model.spec.start_year)
    exports, exporter = f.view("exports"), f.view("exporter")
    supply_x = None
    if model.export_nest:  # M6a: Kazakh exporters of a sector share the world's demand
        supply_x = market.export_supply(p1s, model.phi_world_i, exporter, k, n_k)
    model.export_demand = market.export_demand(
        model.world_scale, growth, sigma, p.export_armington_elasticity, supply_x,
        model.export_reference,
    )  # fmt: skip
    supply, supply_dom, export_income = market.trade_flows(
        p1s, f.view("foreign"), exporter, model.phi_world_i, cell, k, r,
        model.export_demand, sigma, n_k * n_r, n_r, exports,
    )  # fmt: skip
    supply, supply_dom = supply.reshape(n_k, n_r), supply_dom.reshape(n_k, n_r)
    g = market.price_index_term(supply, model.phi)
    income = model.wages * model.labour_force + model.immobile_income + export_income
    linked = model.input_linkages
    if linked:  # M8, M9: buyers' input demand (last year's spending at this year's prices)
        h = market.input_price_term(t.relatedness, g)
        spending = market.intermediate_spending(model.turnover_kr, model.input_shares, sigma)
        access_in = market.intermediate_access(spending, h, t.relatedness, model.phi)
        income = income + (supply_dom * access_in).sum(axis=0) / sigma  # M5: their profit
    mu = t.mu
    model.expenditure = market.equilibrium_expenditure(income, supply_dom, mu, g, model.phi, sigma)
    model.access = market.market_access(mu, model.expenditure, g, model.phi)
    if linked:
        model.input_access = access_in
        model.access = model.access + access_in
    model.price_level = market.manufactures_price_level(g, mu, sigma)
    turnover, employment = f.view("turnover"), f.view("employment")
    demand = market.market_outcomes(
        p1s, model.access.ravel(), cell, exports, t.labour_share, k, w, producing,
        p.fixed_labour, r, n_r, turnover, employment,
    )  # fmt: skip
    # Capacity: a region cannot employ more than its labour force; output is rationed.
    ration = market.labour_rationing(model.labour_force, demand)
    if (ration < 1.0).any():
        employment *= ration[r]
        turnover *= ration[r]
        exports *= ration[r]
    if p.export_decision:
        # X1: the exports every firm would sell as an exporter (M6), what it decides on.
        model.export_potential = p1s * model.phi_world_i * model.export_demand[k]
        model.export_potential *= ration[r]
    emp_cell = market.firm_accounts(
        producing, z, employment, w, turnover, f.view("capital"), sigma, p.fixed_labour,
        p.depreciation, cell, n_k * n_r, f.view("productivity"), f.view("wage_bill"),
        f.view("profit"),
    )  # fmt: skip
    model.emp_kr = emp_cell.reshape(n_k, n_r)
    # Real value of each (sector, region) for a unit-efficiency firm: used by relocation
    # (the FE real reward, pi / P**mu) and entry.
    unit = np.exp(agglo * (sigma - 1.0)) * model.wages[None, :] ** (1.0 - sigma)
    if linked:
        unit = unit * model.input_cost ** (1.0 - sigma)  # M8: cheaper inputs, lower price
        model.input_term = h
        model.turnover_kr = np.bincount(cell, weights=turnover, minlength=n_k * n_r).reshape(
            n_k, n_r
        )
    model.location_value = unit * model.access / sigma / model.price_level[None, :]
    model.unit_revenue = unit
