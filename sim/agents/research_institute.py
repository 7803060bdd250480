"""Research institutes: knowledge producers that grow with funding and choose partners.

Decisions (ODD+D, docs/ODD.md 7.11). Each year an institute

* **senses** the producing firms of its field: their knowledge, size (employees) and
  region, and the road distance to them; its grant from the government (G2) and its
  partners' turnover;
* **decides** whom to collaborate with: the ``floor(nu C)`` firms of highest absorptive
  capacity net of distance (I2), a selection in O(candidates);
* **grows or shrinks**: its capacity moves toward what its funding, grants plus
  research contracts from its partners (I3), pays for (I1); its knowledge output is its
  capacity (I4), which firms absorb through institute access (P5) and its partners also
  directly (I4);
* **spins off** new firms in its field and region, Poisson in its output (I5; stage
  12b, :func:`sim.processes.institutes.spin_off`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.economy import institutes as research

if TYPE_CHECKING:
    from sim.model import SEZClusterModel
    from sim.parameters import ModelParameters

__all__ = ["ResearchInstitute"]


class ResearchInstitute(mesa.Agent):
    """An R&D, education or finance organisation of a cluster (paper 2, step 3).

    Attributes:
        name: organisation name.
        field: sector index it serves.
        capacity: research capacity C_j, hundreds of researchers (relative; I1).
        region: index of the region it sits in (moved into the SEZ's region under merge).
        cluster: index of its cluster.
        knowledge_output: O_j, the knowledge it supplies this year (its capacity; I4).
        linked_firms: cluster member firms it serves through formal links.
        partners: rows of the firms it collaborates with this year (I2; valid until the
            next compaction of the firm table, stage 1).
        grant: this year's government grant, million per year (G2).
        contracts: this year's research contracts from its partners, million per year (I3).
        spinoffs: firms it has spun off so far (I5).
    """

    model: SEZClusterModel

    def __init__(
        self,
        model: SEZClusterModel,
        name: str,
        field: int,
        capacity: float,
        region: int,
        cluster: int,
    ) -> None:
        super().__init__(model)
        self.name, self.field, self.capacity = name, field, capacity
        self.region, self.cluster = region, cluster
        self.knowledge_output = capacity
        self.linked_firms = 0
        self.partners = np.zeros(0, dtype=np.int64)
        self.grant = 0.0
        self.contracts = 0.0
        self.spinoffs = 0

    @property
    def cell(self):
        """The region's cell in the Network space."""
        return self.model.space[self.model.spec.regions[self.region].id]

    def step(self) -> None:
        """Record the formal links this year: member firms of its cluster it serves."""
        self.linked_firms = self.model.cluster_member_count(self.cluster)

    def choose_partners(
        self,
        candidates: np.ndarray,
        knowledge: np.ndarray,
        employment: np.ndarray,
        decay: np.ndarray,
        partners_per_capacity: float,
    ) -> None:
        """Collaborate with the best ``floor(nu C)`` producers of its field (I2).

        Args:
            candidates: (m,) rows of the producing firms of its field.
            knowledge: (m,) their knowledge stocks, log points.
            employment: (m,) their employees.
            decay: (m,) ``exp(-d/delta)`` from the institute's region to theirs.
            partners_per_capacity: nu.
        """
        n = research.partner_count(self.capacity, partners_per_capacity)
        score = research.absorptive_scores(knowledge, employment, decay)
        self.partners = research.choose_partners(candidates, score, n)

    def fund_and_grow(self, turnover: np.ndarray, params: ModelParameters) -> None:
        """Collect contracts from its partners, then adjust capacity to funding (I1, I3).

        Args:
            turnover: (N,) firms' turnover this year, million per year.
            params: the model's parameters.
        """
        self.contracts = params.institute_contract_share * float(turnover[self.partners].sum())
        if params.institute_adjustment_rate > 0:
            self.capacity = float(
                research.capacity_update(
                    np.array([self.capacity]),
                    np.array([self.grant + self.contracts]),
                    params.institute_cost_per_capacity,
                    params.institute_adjustment_rate,
                )[0]
            )
        self.knowledge_output = self.capacity
