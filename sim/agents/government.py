"""The government: runs the zones, keeps a budget, spends by rules, decides merging.

Decisions (ODD+D, docs/ODD.md 7.10):

* **Policy (exogenous lever).** In the policy year (``policy_start_year``) it adopts the
  policy under study: until then every policy runs the status quo (SEZs and clusters
  separate), so all policies share one baseline. Merging pairs each cluster with the
  SEZs of the papers' tables ("cluster zones") and, through the innovation channel,
  moves the cluster's integrator and institutes to the zone.
* **Zones.** A zone operates from its opening year until its closing year, which the
  review may change: every ``zone_review.every_years`` after it opens, the government
  senses the zone's producing participants, their investment since the last review and
  their employees, and compares them with the zone's targets (G3). A zone that misses
  one is closed (or shrunk: part of its land withdrawn); one that meets them and would
  close before the next review is extended.
* **Budget.** Each year it books the taxes (F1), the privilege cost (F2), the
  infrastructure of zones opening, and spends by the rules file: research grants and
  integrator funding, each a share of the year's taxes plus a fixed amount (G1),
  split by the rule's weights (G2); the balance closes the ledger (G4).

The rules are data: ``GovernmentRules`` (:mod:`sim.scenario`), the scenario's
``government:`` block or a rules file it names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.agents.firm import PRODUCING
from sim.economy import budget
from sim.economy.fiscal import taxes_and_privilege_cost
from sim.policy import Policy

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["Government"]


class Government(mesa.Agent):
    """Sets the instruments, collects taxes and pays the budget cost of privileges.

    Attributes:
        ledger: year -> budget lines, million currency units per year: ``taxes``,
            ``privilege_cost``, ``infrastructure_spending``, ``research_grants``,
            ``integrator_funding``, and ``revenue``, ``spending``, ``balance`` (G4);
            the taxes are checked against the firms' tax payments.
        rules: the spending and review rules (``GovernmentRules``).
        sez_open: (Z,) which zones operate this year.
        closes: (Z,) each zone's closing year (the legal period, as the review left it).
        closed_by_review, shrunk_by_review: (Z,) bool, this year's review outcomes.
        zone_investment: (Z,) participants' investment since each zone's last review.
        cluster_sezs: cluster index -> SEZ indices it is merged with (empty unless the
            policy merges clusters into SEZs).
    """

    model: SEZClusterModel

    def __init__(self, model: SEZClusterModel) -> None:
        super().__init__(model)
        spec = model.spec
        self.ledger: dict[int, dict[str, float]] = {}
        self.rules = spec.government
        n_sezs = len(spec.sezs)
        self.sez_open = np.zeros(n_sezs, dtype=bool)
        self.opens = np.array([z.opens for z in spec.sezs], dtype=np.int64)
        self.closes = np.array([z.closes for z in spec.sezs], dtype=np.int64)
        self.closed_by_review = np.zeros(n_sezs, dtype=bool)
        self.shrunk_by_review = np.zeros(n_sezs, dtype=bool)
        self.zone_investment = np.zeros(n_sezs)
        targets = self.rules.zone_review
        index = {z.id: i for i, z in enumerate(spec.sezs)}
        per_zone = [targets.targets] * n_sezs
        for zone_id, t in targets.zones.items():
            per_zone[index[zone_id]] = t
        #: (Z, 3) targets: participants, investment, employment (G3)
        self.zone_targets = np.array(
            [[t.participants, t.investment, t.employment] for t in per_zone], dtype=float
        ).reshape(n_sezs, 3)
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
        self.sez_open[:] = (self.opens <= year) & (year < self.closes)

    def review_zones(self, year: int) -> None:
        """Review the zones due this year against their targets; close, shrink or extend (G3).

        Senses, per zone, its producing participants and their employees (last year's
        outcome) and their investment since its last review. A zone that misses a target
        closes this year (``on_miss: close``: ``open_and_close_zones`` then takes its
        firms out) or loses ``shrink_share`` of its land (``shrink``: no new
        participants beyond the smaller capacity). One that meets them and would close
        before the next review gets ``extend_years`` more (``on_meet: extend``). Off
        (nothing sensed, nothing drawn) when ``every_years`` is 0.
        """
        review = self.rules.zone_review
        self.closed_by_review[:] = False
        self.shrunk_by_review[:] = False
        if review.every_years <= 0 or not self.sez_open.size:
            return
        m = self.model
        f = m.firms
        sez = f.view("sez")
        registered = f.view("alive") & (sez >= 0)
        zone = np.where(registered, sez, 0)
        n_sezs = self.sez_open.size
        self.zone_investment += np.bincount(zone, f.view("investment") * registered, n_sezs)
        due = budget.review_due(year, self.opens, self.sez_open, review.every_years)
        if not due.any():
            return
        producing = registered & (f.view("status") == PRODUCING)
        participants = np.bincount(zone, producing, n_sezs)
        employment = np.bincount(zone, f.view("employment") * producing, n_sezs)
        ok = budget.meets_targets(
            participants, self.zone_investment, employment, *self.zone_targets.T
        )
        missed, met = due & ~ok, due & ok
        if review.on_miss == "close":
            self.closes[missed] = year
            self.closed_by_review[:] = missed
        else:
            capacity = m.territory.sez_capacity
            capacity[missed] = np.floor(capacity[missed] * (1.0 - review.shrink_share))
            self.shrunk_by_review[:] = missed
        if review.on_meet == "extend":
            ending = met & (self.closes - year <= review.every_years)
            self.closes[ending] += review.extend_years
        self.zone_investment[due] = 0.0

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

    def spend_budget(self, year: int) -> None:
        """Pay research grants and fund integrators by the rules; close the ledger (G1-G4).

        Each budget line is a share of this year's taxes plus a fixed amount (G1), from
        its ``from_year`` on. Grants go to the institutes in proportion to their
        capacity, their partners of last year, or equally; integrator funding to the
        integrators by their cluster's producing members or equally (G2). Sets each
        institute's ``grant`` and ``model.integrator_budget`` (C,), million per year.
        """
        m = self.model
        book = self.ledger[year]
        grants_rule, integrator_rule = self.rules.research_grants, self.rules.integrators
        institutes = list(m.institutes)
        grants = np.zeros(len(institutes))
        if institutes and (grants_rule.from_year or year) <= year:
            total = budget.budget_line(book["taxes"], grants_rule.share_of_taxes, grants_rule.fixed)
            weight = {
                "capacity": lambda a: a.capacity,
                "partners": lambda a: a.partners.size,
                "equal": lambda a: 0.0,
            }[grants_rule.allocation]
            if total > 0:
                grants = budget.allocate(total, np.array([weight(a) for a in institutes]))
        for a, g in zip(institutes, grants, strict=True):
            a.grant = float(g)
        m.integrator_budget = np.zeros(m.n_clusters)
        integrators = list(m.integrators)
        if integrators and (integrator_rule.from_year or year) <= year:
            total = budget.budget_line(
                book["taxes"], integrator_rule.share_of_taxes, integrator_rule.fixed
            )
            if total > 0:
                clusters = np.array([a.cluster for a in integrators], dtype=np.int64)
                weights = np.zeros(clusters.size)
                if integrator_rule.allocation == "members":
                    f = m.firms
                    member = (
                        f.view("alive") & (f.view("cluster") >= 0) & (f.view("status") == PRODUCING)
                    )
                    counts = np.bincount(
                        np.where(member, f.view("cluster"), 0), member, m.n_clusters
                    )
                    weights = counts[clusters]
                np.add.at(m.integrator_budget, clusters, budget.allocate(total, weights))
        book["research_grants"] = float(grants.sum())
        book["integrator_funding"] = float(m.integrator_budget.sum())
        book["revenue"], book["spending"], book["balance"] = budget.budget_balance(
            book["taxes"],
            book["privilege_cost"],
            book["infrastructure_spending"],
            book["research_grants"],
            book["integrator_funding"],
        )
