"""Relocation (ODD section 3, stage 10; D4) and firms that follow their workers (CP mode)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import PRODUCING
from sim.economy import firm_dynamics as dyn
from sim.economy.migration import firms_tied_to_workers

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["follow_workers", "relocate"]


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


def follow_workers(model: SEZClusterModel) -> None:
    """Core-periphery mode: firms move with their workers (docs/ODD.md 7.8).

    Each sector's producers are spread over the regions in proportion to the labour
    force (:func:`firms_tied_to_workers`), moving as few firms as possible: a region
    with more than its number sends its most recently added firms (the highest rows)
    to the regions short of theirs, in region order. Deterministic, O(firms).
    """
    f = model.firms
    producing = f.view("alive") & (f.view("status") == PRODUCING)
    sector, region = f.view("sector"), f.view("region")
    n_k, n_r = model.n_sectors, model.n_regions
    cell = sector * n_r + region
    now = np.bincount(cell[producing], minlength=n_k * n_r).reshape(n_k, n_r)
    target = firms_tied_to_workers(now.sum(axis=1), model.labour_force)
    surplus = now - target
    if not surplus.any():
        return
    rows = np.flatnonzero(producing)
    for k in np.flatnonzero((surplus != 0).any(axis=1)):
        movers = [
            rows[cell[rows] == k * n_r + r][-surplus[k, r] :]
            for r in np.flatnonzero(surplus[k] > 0)
        ]
        destinations = np.repeat(np.arange(n_r), np.maximum(-surplus[k], 0))
        region[np.concatenate(movers)] = destinations
