"""Innovation, investment, location choice, relocation and exit (docs/ODD.md, D1-D5).

The per-firm passes (innovation hazard and knowledge, investment, exits, grouping firms
by a key) are loops compiled by Numba (no fastmath, so IEEE operations in the written
order: a seed gives the same bits on every run and worker).

Every function draws its randomness from the generator it is given (the model's), so
a seed fixes the whole run.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "absorb_knowledge",
    "categorical_draws",
    "chain_reaction",
    "choose_locations",
    "cluster_benefit",
    "entrant_revenue",
    "entry_census",
    "exits",
    "expected_entrant_value",
    "firm_sizes",
    "follow_investors",
    "free_entry",
    "group_rows",
    "hazard_draws",
    "innovation_hazard",
    "invest",
    "investment",
    "location_value",
    "member_location_value",
    "relocation_moves",
    "settle_entrants",
]


def hazard_draws(rng: np.random.Generator, hazard: np.ndarray) -> np.ndarray:
    """One Bernoulli draw per firm with probability 1 - exp(-hazard)  (D1).

    The hazard is :func:`innovation_hazard`.
    """
    return rng.random(hazard.shape[0]) < -np.expm1(-hazard)


@njit(cache=True)
def investment(
    capital: float,
    turnover: float,
    capital_output_ratio: float,
    depreciation: float,
    adjustment: float,
) -> float:
    """Gross investment of one producer: replacement plus a share of the gap  (D2).

    I_i = max(0, delta K_i + lambda (kappa Y_i - K_i)), million currency units per year.
    """
    gap = capital_output_ratio * turnover - capital
    return max(0.0, depreciation * capital + adjustment * gap)


@njit(cache=True)
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
    investment_out: np.ndarray,
) -> None:
    """A year of investment for every firm; ``capital`` and ``investment_out`` in place.

    Producers invest :func:`investment` (D2) and their capital depreciates; an SEZ
    project under construction builds ``max(planned - K, 0) / max(years left, 1)``;
    other rows invest nothing.
    """
    for i in range(capital.size):
        k = capital[i]
        inv = 0.0
        if producing[i]:
            inv = investment(k, turnover[i], capital_output_ratio, depreciation, adjustment)
            k = (1.0 - depreciation) * k
        elif project[i]:
            inv = max(planned_capital[i] - k, 0.0) / max(years_to_production[i], 1)
        capital[i] = k + inv
        investment_out[i] = inv


@njit(cache=True)
def innovation_hazard(
    access: np.ndarray,
    cell: np.ndarray,
    links: np.ndarray,
    base_rate: float,
    spillover_strength: float,
) -> np.ndarray:
    """Innovation hazard per firm, ``h (1 + s I_kr links_i)``  (D1, P5).

    Args:
        access: (K*R,) institute access by (sector, region) cell (P5).
        cell: (N,) cell of each firm.
        links: (N,) institute-link weight of each firm (members: 1 + co-location bonus).
        base_rate: h, per year.
        spillover_strength: s.
    """
    out = np.empty(cell.size)
    for i in range(cell.size):
        out[i] = base_rate * (1.0 + spillover_strength * (access[cell[i]] * links[i]))
    return out


@njit(cache=True)
def absorb_knowledge(
    drawn: np.ndarray,
    producing: np.ndarray,
    gap: np.ndarray,
    step: float,
    absorption: float,
    knowledge: np.ndarray,
    innovated: np.ndarray,
) -> None:
    """Producers drawn innovate; knowledge grows by innovations and partners  (D1, P5).

    ``innovated_i = drawn_i and producing_i``; ``K_i += step innovated_i + absorption
    gap_i``, with gap the mean positive knowledge gap to partners. In place.
    """
    for i in range(knowledge.size):
        hit = drawn[i] and producing[i]
        innovated[i] = hit
        knowledge[i] += step * (1.0 if hit else 0.0) + absorption * gap[i]


@njit(cache=True)
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
    """Rows that leave this year, increasing  (D5).

    A live producer exits with probability ``b + (1 - b) q [profit < 0]``: an exogenous
    hazard b plus a higher one for loss-makers (q = ``loss_probability``); a live SEZ
    project is abandoned with probability ``abandon_rate``. ``u_exit`` and ``u_abandon``
    are one uniform draw per row each (drawn for every row, so the stream does not
    depend on who is alive).
    """
    loss_extra = (1.0 - base_rate) * loss_probability
    rows = np.empty(alive.size, dtype=np.int64)
    n = 0
    for i in range(alive.size):
        if not alive[i]:
            continue
        gone = False
        if status[i] == producing_code:
            gone = u_exit[i] < base_rate + (loss_extra if profit[i] < 0 else 0.0)
        elif status[i] == project_code:
            gone = u_abandon[i] < abandon_rate
        if gone:
            rows[n] = i
            n += 1
    return rows[:n]


@njit(cache=True)
def group_rows(keys: np.ndarray, mask: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows where ``mask`` holds, grouped by ``keys`` (0 .. n_groups - 1).

    A counting sort: group g's rows are ``rows[bounds[g]:bounds[g + 1]]``, in row order
    (what a stable argsort of the masked keys gives). Keys outside [0, n_groups) raise.
    """
    bounds = np.zeros(n_groups + 1, dtype=np.int64)
    for i in range(keys.size):
        if mask[i]:
            k = keys[i]
            if k < 0 or k >= n_groups:
                raise IndexError("group_rows: a masked key is outside [0, n_groups)")
            bounds[k + 1] += 1
    for g in range(n_groups):
        bounds[g + 1] += bounds[g]
    fill = bounds[:-1].copy()
    rows = np.empty(bounds[n_groups], dtype=np.int64)
    for i in range(keys.size):
        if mask[i]:
            rows[fill[keys[i]]] = i
            fill[keys[i]] += 1
    return rows, bounds


