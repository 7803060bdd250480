"""Entry of domestic firms and foreign investors, and their location choice (stage 12; D3)."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import PRODUCING, PROJECT
from sim.economy import firm_dynamics as dyn
from sim.processes.initialisation import draw_own_efficiency

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = [
    "EntryBook",
    "cluster_gains",
    "cluster_territory",
    "enter",
    "expected_profit",
    "foreign_firms",
    "location_values",
    "outside_values",
    "place_entrants",
]


def enter(model: SEZClusterModel, year: int) -> None:
    """Domestic and foreign entrants by sector, each choosing a location by logit (D3).

    The numbers are Poisson draws proportional to the producers (``entry_rate``,
    ``fdi_entry_rate``), scaled by the free-entry pressure of expected profit over the
    entry cost (D3a) and, for foreign investors, by last year's FDI (the chain reaction,
    D3b); domestic entrants pick sectors by their size, foreign ones also by their
    exports. Investors scouted by integrators come to their cluster's territory, to its
    zone when the integrator anchors them there.
    """
    p, t = model.params, model.territory
    entry = EntryBook(model)
    firms_k = np.diff(entry.bounds)  # producers by sector
    n_prod = int(entry.bounds[-1])
    w_dom = (firms_k + 1.0) / (firms_k + 1.0).sum()
    exports_k = entry.exports_k
    w_fdi = w_dom + (exports_k / exports_k.sum() if exports_k.sum() > 0 else 0.0)
    w_fdi = w_fdi / w_fdi.sum()
    if model.policy.cluster_channels and p.cluster_benefit_weight > 0:
        entry.cluster_gain = cluster_gains(model)
    if p.fdi_follow_elasticity > 0:
        entry.foreign_firms = foreign_firms(model)
    mean_dom, mean_fdi = p.entry_rate * n_prod, p.fdi_entry_rate * n_prod
    if p.entry_profit_elasticity > 0:
        for foreign, weights in ((False, w_dom), (True, w_fdi)):
            pressure = dyn.free_entry(
                expected_profit(model, entry, weights, foreign),
                p.entry_cost,
                p.entry_profit_elasticity,
            )
            if foreign:
                mean_fdi *= pressure
            else:
                mean_dom *= pressure
    if p.fdi_chain_elasticity > 0 and model.fdi_last is not None:
        mean_fdi *= dyn.chain_reaction(*model.fdi_last, p.fdi_chain_elasticity)
    model.entry_means = {"domestic": mean_dom, "foreign": mean_fdi}
    n_dom = int(model.rng.poisson(mean_dom))
    n_fdi = int(model.rng.poisson(mean_fdi))
    n_foreign = 0
    for foreign, n, weights in ((False, n_dom, w_dom), (True, n_fdi, w_fdi)):
        if n == 0:
            continue
        sectors = dyn.categorical_draws(model.rng, weights, n)
        counts = np.bincount(sectors, minlength=model.n_sectors)
        for k in np.flatnonzero(counts):
            placed = place_entrants(model, entry, int(k), int(counts[k]), foreign, year, None)
            n_foreign += placed * foreign
    for c in np.flatnonzero(model.scouted_investors):
        k = int(t.cluster_sector[c])
        n_foreign += place_entrants(
            model, entry, k, int(model.scouted_investors[c]), True, year, int(c)
        )
    model.scouted_investors[:] = 0
    entry.commit(year)
    model.fdi_last = (n_foreign, p.fdi_entry_rate * n_prod)


def foreign_firms(model: SEZClusterModel) -> np.ndarray:
    """(K, R) live foreign firms (producers and projects) by sector and region (D3d)."""
    f = model.firms
    live = f.view("alive") & f.view("foreign")
    cell = f.view("sector")[live] * model.n_regions + f.view("region")[live]
    counts = np.bincount(cell, minlength=model.n_sectors * model.n_regions)
    return counts.reshape(model.n_sectors, model.n_regions)


def cluster_gains(model: SEZClusterModel) -> np.ndarray:
    """(C, R) expected log-productivity gain of joining each cluster in each region (D3c).

    Coordination (P4) and the extra institute links of a member (P5), both with the
    co-location bonus where the cluster actors sit with the zone, and the knowledge its
    integrator's links bring a member this year (N4).
    """
    p, t = model.params, model.territory
    here = model.colocated & (
        np.arange(model.n_regions)[None, :] == model.cluster_region_now[:, None]
    )
    boost = 1.0 + p.colocation_bonus * here
    coordination = p.integrator_coordination * model.has_integrator[:, None] * boost
    partners = np.zeros(model.n_clusters)
    for a in model.integrators:
        partners[a.cluster] = a.partner_gain
    return dyn.cluster_benefit(
        np.log1p(coordination),
        boost,
        model.institute_access[t.cluster_sector],
        p.innovation_rate,
        p.spillover_strength,
        p.innovation_step,
        partners[:, None],
    )


def expected_profit(
    model: SEZClusterModel, entry: EntryBook, weights: np.ndarray, foreign: bool
) -> float:
    """Expected after-tax real profit of an entrant, over sectors and locations (D3a).

    The sectors' weights are the entrants' sector probabilities; within a sector, the
    logit-weighted mean of the location values (D3) of a unit-efficiency entrant, whose
    expected exports are those the market stage's export demand gives it (M6, M6a).
    """
    beta = model.params.location_choice_beta
    total = 0.0
    for k in np.flatnonzero(weights):
        _, v_out, _, v_zone = location_values(model, entry, int(k), foreign)
        total += weights[k] * dyn.expected_entrant_value(np.concatenate([v_out, v_zone]), beta)
    return total


def cluster_territory(
    model: SEZClusterModel, c: int, channel: str = "innovation"
) -> tuple[set[int], list[int]]:
    """Regions and SEZs that make up cluster c's territory under the policy in force.

    The anchor region; with merging, also the cluster zones and their regions, when
    ``channel`` is on: ``innovation`` for who joins the cluster (membership brings
    coordination and institute links), ``industry`` for where scouted investors go.
    """
    zones = model.government.cluster_sezs[c] if channel in model.channels else []
    regions = {int(model.territory.cluster_region[c])}
    regions |= {int(model.territory.sez_region[z]) for z in zones}
    return regions, list(zones)


def location_values(
    model: SEZClusterModel, entry: EntryBook, k: int, foreign: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Revenue and value of every location for a unit-efficiency entrant of sector k (D3).

    Each location (a region outside the zones, or an open zone that admits the sector
    and has land left) is valued by the expected after-tax real profit of a
    unit-efficiency firm; where the entrant would join a cluster, with its expected
    benefits less the integrator's fee (D3c, when ``cluster_benefit_weight`` > 0). Its
    exports are valued at this year's world demand for a variety of sector k,
    ``model.export_demand`` (M6, M6a: the one the market stage sold the exporters'
    output at), so free entry (D3a) and the market use the same equation.

    Returns:
        ``rev_out``, ``v_out``: (R,) revenue and value outside the zones;
        ``rev_zone``, ``v_zone``: (Z,) in each zone (value -inf where it cannot enter).
    """
    p, t, pol = model.params, model.territory, model.policy
    sigma = p.sigma
    open_ = model.government.sez_open
    e = 1.0 if foreign else p.domestic_exporter_share
    x_k = float(model.export_demand[k])
    # Locations: regions (outside SEZs), then zones.
    unit = model.unit_revenue[k]
    rev_outside, v_outside = entry.outside_values(foreign)
    rev_out, v_out = rev_outside[k], v_outside[k]
    taxes = (sigma, p.profit_tax_rate, p.turnover_tax_rate)
    v_zone = np.empty(model.n_sezs)
    v_zone.fill(-np.inf)
    rev_zone = np.zeros(model.n_sezs)
    registered = entry.registered
    # A zone merged with a cluster of sector k admits its entrants even outside the
    # zone's priorities, if merging acts through a zone benefit (finance, industry, labour).
    admits = t.sez_sectors[:, k]
    if model.channels - {"innovation"}:
        admits = admits | entry.merged_mask(k)
    finance, industry = "finance" in model.channels, "industry" in model.channels
    enterable = open_ & admits & (registered < t.sez_capacity)
    if pol.sez_fdi_only and not foreign:
        enterable[:] = False
    for z in np.flatnonzero(enterable).tolist():
        r = t.sez_region[z]
        level = (
            1.0
            if (t.sez_sectors[z, k] or not pol.differentiated_benefits)
            else p.non_priority_benefit_share
        )
        via_merge = not t.sez_sectors[z, k]  # privileges only through merge's channels
        infra_level = 0.0 if (via_merge and not industry) else level
        level = 0.0 if (via_merge and not finance) else level
        tau_w = 1.0 + (model.tau_world - 1.0) * (1.0 - p.customs_relief * level)
        phi_wz = tau_w ** (1.0 - sigma) if np.isfinite(tau_w) else 0.0
        infra = (1.0 + t.sez_infrastructure[z] * infra_level) ** (sigma - 1.0)
        rev = dyn.entrant_revenue(unit[r], model.access[k, r], e, phi_wz, x_k, infra)
        reliefs = (p.profit_tax_relief * level, p.other_tax_relief * level)
        rev_zone[z] = rev
        v_zone[z] = dyn.location_value(rev, *taxes, *reliefs, model.price_level[r])
    if entry.cluster_gain is not None:
        # D3c: where the entrant joins a cluster (the cluster table), its benefits count.
        table = entry.cluster_table(k)
        c_out, c_zone = table[:, -1], table[t.sez_region, np.arange(model.n_sezs)]
        gain = entry.cluster_gain
        joins = (sigma, p.cluster_benefit_weight, p.integrator_fee_rate)
        g_out = gain[np.maximum(c_out, 0), np.arange(model.n_regions)]
        v_member = dyn.member_location_value(v_out, rev_out, model.price_level, g_out, *joins)
        v_out = np.where(c_out >= 0, v_member, v_out)
        g_zone = gain[np.maximum(c_zone, 0), t.sez_region]
        price_zone = model.price_level[t.sez_region]
        with np.errstate(invalid="ignore"):
            v_member = dyn.member_location_value(v_zone, rev_zone, price_zone, g_zone, *joins)
        v_zone = np.where((c_zone >= 0) & np.isfinite(v_zone), v_member, v_zone)
    return rev_out, v_out, rev_zone, v_zone


