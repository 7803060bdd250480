"""Compiled kernels (``sim._kernels``, ``sim/_kernels.c``) and their numpy twins.

Each kernel does in one pass over the firms what a handful of numpy operations do, with
the same IEEE operations in the same order, so the same bits (docs/performance.md gives
the rules). Each has a numpy twin: the reference the tests compare it with bit for bit,
and what runs when the extension is not built or ``SEZSIM_NO_KERNELS=1`` is set
(``COMPILED`` says which).

- :func:`scope_totals`: every indicator sum and count for every scope in one pass, each
  scope in row order (its twin sums with :func:`group_sums`, numpy bincounts).
- :func:`group_rows`: rows grouped by a key (a counting sort);
  :func:`entry_census` (D3), :func:`privileges` (F1, M6, P3-P5),
  :func:`taxes_and_privilege_cost` (F1-F3), :func:`trade_flows` (M3, M6),
  :func:`market_outcomes` (M7), :func:`exits` (D5), :func:`innovation_hazard` and
  :func:`absorb_knowledge` (D1, P5),
  :func:`firm_accounts`, :func:`invest` (D2), :func:`log_productivity` (P1-P4).
- :func:`new_agents`, :func:`drop_agents`: Firm agents created and registered with
  Mesa, or dropped from its registries, in one loop (twins in Python).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Sequence
from itertools import repeat

import numpy as np

from sim.economy import firm_dynamics as dyn
from sim.economy import fiscal

if os.environ.get("SEZSIM_NO_KERNELS", "") not in ("", "0"):
    _kernels = None  # the numpy twins, on request (tests compare the two paths)
else:
    try:
        from sim import _kernels
    except ImportError:  # pragma: no cover - a build without a C compiler
        _kernels = None

__all__ = [
    "COMPILED",
    "SCOPE_COUNTS",
    "SCOPE_INPUTS",
    "SCOPE_SUMS",
    "absorb_knowledge",
    "drop_agents",
    "drop_agents_python",
    "entry_census",
    "entry_census_numpy",
    "exits",
    "exits_numpy",
    "firm_accounts",
    "firm_accounts_numpy",
    "group_rows",
    "group_rows_numpy",
    "group_sums",
    "innovation_hazard",
    "invest",
    "invest_numpy",
    "log_productivity",
    "market_outcomes",
    "market_outcomes_numpy",
    "new_agents",
    "new_agents_python",
    "privileges",
    "privileges_numpy",
    "scope_totals",
    "scope_totals_numpy",
    "taxes_and_privilege_cost",
    "trade_flows",
    "trade_flows_numpy",
]

#: True when the compiled kernel is in use.
COMPILED = _kernels is not None

Key = np.ndarray | int | tuple[np.ndarray, int]


def group_sums(n_bins: int, keys: Sequence[Key], weights: Sequence[np.ndarray]) -> np.ndarray:
    """Sums of each weight over the rows in each bin, added in row order (numpy bincounts).

    The engine of :func:`scope_totals_numpy`: each bin's sum is the number
    ``np.bincount(key, weights=w)`` gives, which is what the compiled ``scope_totals``
    reproduces.

    Args:
        n_bins: number of bins (rows of the result).
        keys: per key, an int64 array giving each row's bin (negative: not in this key's
            bins), an ``(array, offset)`` pair (bin ``array[i] + offset`` where
            ``array[i] >= 0``), or an int (every row in that bin). A row adds into one bin
            per key; keys must not share bins.
        weights: float64 or bool arrays, one value per row.

    Returns:
        float64 array ``(n_bins, len(weights))``.
    """
    out = np.zeros((n_bins, len(weights)))
    n = len(weights[0])
    for key in keys:
        offset = 0
        if isinstance(key, tuple):
            key, offset = key
        if isinstance(key, (int, np.integer)):
            idx, take = np.full(n, int(key), dtype=np.int64), slice(None)
        else:
            take = np.flatnonzero(key >= 0)
            idx = key[take] + offset
        for j, w in enumerate(weights):
            out[:, j] += np.bincount(idx, weights=np.asarray(w)[take], minlength=n_bins)[:n_bins]
    return out


def taxes_and_privilege_cost(
    profit: np.ndarray,
    turnover: np.ndarray,
    wage_bill: np.ndarray,
    profit_relief: np.ndarray,
    turnover_relief: np.ndarray,
    profit_tax_rate: float,
    turnover_tax_rate: float,
    payroll_tax_rate: float,
    out: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Taxes paid and privilege cost per firm (see :mod:`sim.economy.fiscal`).

    Written into ``out`` (two float64 arrays) when given, else into new arrays.
    """
    args = (profit, turnover, wage_bill, profit_relief, turnover_relief)
    if _kernels is None:
        paid, cost = fiscal.taxes_and_privilege_cost(
            *args, profit_tax_rate, turnover_tax_rate, payroll_tax_rate
        )
        if out is None:
            return paid, cost
        out[0][:], out[1][:] = paid, cost
        return out
    paid = np.empty(profit.size) if out is None else out[0]
    cost = np.empty(profit.size) if out is None else out[1]
    _kernels.taxes(
        *(np.ascontiguousarray(a, dtype=np.float64) for a in args),
        float(profit_tax_rate),
        float(turnover_tax_rate),
        float(payroll_tax_rate),
        paid,
        cost,
    )
    return paid, cost


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
    """Turnover and employment per firm (into the given arrays) and labour demand by region.

    ``turnover = p1s * access[cell] + exports``; employment of producers is
    ``labour_share[sector] * turnover / w + fixed_labour`` (0 for the others); demand is
    employment summed by region in row order. ``access`` is the flat (sector, region)
    table. One compiled pass, or these numpy expressions.
    """
    if _kernels is None:
        return market_outcomes_numpy(
            p1s, access, cell, exports, labour_share, sector, w, producing, fixed_labour,
            region, n_regions, turnover, employment,
        )  # fmt: skip
    demand = np.zeros(n_regions)
    _kernels.market_outcomes(
        p1s, access, cell, exports, labour_share, sector, w, producing, float(fixed_labour),
        region, turnover, employment, demand,
    )  # fmt: skip
    return demand


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
    """Supply, domestic supply (by cell), exports (per firm) and export income (by region).

    ``supply`` sums ``p1s`` by cell and ``supply_dom`` the domestic firms' share;
    ``exports = p1s * phi_w * exporter * scale[sector]`` is written into ``exports``;
    ``income`` sums ``exports / sigma`` of domestic firms by region. Sums in row order.
    One compiled pass, or these numpy expressions (:func:`trade_flows_numpy`).
    """
    if _kernels is None:
        return trade_flows_numpy(
            p1s, foreign, exporter, phi_w, cell, sector, region, scale, sigma, n_cells,
            n_regions, exports,
        )  # fmt: skip
    supply, supply_dom, income = np.zeros(n_cells), np.zeros(n_cells), np.zeros(n_regions)
    _kernels.trade_flows(
        p1s, foreign, exporter, phi_w, cell, sector, region, scale, float(sigma), supply,
        supply_dom, exports, income,
    )  # fmt: skip
    return supply, supply_dom, income


