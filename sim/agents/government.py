"""The government: runs the zones, books taxes, pays for privileges, decides merging."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.economy.fiscal import taxes_and_privilege_cost

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["Government"]


class Government(mesa.Agent):
    """Sets the instruments, collects taxes and pays the budget cost of privileges.

    Attributes:
        ledger: year -> {"taxes": ..., "privilege_cost": ...}, million currency units;
            what the treasury booked, checked against the firms' tax payments.
        sez_open: (Z,) which zones operate this year.
        cluster_sezs: cluster index -> SEZ indices it is merged with (empty unless the
            policy merges clusters into SEZs).
    """

    model: SEZClusterModel

    def __init__(self, model: SEZClusterModel) -> None:
        super().__init__(model)
        self.ledger: dict[int, dict[str, float]] = {}
        self.sez_open = np.zeros(len(model.spec.sezs), dtype=bool)
        self.cluster_sezs: list[list[int]] = self.assign_clusters_to_sezs()

    def assign_clusters_to_sezs(self) -> list[list[int]]:
        """Merge decision: pair each cluster with its SEZs (papers' tables) if the policy merges."""
        index = {z.id: i for i, z in enumerate(self.model.spec.sezs)}
        if not self.model.policy.merge_clusters_into_sezs:
            return [[] for _ in self.model.spec.clusters]
        return [[index[z] for z in c.sezs] for c in self.model.spec.clusters]

    def open_and_close_zones(self, year: int) -> None:
        """Zones operate from their opening year until the year before they close."""
        for i, z in enumerate(self.model.spec.sezs):
            self.sez_open[i] = z.opens <= year < z.closes

    def collect_taxes(self, year: int) -> None:
        """Compute every firm's taxes and tax forgone; book the totals (F1-F3)."""
        f, p = self.model.firms, self.model.params
        paid, cost = taxes_and_privilege_cost(
            f.view("profit"),
            f.view("turnover"),
            f.view("wage_bill"),
            self.model.profit_relief,
            self.model.turnover_relief,
            p.profit_tax_rate,
            p.turnover_tax_rate,
            p.payroll_tax_rate,
            f.view("taxes"),
            f.view("privilege_cost"),
        )
        self.ledger[year] = {"taxes": paid, "privilege_cost": cost}