def outside_values(model: SEZClusterModel, foreign: bool) -> tuple[np.ndarray, np.ndarray]:
    """(K, R) revenue and value outside the zones for a unit-efficiency entrant (D3).

    Of every sector in every region, as in :func:`location_values` (which reads them
    from the year's :class:`EntryBook`): the entrant's revenue at the region's market
    access and this year's world demand for a variety (M6, M6a: ``model.export_demand``),
    and its after-tax real profit (no relief).
    """
    p = model.params
    e = 1.0 if foreign else p.domestic_exporter_share
    x = model.export_demand[:, None]
    rev = dyn.entrant_revenue(model.unit_revenue, model.access, e, p.world_trade_freeness, x)
    taxes = (p.sigma, p.profit_tax_rate, p.turnover_tax_rate)
    return rev, dyn.location_value(rev, *taxes, 0.0, 0.0, model.price_level)


def place_entrants(
    model: SEZClusterModel,
    entry: EntryBook,
    k: int,
    n: int,
    foreign: bool,
    year: int,
    territory: int | None,
) -> int:
    """Choose locations for n entrants of sector k (D3) and create them; return how many.

    Entrants choose among the locations valued by :func:`location_values` by logit
    (``location_choice_beta``). Scouted investors (``territory`` = their cluster)
    choose within the cluster's territory; when its integrator anchors them in its zone
    (``model.anchor_zone``) and the zone still has land, they all go there (N2).
    The entrants are booked in ``entry`` (their land is taken at once) and added to the
    firm table by :meth:`EntryBook.commit`, all of the year's at once.
    """
    p, t, pol = model.params, model.territory, model.policy
    sigma, n_r = p.sigma, model.n_regions
    rev_out, v_out, rev_zone, v_zone = location_values(model, entry, k, foreign)
    registered = entry.registered
    if territory is not None:
        regions, zones = cluster_territory(model, territory, "industry")
        mask_r = np.zeros(n_r, dtype=bool)
        mask_r[list(regions)] = True
        v_out = np.where(mask_r, v_out, 0.0)
        keep = np.zeros(model.n_sezs, dtype=bool)
        keep[zones] = True
        v_zone = np.where(keep, v_zone, -np.inf)
        anchor = int(model.anchor_zone[territory])
        if anchor >= 0 and v_zone[anchor] > 0:  # the zone still admits them
            v_out = np.zeros(n_r)
            v_zone = np.where(np.arange(model.n_sezs) == anchor, v_zone, -np.inf)
    values = np.concatenate([v_out, v_zone])
    admissible = values > 0
    log_v = np.where(admissible, np.log(np.where(admissible, values, 1.0)), -np.inf)
    follow = None
    if foreign and entry.foreign_firms is not None:  # D3d: investors follow investors
        here = entry.foreign_firms[k, np.concatenate([np.arange(n_r), t.sez_region])]
        follow = dyn.follow_investors(here, p.fdi_follow_elasticity)
    choice = dyn.choose_locations(model.rng, log_v, p.location_choice_beta, n, follow)
    if choice.size == 0:
        return 0
    # Zones take entrants up to their land capacity; the rest stay outside.
    zone, region = dyn.settle_entrants(choice, n_r, t.sez_region, t.sez_capacity, registered)
    log_q = draw_own_efficiency(model, k, choice.size)
    log_q += p.foreign_productivity_premium * foreign
    exporter = (
        np.full(choice.size, True)
        if foreign
        else (model.rng.random(choice.size) < p.domestic_exporter_share)
    )
    if pol.cluster_channels:  # entrants of a cluster's sector in its territory join it
        cluster = entry.cluster_table(k)[region, zone]
    else:
        cluster = np.full(region.size, -1, dtype=np.int64)
    # Expected turnover at the chosen location, scaled by own efficiency.
    rev_all = np.concatenate([rev_out, rev_zone])
    expected = rev_all[np.where(zone >= 0, zone + n_r, region)] * np.exp(log_q * (sigma - 1.0))
    entry.book(k, foreign, region, zone, cluster, exporter, log_q, expected)
    return int(choice.size)


