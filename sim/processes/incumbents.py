"""Incumbents decide to export and to be cluster members (ODD section 3, stages 10c-10d).

**Exporting (X1, X2; ``export_decision``).** Each live domestic producer senses the
exports it would sell this year as an exporter (M6, at its productivity, its world
freeness with any customs relief, and this year's world demand) and its after-tax margin
(F1, with any tax relief), and compares the expected export profit with the fixed
export cost (stop below it) and, if it does not export, with the fixed cost plus the
annualised sunk cost (start above it). Foreign affiliates keep exporting: they are
export-platform investors (foreign entrants always export, D3). The status holds from
next year.

**Cluster membership (J1, J2; ``cluster_membership_decision``).** While cluster channels
are on, each live producer of a cluster's sector or of a sector related to it, in the
cluster's territory (its anchor region; under merge, through the innovation channel,
also its cluster zones and their regions: who entry lets join), senses the cluster's
expected log-productivity gain at its location (D3c: coordination, institute links,
the integrator's links) and the integrator's fee, and joins the cluster where the gain
net of the fee exceeds the membership cost (the largest, if several clusters would take
it); a member whose gain falls below the cost leaves. Membership holds from next year.

Neither decision draws a random number, and each returns at once when its switch is
off, so the run is then the one without it, bit for bit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import PRODUCING
from sim.economy import incumbents as inc
from sim.processes.entry import cluster_gains, cluster_territory

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["decide_exports", "decide_membership"]


def _margin(model: SEZClusterModel) -> np.ndarray:
    """(N,) after-tax operating margin of every firm, privileges included (X1)."""
    p = model.params
    return inc.after_tax_margin(
        p.sigma,
        p.profit_tax_rate,
        p.turnover_tax_rate,
        model.profit_relief,
        model.turnover_relief,
    )


def decide_exports(model: SEZClusterModel) -> tuple[int, int]:
    """Domestic producers start or stop exporting by expected profit (X1, X2).

    ``model.export_potential`` and the reliefs cover the firms present at stage 4; no
    firm is added before entry (stage 12), so they cover the whole table.

    Returns:
        ``(started, stopped)`` this year (0, 0 when ``export_decision`` is off).
    """
    p = model.params
    if not p.export_decision:
        return 0, 0
    f = model.firms
    decides = f.view("alive") & (f.view("status") == PRODUCING) & ~f.view("foreign")
    export_profit = _margin(model) * model.export_potential
    return inc.export_decisions(
        decides,
        export_profit,
        p.export_fixed_cost,
        p.export_sunk_cost,
        p.export_sunk_annuity,
        f.view("exporter"),
        f.view("profit"),
    )


def decide_membership(model: SEZClusterModel) -> tuple[int, int]:
    """Producers join the cluster whose benefit exceeds its cost; members leave (J1, J2).

    One numpy pass over the firms per cluster to find its candidates (the clusters are
    few), and the benefit of the candidates only: linear in firms.

    Returns:
        ``(joined, left)`` this year (0, 0 when off or without cluster channels).
    """
    p, t = model.params, model.territory
    if not (p.cluster_membership_decision and model.policy.cluster_channels and model.n_clusters):
        return 0, 0
    f = model.firms
    n = f.n
    sector, region, sez = f.view("sector"), f.view("region"), f.view("sez")
    cluster = f.view("cluster")
    decides = f.view("alive") & (f.view("status") == PRODUCING)
    gain = cluster_gains(model)  # (C, R) log gain of membership by location (D3c)
    turnover, margin = f.view("turnover"), _margin(model)
    member = cluster >= 0
    # Members: the gain of their own cluster where they are.
    member_gain = np.where(member, gain[np.maximum(cluster, 0), region], 0.0)
    member_benefit = inc.membership_benefit(
        turnover, margin, member_gain, np.ones(n, dtype=bool), p.sigma, p.integrator_fee_rate
    )
    # Non-members: the best cluster whose territory and sectors take them.
    best_cluster = np.full(n, -1, dtype=np.int64)
    best_benefit = np.full(n, -np.inf)
    outside = decides & ~member
    for c in range(model.n_clusters):
        k = int(t.cluster_sector[c])
        regions, zones = cluster_territory(model, c)
        sectors = t.relatedness[k] > 0
        sectors[k] = True
        where = np.zeros(model.n_regions, dtype=bool)
        where[list(regions)] = True
        in_zone = np.zeros(model.n_sezs + 1, dtype=bool)  # last entry: outside the zones
        in_zone[zones] = True
        rows = np.flatnonzero(outside & sectors[sector] & (where[region] | in_zone[sez]))
        benefit = inc.membership_benefit(
            turnover[rows], margin[rows], gain[c, region[rows]], np.zeros(rows.size, dtype=bool),
            p.sigma, p.integrator_fee_rate,
        )  # fmt: skip
        better = benefit > best_benefit[rows]
        best_cluster[rows[better]] = c
        best_benefit[rows[better]] = benefit[better]
    joins, leaves = inc.membership_decisions(
        cluster, decides, best_cluster, best_benefit, member_benefit, p.cluster_membership_cost
    )
    # Members pay the yearly cost of membership (who leaves has paid for this year).
    f.view("profit")[decides & member] -= p.cluster_membership_cost
    cluster[joins] = best_cluster[joins]
    cluster[leaves] = -1
    return int(joins.sum()), int(leaves.sum())
