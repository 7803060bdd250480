"""The government: runs the zones, books taxes, pays for privileges, decides merging.

Decisions (ODD+D): it opens and closes zones on their legal periods; in the policy year
(``policy_start_year``) it adopts the policy under study: until then every policy runs
the status quo (SEZs and clusters separate), so all policies share one baseline. Merging
pairs each cluster with the SEZs of the papers' tables ("cluster zones") and, through
the innovation channel, moves the cluster's integrator and institutes to the zone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.economy.fiscal import taxes_and_privilege_cost
from sim.policy import Policy

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

    def adopt_policy(self, policy: Policy) -> None:
        """Put a policy in force from this year on (the reform).

        Sets the model's policy and the channels merging acts through (the
        ``merge_channels`` parameter; none for a policy that does not merge), pairs the
        clusters with their zones, and moves the cluster actors where the policy puts
        them (the zone's region when merging co-locates them through the innovation
        channel), which changes institute access (P5).
        """
        m = self.model
        m.policy = policy
        merging = policy.merge_clusters_into_sezs
        m.channels = frozenset(m.params.merge_channels) if merging else frozenset()
        self.cluster_sezs = self.assign_clusters_to_sezs()
        colocate = policy.colocate_cluster_actors and (not merging or "innovation" in m.channels)
        regions = m.territory.cluster_region.copy()
        if colocate:
            for c, zones in enumerate(self.cluster_sezs):
                if zones:
                    regions[c] = m.territory.sez_region[zones[0]]
        m.cluster_region_now = regions
        m.colocated = colocate
        for actor in (*m.integrators, *m.institutes):
            actor.region = int(regions[actor.cluster])
        m.refresh_institute_access()

    def open_and_close_zones(self, year: int) -> None:
        """Zones operate from their opening year until the year before they close."""
        for i, z in enumerate(self.model.spec.sezs):
            self.sez_open[i] = z.opens <= year < z.closes

    def collect_taxes(self, year: int) -> None:
        """Compute every firm's taxes and privilege cost; book the totals (F1, F2).

        Also books the infrastructure of the zones opening this year
        (``infrastructure_cost_per_ha`` x area).
        """
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
            self.model.privilege_level,
            p.customs_duty_rate * p.import_content_share,
            f.view("taxes"),
            f.view("privilege_cost"),
        )
        opening = [z.area_ha for z in self.model.spec.sezs if z.opens == year]
        self.ledger[year] = {
            "taxes": paid,
            "privilege_cost": cost,
            "infrastructure_spending": p.infrastructure_cost_per_ha * float(sum(opening)),
        }
