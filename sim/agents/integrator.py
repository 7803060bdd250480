"""Integrators: the management company that coordinates one cluster (paper 2, Table 5).

ODD+D. **Senses** its members (producing firms of its cluster) and their turnover and
knowledge, the producers of the sectors related to its cluster's (the scenario's
``related`` lists) with their region, size and knowledge, the trade freeness between
regions (M1), its budget (members' fees and any government funding), and whether its
cluster zone is open and has land left. **Decides**, each year while cluster channels
are on: how hard to work (effort from its budget, N1-N2), which buyer-supplier links to
propose (by expected gain, N3-N4; the old rule, random pairs of members, is the switch
``integrator_matchmaking`` off), how many foreign investors to scout (Poisson, mean
scaled by effort) and whether to anchor them in its cluster zone (when it has land;
under merge, through the industry channel). Its coordination raises members'
productivity (P4), computed with the other channels in ``grant_privileges``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.economy import integrators as integ

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["Integrator"]


class Integrator(mesa.Agent):
    """Coordinates one cluster: matches buyers and suppliers, scouts and anchors investors.

    Attributes:
        cluster, region: the cluster it runs and the region it sits in.
        fees, budget: this year's fees from members and budget (N1), million per year.
        effort: this year's effort multiplier (N2), 1 for an unfunded integrator.
        links_brokered, investors_scouted: totals since the start of the run.
        partner_gain: expected yearly knowledge a member gains from the links proposed
            this year (log points; what an entrant expects from joining, D3c).
        anchor_zone: the zone its scouted investors are sent to this year, -1 for none.
    """

    model: SEZClusterModel

    def __init__(self, model: SEZClusterModel, name: str, cluster: int, region: int) -> None:
        super().__init__(model)
        self.name, self.cluster, self.region = name, cluster, region
        self.links_brokered = 0
        self.investors_scouted = 0
        self.fees = self.budget = 0.0
        self.effort = 1.0
        self.partner_gain = 0.0
        self.anchor_zone = -1

    @property
    def cell(self):
        """The region's cell in the Network space."""
        return self.model.space[self.model.spec.regions[self.region].id]

    def funding(self) -> float:
        """Government funding this year: its cluster's ``model.integrator_budget`` (G2)."""
        return float(self.model.integrator_budget[self.cluster])

    def step(self) -> None:
        """Collect fees, set effort, broker links, scout and anchor investors (N1-N4)."""
        model = self.model
        if not model.policy.cluster_channels:
            return
        p, f = model.params, model.firms
        members = model.cluster_members(self.cluster)
        turnover = f.view("turnover")
        self.fees, self.budget = integ.integrator_budget(
            float(turnover[members].sum()), p.integrator_fee_rate, self.funding()
        )
        if p.integrator_fee_rate > 0 and members.size:
            # Members pay the fee out of their after-tax profit (stage 5 has taxed it).
            f.view("profit")[members] -= p.integrator_fee_rate * turnover[members]
        self.effort = integ.effort(self.budget, p.integrator_effort_cost)
        n_links = int(np.rint(p.integrator_links_per_year * self.effort))
        if p.integrator_matchmaking:
            self._match(members, n_links)
        elif members.size >= 2 and n_links > 0:  # the old rule: random pairs of members
            src = model.rng.choice(members, size=n_links)
            dst = model.rng.choice(members, size=n_links)
            ok = src != dst
            f.add_links(src[ok], dst[ok])
            self.links_brokered += int(ok.sum())
        scouted = int(model.rng.poisson(p.integrator_fdi_scouting * self.effort))
        self.investors_scouted += scouted
        model.scouted_investors[self.cluster] += scouted
        self.anchor_zone = self._anchor()
        model.anchor_zone[self.cluster] = self.anchor_zone

    def _match(self, members: np.ndarray, n_links: int) -> None:
        """Propose links between members and related-sector producers by gain (N3, N4)."""
        model, f = self.model, self.model.firms
        k = int(model.territory.cluster_sector[self.cluster])
        related = np.flatnonzero(model.territory.relatedness[k])
        if related.size:
            partners = np.concatenate([model.producers_now[s] for s in related])
        else:  # no related sector: horizontal links among members
            partners = members
        knowledge = f.view("knowledge")
        src, dst, _ = integ.propose_links(
            members, partners, f.view("turnover"), knowledge, f.view("region"),
            model.phi, f.link_src, f.link_dst, n_links,
        )  # fmt: skip
        f.add_links(src, dst)
        self.links_brokered += int(src.size)
        self.partner_gain = (
            model.params.partner_absorption
            * float(np.maximum(knowledge[dst] - knowledge[src], 0.0).sum())
            / members.size
            if members.size
            else 0.0
        )

    def _anchor(self) -> int:
        """The cluster zone its investors go to: open, with land left; -1 for none.

        Only under merge, through the industry channel, with ``integrator_anchoring``.
        """
        model = self.model
        if not (model.params.integrator_anchoring and "industry" in model.channels):
            return -1
        for z in model.government.cluster_sezs[self.cluster]:
            if model.government.sez_open[z] and model.zone_room[z] > 0:
                return int(z)
        return -1
