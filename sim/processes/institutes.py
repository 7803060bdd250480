"""Research institutes collaborate, grow and spin off (ODD section 3, stages 7b, 12b; I1-I5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import PRODUCING
from sim.economy import firm_dynamics as dyn
from sim.economy import institutes as research
from sim.processes.initialisation import draw_own_efficiency

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["collaborate_and_grow", "spin_off"]


def collaborate_and_grow(model: SEZClusterModel) -> None:
    """Institutes choose partners (I2), are funded (I3) and grow or shrink (I1).

    The producers are grouped by sector once (O(firms)); each institute then ranks only
    its field's (O(candidates)). When capacities move, institute access (P5) is
    recomputed from them; partners' direct access (I4) is left on the model as
    ``partner_access`` for innovation (None when no partner gets a boost). With every
    switch at 0 the stage changes nothing the year reads and draws nothing.
    """
    p, f = model.params, model.firms
    model.partner_access = None
    institutes = list(model.institutes)
    if not institutes:
        return
    decay = np.exp(-model.territory.road_km / p.spillover_decay_km)
    choose = p.institute_partners_per_capacity > 0
    if choose:
        producing = f.view("alive") & (f.view("status") == PRODUCING)
        rows, bounds = dyn.group_rows(f.view("sector"), producing, model.n_sectors)
        knowledge, employment = f.view("knowledge"), f.view("employment")
        region = f.view("region")
    for a in institutes:
        if choose:
            cand = rows[bounds[a.field] : bounds[a.field + 1]]
            a.choose_partners(
                cand,
                knowledge[cand],
                employment[cand],
                decay[a.region, region[cand]],
                p.institute_partners_per_capacity,
            )
        else:
            a.partners = np.zeros(0, dtype=np.int64)
        a.fund_and_grow(f.view("turnover"), p)
    if p.institute_adjustment_rate > 0:
        model.refresh_institute_access()
    if p.institute_partner_boost > 0 and any(a.partners.size for a in institutes):
        partners = np.concatenate([a.partners for a in institutes])
        weight = np.concatenate(
            [a.knowledge_output * decay[a.region, f.view("region")[a.partners]] for a in institutes]
        )
        model.partner_access = p.institute_partner_boost * research.partner_access(
            f.n, partners, weight
        )


def spin_off(model: SEZClusterModel, year: int) -> None:
    """Each institute spins off Poisson(``spinoff_rate`` x output) firms (I5).

    Spin-offs are domestic producers of the institute's field in its region, outside the
    zones; they join its cluster when cluster channels are on and the cluster is of that
    field. They start with the mean knowledge of the institute's partners (of its
    field's producers if it has none) and with the capital an entrant of their
    efficiency plans there (D3's expected revenue). Rows created this year are left in
    ``model.spinoff_rows``. Draws nothing when the rate is 0.
    """
    p, f, t = model.params, model.firms, model.territory
    model.spinoff_rows = np.zeros(0, dtype=np.int64)
    institutes = list(model.institutes)
    if p.spinoff_rate <= 0 or not institutes:
        return
    output = np.array([a.knowledge_output for a in institutes])
    counts = model.rng.poisson(p.spinoff_rate * output)
    new_rows = []
    for a, n in zip(institutes, counts, strict=True):
        n = int(n)
        if n == 0:
            continue
        k, r = a.field, a.region
        log_q = draw_own_efficiency(model, k, n)
        exporter = model.rng.random(n) < p.domestic_exporter_share
        alive_partners = a.partners[f.view("alive")[a.partners]] if a.partners.size else a.partners
        if alive_partners.size:
            knowledge = float(f.view("knowledge")[alive_partners].mean())
        else:
            same = f.view("alive") & (f.view("sector") == k)
            knowledge = float(f.view("knowledge")[same].mean()) if same.any() else 0.0
        unit_revenue = dyn.entrant_revenue(
            model.unit_revenue[k][r],
            model.access[k, r],
            p.domestic_exporter_share,
            p.world_trade_freeness,
            float(model.export_demand[k]),  # M6, M6a: this year's world demand
        )
        planned = p.capital_output_ratio * max(unit_revenue, 0.0) * np.exp(log_q * (p.sigma - 1.0))
        member = model.policy.cluster_channels and t.cluster_sector[a.cluster] == k
        rows = model.add_firms(
            n,
            status=PRODUCING,
            sector=k,
            region=r,
            sez=-1,
            via_merge=False,
            cluster=a.cluster if member else -1,
            foreign=False,
            exporter=exporter,
            log_q=log_q,
            knowledge=knowledge,
            planned_capital=planned,
            capital=planned,
            investment=planned,
            years_to_production=0,
            entry_year=year,
        )
        a.spinoffs += n
        new_rows.append(rows)
    if new_rows:
        model.spinoff_rows = np.concatenate(new_rows)
