"""SEZClusterModel: the Mesa model. ``step()`` is one calendar year, read top to bottom.

Process overview (docs/ODD.md, section 3): each stage below is one line of
:meth:`SEZClusterModel.step`; the equations are in :mod:`sim.economy`, cited by number.
"""

from __future__ import annotations

import ctypes
import gc
import os
import platform
import sys
from contextlib import contextmanager
from functools import cache, partial
from itertools import pairwise
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.agent import AgentSet
from mesa.discrete_space import Network

from sim import kernels
from sim.agents.firm import PRODUCING, PROJECT, FirmAgents, FirmTable
from sim.agents.government import Government
from sim.agents.integrator import Integrator
from sim.agents.research_institute import ResearchInstitute
from sim.economy import firm_dynamics as dyn
from sim.economy import market
from sim.economy import productivity as prod
from sim.indicators import INDICATORS, IndicatorRecorder
from sim.parameters import ModelParameters
from sim.policy import Policy, get_policy
from sim.scenario import Scenario, apply_overrides, load_scenario, read_yaml, validate_scenario
from sim.territory import build_territory

__all__ = ["DEFAULT_SCENARIO", "SEZClusterModel"]

#: The scenario used when none is given (the repository's Kazakhstan case).
DEFAULT_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "kazakhstan.yaml"

# Flow columns, zeroed for firms that died in an earlier year.
_FLOWS = (
    "turnover",
    "exports",
    "employment",
    "wage_bill",
    "profit",
    "taxes",
    "privilege_cost",
    "investment",
    "innovated",
    "productivity",
)


def _national(model: SEZClusterModel, name: str) -> float:
    """Last recorded national value of an indicator (a DataCollector reporter)."""
    return model.recorder.last_national(name)


def _log1p_or_zero(x: np.ndarray) -> np.ndarray:
    """log1p(x), and exactly 0.0 where x is zero (what log1p of the non-zero entries gave)."""
    return np.where(x != 0, np.log1p(x), 0.0)