@njit(cache=True)
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
    """What entry (D3) needs to know of the firm table at the start of entry.

    Returns:
        ``rows``, ``bounds``: producing firms grouped by sector, each group in row order;
        ``exports_k``: (K,) exports by sector (every row; non-producers have 0);
        ``registered``: (Z,) live firms registered in each SEZ (projects included).
    """
    rows, bounds = group_rows(sector, alive & (status == producing_code), n_sectors)
    exports_k = np.zeros(n_sectors)
    registered = np.zeros(n_sezs)
    for i in range(sector.size):
        exports_k[sector[i]] += exports[i]
        if alive[i] and sez[i] >= 0:
            registered[sez[i]] += 1.0
    return rows, bounds, exports_k, registered


def entrant_revenue(
    unit: np.ndarray | float,
    access: np.ndarray | float,
    export_share: float,
    world_freeness: float,
    world_scale: float,
    infrastructure_factor: float = 1.0,
) -> np.ndarray | float:
    """Expected turnover of a unit-efficiency entrant at a location  (D3, M6).

    ``unit * infra * (MA_kr + e phi_w s_k)``: ``unit`` is ``e^{(sigma-1) agglo} w^(1-sigma)``
    of the location, ``infra`` the zone's ``(1 + infrastructure)^(sigma - 1)`` (1
    outside zones), ``e`` the chance the entrant exports.
    """
    return unit * infrastructure_factor * (access + export_share * world_freeness * world_scale)


def location_value(
    revenue: np.ndarray | float,
    sigma: float,
    profit_tax_rate: float,
    turnover_tax_rate: float,
    profit_relief: float,
    turnover_relief: float,
    price_level: np.ndarray | float,
) -> np.ndarray | float:
    """Expected after-tax real operating profit at a location  (D3).

    ``Y (1/sigma - t_pi (1 - r_pi) / sigma - t_y (1 - r_y)) / P_r``: operating profit is
    ``1/sigma`` of turnover; the profit tax falls on it and the turnover tax on turnover,
    each less its relief in a zone; real values divide by the cost of living (M7).
    """
    tax = profit_tax_rate * (1.0 - profit_relief) / sigma + turnover_tax_rate * (
        1.0 - turnover_relief
    )
    return revenue * (1.0 / sigma - tax) / price_level


def cluster_benefit(
    log1p_coordination: np.ndarray | float,
    extra_institute_links: np.ndarray | float,
    institute_access: np.ndarray | float,
    innovation_rate: float,
    spillover_strength: float,
    innovation_step: float,
    partner_gain: np.ndarray | float,
) -> np.ndarray | float:
    """Expected yearly log-productivity gain of joining a cluster at a location  (D3c).

    ``g = log(1 + coord) + h s I_kr b step + partners``: the integrator's coordination
    (P4, with the co-location bonus where it applies), the extra innovation hazard that
    a member's formal institute links give (D1, P5: a member's link weight exceeds a
    non-member's by ``b``, 1 or 1 + ``colocation_bonus``) times the step of an
    innovation, and the knowledge the integrator's links bring a member this year (P5,
    N4). Log points per year; arrays broadcast.
    """
    innovation = innovation_rate * spillover_strength * institute_access * extra_institute_links
    return log1p_coordination + innovation * innovation_step + partner_gain


