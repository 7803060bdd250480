"""Dixit-Stiglitz monopolistic competition between regions (docs/ODD.md, M1-M9).

Firms of sector k located in region r sell a variety at mill price p_i = w_r / z_i
(units chosen so that the CES mark-up sigma/(sigma-1) is absorbed, as in
Baldwin et al. 2003, ch. 2). Shipping to d costs iceberg tau_rd, so the delivered
price is p_i * tau_rd and the freeness of trade is phi_rd = tau_rd**(1 - sigma).
Firms also buy intermediate inputs from their related sectors (M8, M9: the
input-output block of Venables 1996 and Krugman & Venables 1995): a CES composite of
those sectors' varieties, whose price index lowers the mill price where suppliers are
near (forward, cost linkage) and whose spending adds to the suppliers' market access
where buyers are (backward, demand linkage).
Exports face the world's demand for Kazakhstan's varieties of each sector (M6), which,
with an outer Armington nest (M6a), Kazakh exporters of a sector share.
All functions work on whole arrays: cost is O(firms + sectors * regions**2).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "equilibrium_expenditure",
    "export_demand",
    "export_supply",
    "firm_accounts",
    "freeness_matrix",
    "input_cost_factor",
    "input_cost_shares",
    "input_price_term",
    "input_reference",
    "intermediate_access",
    "intermediate_spending",
    "labour_rationing",
    "manufactures_price_level",
    "market_access",
    "market_outcomes",
    "price_index_term",
    "trade_flows",
]


def freeness_matrix(road_km: np.ndarray, cost_per_1000km: float, sigma: float) -> np.ndarray:
    """Freeness of trade phi_rd = (1 + c * km_rd / 1000)**(1 - sigma)  (M1).

    Args:
        road_km: (R, R) road distances in km, zero on the diagonal.
        cost_per_1000km: iceberg cost c per 1000 km.
        sigma: elasticity of substitution.

    Returns:
        (R, R) matrix in (0, 1], ones on the diagonal.
    """
    tau = 1.0 + cost_per_1000km * np.asarray(road_km, dtype=float) / 1000.0
    return tau ** (1.0 - sigma)


def price_index_term(supply: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """G_kd = P_kd**(1 - sigma) = sum_r A_kr phi_rd  (M3).

    Args:
        supply: (K, R) supply index A.
        phi: (R, R) freeness matrix.

    Returns:
        (K, R) price-index term; zero where no variety reaches d.
    """
    return supply @ phi


def market_access(
    mu: np.ndarray, expenditure: np.ndarray, g: np.ndarray, phi: np.ndarray
) -> np.ndarray:
    """MA_kr = sum_d phi_rd mu_k E_d / G_kd: revenue per unit of p**(1-sigma)  (M4).

    Args:
        mu: (K,) expenditure shares.
        expenditure: (R,) regional expenditure E.
        g: (K, R) price-index term.
        phi: (R, R) freeness matrix.

    Returns:
        (K, R) market access of a firm located in r.
    """
    demand = mu[:, None] * expenditure[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = np.where(g > 0, demand / g, 0.0)
    return per_unit @ phi.T


def equilibrium_expenditure(
    income: np.ndarray,
    supply_domestic: np.ndarray,
    mu: np.ndarray,
    g: np.ndarray,
    phi: np.ndarray,
    sigma: float,
) -> np.ndarray:
    """Regional expenditure E = Y + operating profits of locally owned firms  (M5).

    Operating profit is revenue / sigma and domestic-market revenue is linear in E,
    so E = Y + C E with C_rd = sum_k (A_kr / sigma) phi_rd mu_k / G_kd; solved exactly
    as (I - C) E = Y. This is the footloose-entrepreneur expenditure equation
    (Forslid & Ottaviano 2003) generalised to K sectors and R regions.

    Args:
        income: (R,) income not from domestic-market profits (wages, export profits).
        supply_domestic: (K, R) supply index of locally owned producing firms.
        mu: (K,) expenditure shares.
        g: (K, R) price-index term of all producing firms.
        phi: (R, R) freeness matrix.
        sigma: elasticity of substitution.

    Returns:
        (R,) expenditure.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_g = np.where(g > 0, 1.0 / g, 0.0)
    # C_rd = sum_k A_kr * mu_k * inv_g_kd * phi_rd / sigma
    c = ((supply_domestic.T * mu[None, :]) @ inv_g) * phi / sigma
    return np.linalg.solve(np.eye(len(income)) - c, income)


