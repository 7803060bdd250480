"""Exit of producers and abandonment of SEZ projects (ODD section 3, stage 11; D5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import PRODUCING, PROJECT
from sim.economy import firm_dynamics as dyn

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["exit_firms"]


def exit_firms(model: SEZClusterModel) -> np.ndarray:
    """Draw who leaves (D5), remove them; return the rows that left (increasing)."""
    f, p = model.firms, model.params
    u_exit = model.rng.random(f.n)
    u_abandon = model.rng.random(f.n)
    rows = dyn.exits(
        f.view("alive"), f.view("status"), f.view("profit"), u_exit, u_abandon, p.exit_rate,
        p.loss_exit_probability, p.project_abandon_rate, PRODUCING, PROJECT,
    )  # fmt: skip
    model.remove_firms(rows)
    return rows