def member_location_value(
    value: np.ndarray | float,
    revenue: np.ndarray | float,
    price_level: np.ndarray | float,
    log_gain: np.ndarray | float,
    sigma: float,
    weight: float,
    fee_rate: float,
) -> np.ndarray | float:
    """Location value of an entrant who would join a cluster there  (D3c).

    ``v' = v e^{w (sigma - 1) g} - w f Y / P_r``: revenue rises with productivity to the
    power ``sigma - 1`` (M6), so the cluster's log gain g (:func:`cluster_benefit`) scales
    the after-tax real profit ``v`` (D3) by ``e^{(sigma - 1) g}``, less the integrator's
    fee ``f`` on turnover (N1); w = ``cluster_benefit_weight`` is how much of this the
    entrant counts (0: none, the location value of D3).
    """
    return (
        value * np.exp(weight * (sigma - 1.0) * log_gain)
        - weight * fee_rate * revenue / price_level
    )


def expected_entrant_value(value: np.ndarray, beta: float) -> float:
    """Expected real profit of an entrant who chooses by the logit of D3  (D3a).

    ``sum_l P_l v_l`` with ``P_l`` the logit probabilities on ``beta log v_l`` over the
    admissible locations (``v_l > 0``); 0 if there is none.
    """
    ok = value > 0
    if not ok.any():
        return 0.0
    log_v = np.log(value[ok])
    weight = np.exp(beta * (log_v - log_v.max()))
    return float((weight * value[ok]).sum() / weight.sum())


def free_entry(expected_profit: float, entry_cost: float, elasticity: float) -> float:
    """Free-entry pressure on the number of entrants  (D3a).

    ``(Pi^e / F_e)^eps``: entrants come faster when the expected after-tax real profit
    of an entrant exceeds the (annualised) entry cost, slower when it falls short;
    eps = ``entry_profit_elasticity``, 0 gives 1 (fixed entry rates).
    """
    if elasticity == 0.0:
        return 1.0
    return (max(expected_profit, 0.0) / entry_cost) ** elasticity


def chain_reaction(foreign_entrants_last: float, base_last: float, elasticity: float) -> float:
    """Investors follow investors: FDI entry rises with last year's FDI  (D3b).

    ``((1 + n^f_{t-1}) / (1 + m^0_{t-1}))^eta``: foreign entrants last year (scouted ones
    included) against the number the base rate alone expected then (``fdi_entry_rate``
    times producers); eta = ``fdi_chain_elasticity`` < 1 keeps the process stable (an
    AR(1) in logs), 0 switches it off (Mathews' chain reaction, paper 2).
    """
    if elasticity == 0.0:
        return 1.0
    return ((1.0 + foreign_entrants_last) / (1.0 + base_last)) ** elasticity


def follow_investors(foreign_firms: np.ndarray, elasticity: float) -> np.ndarray:
    """Utility of following the foreign investors already at a location  (D3d).

    ``gamma log(1 + N^f_kr)``: a foreign entrant of sector k values a location by the
    number of foreign firms of its sector in the location's region at the start of the
    year (producers and projects), on top of its expected profit; gamma =
    ``fdi_follow_elasticity`` is the coefficient of the conditional logit of location
    choice on that count (Head, Ries & Swenson 1995: investors follow investors of their
    own industry), 0 switches it off. The regional form of Mathews' chain reaction
    (paper 2), where D3b is the national one.
    """
    return elasticity * np.log1p(foreign_firms)


def choose_locations(
    rng: np.random.Generator,
    log_value: np.ndarray,
    beta: float,
    n: int,
    follow: np.ndarray | None = None,
) -> np.ndarray:
    """Draw n location choices from a logit over log expected values  (D3, D3d).

    ``P_l ∝ exp(beta log v_l + follow_l)``; ``follow`` is the utility of following the
    investors already at a location (:func:`follow_investors`, D3d), None for none.

    Args:
        rng: generator.
        log_value: (L,) log expected real profit of each admissible location; -inf
            marks a location that is closed or full.
        beta: logit sensitivity.
        n: number of entrants.
        follow: (L,) extra utility of each location, or None.

    Returns:
        (n,) indices into log_value.
    """
    finite = np.isfinite(log_value)
    if n == 0 or not finite.any():
        return np.empty(0, dtype=np.int64)
    if follow is None:
        u = np.where(finite, beta * (log_value - log_value[finite].max()), -np.inf)
    else:
        u = np.where(finite, beta * log_value + follow, -np.inf)
        u -= u[finite].max()
    p = np.exp(u)
    p /= p.sum()
    return categorical_draws(rng, p, n)