def input_cost_shares(
    labour_share: np.ndarray, intermediate_share: float, relatedness: np.ndarray, sigma: float
) -> np.ndarray:
    """Share beta_k of variable cost spent on related sectors' varieties  (M8).

    Variable cost is ``(sigma - 1) / sigma`` of turnover, of which labour is
    ``lambda_k``; a share ``a`` (``intermediate_share``) of the rest (materials and
    services) is bought from the sector's related sectors at home:
    ``beta_k = a (1 - lambda_k sigma / (sigma - 1))``, 0 for a sector with no related
    sector. In the core-periphery mode labour is the whole variable cost, so beta = 0.

    Args:
        labour_share: (K,) ``lambda_k``, wage bill / turnover.
        intermediate_share: a, in [0, 1].
        relatedness: (K, K) 0/1 matrix W of the scenario's ``related`` lists.
        sigma: elasticity of substitution.

    Returns:
        (K,) beta_k in [0, 1).
    """
    variable = (sigma - 1.0) / sigma  # as the core-periphery mode's lambda: exactly 0 there
    rest = np.maximum(variable - labour_share, 0.0) / variable
    return np.where(relatedness.sum(axis=1) > 0, intermediate_share * rest, 0.0)


def input_price_term(relatedness: np.ndarray, g: np.ndarray) -> np.ndarray:
    """H_kd = (P^in_kd)**(1 - sigma) = sum_s W_ks G_sd: buyers' input price index  (M8).

    The composite input of sector k is one CES nest over every variety of its related
    sectors, delivered to d with the trade freeness of M1, so its price-index term is
    the sum of the related sectors' terms of M3.

    Args:
        relatedness: (K, K) 0/1 matrix W.
        g: (K, R) price-index term G (M3).

    Returns:
        (K, R); zero where no related variety reaches d.
    """
    return relatedness @ g


def input_reference(h: np.ndarray, turnover_kr: np.ndarray) -> np.ndarray:
    """Reference input price term of each sector: its turnover-weighted mean H  (M8).

    Fixed at the start-up economy, so ``c_kr = 1`` on average over a sector's output
    there: the start-up economy keeps its level, and the forward linkage moves costs
    between regions and, later, as suppliers enter or leave.

    Args:
        h: (K, R) input price term H.
        turnover_kr: (K, R) turnover by sector and region.

    Returns:
        (K,) reference ``H^ref_k``; 0 for a sector without output or inputs.
    """
    total = turnover_kr.sum(axis=1)
    mean = (turnover_kr * h).sum(axis=1)
    return np.divide(mean, total, out=np.zeros(h.shape[0]), where=total > 0)


def input_cost_factor(
    h: np.ndarray, reference: np.ndarray, cost_share: np.ndarray, sigma: float
) -> np.ndarray:
    """Unit-cost factor of intermediate inputs c_kr = (H_kr / H^ref_k)**(beta_k/(1-sigma))  (M8).

    Marginal cost ``w_r^(1-beta) (P^in)^beta`` relative to its reference level, with
    ``P^in = H^(1/(1-sigma))`` (Krugman & Venables 1995): the more varieties of related
    sectors are produced near r, the cheaper its firms' inputs (forward, cost linkage).
    The mill price is ``p_i = c_kr w_r / z_i``.

    Args:
        h: (K, R) input price term H (last year's, M8).
        reference: (K,) ``H^ref_k`` (:func:`input_reference`).
        cost_share: (K,) beta_k (:func:`input_cost_shares`).
        sigma: elasticity of substitution.

    Returns:
        (K, R) factor; 1 where beta_k = 0 or no input reaches the region.
    """
    ok = (h > 0) & (reference[:, None] > 0) & (cost_share[:, None] > 0)
    ratio = np.divide(h, reference[:, None], out=np.ones_like(h), where=ok)
    return np.where(ok, ratio ** (cost_share[:, None] / (1.0 - sigma)), 1.0)


