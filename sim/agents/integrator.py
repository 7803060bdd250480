"""Integrators: the management company that coordinates one cluster (paper 2, Table 5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["Integrator"]


class Integrator(mesa.Agent):
    """Coordinates one cluster: brokers value-chain links, scouts investors.

    Each year, when the policy switches cluster channels on, it (1) creates
    ``integrator_links_per_year`` links between member firms, vertical (to a related
    sector's member) when the cluster has such members, horizontal otherwise, and
    (2) brings Poisson(``integrator_fdi_scouting``) foreign investors to its cluster.
    Its coordination raises members' productivity (P4), computed with the other channels.
    """

    model: SEZClusterModel

    def __init__(self, model: SEZClusterModel, name: str, cluster: int, region: int) -> None:
        super().__init__(model)
        self.name, self.cluster, self.region = name, cluster, region
        self.links_brokered = 0
        self.investors_scouted = 0

    @property
    def cell(self):
        """The region's cell in the Network space."""
        return self.model.space[self.model.spec.regions[self.region].id]

    def step(self) -> None:
        """Broker links and scout investors for this year."""
        model = self.model
        if not model.policy.cluster_channels:
            return
        p = model.params
        members = model.cluster_members(self.cluster)
        if members.size >= 2 and p.integrator_links_per_year > 0:
            src = model.rng.choice(members, size=p.integrator_links_per_year)
            dst = model.rng.choice(members, size=p.integrator_links_per_year)
            ok = src != dst
            model.firms.add_links(src[ok], dst[ok])
            self.links_brokered += int(ok.sum())
        scouted = int(model.rng.poisson(p.integrator_fdi_scouting))
        self.investors_scouted += scouted
        model.scouted_investors[self.cluster] += scouted
