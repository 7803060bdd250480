"""Investment and SEZ projects (ODD section 3, stages 9 and 13; D2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.agents.firm import PRODUCING, PROJECT
from sim.economy import firm_dynamics as dyn

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["advance_projects", "invest"]


def invest(model: SEZClusterModel) -> None:
    """Gross fixed investment of producers (D2) and of SEZ projects under construction."""
    f, p = model.firms, model.params
    alive, status = f.view("alive"), f.view("status")
    dyn.invest(
        alive & (status == PRODUCING),
        alive & (status == PROJECT),
        f.view("capital"),
        f.view("turnover"),
        f.view("planned_capital"),
        f.view("years_to_production"),
        p.capital_output_ratio,
        p.depreciation,
        p.investment_adjustment,
        f.view("investment"),
    )


def advance_projects(model: SEZClusterModel) -> None:
    """SEZ projects count down their construction years and start producing."""
    f = model.firms
    project = f.view("alive") & (f.view("status") == PROJECT)
    years = f.view("years_to_production")
    years[project] -= 1
    f.view("status")[project & (years <= 0)] = PRODUCING
