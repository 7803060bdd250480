"""SEZClusterModel: the Mesa model. ``step()`` is one calendar year, read top to bottom.

The model holds the state (the firm table, the territory, the agents) and the schedule
(docs/ODD.md, section 3): each stage is one line of :meth:`SEZClusterModel.step`, a call
into its submodel's module in :mod:`sim.processes`, whose equations are in
:mod:`sim.economy`, cited by label.
"""

from __future__ import annotations

import ctypes
import gc
import os
import platform
import sys
from contextlib import contextmanager
from functools import cache, partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.agent import AgentSet
from mesa.discrete_space import Network

from sim.agents.firm import PRODUCING, FirmAgents, FirmTable
from sim.agents.government import Government
from sim.agents.integrator import Integrator
from sim.agents.research_institute import ResearchInstitute
from sim.economy import market
from sim.indicators import INDICATORS, IndicatorRecorder
from sim.parameters import ModelParameters
from sim.policy import POLICIES, STATUS_QUO, Policy, get_policy
from sim.processes import (
    clusters,
    entry,
    exit,
    incumbents,
    initialisation,
    innovation,
    institutes,
    investment,
    labour,
    markets,
    privileges,
    registration,
    relocation,
    zones,
)
from sim.scenario import Scenario, apply_overrides, load_scenario, read_yaml, validate_scenario
from sim.territory import build_territory

__all__ = ["DEFAULT_SCENARIO", "SEZClusterModel"]

#: The start-up solve of world-demand scale and agglomeration: at most this many rounds,
#: until employment by sector and region changes by less than this relative tolerance.
_BASELINE_ITERATIONS, _BASELINE_TOLERANCE = 100, 1e-12

#: The scenario used when none is given (the repository's Kazakhstan case).
DEFAULT_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "kazakhstan.yaml"