def intermediate_spending(
    turnover_kr: np.ndarray, cost_share: np.ndarray, sigma: float
) -> np.ndarray:
    """Buyers' spending on their composite input M_kd = beta_k (sigma-1)/sigma Y_kd  (M9).

    Args:
        turnover_kr: (K, R) turnover by sector and region (last year's).
        cost_share: (K,) beta_k.
        sigma: elasticity of substitution.

    Returns:
        (K, R) spending, million currency units per year.
    """
    return (cost_share * (sigma - 1.0) / sigma)[:, None] * turnover_kr


def intermediate_access(
    spending: np.ndarray, h: np.ndarray, relatedness: np.ndarray, phi: np.ndarray
) -> np.ndarray:
    """MA^in_sr = sum_d phi_rd sum_k W_ks M_kd / H_kd: access to buyers' input demand  (M9).

    A supplier of sector s in r sells ``p^(1-sigma) phi_rd M_kd / H_kd`` to the buyers
    of every sector k that uses s (the CES demand of M4 with the buyers' spending and
    input price term in place of the consumers'): the backward, demand linkage. Summed
    over suppliers it returns the buyers' spending exactly.

    Args:
        spending: (K, R) buyers' spending M.
        h: (K, R) this year's input price term H.
        relatedness: (K, K) 0/1 matrix W.
        phi: (R, R) freeness matrix.

    Returns:
        (K, R) revenue per unit of ``p^(1-sigma)`` of a supplier in r.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = np.where(h > 0, spending / h, 0.0)
    return (relatedness.T @ per_unit) @ phi.T


def manufactures_price_level(g: np.ndarray, mu: np.ndarray, sigma: float) -> np.ndarray:
    """Cost-of-living factor of manufactures per region: prod_k P_kd**mu_k  (M7).

    Args:
        g: (K, R) price-index term (P**(1-sigma)).
        mu: (K,) expenditure shares.
        sigma: elasticity of substitution.

    Returns:
        (R,) factor by which nominal income is deflated; regions with no supply of a
        sector get the largest finite level of the others (no division by zero).
    """
    with np.errstate(divide="ignore"):
        log_p = np.where(g > 0, np.log(np.where(g > 0, g, 1.0)) / (1.0 - sigma), np.nan)
    fill = np.nanmax(log_p, axis=1, keepdims=True) if np.isfinite(log_p).any() else 0.0
    log_p = np.where(np.isnan(log_p), np.nan_to_num(fill, nan=0.0), log_p)
    return np.exp(mu @ log_p)


def labour_rationing(labour_force: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Share of its labour demand each region can meet: ``min(1, L_r / demand_r)``.

    A region cannot employ more than its labour force; its firms' output, exports and
    employment are scaled down by this factor (capacity, docs/ODD.md 7.1).
    """
    return np.minimum(
        1.0, np.divide(labour_force, demand, out=np.ones_like(demand), where=demand > 0)
    )


def export_supply(
    p1s: np.ndarray,
    world_freeness: np.ndarray,
    exporter: np.ndarray,
    sector: np.ndarray,
    n_sectors: int,
) -> np.ndarray:
    """Export supply index of each sector, ``B_k = sum p_i^(1-sigma) phi^w_i``  (M6).

    The sum runs over the sector's exporters: ``B_k^(1/(1-sigma))`` is the price index,
    on the world market, of Kazakhstan's composite of sector k's varieties.

    Args:
        p1s: (N,) ``p_i^(1-sigma)``, 0 for firms that do not produce.
        world_freeness: (N,) world freeness ``phi^w_i`` of each firm.
        exporter: (N,) bool.
        sector: (N,) sector index.
        n_sectors: K.

    Returns:
        (K,) ``B_k``.
    """
    weights = p1s * world_freeness * exporter
    return np.bincount(sector, weights=weights, minlength=n_sectors)