def trade_flows_numpy(
    p1s, foreign, exporter, phi_w, cell, sector, region, scale, sigma, n_cells, n_regions,
    exports,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Numpy twin of :func:`trade_flows` (the reference the kernel is tested against)."""
    domestic = ~foreign
    supply = np.bincount(cell, weights=p1s, minlength=n_cells)
    supply_dom = np.bincount(cell, weights=p1s * domestic, minlength=n_cells)
    np.multiply(p1s * phi_w * exporter, scale[sector], out=exports)
    income = np.bincount(region, weights=exports / sigma * domestic, minlength=n_regions)
    return supply, supply_dom, income


#: Outputs of :func:`privileges`, per firm.
PRIVILEGE_OUTPUTS = (
    "level",
    "profit_relief",
    "turnover_relief",
    "phi_w",
    "log1p_infrastructure",
    "links",
    "log1p_coordination",
)


def privileges(
    firm: dict[str, np.ndarray],
    sez_open: np.ndarray,
    zone_priority: np.ndarray,
    zone: dict[str, np.ndarray],
    cluster: dict[str, np.ndarray],
    phi_none: float,
    profit_rate: float,
    turnover_rate: float,
    channels: bool,
    colocate: bool,
) -> dict[str, np.ndarray]:
    """Each firm's privileges and cluster-channel weights, read from small tables.

    Args:
        firm: columns ``sez``, ``sector``, ``cluster``, ``region``.
        sez_open: bool per zone.
        zone_priority: (zones, sectors) bool, the zones' priority sectors (2-d, also
            without zones).
        zone: ``level``, ``phi``, ``log1p_infrastructure``, each (zones, 2): column 1 for
            a priority sector, column 0 for another.
        cluster: ``level`` (NaN: no privileges), ``phi``, ``log1p_infrastructure`` per
            cluster; ``region`` (where its actors sit); ``log1p_coordination`` and
            ``links``, each (clusters, 2): column 1 for a member co-located with them.
        phi_none: world freeness without customs relief.
        profit_rate: profit-tax relief of a level-1 privilege.
        turnover_rate: turnover-tax relief of a level-1 privilege.
        channels: cluster channels are on.
        colocate: members sitting with their cluster's actors get column 1.

    Returns:
        :data:`PRIVILEGE_OUTPUTS` per firm. A firm in an open zone has its zone's row;
        else a member of a cluster with a level has its cluster's; else level 0, reliefs
        0, ``phi_none``, log1p 0. Reliefs are level x rate. With channels, members have
        their cluster's channel row; the others links 1 and log1p 0.
    """
    n = firm["sez"].size
    if _kernels is None:
        return privileges_numpy(
            firm, sez_open, zone_priority, zone, cluster, phi_none, profit_rate,
            turnover_rate, channels, colocate,
        )  # fmt: skip
    out = {name: np.empty(n) for name in PRIVILEGE_OUTPUTS}
    flat = [np.ascontiguousarray(a, dtype=np.float64).reshape(-1) for a in (
        zone["level"], zone["phi"], zone["log1p_infrastructure"], cluster["level"],
        cluster["phi"], cluster["log1p_infrastructure"],
    )]  # fmt: skip
    _kernels.privileges(
        firm["sez"], firm["sector"], firm["cluster"], firm["region"],
        np.ascontiguousarray(sez_open, dtype=bool),
        np.ascontiguousarray(zone_priority, dtype=bool).reshape(-1),
        *flat,
        np.ascontiguousarray(cluster["region"], dtype=np.int64),
        np.ascontiguousarray(cluster["log1p_coordination"], dtype=np.float64).reshape(-1),
        np.ascontiguousarray(cluster["links"], dtype=np.float64).reshape(-1),
        *(out[name] for name in PRIVILEGE_OUTPUTS),
        int(zone_priority.shape[1]),
        float(phi_none), float(profit_rate), float(turnover_rate), bool(channels),
        bool(colocate),
    )  # fmt: skip
    return out


def privileges_numpy(
    firm, sez_open, zone_priority, zone, cluster, phi_none, profit_rate, turnover_rate,
    channels, colocate,
) -> dict[str, np.ndarray]:  # fmt: skip
    """Numpy twin of :func:`privileges` (the reference the kernel is tested against)."""
    sez, cl = firm["sez"], firm["cluster"]
    n = sez.size
    level, phi, l1 = np.zeros(n), np.full(n, float(phi_none)), np.zeros(n)
    in_zone = (sez >= 0) & sez_open[np.maximum(sez, 0)] if sez_open.size else np.zeros(n, bool)
    z = sez[in_zone]
    q = zone_priority[z, firm["sector"][in_zone]].astype(np.int64)
    for name, column in (("level", level), ("phi", phi), ("log1p_infrastructure", l1)):
        column[in_zone] = zone[name][z, q]
    rows = np.flatnonzero((cl >= 0) & ~in_zone)
    rows = rows[~np.isnan(cluster["level"][cl[rows]])]
    for name, column in (("level", level), ("phi", phi), ("log1p_infrastructure", l1)):
        column[rows] = cluster[name][cl[rows]]
    links, l2 = np.ones(n), np.zeros(n)
    if channels:
        rows = np.flatnonzero(cl >= 0)
        c = cl[rows]
        j = (colocate & (firm["region"][rows] == cluster["region"][c])).astype(np.int64)
        links[rows] = cluster["links"][c, j]
        l2[rows] = cluster["log1p_coordination"][c, j]
    return {
        "level": level,
        "profit_relief": level * profit_rate,
        "turnover_relief": level * turnover_rate,
        "phi_w": phi,
        "log1p_infrastructure": l1,
        "links": links,
        "log1p_coordination": l2,
    }


def group_rows(keys: np.ndarray, mask: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows where ``mask`` holds, grouped by ``keys`` (0 .. n_groups - 1).

    Returns ``(rows, bounds)``: group g's rows are ``rows[bounds[g]:bounds[g + 1]]``, in
    row order; the same as a stable argsort of the masked keys. One counting sort in C,
    or :func:`group_rows_numpy`.
    """
    if _kernels is None:
        return group_rows_numpy(keys, mask, n_groups)
    order, bounds = np.empty(keys.size, dtype=np.int64), np.empty(n_groups + 1, np.int64)
    count = _kernels.group_rows(keys, mask, order, bounds)
    return order[:count], bounds