@contextmanager
def _gc_paused():
    """Pause Python's cyclic garbage collector during simulated years.

    Making ``Firm`` agents creates thousands of long-lived objects at once; every 700 new
    container objects set off a collection, and every few years a full one traverses
    every live agent: about 5-9 ms per year at 10^5 firms when agents were made every
    year (docs/performance.md). The years make no
    reference cycles of their own and reference counting frees their temporaries as
    before, so pausing only postpones the collector's work: it runs again as soon as the
    step (or ``run()``) is over. Leaves the collector off if it was off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: glibc's mallopt parameters, and the values set (32 MB is glibc's largest mmap threshold).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD, _TRIM_THRESHOLD = 32 << 20, 256 << 20


@cache
def keep_freed_memory() -> bool:
    """Let the C allocator reuse freed memory for numpy temporaries (glibc only).

    A year allocates and frees dozens of temporaries the size of a firm column (1.2 MB
    at 10^5 firms). glibc maps every block above its mmap threshold afresh and unmaps it
    when freed, so each first write to each 4 KB page faults: about 1.2 million page
    faults in 20 runs of 40 years at 10^5 firms, 1.5-4 ms a year (docs/performance.md).
    Raising the mmap threshold to 32 MB and the trim threshold to 256 MB keeps such
    blocks on the heap for reuse. Called once per process when the first model is
    built; a no-op (False) off glibc or with ``SEZSIM_DEFAULT_MALLOC=1``. Results do not
    depend on it.
    """
    if os.environ.get("SEZSIM_DEFAULT_MALLOC", "") not in ("", "0"):
        return False
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    )


class SEZClusterModel(mesa.Model):
    """Firms, research institutes, integrators and a government in SEZs and clusters.

    Args:
        scenario: path of a scenario YAML file, or a validated :class:`Scenario`.
        policy: ``"merge"``, ``"no_merge"``, ``"heterodox"`` or a :class:`Policy`.
        rng: seed or generator; the same seed gives bit-identical indicator tables.
        parameters: parameter overrides ``{name: value}`` (validated).
        **overrides: more overrides, as parameter names or dotted scenario paths
            (``sectors.metallurgy.world_demand``); this is how ``mesa.batch_run``
            passes swept values.

    Attributes:
        spec: the validated scenario. (``model.scenario`` stays Mesa's own.)
        params: the effective :class:`ModelParameters`.
        year: the calendar year the next ``step()`` simulates.
        firms: the :class:`FirmTable` of all firms.
        space: Mesa ``Network`` of regions (cells keyed by region id).
    """

    def __init__(
        self,
        scenario: str | Path | Scenario = DEFAULT_SCENARIO,
        policy: str | Policy = "merge",
        rng: Any = None,
        parameters: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__(rng=rng)
        keep_freed_memory()
        changes = {**(parameters or {}), **overrides}
        if isinstance(scenario, Scenario):
            data = apply_overrides(scenario.model_dump(), changes, file=scenario.name)
            self.spec = validate_scenario(data, file=scenario.name)
        else:
            self.spec = load_scenario(scenario, overrides=changes or None)
        self.policy = get_policy(policy)
        self.params: ModelParameters = self.spec.parameters
        self.territory = build_territory(self.spec)
        self.year = self.spec.start_year
        self.end_year = self.spec.end_year

        t, p = self.territory, self.params
        self.n_regions, self.n_sectors = len(self.spec.regions), len(self.spec.sectors)
        self.n_sezs, self.n_clusters = len(self.spec.sezs), len(self.spec.clusters)
        self.space = Network(t.graph, random=self.random, layout=None)
        self.phi = self._freeness()
        tau_world = (
            p.world_trade_freeness ** (1.0 / (1.0 - p.sigma))
            if p.world_trade_freeness > 0
            else np.inf
        )
        self.tau_world = tau_world
        self.labour_force = t.labour_force.copy()
        self.wages = np.full(self.n_regions, p.wage)
        self.world_scale: np.ndarray | None = None  # fixed at the first market solve

        self.firms = FirmTable(capacity=4096)
        self.firm_agents = FirmAgents(self)
        #: entry's cluster tables: (cluster-zone assignment, territories, merged zones)
        self._entry_tables: tuple[tuple, dict, dict] = ((), {}, {})
        self.government = Government(self)
        self.cluster_region_now = self._cluster_actor_regions()
        self.integrators = AgentSet(
            [
                Integrator(self, c.integrator.name, i, int(self.cluster_region_now[i]))
                for i, c in enumerate(self.spec.clusters)
                if c.integrator is not None
            ],
            random=self.random,
        )
        self.has_integrator = np.zeros(self.n_clusters, dtype=bool)
        for a in self.integrators:
            self.has_integrator[a.cluster] = True
        self.institutes = AgentSet(
            [
                ResearchInstitute(
                    self,
                    inst.name,
                    self.spec.sector_index()[inst.field],
                    inst.capacity,
                    int(self.cluster_region_now[i]),
                    i,
                )
                for i, c in enumerate(self.spec.clusters)
                for inst in c.institutes
            ],
            random=self.random,
        )
        self.institute_access = self._institute_access()
        self.scouted_investors = np.zeros(self.n_clusters, dtype=np.int64)
        self._members_now: list[np.ndarray] | None = None  # set while agents act
        self.emp_kr = np.zeros((self.n_sectors, self.n_regions))

        self._create_initial_firms()
        self.government.open_and_close_zones(self.year)
        self._grant_privileges()
        self._produce_and_trade(self.year)  # sets sizes, world scale and employment
        f = self.firms
        f.view("capital")[:] = p.capital_output_ratio * f.view("turnover")
        self._produce_and_trade(self.year)

        self.recorder = IndicatorRecorder(self)
        self.datacollector = mesa.DataCollector(
            model_reporters={"year": "last_year"}
            | {name: partial(_national, name=name) for name in INDICATORS.main}
        )
        self.last_year = self.year

    # ------------------------------------------------------------------ the year
    def step(self) -> None:
        """Simulate one calendar year: the stages in the order of ODD section 3."""
        with _gc_paused():
            self._step()

    def _step(self) -> None:
        year = self.year
        self._clear_dead_rows()
        self._open_and_close_zones(year)
        self._grant_privileges()
        self._produce_and_trade(year)
        self.government.collect_taxes(year)
        # Integrators and institutes ask for cluster members; the table does not change
        # while they act, so the members of every cluster are found in one pass.
        self._members_now = self._members_by_cluster()
        try:
            self.integrators.shuffle_do("step")
            self.institutes.do("step")
        finally:
            self._members_now = None
        self._innovate()
        self._invest()
        self._relocate()
        exited = self._exit()
        self._enter(year)
        self._advance_projects()
        self.recorder.record(year, exited)
        self._update_labour_markets()
        self.last_year = year
        self.datacollector.collect(self)
        self.year += 1
        self.running = self.year <= self.end_year

    def run(self, until: int | None = None) -> SEZClusterModel:
        """Step until (and including) calendar year ``until`` (default: the scenario's end)."""
        last = self.end_year if until is None else min(until, self.end_year)
        with _gc_paused():
            while self.year <= last:
                self.step()
        return self

    def indicators(self) -> pd.DataFrame:
        """Tidy table: one row per year x scope x name, one column per indicator."""
        return self.recorder.frame()

    # ------------------------------------------------------------------ setup
    def _freeness(self) -> np.ndarray:
        p, t = self.params, self.territory
        if p.trade_freeness is not None:
            phi = np.full((self.n_regions, self.n_regions), p.trade_freeness)
            np.fill_diagonal(phi, 1.0)
            return phi
        return market.freeness_matrix(t.road_km, p.trade_cost_per_1000km, p.sigma)

    def _cluster_actor_regions(self) -> np.ndarray:
        """Where each cluster's integrator and institutes sit.

        The paired SEZ's region if the policy co-locates them, else the anchor region.
        """
        regions = self.territory.cluster_region.copy()
        if self.policy.colocate_cluster_actors:
            for c, zones in enumerate(self.government.cluster_sezs):
                if zones:
                    regions[c] = self.territory.sez_region[zones[0]]
        return regions

    def _institute_access(self) -> np.ndarray:
        inst = list(self.institutes)
        if not inst:
            return np.zeros((self.n_sectors, self.n_regions))
        return prod.institute_access(
            np.array([a.field for a in inst]),
            np.array([a.region for a in inst]),
            np.array([a.capacity for a in inst]),
            self.territory.road_km,
            self.params.spillover_decay_km,
            self.n_sectors,
        )

    def _add_firms(self, count: int, **cols: Any) -> np.ndarray:
        f = self.firms
        ids, agents = self.firm_agents.enter(count)
        rows = f.append(count, unique_id=ids, **cols)
        if agents is not None:
            f.attach(rows, agents)
        return rows

    def _create_initial_firms(self) -> None:
        """Cluster members, background firms and early SEZ participants (ODD section 5)."""
        s, p, rng = self.spec, self.params, self.rng
        ki, ri = s.sector_index(), s.region_index()
        groups: list[dict[str, Any]] = []
        for c, cl in enumerate(s.clusters):
            groups.append(
                dict(
                    n=cl.firms,
                    emp=cl.employment,
                    sector=ki[cl.sector],
                    region=ri[cl.region],
                    cluster=c,
                    foreign=cl.foreign_share,
                    export=cl.export_share,
                    sez=-1,
                )
            )
        for g in s.firms:
            groups.append(
                dict(
                    n=g.count,
                    emp=g.employment,
                    sector=ki[g.sector],
                    region=ri[g.region],
                    cluster=-1,
                    foreign=g.foreign_share,
                    export=g.export_share,
                    sez=-1,
                )
            )
        for z, zone in enumerate(s.sezs):
            if zone.initial_participants and zone.opens <= self.year:
                groups.append(
                    dict(
                        n=zone.initial_participants,
                        emp=0.0,
                        sector=ki[zone.sectors[0]],
                        region=ri[zone.region],
                        cluster=-1,
                        foreign=0.0,
                        export=0.2,
                        sez=z,
                    )
                )
        if p.initial_share_a is not None:
            groups = self._split_between_two_regions(groups, p.initial_share_a)
        sizes = [g["emp"] / g["n"] for g in groups if g["n"] and g["emp"]]
        mean_size = float(np.mean(sizes)) if sizes else 1.0
        for g in groups:
            n = g["n"]
            if n == 0:
                continue
            size = g["emp"] / n if g["emp"] else mean_size
            # Revenue rises with z**(sigma-1): shift log q so the group's firm size
            # matches its employment per firm relative to the average (ODD 5).
            shift = np.log(size / mean_size) / (p.sigma - 1.0)
            foreign = rng.random(n) < g["foreign"]
            self._add_firms(
                n,
                status=PRODUCING,
                sector=g["sector"],
                region=g["region"],
                sez=g["sez"],
                cluster=g["cluster"],
                foreign=foreign,
                exporter=foreign | (rng.random(n) < g["export"]),
                log_q=shift
                + rng.normal(0.0, p.productivity_dispersion, n)
                + p.foreign_productivity_premium * foreign,
                entry_year=self.year,
            )

    def _split_between_two_regions(self, groups: list[dict], share_a: float) -> list[dict]:
        """Place round(share_a * N) of all firms in the first region, the rest in the second."""
        total = sum(g["n"] for g in groups)
        n_a = round(share_a * total)
        template = next(g for g in groups if g["n"])
        return [dict(template, n=n_a, region=0), dict(template, n=total - n_a, region=1)]

    # ------------------------------------------------------------------ stages
    def _clear_dead_rows(self) -> None:
        """Compact the firm table when dead rows make up more than a quarter of it.

        Dead rows keep the flows of their last year until the stages below rewrite every
        row's flows (_FLOWS): production and trade, taxes, innovation and investment give
        a dead row exactly zero, and nothing reads a flow before it is rewritten.
        """
        f = self.firms
        dead = f.n - np.count_nonzero(f.view("alive"))
        if dead > 0.25 * f.n and f.n > 256:
            f.compact()

    def _open_and_close_zones(self, year: int) -> None:
        """Zones open and close on their periods.

        A closing zone's projects are abandoned; its producing participants stay in the
        region without privileges.
        """
        was_open = self.government.sez_open.copy()
        self.government.open_and_close_zones(year)
        closed = np.flatnonzero(was_open & ~self.government.sez_open)
        if closed.size:
            f = self.firms
            sez = f.view("sez")
            hit = f.view("alive") & np.isin(sez, closed)
            projects = hit & (f.view("status") == PROJECT)
            self._kill(np.flatnonzero(projects))
            sez[hit & ~projects] = -1

    def _grant_privileges(self) -> None:
        """Privileges per firm (SEZ participants, and cluster members under merge).

        With them, the world freeness they give (M6) and the cluster-channel weights (P4,
        P5). Every firm's values come from a handful of per-zone and per-cluster values,
        computed here with the same operations a per-firm computation would do (so the
        same bits: numpy's element-wise results do not depend on the array around an
        element) and read per firm in one pass (kernels.privileges).
        """
        f, p, t, pol = self.firms, self.params, self.territory, self.policy
        open_ = self.government.sez_open
        non_priority = p.non_priority_benefit_share if pol.differentiated_benefits else 1.0
        # Zones: column 0 for a sector outside the zone's priorities, column 1 for one.
        zone_level = np.tile([non_priority, 1.0], (self.n_sezs, 1))
        zone_infra = t.sez_infrastructure[:, None] * zone_level
        # Members outside the zones get their cluster's level, if one of its zones is open.
        level_c = np.full(self.n_clusters, np.nan)
        infra_c = np.zeros(self.n_clusters)
        for c, zones in enumerate(self.government.cluster_sezs):
            open_zones = [z for z in zones if open_[z]]
            if not open_zones:
                continue
            k = t.cluster_sector[c]
            lv = max(1.0 if t.sez_sectors[z, k] else non_priority for z in open_zones)
            level_c[c] = lv
            infra_c[c] = max(t.sez_infrastructure[z] for z in open_zones) * lv
        # Cluster channels: column 1 for a member co-located with its integrator.
        boost = 1.0 + p.colocation_bonus * np.array([False, True])
        coordination = (p.integrator_coordination * self.has_integrator)[:, None] * boost
        out = kernels.privileges(
            {name: f.view(name) for name in ("sez", "sector", "cluster", "region")},
            open_,
            t.sez_sectors,
            {
                "level": zone_level,
                "phi": self._world_freeness(zone_level * p.customs_relief),
                "log1p_infrastructure": _log1p_or_zero(zone_infra),
            },
            {
                "level": level_c,
                "phi": self._world_freeness(level_c * p.customs_relief),
                "log1p_infrastructure": _log1p_or_zero(infra_c),
                "region": self.cluster_region_now,
                "log1p_coordination": _log1p_or_zero(coordination),
                "links": np.tile(1.0 + boost, (self.n_clusters, 1)),
            },
            self._world_freeness(np.zeros(1))[0],
            p.profit_tax_relief,
            p.other_tax_relief,
            pol.cluster_channels,
            pol.colocate_cluster_actors,
        )
        self.privilege_level = out["level"]
        self.profit_relief = out["profit_relief"]
        self.turnover_relief = out["turnover_relief"]
        self.phi_world_i = out["phi_w"]
        self.log1p_infrastructure_i = out["log1p_infrastructure"]
        self.log1p_coordination_i = out["log1p_coordination"]
        self.institute_links = out["links"]

    def _produce_and_trade(self, year: int) -> None:
        """Productivity (P1-P4), prices, trade and equilibrium expenditure (M1-M7)."""
        f, p, t = self.firms, self.params, self.territory
        sigma, n_k, n_r = p.sigma, self.n_sectors, self.n_regions
        k, r = f.view("sector"), f.view("region")
        cell = k * n_r + r  # (sector, region) cell: (K, R) tables are read with .flat[cell]
        producing = f.view("alive") & (f.view("status") == PRODUCING)
        agglo = prod.agglomeration_log_gain(
            self.emp_kr, t.relatedness, p.agglomeration_elasticity, p.related_elasticity
        )
        self.agglomeration = agglo
        log_z = kernels.log_productivity(
            f.view("log_q"),
            f.view("knowledge"),
            agglo.ravel(),
            cell,
            self.log1p_infrastructure_i,
            self.log1p_coordination_i,
        )
        z = np.exp(log_z)
        w = self.wages[r]
        p1s = np.where(producing, (w / z) ** (1.0 - sigma), 0.0)
        # Exports: small open economy, world price index fixed at the start (M6).
        phi_w = self.phi_world_i
        foreign, exporter = f.view("foreign"), f.view("exporter")
        if self.world_scale is None:
            total = np.bincount(k, weights=p1s * phi_w * exporter, minlength=n_k)
            self.world_scale = np.divide(t.world_demand, total, out=np.zeros(n_k), where=total > 0)
        growth = (1.0 + p.world_demand_growth) ** (year - self.spec.start_year)
        exports = f.view("exports")
        supply, supply_dom, export_income = kernels.trade_flows(
            p1s, foreign, exporter, phi_w, cell, k, r, self.world_scale * growth, sigma,
            n_k * n_r, n_r, exports,
        )  # fmt: skip
        supply, supply_dom = supply.reshape(n_k, n_r), supply_dom.reshape(n_k, n_r)
        g = market.price_index_term(supply, self.phi)
        income = self.wages * self.labour_force + export_income
        mu = t.mu
        self.expenditure = market.equilibrium_expenditure(
            income, supply_dom, mu, g, self.phi, sigma
        )
        self.access = market.market_access(mu, self.expenditure, g, self.phi)
        self.price_level = market.manufactures_price_level(g, mu, sigma)
        turnover, employment = f.view("turnover"), f.view("employment")
        demand = kernels.market_outcomes(
            p1s,
            self.access.ravel(),
            cell,
            exports,
            t.labour_share,
            k,
            w,
            producing,
            p.fixed_labour,
            r,
            n_r,
            turnover,
            employment,
        )
        # Capacity: a region cannot employ more than its labour force; output is rationed.
        ration = np.minimum(
            1.0, np.divide(self.labour_force, demand, out=np.ones(n_r), where=demand > 0)
        )
        if (ration < 1.0).any():
            employment *= ration[r]
            turnover *= ration[r]
            exports *= ration[r]
        emp_cell = kernels.firm_accounts(
            producing,
            z,
            employment,
            w,
            turnover,
            f.view("capital"),
            sigma,
            p.fixed_labour,
            p.depreciation,
            cell,
            n_k * n_r,
            f.view("productivity"),
            f.view("wage_bill"),
            f.view("profit"),
        )
        self.emp_kr = emp_cell.reshape(n_k, n_r)
        # Real value of each (sector, region) for a unit-efficiency firm: used by
        # relocation (FE real reward, pi / P**mu) and entry.
        unit = np.exp(agglo * (sigma - 1.0)) * self.wages[None, :] ** (1.0 - sigma)
        self.location_value = unit * self.access / sigma / self.price_level[None, :]
        self._unit_revenue = unit

    def _world_freeness(self, customs_relief: np.ndarray) -> np.ndarray:
        """Freeness of trade with the world, phi_w = tau_w**(1-sigma), at each relief (M6)."""
        tau_w = 1.0 + (self.tau_world - 1.0) * (1.0 - customs_relief)
        return np.where(np.isfinite(tau_w), tau_w ** (1.0 - self.params.sigma), 0.0)

    def _innovate(self) -> None:
        """Innovation draws (D1) and knowledge from partners (P5)."""
        f, p = self.firms, self.params
        producing = f.view("alive") & (f.view("status") == PRODUCING)
        hazard = kernels.innovation_hazard(
            self.institute_access.ravel(),
            f.view("sector") * self.n_regions + f.view("region"),
            self.institute_links,
            p.innovation_rate,
            p.spillover_strength,
        )
        drawn = dyn.hazard_draws(self.rng, hazard)
        knowledge = f.view("knowledge")
        gap = prod.partner_knowledge_gap(knowledge, f.link_src, f.link_dst, producing)
        kernels.absorb_knowledge(
            drawn,
            producing,
            gap,
            p.innovation_step,
            p.partner_absorption,
            knowledge,
            f.view("innovated"),
        )

    def _invest(self) -> None:
        """Gross fixed investment of producers (D2) and of SEZ projects under construction."""
        f, p = self.firms, self.params
        alive, status = f.view("alive"), f.view("status")
        producing = alive & (status == PRODUCING)
        project = alive & (status == PROJECT)
        kernels.invest(
            producing,
            project,
            f.view("capital"),
            f.view("turnover"),
            f.view("planned_capital"),
            f.view("years_to_production"),
            p.capital_output_ratio,
            p.depreciation,
            p.investment_adjustment,
            f.view("investment"),
        )

    def _relocate(self) -> None:
        """Firms outside SEZs and clusters move toward higher real profit (D4)."""
        p = self.params
        if p.relocation_rate <= 0 or self.n_regions < 2:
            return
        f = self.firms
        movable = (
            f.view("alive")
            & (f.view("status") == PRODUCING)
            & (f.view("sez") < 0)
            & (f.view("cluster") < 0)
        )
        region = f.view("region")
        region[:] = dyn.relocation_moves(
            self.rng,
            f.view("sector"),
            region,
            self.location_value,
            movable,
            p.relocation_rate,
            p.relocation_cost,
        )

    def _exit(self) -> np.ndarray:
        """Exit of producers (D5) and abandonment of SEZ projects; returns rows that left."""
        f, p = self.firms, self.params
        u_exit = self.rng.random(f.n)
        u_abandon = self.rng.random(f.n)
        rows = kernels.exits(
            f.view("alive"),
            f.view("status"),
            f.view("profit"),
            u_exit,
            u_abandon,
            p.exit_rate,
            p.loss_exit_probability,
            p.project_abandon_rate,
            PRODUCING,
            PROJECT,
        )
        self._kill(rows)
        return rows

    def _kill(self, rows: np.ndarray) -> None:
        f = self.firms
        f.view("alive")[rows] = False
        self.firm_agents.leave(rows)

    def _enter(self, year: int) -> None:
        """Domestic and foreign entry with logit location choice (D3)."""
        p, t = self.params, self.territory
        entry = _EntryBook(self)
        firms_k = np.diff(entry.bounds)  # producers by sector
        n_prod = int(entry.bounds[-1])
        n_dom = int(self.rng.poisson(p.entry_rate * n_prod))
        n_fdi = int(self.rng.poisson(p.fdi_entry_rate * n_prod))
        w_dom = (firms_k + 1.0) / (firms_k + 1.0).sum()
        exports_k = entry.exports_k
        w_fdi = w_dom + (exports_k / exports_k.sum() if exports_k.sum() > 0 else 0.0)
        w_fdi = w_fdi / w_fdi.sum()
        for foreign, n, weights in ((False, n_dom, w_dom), (True, n_fdi, w_fdi)):
            if n == 0:
                continue
            sectors = dyn.categorical_draws(self.rng, weights, n)
            counts = np.bincount(sectors, minlength=self.n_sectors)
            for k in np.flatnonzero(counts):
                self._place_entrants(entry, int(k), int(counts[k]), foreign, year, None)
        # Investors scouted by integrators come to their cluster's territory.
        for c in np.flatnonzero(self.scouted_investors):
            k = int(t.cluster_sector[c])
            self._place_entrants(entry, k, int(self.scouted_investors[c]), True, year, c)
        self.scouted_investors[:] = 0

    def _cluster_territory(self, c: int) -> tuple[set[int], list[int]]:
        """Regions and SEZs that make up cluster c's territory under the policy."""
        zones = self.government.cluster_sezs[c]
        regions = {int(self.territory.cluster_region[c])}
        regions |= {int(self.territory.sez_region[z]) for z in zones}
        return regions, zones

    def _place_entrants(
        self, entry: _EntryBook, k: int, n: int, foreign: bool, year: int, territory: int | None
    ) -> None:
        """Choose locations for n entrants of sector k and create them."""
        p, t, pol = self.params, self.territory, self.policy
        sigma, n_r = p.sigma, self.n_regions
        open_ = self.government.sez_open
        e = 1.0 if foreign else p.domestic_exporter_share
        growth = (1.0 + p.world_demand_growth) ** (year - self.spec.start_year)
        x_k = float(self.world_scale[k]) * growth if self.world_scale is not None else 0.0
        phi_w = p.world_trade_freeness
        # Locations: regions (outside SEZs), then zones.
        unit = self._unit_revenue[k]
        rev_out = unit * (self.access[k] + e * phi_w * x_k)
        after_tax = 1.0 / sigma * (1.0 - p.profit_tax_rate) - p.turnover_tax_rate
        v_out = rev_out * after_tax / self.price_level
        v_zone = np.full(self.n_sezs, -np.inf)
        rev_zone = np.zeros(self.n_sezs)
        registered = entry.registered
        merged_k = entry.merged_zones(k)
        for z in range(self.n_sezs):
            admits = t.sez_sectors[z, k] or z in merged_k
            if not (open_[z] and admits and registered[z] < t.sez_capacity[z]):
                continue
            if pol.sez_fdi_only and not foreign:
                continue
            r = t.sez_region[z]
            level = (
                1.0
                if (t.sez_sectors[z, k] or not pol.differentiated_benefits)
                else (p.non_priority_benefit_share)
            )
            tau_w = 1.0 + (self.tau_world - 1.0) * (1.0 - p.customs_relief * level)
            phi_wz = tau_w ** (1.0 - sigma) if np.isfinite(tau_w) else 0.0
            infra = (1.0 + t.sez_infrastructure[z] * level) ** (sigma - 1.0)
            rev = unit[r] * infra * (self.access[k, r] + e * phi_wz * x_k)
            tax = 1.0 / sigma * p.profit_tax_rate * (
                1 - p.profit_tax_relief * level
            ) + p.turnover_tax_rate * (1 - p.other_tax_relief * level)
            rev_zone[z] = rev
            v_zone[z] = rev * (1.0 / sigma - tax) / self.price_level[r]
        if territory is not None:
            regions, zones = self._cluster_territory(territory)
            mask_r = np.zeros(n_r, dtype=bool)
            mask_r[list(regions)] = True
            v_out = np.where(mask_r, v_out, 0.0)
            keep = np.zeros(self.n_sezs, dtype=bool)
            keep[zones] = True
            v_zone = np.where(keep, v_zone, -np.inf)
        values = np.concatenate([v_out, v_zone])
        log_v = np.where(values > 0, np.log(np.where(values > 0, values, 1.0)), -np.inf)
        choice = dyn.choose_locations(self.rng, log_v, p.location_choice_beta, n)
        if choice.size == 0:
            return
        zone = np.where(choice >= n_r, choice - n_r, -1)
        # Zones take entrants up to their land capacity; the rest stay outside.
        chosen = zone[zone >= 0]
        if chosen.size:
            room = np.maximum(t.sez_capacity - registered, 0)
            for z in np.flatnonzero(np.bincount(chosen, minlength=self.n_sezs) > room):
                zone[np.flatnonzero(zone == z)[int(room[z]) :]] = -1
        region = np.where(choice >= n_r, t.sez_region[np.maximum(choice - n_r, 0)], choice)
        log_q = self.rng.normal(0.0, p.productivity_dispersion, choice.size)
        log_q += p.foreign_productivity_premium * foreign
        exporter = (
            np.full(choice.size, True)
            if foreign
            else (self.rng.random(choice.size) < p.domestic_exporter_share)
        )
        cluster = self._cluster_of_entrants(k, region, zone, entry)
        knowledge = entry.mean_knowledge(k)
        # Expected turnover at the chosen location, scaled by own efficiency.
        rev_all = np.concatenate([rev_out, rev_zone])
        expected = rev_all[np.where(zone >= 0, zone + n_r, region)] * np.exp(log_q * (sigma - 1.0))
        planned = p.capital_output_ratio * np.maximum(expected, 0.0)
        in_zone = zone >= 0
        build = in_zone & (p.construction_years > 0)
        rows = self._add_firms(
            choice.size,
            status=np.where(build, PROJECT, PRODUCING),
            sector=k,
            region=region,
            sez=zone,
            cluster=cluster,
            foreign=foreign,
            exporter=exporter,
            log_q=log_q,
            knowledge=knowledge,
            planned_capital=planned,
            capital=np.where(build, 0.0, planned),
            investment=np.where(build, 0.0, planned),
            years_to_production=np.where(build, p.construction_years, 0),
            entry_year=year,
        )
        entry.added(rows, k, zone)

    def _cluster_of_entrants(
        self, k: int, region: np.ndarray, zone: np.ndarray, entry: _EntryBook
    ) -> np.ndarray:
        """Entrants of a cluster's sector in its territory join it (if channels are on)."""
        if not self.policy.cluster_channels:
            return np.full(region.size, -1, dtype=np.int64)
        return entry.cluster_table(k)[region, zone]

    def _territory_masks(self, k: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(cluster, region mask, zone mask) of sector k's clusters; zone -1 is the last."""
        out = []
        for c in np.flatnonzero(self.territory.cluster_sector == k):
            regions, zones = self._cluster_territory(int(c))
            in_region = np.zeros(self.n_regions, dtype=bool)
            in_region[list(regions)] = True
            in_zone = np.zeros(self.n_sezs + 1, dtype=bool)  # last entry: outside SEZs (-1)
            in_zone[zones] = True
            out.append((int(c), in_region, in_zone))
        return out

    def _advance_projects(self) -> None:
        """SEZ projects count down their construction years and start producing."""
        f = self.firms
        project = f.view("alive") & (f.view("status") == PROJECT)
        years = f.view("years_to_production")
        years[project] -= 1
        done = project & (years <= 0)
        f.view("status")[done] = PRODUCING

    def _update_labour_markets(self) -> None:
        """Labour forces grow; wages respond to the manufacturing employment rate."""
        p = self.params
        self.labour_force *= 1.0 + p.population_growth
        rate = self.emp_kr.sum(axis=0) / self.labour_force
        self.wages = p.wage * (1.0 + p.wage_elasticity * rate)

    # ------------------------------------------------------------------ queries
    def cluster_members(self, c: int) -> np.ndarray:
        """Rows of the live, producing members of cluster c (increasing)."""
        if self._members_now is not None:
            return self._members_now[c]
        f = self.firms
        return np.flatnonzero(
            f.view("alive") & (f.view("cluster") == c) & (f.view("status") == PRODUCING)
        )

    def _members_by_cluster(self) -> list[np.ndarray]:
        """cluster_members(c) for every cluster from one pass over the table."""
        f = self.firms
        cl = f.view("cluster")
        rows, bounds = kernels.group_rows(
            cl, f.view("alive") & (cl >= 0) & (f.view("status") == PRODUCING), self.n_clusters
        )
        return [rows[a:b] for a, b in pairwise(bounds)]

    def cluster_member_count(self, c: int) -> int:
        """Number of live, producing members of cluster c."""
        return int(self.cluster_members(c).size)


class _EntryBook:
    """What entry needs of the firm table, kept up to date as entrants are added.

    Each call of ``_place_entrants`` used to scan the whole table (SEZ registrations,
    knowledge of the sector's producers): O(firms) per sector and year. The book scans
    once per year and adds the entrants' rows, giving the same numbers in the same order.
    """

    def __init__(self, model: SEZClusterModel) -> None:
        f = model.firms
        self.firms = f
        rows, self.bounds, self.exports_k, registered = kernels.entry_census(
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
        self._producers: dict[int, np.ndarray] = {}
        self._model = model
        # Cluster territories depend only on which zones each cluster is merged with, so
        # the tables below are kept on the model until that assignment changes.
        key = tuple(map(tuple, model.government.cluster_sezs))
        if model._entry_tables[0] != key:
            model._entry_tables = (key, {}, {})
        self._territories: dict[int, np.ndarray] = model._entry_tables[1]
        self._merged: dict[int, set[int]] = model._entry_tables[2]

    def producers(self, k: int) -> np.ndarray:
        """Rows of the producing firms of sector k, in row order."""
        if k not in self._producers:
            f, n0 = self.firms, self._n0
            new_rows = n0 + np.flatnonzero(
                f.view("alive")[n0:]
                & (f.view("status")[n0:] == PRODUCING)
                & (f.view("sector")[n0:] == k)
            )
            self._producers[k] = np.concatenate([self._sector_rows[k], new_rows])
        return self._producers[k]

    def merged_zones(self, k: int) -> set[int]:
        """Zones merged with a cluster of sector k (they admit its entrants)."""
        if k not in self._merged:
            m = self._model
            self._merged[k] = {
                z
                for c, zones in enumerate(m.government.cluster_sezs)
                if m.territory.cluster_sector[c] == k
                for z in zones
            }
        return self._merged[k]

    def cluster_table(self, k: int) -> np.ndarray:
        """(R, Z+1) cluster an entrant of sector k joins at (region, zone), -1 for none.

        Zone -1 (outside SEZs) is the last column. The first of sector k's clusters
        whose territory holds the region or the zone, built once per cluster-zone
        assignment.
        """
        if k not in self._territories:
            m = self._model
            table = np.full((m.n_regions, m.n_sezs + 1), -1, dtype=np.int64)
            for c, in_region, in_zone in reversed(m._territory_masks(k)):
                table[in_region[:, None] | in_zone[None, :]] = c
            self._territories[k] = table
        return self._territories[k]

    def mean_knowledge(self, k: int) -> float:
        """Mean knowledge of sector k's producers (0 if none): entrants start there."""
        rows = self.producers(k)
        if not rows.size:
            return 0.0
        # = knowledge[rows].mean(): numpy's mean is this pairwise sum over the count.
        return float(np.add.reduce(self.firms.view("knowledge")[rows]) / rows.size)

    def added(self, rows: np.ndarray, k: int, zone: np.ndarray) -> None:
        """Book entrants of sector k just appended at ``rows`` (zone -1: outside SEZs)."""
        f = self.firms
        if self.registered.size:
            self.registered += np.bincount(
                np.maximum(zone, 0), weights=zone >= 0, minlength=self.registered.size
            )
        producing = rows[f.view("status")[rows] == PRODUCING]
        if k in self._producers:
            self._producers[k] = np.concatenate([self._producers[k], producing])


def scenario_from_file(path: str | Path) -> Scenario:
    """Load and validate a scenario file (convenience for callers holding a path)."""
    return validate_scenario(read_yaml(path), file=str(path))
