"""Policies as data: what merge, no merge and heterodox switch on (docs/ODD.md, section 7).

A policy is a set of switches read by the model's stages; the *levels* of the
instruments (tax relief, customs relief, infrastructure, scouting, ...) are parameters
in :mod:`sim.parameters`. No stage branches on the policy's name.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["POLICIES", "STATUS_QUO", "Policy", "get_policy"]

#: The policy every run follows before its policy year (SEZs and clusters separate).
STATUS_QUO = "no_merge"


@dataclass(frozen=True)
class Policy:
    """Switches of one policy scenario.

    Attributes:
        name: identifier used on the command line and in outputs.
        description: one line for tables and the UI.
        cluster_channels: integrators broker links and scout investors, members get
            coordination and formal links to institutes (Mathews' cluster channel).
        merge_clusters_into_sezs: clusters are paired with the SEZs of the papers'
            tables; members anywhere in the cluster's territory get SEZ privileges and
            may register in the paired SEZs ("cluster zones", paper 1, Table 1).
        colocate_cluster_actors: the integrator and institutes sit in the paired SEZ's
            region (co-location, paper 2 conclusion).
        differentiated_benefits: activities outside the SEZ's priority sectors get only
            ``non_priority_benefit_share`` of the privileges (paper 2: "differentiated
            (individual) approach ... depending on their priority level").
        sez_fdi_only: SEZs admit only export-oriented foreign investors (heterodox
            approach, Amiti & Javorcik; paper 2, Table 1).
    """

    name: str
    description: str
    cluster_channels: bool
    merge_clusters_into_sezs: bool
    colocate_cluster_actors: bool
    differentiated_benefits: bool
    sez_fdi_only: bool


POLICIES: dict[str, Policy] = {
    p.name: p
    for p in (
        Policy(
            name="merge",
            description="clusters merged into SEZs (cluster zones)",
            cluster_channels=True,
            merge_clusters_into_sezs=True,
            colocate_cluster_actors=True,
            differentiated_benefits=True,
            sez_fdi_only=False,
        ),
        Policy(
            name="no_merge",
            description="SEZs and clusters coexist separately",
            cluster_channels=True,
            merge_clusters_into_sezs=False,
            colocate_cluster_actors=False,
            differentiated_benefits=False,
            sez_fdi_only=False,
        ),
        Policy(
            name="heterodox",
            description="SEZs attract export FDI; no cluster channels",
            cluster_channels=False,
            merge_clusters_into_sezs=False,
            colocate_cluster_actors=False,
            differentiated_benefits=False,
            sez_fdi_only=True,
        ),
    )
}


def get_policy(policy: str | Policy) -> Policy:
    """Return a policy by name (or pass a Policy through); ValueError names the choices."""
    if isinstance(policy, Policy):
        return policy
    try:
        return POLICIES[policy]
    except KeyError:
        raise ValueError(f"unknown policy {policy!r}; allowed: {', '.join(POLICIES)}") from None
