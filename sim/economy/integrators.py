"""Integrators as matchmakers: budget, effort, the gain of a link and the matching (N1-N4).

An integrator (the management company of a cluster, paper 2, Table 5) is funded by its
members' fees and, optionally, by the government (N1); its effort, the links it brokers
and the investors it scouts in a year, scales with its budget (N2). It proposes links
between its members and producers of the related sectors (the scenario's ``related``
lists) by their expected gain (N3): the trade a link would carry, gravity-like in the
two firms' sizes and the trade freeness between their regions (M1), times the
productivity ratio their knowledge gap gives the weaker one to learn from (P5). The
matching (N4) is greedy over a shortlist, so an integrator's year costs
O(candidates log candidates), never all pairs of firms.

Functions of arrays only: no Mesa, no model (docs/contributing.md).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "effort",
    "first_per_group",
    "greedy_links",
    "integrator_budget",
    "link_gain",
    "propose_links",
    "shortlist",
]


def integrator_budget(
    member_turnover: float, fee_rate: float, funding: float
) -> tuple[float, float]:
    """Fees and budget of one integrator for the year  (N1).

    ``fees = f * sum_i Y_i`` over its producing members, ``B = fees + G`` with ``G`` the
    government's funding (0 unless the rules file funds integrators, G1-G2).

    Args:
        member_turnover: sum of the members' turnover, million currency units per year.
        fee_rate: f = ``integrator_fee_rate``, share of turnover.
        funding: G, million currency units per year.

    Returns:
        (fees, budget), million currency units per year.
    """
    fees = fee_rate * member_turnover
    return fees, fees + funding


def effort(budget: float, effort_cost: float) -> float:
    """Effort multiplier of an integrator with this budget  (N2).

    ``e = 1 + B / c``, c = ``integrator_effort_cost``: an unfunded integrator keeps the
    base effort (``integrator_links_per_year`` links, ``integrator_fdi_scouting``
    investors); every c of budget adds the base effort once more.
    """
    return 1.0 + max(budget, 0.0) / effort_cost


def link_gain(
    turnover_a: np.ndarray,
    turnover_b: np.ndarray,
    knowledge_a: np.ndarray,
    knowledge_b: np.ndarray,
    freeness: np.ndarray,
) -> np.ndarray:
    """Expected gain of a buyer-supplier link between firms a and b  (N3).

    ``G_ab = phi_(r_a r_b) sqrt(Y_a Y_b) exp(|K_a - K_b|)``: the trade the link would
    carry (gravity in the sizes, freeness M1 for the distance) times the productivity
    ratio the knowledge gap offers the weaker partner (P5). Million currency units per
    year; arrays broadcast.
    """
    size = np.sqrt(np.maximum(turnover_a, 0.0) * np.maximum(turnover_b, 0.0))
    return freeness * size * np.exp(np.abs(knowledge_a - knowledge_b))


def shortlist(rows: np.ndarray, score: np.ndarray, group: np.ndarray, per_group: int) -> np.ndarray:
    """The ``per_group`` rows of highest score within each group (ties: earlier in ``rows``).

    The same rows as a stable sort by decreasing score followed by
    :func:`first_per_group`, found in one pass that keeps each group's best few
    (:func:`top_per_group`): O(n * per_group) instead of O(n log n), and no sort of all
    the sector's producers every year. ``group`` holds non-negative integers. Returns
    rows in increasing order.
    """
    if rows.size == 0 or per_group <= 0:
        return rows[:0]
    return rows[top_per_group(np.asarray(score, dtype=np.float64), group, per_group)]


@njit(cache=True)
def top_per_group(score: np.ndarray, group: np.ndarray, per_group: int) -> np.ndarray:
    """Positions of the ``per_group`` highest scores in every group, increasing.

    Ties go to the earlier position (a stable sort's order); NaN counts as lowest.

    Args:
        score: (n,) scores.
        group: (n,) non-negative group of each position.
        per_group: most positions kept per group.
    """
    n_groups = group.max() + 1
    best = np.full((n_groups, per_group), -np.inf)
    where = np.full((n_groups, per_group), -1, dtype=np.int64)
    count = np.zeros(n_groups, dtype=np.int64)
    for i in range(score.size):
        g = group[i]
        s = score[i]
        if s != s:  # NaN: lowest of all
            s = -np.inf
        c = count[g]
        if c == per_group and not s > best[g, c - 1]:
            continue  # not better than the group's worst kept (ties: the earlier stays)
        j = c if c < per_group else per_group - 1
        while j > 0 and s > best[g, j - 1]:  # after the kept ones with an equal score
            if j < per_group:
                best[g, j] = best[g, j - 1]
                where[g, j] = where[g, j - 1]
            j -= 1
        best[g, j] = s
        where[g, j] = i
        if c < per_group:
            count[g] = c + 1
    keep = np.zeros(score.size, dtype=np.bool_)
    for g in range(n_groups):
        for j in range(count[g]):
            keep[where[g, j]] = True
    return np.flatnonzero(keep)


@njit(cache=True)
def first_per_group(group: np.ndarray, per_group: int) -> np.ndarray:
    """Mark the first ``per_group`` positions of every group (in the order given).

    Args:
        group: (n,) non-negative group of each position.
        per_group: most positions kept per group.

    Returns:
        (n,) bool.
    """
    count = np.zeros(group.max() + 1, dtype=np.int64)
    keep = np.zeros(group.size, dtype=np.bool_)
    for i in range(group.size):
        g = group[i]
        if count[g] < per_group:
            count[g] += 1
            keep[i] = True
    return keep


@njit(cache=True)
def greedy_links(
    a: np.ndarray, b: np.ndarray, linked: np.ndarray, n_firms: int, n_links: int
) -> np.ndarray:
    """Pick up to n_links pairs, best first, each firm in at most one new link  (N4).

    Args:
        a: (P,) local firm index (0 .. n_firms - 1) of one side of each candidate pair,
            the pairs sorted by decreasing gain.
        b: (P,) local firm index of the other side.
        linked: (P,) bool, the pair is already linked (skipped).
        n_firms: number of distinct firms the indices refer to.
        n_links: most pairs to pick.

    Returns:
        (P,) bool, the pairs picked.
    """
    used = np.zeros(n_firms, dtype=np.bool_)
    picked = np.zeros(a.size, dtype=np.bool_)
    n = 0
    for p in range(a.size):
        if n >= n_links:
            break
        i, j = a[p], b[p]
        if i == j or linked[p] or used[i] or used[j]:
            continue
        used[i] = True
        used[j] = True
        picked[p] = True
        n += 1
    return picked


def propose_links(
    members: np.ndarray,
    partners: np.ndarray,
    turnover: np.ndarray,
    knowledge: np.ndarray,
    region: np.ndarray,
    freeness: np.ndarray,
    link_src: np.ndarray,
    link_dst: np.ndarray,
    n_links: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The links an integrator proposes this year, by expected gain  (N3, N4).

    Shortlists the ``2 n_links`` largest members and, in every region, the ``n_links``
    largest partners (producers of the related sectors, or the members themselves when
    the cluster's sector has none), values every shortlisted pair by :func:`link_gain`
    and picks the best pairs greedily: no pair already linked, no firm twice. Cost
    O((members + partners) log + firms + links + R n_links^2), independent of the
    product of members and partners.

    Args:
        members: rows of the cluster's members.
        partners: rows of the candidate partners.
        turnover: (N,) turnover, million per year.
        knowledge: (N,) knowledge stock, log points.
        region: (N,) region of each firm.
        freeness: (R, R) trade freeness (M1).
        link_src: existing links, one end.
        link_dst: existing links, the other end.
        n_links: most links to propose.

    Returns:
        (src, dst, gain): rows of the proposed links (member, partner) and their gains.
    """
    empty = np.empty(0, dtype=np.int64)
    if n_links <= 0 or members.size == 0 or partners.size == 0:
        return empty, empty, np.empty(0)
    m = shortlist(members, turnover[members], np.zeros(members.size, np.int64), 2 * n_links)
    s = shortlist(partners, turnover[partners], region[partners], n_links)
    src = np.repeat(m, s.size)
    dst = np.broadcast_to(s, (m.size, s.size)).reshape(-1)  # np.tile(s, m.size)
    gain = link_gain(
        turnover[src],
        turnover[dst],
        knowledge[src],
        knowledge[dst],
        freeness[region[src], region[dst]],
    )
    order = np.argsort(-gain, kind="stable")  # best first; ties by (src, dst) rows
    src, dst, gain = src[order], dst[order], gain[order]
    both = np.sort(np.concatenate([m, s]))
    firms = both[np.concatenate([[True], both[1:] != both[:-1]])]  # np.union1d(m, s)
    n = np.int64(turnover.size)
    key = np.minimum(src, dst) * n + np.maximum(src, dst)
    # Existing links among the shortlisted firms only: one pass over the links.
    listed = np.zeros(turnover.size, dtype=bool)
    listed[firms] = True
    mine = listed[link_src] & listed[link_dst]
    lo, hi = link_src[mine], link_dst[mine]
    # np.isin(key, existing), by bisection in the sorted existing keys (there are few).
    existing = np.sort(np.minimum(lo, hi) * n + np.maximum(lo, hi))
    if existing.size:
        at = np.minimum(np.searchsorted(existing, key), existing.size - 1)
        linked = existing[at] == key
    else:
        linked = np.zeros(key.size, dtype=bool)
    picked = greedy_links(
        np.searchsorted(firms, src), np.searchsorted(firms, dst), linked, firms.size, n_links
    )
    return src[picked], dst[picked], gain[picked]