def group_rows_numpy(
    keys: np.ndarray, mask: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Numpy twin of :func:`group_rows` (a stable sort of the masked keys)."""
    rows = np.flatnonzero(mask)
    rows = rows[dyn.stable_order(keys[rows])]
    bounds = np.searchsorted(keys[rows], np.arange(n_groups + 1)).astype(np.int64)
    return rows, bounds


def entry_census(
    sector: np.ndarray,
    alive: np.ndarray,
    status: np.ndarray,
    sez: np.ndarray,
    exports: np.ndarray,
    producing_code: int,
    n_sectors: int,
    n_sezs: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What entry needs of the firm table (D3), in one pass.

    Returns:
        ``rows``, ``bounds``: the rows of producing firms grouped by sector, each group
        in row order (sector k's are ``rows[bounds[k]:bounds[k + 1]]``); ``exports_k``,
        exports summed by sector over every row; ``registered``, live firms by SEZ (as
        float). Sums in row order, as ``np.bincount``.
    """
    if _kernels is None:
        return entry_census_numpy(
            sector, alive, status, sez, exports, producing_code, n_sectors, n_sezs
        )
    order, bounds = np.empty(sector.size, dtype=np.int64), np.empty(n_sectors + 1, np.int64)
    exports_k, registered = np.zeros(n_sectors), np.zeros(n_sezs)
    n_producing = _kernels.entry_census(
        sector, alive, status, sez, exports, int(producing_code), order, bounds, exports_k,
        registered,
    )  # fmt: skip
    return order[:n_producing], bounds, exports_k, registered


def entry_census_numpy(
    sector, alive, status, sez, exports, producing_code, n_sectors, n_sezs
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Numpy twin of :func:`entry_census` (the reference the kernel is tested against)."""
    rows, bounds = group_rows_numpy(sector, alive & (status == producing_code), n_sectors)
    exports_k = np.bincount(sector, weights=exports, minlength=n_sectors)
    registered = (
        np.bincount(np.maximum(sez, 0), weights=(sez >= 0) & alive, minlength=n_sezs)
        if n_sezs
        else np.zeros(0)
    )
    return rows, bounds, exports_k, registered


def innovation_hazard(
    access: np.ndarray,
    cell: np.ndarray,
    links: np.ndarray,
    base_rate: float,
    spillover_strength: float,
) -> np.ndarray:
    """Innovation hazard per firm, ``base * (1 + strength * access[cell] * links)`` (D1).

    ``access`` is the flat (sector, region) table of institute access, ``links`` each
    firm's institute-link weight (P5). One compiled pass, or the numpy expression.
    """
    if _kernels is None:
        return base_rate * (1.0 + spillover_strength * (access.take(cell) * links))
    hazard = np.empty(cell.size)
    _kernels.innovation_hazard(
        access, cell, links, float(base_rate), float(spillover_strength), hazard
    )
    return hazard


def absorb_knowledge(
    drawn: np.ndarray,
    producing: np.ndarray,
    gap: np.ndarray,
    step: float,
    absorption: float,
    knowledge: np.ndarray,
    innovated: np.ndarray,
) -> None:
    """Producers innovate where drawn; knowledge grows by their innovations and partners.

    ``innovated = drawn & producing`` and ``knowledge += step * innovated + absorption *
    gap``, both in place (D1, P5). One compiled pass, or these numpy expressions.
    """
    if _kernels is None:
        innovated[:] = drawn & producing
        knowledge += step * innovated + absorption * gap
        return
    _kernels.absorb_knowledge(
        drawn, producing, gap, float(step), float(absorption), knowledge, innovated
    )


def exits(
    alive: np.ndarray,
    status: np.ndarray,
    profit: np.ndarray,
    u_exit: np.ndarray,
    u_abandon: np.ndarray,
    base_rate: float,
    loss_probability: float,
    abandon_rate: float,
    producing_code: int,
    project_code: int,
) -> np.ndarray:
    """Rows that leave this year, increasing (D5).

    A live producer exits when ``u_exit < base + (1 - base) * loss_probability * (profit
    < 0)``: an exogenous hazard plus a higher one for loss-making firms; a live project is
    abandoned when ``u_abandon < abandon_rate``. ``u_exit`` and ``u_abandon`` are one
    uniform draw per row each. One compiled pass, or :func:`exits_numpy`.
    """
    loss_extra = (1.0 - base_rate) * loss_probability
    if _kernels is None:
        return exits_numpy(
            alive, status, profit, u_exit, u_abandon, base_rate, loss_extra, abandon_rate,
            producing_code, project_code,
        )  # fmt: skip
    rows = np.empty(alive.size, dtype=np.int64)
    count = _kernels.exits(
        alive, status, profit, u_exit, u_abandon, float(base_rate), float(loss_extra),
        float(abandon_rate), int(producing_code), int(project_code), rows,
    )  # fmt: skip
    return rows[:count]


def exits_numpy(
    alive, status, profit, u_exit, u_abandon, base_rate, loss_extra, abandon_rate,
    producing_code, project_code,
) -> np.ndarray:  # fmt: skip
    """Numpy twin of :func:`exits` (``loss_extra`` is ``(1 - base) * loss_probability``)."""
    p = base_rate + loss_extra * (profit < 0)
    gone = alive & (status == producing_code) & (u_exit < p)
    gone |= alive & (status == project_code) & (u_abandon < abandon_rate)
    return np.flatnonzero(gone)


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
    """Productivity, wage bill and profit per firm (into the given arrays); employment by cell.

    Producers: productivity z and profit ``turnover / sigma - w * fixed_labour -
    depreciation * capital``; others 0. Employment is summed by (sector, region) cell in
    row order. One compiled pass, or these numpy expressions.
    """
    if _kernels is None:
        return firm_accounts_numpy(
            producing, z, employment, w, turnover, capital, sigma, fixed_labour, depreciation,
            cell, n_cells, productivity, wage_bill, profit,
        )  # fmt: skip
    emp = np.zeros(n_cells)
    _kernels.firm_accounts(
        producing, z, employment, w, turnover, capital, float(sigma), float(fixed_labour),
        float(depreciation), cell, productivity, wage_bill, profit, emp,
    )  # fmt: skip
    return emp


def market_outcomes_numpy(
    p1s, access, cell, exports, labour_share, sector, w, producing, fixed_labour, region,
    n_regions, turnover, employment,
) -> np.ndarray:  # fmt: skip
    """Numpy twin of :func:`market_outcomes` (the reference the kernel is tested against)."""
    turnover[:] = p1s * access.take(cell) + exports
    employment[:] = np.where(producing, labour_share[sector] * turnover / w + fixed_labour, 0.0)
    return np.bincount(region, weights=employment, minlength=n_regions)


def firm_accounts_numpy(
    producing, z, employment, w, turnover, capital, sigma, fixed_labour, depreciation, cell,
    n_cells, productivity, wage_bill, profit,
) -> np.ndarray:  # fmt: skip
    """Numpy twin of :func:`firm_accounts` (the reference the kernel is tested against)."""
    productivity[:] = np.where(producing, z, 0.0)
    wage_bill[:] = employment * w
    with np.errstate(all="ignore"):  # where() discards non-producers' values
        profit[:] = np.where(
            producing, turnover / sigma - w * fixed_labour - depreciation * capital, 0.0
        )
    return np.bincount(cell, weights=employment, minlength=n_cells)


def invest(
    producing: np.ndarray,
    project: np.ndarray,
    capital: np.ndarray,
    turnover: np.ndarray,
    planned_capital: np.ndarray,
    years_to_production: np.ndarray,
    capital_output_ratio: float,
    depreciation: float,
    adjustment: float,
    investment: np.ndarray,
) -> None:
    """Gross investment (D2) and project construction; ``capital`` updated in place.

    Producers invest ``max(0, dep K + adj (kappa Y - K))`` (:func:`sim.economy.
    firm_dynamics.investment`); projects build ``max(planned - K, 0) / max(years, 1)``;
    capital depreciates for producers and grows by both. One compiled pass, or numpy.
    """
    args = (producing, project, capital, turnover, planned_capital, years_to_production)
    if _kernels is None:
        invest_numpy(*args, capital_output_ratio, depreciation, adjustment, investment)
        return
    _kernels.invest(
        *args, float(capital_output_ratio), float(depreciation), float(adjustment), investment
    )


def invest_numpy(
    producing, project, capital, turnover, planned_capital, years_to_production,
    capital_output_ratio, depreciation, adjustment, investment,
) -> None:  # fmt: skip
    """Numpy twin of :func:`invest` (the reference the kernel is tested against)."""
    inv = np.where(
        producing,
        dyn.investment(capital, turnover, capital_output_ratio, depreciation, adjustment),
        0.0,
    )
    years = np.maximum(years_to_production, 1)
    build = np.where(project, np.maximum(planned_capital - capital, 0.0) / years, 0.0)
    capital[:] = np.where(producing, (1.0 - depreciation) * capital, capital) + inv + build
    investment[:] = inv + build


def log_productivity(
    log_q: np.ndarray,
    knowledge: np.ndarray,
    agglo_gain: np.ndarray,
    cell: np.ndarray,
    log1p_infrastructure: np.ndarray,
    log1p_coordination: np.ndarray,
) -> np.ndarray:
    """``log_q + knowledge + agglo_gain[cell] + log1p_infrastructure + log1p_coordination``.

    Added left to right, as numpy does (the numpy expression without the extension).
    """
    if _kernels is None:
        return log_q + knowledge + agglo_gain.take(cell) + log1p_infrastructure + log1p_coordination
    out = np.empty(log_q.size)
    _kernels.log_productivity(
        log_q, knowledge, agglo_gain, cell, log1p_infrastructure, log1p_coordination, out
    )
    return out


#: Columns of :func:`scope_totals`: the sums, then the counts.
SCOPE_SUMS = (
    "value_added",
    "capital",
    "fdi_inflow",
    "fdi_stock",
    "_z_emp",
    "turnover",
    "investment",
    "exports",
    "employment",
    "wage_bill",
    "taxes",
    "privilege_cost",
)
SCOPE_COUNTS = (
    "firms",
    "firms_producing",
    "foreign_firms",
    "sez_registered",
    "sez_active",
    "cluster_members",
    "entrants",
    "exits",
    "innovations",
)


#: Firm-table columns :func:`scope_totals` reads, in the compiled kernel's argument order:
#: flags and keys (before ``left``, ``sez_open`` and the value-added factor), then values.
SCOPE_KEY_COLUMNS = (
    "alive",
    "status",
    "foreign",
    "sez",
    "cluster",
    "region",
    "sector",
    "entry_year",
    "innovated",
)
SCOPE_VALUE_COLUMNS = (*SCOPE_SUMS[5:], "capital", "productivity")
SCOPE_INPUTS = (*SCOPE_KEY_COLUMNS, *SCOPE_VALUE_COLUMNS)


def scope_totals(
    firm: dict[str, np.ndarray],
    left: np.ndarray,
    sez_open: np.ndarray,
    value_added_factor: np.ndarray,
    year: int,
    producing_code: int,
    n_regions: int,
    n_clusters: int,
) -> np.ndarray:
    """Sums and counts of the firm table for every scope, each scope in row order.

    Args:
        firm: the firm table's columns (``FirmTable.view``) named in :data:`SCOPE_INPUTS`.
        left: bool per row, firms that left this year.
        sez_open: bool per SEZ.
        value_added_factor: per sector, ``1 / sigma + labour_share``.
        year: this year (entrants have ``entry_year == year``).
        producing_code: the status of producing firms.
        n_regions: regions (scope layout; SEZs from ``sez_open``).
        n_clusters: clusters.

    Returns:
        ``(1 + regions + SEZs + clusters, 21)``: rows national, regions, SEZs, clusters;
        columns :data:`SCOPE_SUMS` then :data:`SCOPE_COUNTS`.
    """
    if _kernels is None:
        return scope_totals_numpy(
            firm, left, sez_open, value_added_factor, year, producing_code, n_regions, n_clusters
        )
    n_scopes = 1 + n_regions + sez_open.size + n_clusters
    out = np.zeros((n_scopes, len(SCOPE_SUMS) + len(SCOPE_COUNTS)))
    _kernels.scope_totals(
        *(firm[name] for name in SCOPE_KEY_COLUMNS),
        left,
        sez_open,
        value_added_factor,
        *(firm[name] for name in SCOPE_VALUE_COLUMNS),
        out.reshape(-1),
        int(year),
        int(producing_code),
        int(n_regions),
        int(n_clusters),
    )
    return out


def scope_totals_numpy(
    firm: dict[str, np.ndarray],
    left: np.ndarray,
    sez_open: np.ndarray,
    value_added_factor: np.ndarray,
    year: int,
    producing_code: int,
    n_regions: int,
    n_clusters: int,
) -> np.ndarray:
    """Numpy twin of :func:`scope_totals` (row-order sums through :func:`group_sums`)."""
    alive, sez, cl = firm["alive"], firm["sez"], firm["cluster"]
    producing = alive & (firm["status"] == producing_code)
    open_zone = (sez >= 0) & sez_open[np.maximum(sez, 0)] if sez_open.size else sez >= 0
    foreign = firm["foreign"]
    sums = [
        firm["turnover"] * value_added_factor[firm["sector"]],
        np.where(alive, firm["capital"], 0.0),
        firm["investment"] * foreign,
        np.where(alive & foreign, firm["capital"], 0.0),
        firm["productivity"] * firm["employment"],
        *(firm[name] for name in SCOPE_SUMS[5:]),
    ]
    counts = [
        alive,
        producing,
        alive & foreign,
        alive & open_zone,
        producing & open_zone,
        producing & (cl >= 0),
        alive & (firm["entry_year"] == year),
        left,
        firm["innovated"],
    ]
    first_sez = 1 + n_regions
    keys = (0, (firm["region"], 1), (sez, first_sez), (cl, first_sez + sez_open.size))
    return group_sums(first_sez + sez_open.size + n_clusters, keys, [*sums, *counts])


# ---------------------------------------------------------------------- agent registries
def new_agents(cls: type, model: object, ids: np.ndarray, registry: dict, own: dict) -> list:
    """Create one agent of ``cls`` per id and add them to both registries (dicts).

    Each is ``object.__new__(cls)`` with ``.model`` and ``.unique_id`` (from ``ids``, an
    int64 array) set; ``__init__`` is not called. Every agent is added to ``registry``,
    then every agent to ``own``, in the order of ``ids``. Returns them as a list.
    """
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if _kernels is None:
        return new_agents_python(cls, model, ids, registry, own)
    return _kernels.new_agents(cls, model, ids, registry, own)


def new_agents_python(cls: type, model: object, ids: np.ndarray, registry: dict, own: dict) -> list:
    """Twin of :func:`new_agents` in Python (the fallback, and the tests' reference)."""
    new = object.__new__
    agents = []
    for uid in np.asarray(ids, dtype=np.int64).tolist():
        agent = new(cls)
        agent.model = model
        agent.unique_id = uid
        agents.append(agent)
    added = dict.fromkeys(agents)
    registry.update(added)
    own.update(added)
    return agents


def drop_agents(agents: list, slots: np.ndarray, own: dict, registry: dict) -> None:
    """Set ``agents[s]`` to None for each slot and delete those agents from both dicts.

    Slots holding None are skipped, and so is an agent missing from a dict. ``slots`` is
    an int64 array; a slot outside the list raises IndexError before anything changes.
    """
    if _kernels is None:
        drop_agents_python(agents, slots, own, registry)
        return
    _kernels.drop_agents(agents, np.ascontiguousarray(slots, dtype=np.int64), own, registry)


def drop_agents_python(agents: list, slots: np.ndarray, own: dict, registry: dict) -> None:
    """Twin of :func:`drop_agents` in Python (the fallback, and the tests' reference)."""
    index = np.asarray(slots, dtype=np.int64)
    bad = (index < 0) | (index >= len(agents))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise IndexError(
            f"drop_agents: row {i}: slot {int(index[i])} out of range [0, {len(agents)})"
        )
    index = index.tolist()
    gone = [a for a in map(agents.__getitem__, index) if a is not None]
    deque(map(agents.__setitem__, index, repeat(None)), maxlen=0)
    deque(map(own.pop, gone, repeat(None)), maxlen=0)
    deque(map(registry.pop, gone, repeat(None)), maxlen=0)
