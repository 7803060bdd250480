"""Research institutes: knowledge producers serving the firms of one field."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["ResearchInstitute"]


class ResearchInstitute(mesa.Agent):
    """An R&D, education or finance organisation of a cluster (paper 2, step 3).

    Attributes:
        name: organisation name.
        field: sector index it serves.
        capacity: relative research capacity (1.0 typical).
        region: index of the region it sits in (moved into the SEZ's region under merge).
        cluster: index of its cluster.
        knowledge_output: spillover supplied in the last year (capacity x firms reached).
        linked_firms: cluster member firms it serves through formal links.
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
        self.knowledge_output = 0.0
        self.linked_firms = 0

    @property
    def cell(self):
        """The region's cell in the Network space."""
        return self.model.space[self.model.spec.regions[self.region].id]

    def step(self) -> None:
        """Record the formal links this year: member firms of its cluster it serves."""
        self.linked_firms = self.model.cluster_member_count(self.cluster)
        self.knowledge_output = self.capacity * self.linked_firms