def _national(model: SEZClusterModel, name: str) -> float:
    """Last recorded national value of an indicator (a DataCollector reporter)."""
    return model.recorder.last_national(name)


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
        #: the policy under study, in force from ``policy_start_year`` on
        self.target_policy = get_policy(policy)
        #: the policy in force: the status quo until the policy year
        self.policy = POLICIES[STATUS_QUO]
        #: channels merging acts through while it is in force (docs/ODD.md, 7.5)
        self.channels: frozenset[str] = frozenset()
        self.params: ModelParameters = self.spec.parameters
        start = self.params.policy_start_year
        self.policy_start_year = self.spec.start_year if start is None else start
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
        self.labour_force, self.immobile_income = labour.initial_labour(t, p)
        self.wages = np.full(self.n_regions, p.wage)
        self.world_scale = np.zeros(self.n_sectors)  # fixed at start-up (M6)
        #: (K,) export supply index the scale is measured against, fixed at start-up (M6a)
        self.export_reference = np.zeros(self.n_sectors)
        #: Kazakh exporters of a sector share the world's demand for its varieties (M6a)
        self.export_nest = p.export_armington_elasticity is not None
        #: (K,) this year's world demand for a variety per unit of p^(1-sigma) phi^w (M6)
        self.export_demand = np.zeros(self.n_sectors)

        self.firms = FirmTable(capacity=4096)
        self.firm_agents = FirmAgents(self)
        #: entry's cluster tables: (cluster-zone assignment, territories, merged zones)
        self.entry_tables: tuple[tuple, dict, dict] = ((), {}, {})
        self.government = Government(self)
        self.cluster_region_now = t.cluster_region.copy()  # where cluster actors sit
        #: the cluster actors sit with the cluster zone (members there get the bonus)
        self.colocated = False
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
        self.institute_access = innovation.institute_access(self)
        #: (N,) partners' direct access to their institutes' output (I4), or None
        self.partner_access: np.ndarray | None = None
        #: rows of this year's spin-offs (I5)
        self.spinoff_rows = np.zeros(0, dtype=np.int64)
        #: (C,) this year's government funding of each cluster's integrator (G2)
        self.integrator_budget = np.zeros(self.n_clusters)
        self.scouted_investors = np.zeros(self.n_clusters, dtype=np.int64)
        #: zone each cluster's integrator anchors its scouted investors in (-1: none)
        self.anchor_zone = np.full(self.n_clusters, -1, dtype=np.int64)
        #: while integrators act: producers by sector (I4) and land left per zone
        self.producers_now: list[np.ndarray] | None = None
        self.zone_room = np.zeros(self.n_sezs)
        #: last year's foreign entrants and their base expectation (D3b); None: first year
        self.fdi_last: tuple[int, float] | None = None
        #: this year's expected numbers of entrants, {"domestic": ..., "foreign": ...} (D3a, D3b)
        self.entry_means: dict[str, float] = {}
        #: (N,) exports each firm would sell as an exporter this year (X1; export_decision)
        self.export_potential = np.zeros(0)
        #: this year's (starts, stops) of exporting (X2) and (joins, leaves) of clusters (J2)
        self.export_changes = self.membership_changes = (0, 0)
        #: members of every cluster while the cluster actors act (clusters stage)
        self.members_now: list[np.ndarray] | None = None
        self.emp_kr = np.zeros((self.n_sectors, self.n_regions))
        #: input-output linkages (M8, M9): share of variable cost on related inputs
        self.input_shares = market.input_cost_shares(
            t.labour_share, p.intermediate_share, t.relatedness, p.sigma
        )
        self.input_linkages = bool(self.input_shares.any())
        #: last year's input price term H (M8) and turnover by sector and region (M9)
        self.input_term: np.ndarray | None = None
        self.turnover_kr = np.zeros((self.n_sectors, self.n_regions))
        #: (K,) reference input price term, fixed by the start-up solve (M8)
        self.input_reference: np.ndarray | None = None
        #: (K, R) this year's unit-cost factor of inputs (M8); None without linkages
        self.input_cost: np.ndarray | None = None
        #: (K, R) this year's access to buyers' input demand (M9); None without linkages
        self.input_access: np.ndarray | None = None
        #: each sector's size classes (low, high, share) or None, and the mean group size
        #: that own efficiency is measured against (set by the initialisation, ODD 5)
        self.size_classes: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = []
        self.mean_size = 1.0

        initialisation.create_initial_firms(self)
        self._solve_baseline()

        self.recorder = IndicatorRecorder(self)
        self.datacollector = mesa.DataCollector(
            model_reporters={"year": "last_year"}
            | {name: partial(_national, name=name) for name in INDICATORS.main}
        )
        self.last_year = self.year

    def _solve_baseline(self) -> None:
        """The start-up economy, the same for every policy (ODD section 5).

        Under the status quo, the world-demand scale of each sector (M6) and the
        employment that sets the initial agglomeration (P1, P2) are solved together:
        the scale makes exports equal the scenario's world demand at the agglomeration
        that the economy's own employment gives, iterated to a fixed point. Firms start
        with their desired capital. Nothing here depends on the policy under study.
        """
        p = self.params
        self.government.open_and_close_zones(self.year)
        privileges.grant_privileges(self)
        f = self.firms
        for _ in range(_BASELINE_ITERATIONS):
            before, cost_before = self.emp_kr, self.input_cost
            firm_prices = markets.prices(self)  # the same for both: computed once
            self.world_scale, self.export_reference = markets.world_demand_scale(self, firm_prices)
            markets.produce_and_trade(self, self.year, firm_prices)
            markets.fix_input_reference(self)  # M8: the start-up economy's input prices
            settled = cost_before is None or np.allclose(
                self.input_cost, cost_before, rtol=_BASELINE_TOLERANCE, atol=0.0
            )
            if settled and np.allclose(self.emp_kr, before, rtol=_BASELINE_TOLERANCE, atol=0.0):
                break
        f.view("capital")[:] = p.capital_output_ratio * f.view("turnover")
        markets.produce_and_trade(self, self.year)

    # ------------------------------------------------------------------ the year
    def step(self) -> None:
        """Simulate one calendar year: the stages in the order of ODD section 3."""
        with _gc_paused():
            year = self.year
            if year >= self.policy_start_year and self.policy is not self.target_policy:
                self.government.adopt_policy(self.target_policy)
            self.firms.compact_when_sparse()
            self.government.review_zones(year)
            zones.open_and_close_zones(self, year)
            privileges.grant_privileges(self)
            markets.produce_and_trade(self, year)
            self.government.collect_taxes(year)
            self.government.spend_budget(year)
            clusters.cluster_actors_act(self)
            institutes.collaborate_and_grow(self)
            innovation.innovate(self)
            investment.invest(self)
            relocation.relocate(self)
            registration.register_members(self)
            self.export_changes = incumbents.decide_exports(self)
            self.membership_changes = incumbents.decide_membership(self)
            exited = exit.exit_firms(self)
            entry.enter(self, year)
            institutes.spin_off(self, year)
            investment.advance_projects(self)
            self.recorder.record(year, exited)
            labour.update_labour_markets(self)
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

    # ------------------------------------------------------------------ state
    def add_firms(self, count: int, **cols: Any) -> np.ndarray:
        """Append ``count`` firms to the table (with their Mesa ids); return their rows."""
        f = self.firms
        ids, agents = self.firm_agents.enter(count)
        rows = f.append(count, unique_id=ids, **cols)
        if agents is not None:
            f.attach(rows, agents)
        return rows

    def remove_firms(self, rows: np.ndarray) -> None:
        """Firms at ``rows`` leave: dead in the table, deregistered from Mesa."""
        self.firms.view("alive")[rows] = False
        self.firm_agents.leave(rows)

    def cluster_members(self, c: int) -> np.ndarray:
        """Rows of the live, producing members of cluster c (increasing)."""
        if self.members_now is not None:
            return self.members_now[c]
        f = self.firms
        return np.flatnonzero(
            f.view("alive") & (f.view("cluster") == c) & (f.view("status") == PRODUCING)
        )

    def refresh_institute_access(self) -> None:
        """Recompute institute access (P5) after institutes moved or changed capacity."""
        self.institute_access = innovation.institute_access(self)

    def cluster_member_count(self, c: int) -> int:
        """Number of live, producing members of cluster c."""
        return int(self.cluster_members(c).size)

    # ------------------------------------------------------------------ setup
    def _freeness(self) -> np.ndarray:
        p, t = self.params, self.territory
        if p.trade_freeness is not None:
            phi = np.full((self.n_regions, self.n_regions), p.trade_freeness)
            np.fill_diagonal(phi, 1.0)
            return phi
        return market.freeness_matrix(t.road_km, p.trade_cost_per_1000km, p.sigma)


def scenario_from_file(path: str | Path) -> Scenario:
    """Load and validate a scenario file (convenience for callers holding a path)."""
    return validate_scenario(read_yaml(path), file=str(path))