@njit(cache=True)
def settle_entrants(
    choice: np.ndarray,
    n_regions: int,
    sez_region: np.ndarray,
    capacity: np.ndarray,
    registered: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Where entrants settle: zones take them up to their land capacity  (D3).

    A location index below ``n_regions`` is a region outside the zones; above, zone
    ``choice - n_regions``, which takes the first ``floor(capacity - registered)`` of
    the entrants who chose it (in order); the others stay outside, in the zone's region.

    Args:
        choice: (n,) chosen location of each entrant (:func:`choose_locations`).
        n_regions: R.
        sez_region: (Z,) region of each zone.
        capacity: (Z,) participants each zone's land holds.
        registered: (Z,) participants registered in each zone; the entrants who settle
            in a zone are added to it (in place).

    Returns:
        ``(zone, region)``: (n,) each entrant's zone (-1: outside the zones) and region.
    """
    n = choice.size
    room = np.maximum(capacity - registered, 0.0).astype(np.int64)
    taken = np.zeros(registered.size, dtype=np.int64)
    zone = np.full(n, -1, dtype=np.int64)
    region = np.empty(n, dtype=np.int64)
    for i in range(n):
        if choice[i] < n_regions:
            region[i] = choice[i]
            continue
        z = choice[i] - n_regions
        region[i] = sez_region[z]
        if taken[z] < room[z]:
            zone[i] = z
            taken[z] += 1
    for z in range(registered.size):
        registered[z] += np.float64(taken[z])
    return zone, region


def categorical_draws(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    """Draw n indices with probabilities p: exactly ``rng.choice(len(p), size=n, p=p)``.

    The same arithmetic as numpy's ``Generator.choice`` (cumulative sum, normalised by its
    last element, one uniform per draw, right-sided search), so the same draws from the
    same stream, without choice's argument checks, which cost more than the draw for the
    few locations of an entry decision (tests/test_economy.py compares the two).
    """
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return cdf.searchsorted(rng.random(n), side="right")


def firm_sizes(
    rng: np.random.Generator, low: np.ndarray, high: np.ndarray, share: np.ndarray, n: int
) -> np.ndarray:
    """Employees of ``n`` initial firms drawn from size classes (ODD section 5; S13).

    A class ``c`` is drawn with probability ``share_c`` (:func:`categorical_draws`), then a
    size log-uniformly between its bounds, ``s = low_c (high_c / low_c)^u`` with
    ``u ~ U(0, 1)``: within a class the density falls as ``1/s``, the flat limit of a
    Pareto tail (size distributions of firms are close to Zipf's law; Axtell 2001).

    Args:
        rng: the model's generator (two blocks of ``n`` uniforms).
        low: (C,) fewest employees of each class, persons (>= 1).
        high: (C,) most employees of each class, persons (>= low).
        share: (C,) share of firms in each class (sums to 1).
        n: number of firms.

    Returns:
        (n,) employees per firm, persons.
    """
    c = categorical_draws(rng, share, n)
    u = rng.random(n)
    return low[c] * (high[c] / low[c]) ** u


def relocation_moves(
    rng: np.random.Generator,
    group: np.ndarray,
    location: np.ndarray,
    value: np.ndarray,
    movable: np.ndarray,
    rate: float,
    threshold: float,
) -> np.ndarray:
    """Pairwise proportional imitation (Schlag 1998) between firms of one group  (D4).

    Each movable firm is drawn for revision with probability ``rate``, meets a random
    movable firm of its group (sector), and moves to that firm's location with
    probability (v_j - v_i) / (v_max - v_min), the payoff gap over the group's range of
    location values (Schlag's normalisation), provided the relative gain exceeds
    ``threshold``. Rest points and their stability are those of the replicator
    dynamics ds/dt ~ s (1 - s) (v_A - v_B): the FE model's equilibria.

    Args:
        rng: generator.
        group: (N,) group of each firm (sector); firms only imitate their group.
        location: (N,) current location (region) of each firm.
        value: (G, L) value (real profit index) of each location for each group.
        movable: (N,) bool, firms allowed to move (alive, producing, not bound to an SEZ).
        rate: revision probability per year.
        threshold: relative gain below which nobody moves (relocation cost).

    Returns:
        (N,) new location of every firm.
    """
    n = group.shape[0]
    new_location = location.copy()
    revise = movable & (rng.random(n) < rate)
    idx = np.flatnonzero(revise)
    if idx.size == 0:
        return new_location
    # Draw a random peer of the same group: movable firms grouped by group (each group in
    # row order), then a uniform position inside the reviser's group block.
    g = group[idx]
    order, bounds = group_rows(group, movable, value.shape[0])
    lo, hi = bounds[g], bounds[g + 1]
    pick = lo + np.floor(rng.random(idx.size) * (hi - lo)).astype(np.int64)
    peer = order[pick]
    v_own, v_peer = value[g, location[idx]], value[g, location[peer]]
    spread = value.max(axis=1) - value.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(v_own > 0, (v_peer - v_own) / v_own, 0.0)
        prob = np.where(spread[g] > 0, (v_peer - v_own) / spread[g], 0.0)
    move = (relative > threshold) & (rng.random(idx.size) < prob)
    new_location[idx[move]] = location[peer[move]]
    return new_location