def export_demand(
    scale: np.ndarray,
    growth: float,
    sigma: float,
    nest_elasticity: float | None = None,
    supply: np.ndarray | None = None,
    reference: np.ndarray | None = None,
) -> np.ndarray:
    """World demand for a Kazakh variety per unit of ``p^(1-sigma) phi^w``  (M6, M6a).

    An exporter sells ``X_i = p_i^(1-sigma) phi^w_i d_k``, with

    ``d_k = s_k (1 + g_w)^(t - t0) (B_k / B_k0)^((eta - sigma) / (sigma - 1))``.

    The world spends ``E^X_k = D_k (1 + g_w)^(t - t0) (B_k / B_k0)^((eta - 1) /
    (sigma - 1))`` on Kazakhstan's composite of sector k (an outer CES nest with
    elasticity eta between it and the rest of the world's supply, whose price index
    does not move: a small share of world demand; Armington 1969, Feenstra et al.
    2018), and each exporter takes the share ``p_i^(1-sigma) phi^w_i / B_k`` of it;
    ``s_k = D_k / B_k0`` is the start-up scale. With eta < sigma, each exporter's demand
    falls as the sector's Kazakh exporters grow in number or productivity; eta = sigma
    (or no ``supply``) is no nest: every variety faces a fixed world price index (M6).
    A sector without exporters this year (``B_k`` = 0) or at the start keeps ``s_k``
    growing with world demand.

    Args:
        scale: (K,) ``s_k``, fixed at start-up.
        growth: ``(1 + g_w)^(t - t0)``, world demand growth since the start.
        sigma: elasticity of substitution between varieties (the inner nest).
        nest_elasticity: eta, between Kazakhstan's composite and the rest of the world
            (``export_armington_elasticity``); None: no nest.
        supply: (K,) this year's export supply index ``B_k`` (:func:`export_supply`).
        reference: (K,) its start-up value ``B_k0``.

    Returns:
        (K,) ``d_k``, million currency units per year per unit of ``p^(1-sigma) phi^w``.
    """
    demand = scale * growth
    if nest_elasticity is None or supply is None or reference is None:
        return demand
    held = (supply > 0) & (reference > 0)
    ratio = np.divide(supply, reference, out=np.ones_like(supply), where=held)
    return demand * ratio ** ((nest_elasticity - sigma) / (sigma - 1.0))


# ---------------------------------------------------------------- per-firm passes
# The passes below run over every firm once a year; numpy would need one temporary per
# operation, so each is one loop compiled by Numba (no fastmath: IEEE operations in the
# written order, so a seed gives the same bits on every run and worker).


