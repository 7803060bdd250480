"""Zones open and close on their periods (ODD section 3, stage 2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import PROJECT

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["open_and_close_zones"]


def open_and_close_zones(model: SEZClusterModel, year: int) -> None:
    """The government opens and closes zones; a closing zone's firms lose it.

    Its projects under construction are abandoned; its producing participants stay in
    the region without privileges.
    """
    government = model.government
    was_open = government.sez_open.copy()
    government.open_and_close_zones(year)
    closed = np.flatnonzero(was_open & ~government.sez_open)
    if closed.size:
        f = model.firms
        sez = f.view("sez")
        hit = f.view("alive") & np.isin(sez, closed)
        projects = hit & (f.view("status") == PROJECT)
        model.remove_firms(np.flatnonzero(projects))
        sez[hit & ~projects] = -1
        f.view("via_merge")[hit] = False
