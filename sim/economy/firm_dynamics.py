"""Innovation draws, investment, location choice and relocation (docs/ODD.md, D1-D4).

The innovation hazard and exits (D5) are one compiled pass each in :mod:`sim.kernels`.

Every function draws its randomness from the generator it is given (the model's), so
a seed fixes the whole run.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "categorical_draws",
    "choose_locations",
    "hazard_draws",
    "investment",
    "relocation_moves",
    "stable_order",
]


def hazard_draws(rng: np.random.Generator, hazard: np.ndarray) -> np.ndarray:
    """One Bernoulli draw per firm with probability 1 - exp(-hazard)  (D1).

    The innovation hazard is ``base * (1 + s * I_i)`` (:func:`sim.kernels.innovation_hazard`).
    """
    return rng.random(hazard.shape[0]) < -np.expm1(-hazard)


def investment(
    capital: np.ndarray,
    turnover: np.ndarray,
    capital_output_ratio: float,
    depreciation: float,
    adjustment: float,
) -> np.ndarray:
    """Gross investment: replacement plus a share of the gap to desired capital  (D2).

    I_i = max(0, delta K_i + lambda (kappa Y_i - K_i)).
    """
    gap = capital_output_ratio * turnover - capital
    return np.maximum(0.0, depreciation * capital + adjustment * gap)


def choose_locations(
    rng: np.random.Generator, log_value: np.ndarray, beta: float, n: int
) -> np.ndarray:
    """Draw n location choices from a logit over log expected values  (D3).

    Args:
        rng: generator.
        log_value: (L,) log expected real profit of each admissible location; -inf
            marks a location that is closed or full.
        beta: logit sensitivity.
        n: number of entrants.

    Returns:
        (n,) indices into log_value.
    """
    finite = np.isfinite(log_value)
    if n == 0 or not finite.any():
        return np.empty(0, dtype=np.int64)
    u = np.where(finite, beta * (log_value - np.max(log_value[finite])), -np.inf)
    p = np.exp(u)
    p /= p.sum()
    return categorical_draws(rng, p, n)


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


def stable_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")``, faster for small non-negative integer keys.

    Keys that fit 16 bits are sorted as int16, which numpy radix-sorts: the same order
    (a stable sort of the same values), about 3x faster than on int64.
    """
    if keys.size and 0 <= keys.min() and keys.max() < 2**15:
        keys = keys.astype(np.int16)
    return np.argsort(keys, kind="stable")


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
    from sim.kernels import group_rows  # sim.kernels imports this module

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