class EntryBook:
    """What entry needs of the firm table, kept up to date as entrants are added.

    The table is scanned once per year (:func:`sim.economy.firm_dynamics.entry_census`);
    each batch of entrants is then added to the book, so placing the entrants of every
    sector costs O(firms + entrants), not O(firms) per sector.
    """

    def __init__(self, model: SEZClusterModel) -> None:
        f = model.firms
        self.firms = f
        rows, self.bounds, self.exports_k, registered = dyn.entry_census(
            f.view("sector"),
            f.view("alive"),
            f.view("status"),
            f.view("sez"),
            f.view("exports"),
            PRODUCING,
            model.n_sectors,
            model.n_sezs,
        )
        #: (Z,) live firms registered in each SEZ (projects and producers).
        self.registered = registered
        #: rows producing at the start of the year, by sector, in row order.
        self._sector_rows = [rows[a:b] for a, b in pairwise(self.bounds)]
        self._n0 = f.n  # rows appended after this are this year's entrants
        self._model = model
        # Cluster territories depend only on which zones each cluster is merged with, so
        # the tables below are kept on the model until that assignment changes.
        key = (tuple(map(tuple, model.government.cluster_sezs)), model.channels)
        if model.entry_tables[0] != key:
            model.entry_tables = (key, {}, {})
        self._territories: dict[int, np.ndarray] = model.entry_tables[1]
        self._merged: dict[int, set[int]] = model.entry_tables[2]
        self._merged_mask: dict[int, np.ndarray] = {}
        self._outside: dict[bool, tuple[np.ndarray, np.ndarray]] = {}
        #: knowledge of sector k's producers at the census, then of its booked entrants
        self._knowledge: dict[int, list[np.ndarray]] = {}
        #: entrants placed but not yet in the table (:meth:`book`, :meth:`commit`)
        self._booked: list[tuple] = []
        #: (C, R) log gain of joining each cluster in each region (D3c); None: not valued
        self.cluster_gain: np.ndarray | None = None
        #: (K, R) foreign firms by sector and region at the start of the year (D3d);
        #: None: not followed
        self.foreign_firms: np.ndarray | None = None

    def producers(self, k: int) -> np.ndarray:
        """Rows of the producing firms of sector k in the table, in row order."""
        f, n0 = self.firms, self._n0
        new_rows = n0 + np.flatnonzero(
            f.view("alive")[n0:]
            & (f.view("status")[n0:] == PRODUCING)
            & (f.view("sector")[n0:] == k)
        )
        return np.concatenate([self._sector_rows[k], new_rows])

    def merged_zones(self, k: int) -> set[int]:
        """Cluster zones that admit entrants of sector k.

        Those merged with a cluster of sector k, and, with ``cluster_zone_value_chain``,
        those merged with a cluster of a sector related to k: a cluster zone hosts its
        value chain (paper 2's vertical links), as activities outside the zone's
        priorities, which get the differentiated share of the privileges.
        """
        if k not in self._merged:
            m = self._model
            t = m.territory
            chain = m.params.cluster_zone_value_chain
            self._merged[k] = {
                z
                for c, zones in enumerate(m.government.cluster_sezs)
                if t.cluster_sector[c] == k or (chain and t.relatedness[t.cluster_sector[c], k])
                for z in zones
            }
        return self._merged[k]

    def outside_values(self, foreign: bool) -> tuple[np.ndarray, np.ndarray]:
        """:func:`outside_values` of this year, computed once for all sectors."""
        if foreign not in self._outside:
            self._outside[foreign] = outside_values(self._model, foreign)
        return self._outside[foreign]

    def merged_mask(self, k: int) -> np.ndarray:
        """(Z,) bool: the zones of :meth:`merged_zones` (k)."""
        if k not in self._merged_mask:
            mask = np.zeros(self._model.n_sezs, dtype=bool)
            mask[list(self.merged_zones(k))] = True
            self._merged_mask[k] = mask
        return self._merged_mask[k]

    def cluster_table(self, k: int) -> np.ndarray:
        """(R, Z+1) cluster an entrant of sector k joins at (region, zone), -1 for none.

        Zone -1 (outside SEZs) is the last column. The first of sector k's clusters
        whose territory holds the region or the zone.
        """
        if k not in self._territories:
            m = self._model
            table = np.full((m.n_regions, m.n_sezs + 1), -1, dtype=np.int64)
            for c in reversed(np.flatnonzero(m.territory.cluster_sector == k)):
                regions, zones = cluster_territory(m, int(c))
                in_region = np.zeros(m.n_regions, dtype=bool)
                in_region[list(regions)] = True
                in_zone = np.zeros(m.n_sezs + 1, dtype=bool)  # last entry: outside SEZs
                in_zone[zones] = True
                table[in_region[:, None] | in_zone[None, :]] = c
            self._territories[k] = table
        return self._territories[k]

    def mean_knowledge(self, k: int) -> float:
        """Mean knowledge of sector k's producers (0 if none): entrants start there.

        The producers at the census, then this year's producing entrants of sector k
        booked so far, in the order they will have in the table.
        """
        parts = self._knowledge.get(k)
        if parts is None:
            parts = self._knowledge[k] = [self.firms.view("knowledge")[self._sector_rows[k]]]
        values = np.concatenate(parts) if len(parts) > 1 else parts[0]
        if not values.size:
            return 0.0
        # The sum over the size is what ndarray.mean computes, without its Python wrapper.
        return float(values.sum() / values.size)

    def book(
        self,
        k: int,
        foreign: bool,
        region: np.ndarray,
        zone: np.ndarray,
        cluster: np.ndarray,
        exporter: np.ndarray,
        log_q: np.ndarray,
        expected: np.ndarray,
    ) -> None:
        """Book entrants of sector k placed at (region, zone) (zone -1: outside SEZs).

        Their land in the zones was taken as they settled (``settle_entrants`` adds
        them to ``registered``); they enter the firm table at :meth:`commit`, with the
        mean knowledge of the sector's producers now (those outside the zones produce
        at once and count in the sector's next mean).
        """
        knowledge = self.mean_knowledge(k)
        producing = int(zone.size - np.count_nonzero(self._builds(zone)))
        if producing:
            self._knowledge[k].append(np.full(producing, knowledge))
        self._booked.append(
            (k, foreign, knowledge, region, zone, cluster, exporter, log_q, expected)
        )

    def _builds(self, zone: np.ndarray) -> np.ndarray:
        """Entrants that start as SEZ projects under construction (the others produce)."""
        return (zone >= 0) & (self._model.params.construction_years > 0)

    def commit(self, year: int) -> np.ndarray:
        """Add the booked entrants to the firm table, in booking order; return their rows.

        Entrants plan the capital their expected turnover needs; a project in a zone
        builds it first (``construction_years``), the others have it (and invest it) now.
        """
        m = self._model
        if not self._booked:
            return np.zeros(0, dtype=np.int64)
        p, t = m.params, m.territory
        k, foreign, knowledge, region, zone, cluster, exporter, log_q, expected = (
            np.concatenate(column) if isinstance(column[0], np.ndarray) else np.asarray(column)
            for column in zip(*self._booked, strict=True)
        )
        sizes = [batch[3].size for batch in self._booked]
        sector = np.repeat(k, sizes)
        self._booked = []
        planned = p.capital_output_ratio * np.maximum(expected, 0.0)
        build = self._builds(zone)
        return m.add_firms(
            zone.size,
            status=np.where(build, PROJECT, PRODUCING),
            sector=sector,
            region=region,
            sez=zone,
            via_merge=(zone >= 0) & ~t.sez_sectors[np.maximum(zone, 0), sector],
            cluster=cluster,
            foreign=np.repeat(foreign, sizes),
            exporter=exporter,
            log_q=log_q,
            knowledge=np.repeat(knowledge, sizes),
            planned_capital=planned,
            capital=np.where(build, 0.0, planned),
            investment=np.where(build, 0.0, planned),
            years_to_production=np.where(build, p.construction_years, 0),
            entry_year=year,
        )