@njit(cache=True)
def trade_flows(
    p1s: np.ndarray,
    foreign: np.ndarray,
    exporter: np.ndarray,
    phi_w: np.ndarray,
    cell: np.ndarray,
    sector: np.ndarray,
    region: np.ndarray,
    scale: np.ndarray,
    sigma: float,
    n_cells: int,
    n_regions: int,
    exports: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Supply indices (M2), exports (M6) and domestic firms' export income (M5).

    ``A_c = sum p_i^(1-sigma)`` over the firms of (sector, region) cell c, and
    ``A^dom_c`` over its domestic firms; exports of firm i,
    ``X_i = p_i^(1-sigma) phi^w_i d_k`` for exporters (0 otherwise), are written into
    ``exports``; export profit of domestic firms by region is ``sum X_i / sigma``.

    Args:
        p1s: (N,) ``p_i^(1-sigma)``, 0 for firms that do not produce.
        foreign: (N,) bool, foreign-owned (its profit leaves the country).
        exporter: (N,) bool.
        phi_w: (N,) world freeness of each firm.
        cell: (N,) ``sector * R + region``.
        sector: (N,) sector index.
        region: (N,) region index.
        scale: (K,) world demand ``d_k`` for a variety this year (:func:`export_demand`).
        sigma: elasticity of substitution.
        n_cells: K * R.
        n_regions: R.
        exports: (N,) output, million currency units per year.

    Returns:
        ``(A, A_dom, income)``: (K*R,), (K*R,), (R,).
    """
    supply = np.zeros(n_cells)
    supply_dom = np.zeros(n_cells)
    income = np.zeros(n_regions)
    for i in range(p1s.size):
        c = cell[i]
        supply[c] += p1s[i]
        x = p1s[i] * phi_w[i] * scale[sector[i]] if exporter[i] else 0.0
        exports[i] = x
        if not foreign[i]:
            supply_dom[c] += p1s[i]
            income[region[i]] += x / sigma
    return supply, supply_dom, income


@njit(cache=True)
def market_outcomes(
    p1s: np.ndarray,
    access: np.ndarray,
    cell: np.ndarray,
    exports: np.ndarray,
    labour_share: np.ndarray,
    sector: np.ndarray,
    w: np.ndarray,
    producing: np.ndarray,
    fixed_labour: float,
    region: np.ndarray,
    n_regions: int,
    turnover: np.ndarray,
    employment: np.ndarray,
) -> np.ndarray:
    """Turnover (M6) and employment per firm, and labour demand by region.

    ``Y_i = p_i^(1-sigma) MA_kr + X_i``; a producer employs ``l_i = lambda_k Y_i / w_r +
    F``, anyone else nobody. Written into ``turnover`` and ``employment``.

    Args:
        p1s: (N,) ``p_i^(1-sigma)``.
        access: (K*R,) market access ``MA`` by cell (M4).
        cell: (N,) cell of each firm.
        exports: (N,) exports ``X_i``.
        labour_share: (K,) ``lambda_k``.
        sector: (N,) sector index.
        w: (N,) wage in each firm's region.
        producing: (N,) bool.
        fixed_labour: F, persons per firm.
        region: (N,) region index.
        n_regions: R.
        turnover: (N,) output Y_i, million currency units per year.
        employment: (N,) output l_i, persons.

    Returns:
        (R,) labour demand, persons.
    """
    demand = np.zeros(n_regions)
    for i in range(p1s.size):
        y = p1s[i] * access[cell[i]] + exports[i]
        turnover[i] = y
        e = labour_share[sector[i]] * y / w[i] + fixed_labour if producing[i] else 0.0
        employment[i] = e
        demand[region[i]] += e
    return demand


@njit(cache=True)
def firm_accounts(
    producing: np.ndarray,
    z: np.ndarray,
    employment: np.ndarray,
    w: np.ndarray,
    turnover: np.ndarray,
    capital: np.ndarray,
    sigma: float,
    fixed_labour: float,
    depreciation: float,
    cell: np.ndarray,
    n_cells: int,
    productivity: np.ndarray,
    wage_bill: np.ndarray,
    profit: np.ndarray,
) -> np.ndarray:
    """Productivity, wage bill and profit per firm; employment by (sector, region) cell.

    Profit of a producer ``pi_i = Y_i / sigma - w_r F - delta K_i`` (operating profit
    net of fixed labour and depreciation); firms that do not produce have 0. Written into
    ``productivity``, ``wage_bill``, ``profit``.

    Returns:
        (K*R,) employment by cell, persons: next year's ``S_kr`` (P1).
    """
    emp = np.zeros(n_cells)
    for i in range(z.size):
        e = employment[i]
        wage_bill[i] = e * w[i]
        if producing[i]:
            productivity[i] = z[i]
            profit[i] = turnover[i] / sigma - w[i] * fixed_labour - depreciation * capital[i]
        else:
            productivity[i] = 0.0
            profit[i] = 0.0
        emp[cell[i]] += e
    return emp
