"""Observation: every indicator with its name, unit and formula (docs/ODD.md, section 7).

Indicators are recorded once a year at four scopes: ``national``, ``region``, ``sez``
and ``cluster``. The recorder keeps one numpy block per year and builds the tidy pandas
table (year, scope, name, one column per indicator) only when asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numba import njit

from sim.agents.firm import PRODUCING

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = [
    "INDICATORS",
    "SCOPE_COUNTS",
    "SCOPE_SUMS",
    "Indicator",
    "IndicatorRecorder",
    "herfindahl",
    "scope_totals",
    "theil",
]


@dataclass(frozen=True)
class Indicator:
    """One indicator: its column name, unit, area (papers' four areas) and formula."""

    name: str
    unit: str
    area: str
    formula: str


class _Registry(tuple):
    @property
    def names(self) -> list[str]:
        return [i.name for i in self]

    @property
    def main(self) -> list[str]:
        """The indicators printed by ``sezsim run`` and collected by the DataCollector."""
        return [
            "firms",
            "sez_registered",
            "sez_active",
            "turnover",
            "investment",
            "fdi_inflow",
            "exports",
            "employment",
            "taxes",
            "privilege_cost",
            "innovations",
        ]

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return next(i for i in self if i.name == key)
        return super().__getitem__(key)


C = "million currency units"  # KZT or RUB as the scenario's `currency` says
INDICATORS = _Registry(
    (
        Indicator("firms", "count", "participants", "live firms (producing or under construction)"),
        Indicator("firms_producing", "count", "participants", "live producing firms"),
        Indicator("foreign_firms", "count", "investment", "live foreign-owned firms"),
        Indicator(
            "sez_registered",
            "count",
            "participants",
            "live firms registered in an open SEZ (projects + producing)",
        ),
        Indicator("sez_active", "count", "participants", "producing firms in an open SEZ"),
        Indicator("cluster_members", "count", "participants", "live producing cluster members"),
        Indicator("entrants", "count", "participants", "firms created this year"),
        Indicator("exits", "count", "participants", "firms that left this year"),
        Indicator("turnover", f"{C}/yr", "industry", "sum of firms' sales (output)"),
        Indicator(
            "value_added",
            f"{C}/yr",
            "industry",
            "sum of wage bill + operating profit = turnover*(1/sigma + labour_share)",
        ),
        Indicator("investment", f"{C}/yr", "industry", "gross investment in fixed capital"),
        Indicator("capital", C, "industry", "fixed capital stock"),
        Indicator("fdi_inflow", f"{C}/yr", "investment", "investment by foreign-owned firms"),
        Indicator("fdi_stock", C, "investment", "fixed capital of foreign-owned firms"),
        Indicator("exports", f"{C}/yr", "industry", "sales to the world market"),
        Indicator("employment", "persons", "labour", "sum of firms' employees"),
        Indicator("wage_bill", f"{C}/yr", "labour", "sum of wages paid"),
        Indicator("avg_wage", f"{C}/person/yr", "labour", "wage_bill / employment"),
        Indicator("taxes", f"{C}/yr", "finance", "taxes paid (profit, turnover, payroll)"),
        Indicator(
            "privilege_cost",
            f"{C}/yr",
            "finance",
            "taxes forgone through SEZ privileges (budget cost)",
        ),
        Indicator(
            "infrastructure_spending",
            f"{C}/yr",
            "finance",
            "budget spending on the infrastructure of zones opening this year "
            "(infrastructure_cost_per_ha x area)",
        ),
        Indicator(
            "research_grants",
            f"{C}/yr",
            "finance",
            "government grants to research institutes by the rules file (G1, G2); region "
            "and cluster: their institutes'",
        ),
        Indicator(
            "integrator_funding",
            f"{C}/yr",
            "finance",
            "government funding of cluster integrators by the rules file (G1, G2)",
        ),
        Indicator(
            "budget_balance",
            f"{C}/yr",
            "finance",
            "taxes - privilege cost - infrastructure - grants - integrator funding (G4; "
            "national only)",
        ),
        Indicator(
            "zones_closed_by_review",
            "count/yr",
            "participants",
            "zones closed this year because they missed their targets at a review (G3)",
        ),
        Indicator(
            "zones_shrunk_by_review",
            "count/yr",
            "participants",
            "zones whose land was cut this year because they missed their targets (G3)",
        ),
        Indicator(
            "exporters",
            "count",
            "trade",
            "live producing firms that export (status for this year's sales)",
        ),
        Indicator(
            "export_starts",
            "count/yr",
            "trade",
            "domestic producers that decided to start exporting (X2; national only)",
        ),
        Indicator(
            "export_stops",
            "count/yr",
            "trade",
            "exporters that decided to stop exporting (X2; national only)",
        ),
        Indicator(
            "cluster_joins",
            "count/yr",
            "participants",
            "producers that decided to join a cluster (J2; national only)",
        ),
        Indicator(
            "cluster_leaves",
            "count/yr",
            "participants",
            "members that decided to leave their cluster (J2; national only)",
        ),
        Indicator("innovations", "count/yr", "innovation", "firms that innovated this year"),
        Indicator(
            "productivity",
            "index",
            "innovation",
            "employment-weighted mean productivity z of producing firms",
        ),
        Indicator("links", "count", "innovation", "value-chain links between live firms"),
        Indicator(
            "institute_capacity",
            "hundreds of researchers",
            "innovation",
            "sum of research institutes' capacity (I1) after this year's funding",
        ),
        Indicator(
            "institute_partners",
            "count",
            "innovation",
            "collaboration partnerships of research institutes this year (I2)",
        ),
        Indicator("spinoffs", "count/yr", "innovation", "firms spun off by institutes (I5)"),
        Indicator(
            "location_quotient",
            "1",
            "concentration",
            "cluster scope: (E_kr/E_r)/(E_k/E); national: max over sector-regions",
        ),
        Indicator(
            "herfindahl", "1", "concentration", "sum over regions of squared shares of turnover"
        ),
        Indicator(
            "theil",
            "1",
            "inequality",
            "Theil index of turnover per person across regions (national only)",
        ),
        Indicator(
            "industry_share_a",
            "1",
            "concentration",
            "share of producing firms located in the first region (NEG validation)",
        ),
    )
)


def herfindahl(values: np.ndarray) -> float:
    """Sum of squared shares (0 for an empty total)."""
    total = values.sum()
    return float(((values / total) ** 2).sum()) if total > 0 else 0.0


def theil(values: np.ndarray, population: np.ndarray) -> float:
    """Theil T index of values per person across units weighted by population."""
    total, pop = values.sum(), population.sum()
    if total <= 0:
        return 0.0
    share_v, share_p = values / total, population / pop
    ok = share_v > 0
    return float((share_v[ok] * np.log(share_v[ok] / share_p[ok])).sum())


_LARGEST = np.finfo(float).max

#: Columns of :func:`scope_totals`: the sums, then the counts.
SCOPE_SUMS = (
    "value_added",
    "capital",
    "fdi_inflow",
    "fdi_stock",
    "_z_emp",  # productivity x employment, for the employment-weighted mean
    "turnover",
    "investment",
    "exports",
    "employment",
    "wage_bill",
    "taxes",
    "privilege_cost",
)
SCOPE_COUNTS = (
    "firms",
    "firms_producing",
    "foreign_firms",
    "sez_registered",
    "sez_active",
    "cluster_members",
    "entrants",
    "exits",
    "innovations",
)

_N_SUMS, _N_COUNTS = len(SCOPE_SUMS), len(SCOPE_COUNTS)  # compile-time constants for Numba


@njit(cache=True)
def _add_sums(
    sums: np.ndarray,
    row: int,
    value_added: float,
    capital: float,
    fdi_inflow: float,
    fdi_stock: float,
    z_emp: float,
    turnover: float,
    investment: float,
    exports: float,
    employment: float,
    wage_bill: float,
    taxes: float,
    privilege_cost: float,
) -> None:
    """Add one firm's values to row ``row`` of ``sums`` (columns :data:`SCOPE_SUMS`).

    Written out one statement per column, with the values as scalars, so that the
    compiler adds them as a vector (the same additions, in the same order per column).
    """
    sums[row, 0] += value_added
    sums[row, 1] += capital
    sums[row, 2] += fdi_inflow
    sums[row, 3] += fdi_stock
    sums[row, 4] += z_emp
    sums[row, 5] += turnover
    sums[row, 6] += investment
    sums[row, 7] += exports
    sums[row, 8] += employment
    sums[row, 9] += wage_bill
    sums[row, 10] += taxes
    sums[row, 11] += privilege_cost


@njit(cache=True)
def scope_totals(  # noqa: D417 (the firm-table columns are described together)
    alive: np.ndarray,
    status: np.ndarray,
    foreign: np.ndarray,
    sez: np.ndarray,
    cluster: np.ndarray,
    region: np.ndarray,
    sector: np.ndarray,
    entry_year: np.ndarray,
    innovated: np.ndarray,
    left: np.ndarray,
    sez_open: np.ndarray,
    value_added_factor: np.ndarray,
    turnover: np.ndarray,
    investment: np.ndarray,
    exports: np.ndarray,
    employment: np.ndarray,
    wage_bill: np.ndarray,
    taxes: np.ndarray,
    privilege_cost: np.ndarray,
    capital: np.ndarray,
    productivity: np.ndarray,
    year: int,
    producing_code: int,
    n_regions: int,
    n_clusters: int,
) -> np.ndarray:
    """Sums and counts of the firm table for every scope, in one pass in row order.

    A firm adds into the national row, its region's row, its SEZ's row (registered
    firms, whether or not the zone is open) and its cluster's row. Value added is
    ``Y_i (1 / sigma + lambda_k)`` (operating profit plus wages); SEZ counts
    (``sez_registered``, ``sez_active``) take open zones only.

    Args:
        alive ... productivity: firm-table columns; ``left`` marks the rows that left
            this year; ``value_added_factor`` is (K,).
        sez_open: (Z,) bool.
        year: this year (entrants have ``entry_year == year``).
        producing_code: the status of producing firms.
        n_regions, n_clusters: scope layout.

    Returns:
        ``(1 + R + Z + C, len(SCOPE_SUMS) + len(SCOPE_COUNTS))``: rows national, regions,
        SEZs, clusters; columns :data:`SCOPE_SUMS` then :data:`SCOPE_COUNTS`.
    """
    n_sezs = sez_open.size
    first_sez = 1 + n_regions
    first_cluster = first_sez + n_sezs
    n_scopes = first_cluster + n_clusters
    sums = np.zeros((n_scopes, _N_SUMS))
    # Counts are kept as integers (exact, as the sums of 1.0 they stand for).
    counts = np.zeros((n_scopes, _N_COUNTS), dtype=np.int64)
    for i in range(alive.size):
        a, f = alive[i], foreign[i]
        producing = a and status[i] == producing_code
        in_open_zone = sez[i] >= 0 and sez_open[sez[i]]
        value_added = turnover[i] * value_added_factor[sector[i]]
        own_capital = capital[i] if a else 0.0
        fdi_inflow = investment[i] if f else 0.0
        fdi_stock = capital[i] if (a and f) else 0.0
        z_emp = productivity[i] * employment[i]
        firm = np.int64(a)
        firm_producing = np.int64(producing)
        firm_foreign = np.int64(a and f)
        registered = np.int64(a and in_open_zone)
        active = np.int64(producing and in_open_zone)
        member = np.int64(producing and cluster[i] >= 0)
        entrant = np.int64(a and entry_year[i] == year)
        exit_ = np.int64(left[i])
        innovation = np.int64(innovated[i])
        zone_row = first_sez + sez[i] if sez[i] >= 0 else -1
        cluster_row = first_cluster + cluster[i] if cluster[i] >= 0 else -1
        for row in (0, 1 + region[i], zone_row, cluster_row):
            if row < 0:
                continue
            _add_sums(
                sums, row, value_added, own_capital, fdi_inflow, fdi_stock, z_emp,
                turnover[i], investment[i], exports[i], employment[i], wage_bill[i],
                taxes[i], privilege_cost[i],
            )  # fmt: skip
            counts[row, 0] += firm
            counts[row, 1] += firm_producing
            counts[row, 2] += firm_foreign
            counts[row, 3] += registered
            counts[row, 4] += active
            counts[row, 5] += member
            counts[row, 6] += entrant
            counts[row, 7] += exit_
            counts[row, 8] += innovation
    out = np.empty((n_scopes, _N_SUMS + _N_COUNTS))
    out[:, :_N_SUMS] = sums
    out[:, _N_SUMS:] = counts
    return out


@njit(cache=True)
def count_by_scope(  # noqa: D417 (the columns and the layout are described together)
    mask: np.ndarray,
    region: np.ndarray,
    sez: np.ndarray,
    cluster: np.ndarray,
    n_regions: int,
    n_sezs: int,
    n_clusters: int,
) -> np.ndarray:
    """Rows of the firm table in ``mask``, counted in every scope, in one pass.

    A firm counts in the national row, its region's, its SEZ's (open or not) and its
    cluster's, the scope layout of :func:`scope_totals`.

    Args:
        mask: (N,) bool, the rows to count.
        region, sez, cluster: (N,) firm columns (-1: no zone, no cluster).
        n_regions, n_sezs, n_clusters: scope layout.

    Returns:
        (1 + R + Z + C,) counts.
    """
    first_sez = 1 + n_regions
    first_cluster = first_sez + n_sezs
    counts = np.zeros(first_cluster + n_clusters)
    for i in range(mask.size):
        if mask[i]:
            counts[0] += 1.0
            counts[1 + region[i]] += 1.0
            if sez[i] >= 0:
                counts[first_sez + sez[i]] += 1.0
            if cluster[i] >= 0:
                counts[first_cluster + cluster[i]] += 1.0
    return counts


#: Firm-table columns :func:`scope_totals` reads, in its argument order.
_KEYS = (
    "alive",
    "status",
    "foreign",
    "sez",
    "cluster",
    "region",
    "sector",
    "entry_year",
    "innovated",
)
_VALUES = (
    "turnover", "investment", "exports", "employment", "wage_bill", "taxes", "privilege_cost",
    "capital", "productivity",
)  # fmt: skip


class IndicatorRecorder:
    """Collects the indicators of every simulated year."""

    def __init__(self, model: SEZClusterModel) -> None:
        self.model = model
        spec = model.spec
        self.scopes = (
            [("national", "national")]
            + [("region", r.id) for r in spec.regions]
            + [("sez", z.id) for z in spec.sezs]
            + [("cluster", c.id) for c in spec.clusters]
        )
        self.years: list[int] = []
        self.blocks: list[np.ndarray] = []
        self._col = {name: i for i, name in enumerate(INDICATORS.names)}

    def last_national(self, name: str) -> float:
        """Most recent national value of an indicator (nan before the first year)."""
        if not self.blocks:
            return float("nan")
        return float(self.blocks[-1][0, self._col[name]])

    def record(self, year: int, exited: np.ndarray) -> None:
        """Aggregate this year's firm table into every scope."""
        m = self.model
        f, t, p = m.firms, m.territory, m.params
        n = f.n
        alive = f.view("alive")
        cl = f.view("cluster")
        left = np.zeros(n, bool)
        left[exited] = True
        # Every sum and count for every scope in one pass; each scope adds its firms in
        # row order, so a sum does not depend on how the table is stored (it equals a
        # bincount per scope). Scope rows: national, regions, SEZs, clusters.
        col = f.view
        totals = scope_totals(
            *(col(name) for name in _KEYS),
            left,
            m.government.sez_open,
            1.0 / p.sigma + t.labour_share,
            *(col(name) for name in _VALUES),
            year,
            PRODUCING,
            m.n_regions,
            m.n_clusters,
        )
        agg = {name: totals[:, j] for j, name in enumerate((*SCOPE_SUMS, *SCOPE_COUNTS))}
        n_scopes = len(self.scopes)
        block = np.full((n_scopes, len(INDICATORS)), np.nan)
        for name, values in agg.items():
            if name in self._col:
                block[:, self._col[name]] = values
        emp = agg["employment"]
        block[:, self._col["avg_wage"]] = np.divide(
            agg["wage_bill"], emp, out=np.zeros_like(emp), where=emp > 0
        )
        block[:, self._col["productivity"]] = np.divide(
            agg["_z_emp"], emp, out=np.zeros_like(emp), where=emp > 0
        )

        # Infrastructure of the zones opening this year (booked by the government).
        cost_per_ha = p.infrastructure_cost_per_ha
        opening = np.array([z.area_ha * (z.opens == year) for z in m.spec.sezs], dtype=float)
        start = 1 + m.n_regions
        spending = block[:, self._col["infrastructure_spending"]]
        spending[:] = 0.0
        spending[start : start + m.n_sezs] = cost_per_ha * opening
        spending[0] = cost_per_ha * opening.sum()
        if m.n_sezs:
            region_of = t.sez_region
            np.add.at(spending, 1 + region_of, cost_per_ha * opening)

        self._record_budget_and_institutes(block, year)
        self._record_decisions(block)

        # Links, concentration and inequality.
        ok = alive[f.link_src] & alive[f.link_dst] if f.link_src.size else np.zeros(0, bool)
        block[0, self._col["links"]] = float(ok.sum())
        if m.n_clusters:
            link_cluster = cl[f.link_src[ok]]
            same = link_cluster == cl[f.link_dst[ok]]
            counts = np.bincount(link_cluster[same & (link_cluster >= 0)], minlength=m.n_clusters)
            start = 1 + m.n_regions + m.n_sezs
            block[start : start + m.n_clusters, self._col["links"]] = counts
        emp_kr = m.emp_kr
        total = emp_kr.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            lq = (emp_kr / emp_kr.sum(axis=0, keepdims=True)) / (
                emp_kr.sum(axis=1, keepdims=True) / total
            )
        # np.nan_to_num(lq) without its Python overhead: NaN to 0, infinities to the largest.
        lq[np.isnan(lq)] = 0.0
        np.clip(lq, -_LARGEST, _LARGEST, out=lq)
        block[0, self._col["location_quotient"]] = float(lq.max()) if total > 0 else 0.0
        if m.n_clusters:
            start = 1 + m.n_regions + m.n_sezs
            block[start : start + m.n_clusters, self._col["location_quotient"]] = lq[
                t.cluster_sector, t.cluster_region
            ]
        turnover_r = agg["turnover"][1 : 1 + m.n_regions]
        block[0, self._col["herfindahl"]] = herfindahl(turnover_r)
        block[0, self._col["theil"]] = theil(turnover_r, m.labour_force)
        producing = agg["firms_producing"]  # exact counts: national, then region 0
        block[0, self._col["industry_share_a"]] = (
            float(producing[1] / producing[0]) if producing[0] else float("nan")
        )
        self.years.append(year)
        self.blocks.append(block)

    def _record_decisions(self, block: np.ndarray) -> None:
        """Exporters by scope; this year's export and membership decisions (X2, J2)."""
        m, col = self.model, self._col
        f = m.firms
        exporting = f.view("alive") & (f.view("status") == PRODUCING) & f.view("exporter")
        block[:, col["exporters"]] = count_by_scope(
            exporting, f.view("region"), f.view("sez"), f.view("cluster"),
            m.n_regions, m.n_sezs, m.n_clusters,
        )  # fmt: skip
        (starts, stops), (joins, leaves) = m.export_changes, m.membership_changes
        for name, value in (
            ("export_starts", starts),
            ("export_stops", stops),
            ("cluster_joins", joins),
            ("cluster_leaves", leaves),
        ):
            block[0, col[name]] = value

    def _record_budget_and_institutes(self, block: np.ndarray, year: int) -> None:
        """Budget lines, zone reviews, institutes and spin-offs by scope (G1-G4, I1-I5)."""
        m = self.model
        n_r, n_z = m.n_regions, m.n_sezs
        first_sez, first_cluster = 1 + n_r, 1 + n_r + n_z
        book = m.government.ledger[year]

        def by_scope(region: np.ndarray, sez: np.ndarray, cluster: np.ndarray, w) -> np.ndarray:
            # Each scope's sum in the order of the items (what np.add.at adds), by bincount.
            out = np.zeros(block.shape[0])
            w = np.broadcast_to(np.asarray(w, dtype=float), region.shape)
            out[0] = w.sum()
            out[1:first_sez] = np.bincount(region, weights=w, minlength=n_r)
            in_zone, member = sez >= 0, cluster >= 0
            out[first_sez:first_cluster] = np.bincount(sez[in_zone], w[in_zone], minlength=n_z)
            out[first_cluster:] = np.bincount(
                cluster[member], w[member], minlength=block.shape[0] - first_cluster
            )
            return out

        inst = list(m.institutes)
        i_region = np.array([a.region for a in inst], dtype=np.int64)
        i_cluster = np.array([a.cluster for a in inst], dtype=np.int64)
        none = np.full(len(inst), -1, dtype=np.int64)
        col = self._col
        block[:, col["research_grants"]] = by_scope(
            i_region, none, i_cluster, [a.grant for a in inst]
        )
        block[:, col["institute_capacity"]] = by_scope(
            i_region, none, i_cluster, [a.capacity for a in inst]
        )
        block[:, col["institute_partners"]] = by_scope(
            i_region, none, i_cluster, [a.partners.size for a in inst]
        )
        integ = list(m.integrators)
        g_cluster = np.array([a.cluster for a in integ], dtype=np.int64)
        block[:, col["integrator_funding"]] = by_scope(
            np.array([a.region for a in integ], dtype=np.int64),
            np.full(len(integ), -1, dtype=np.int64),
            g_cluster,
            m.integrator_budget[g_cluster],
        )
        block[0, col["budget_balance"]] = book["balance"]
        sez_ids = np.arange(n_z)
        for name, hit in (
            ("zones_closed_by_review", m.government.closed_by_review),
            ("zones_shrunk_by_review", m.government.shrunk_by_review),
        ):
            block[:, col[name]] = by_scope(
                m.territory.sez_region, sez_ids, np.full(n_z, -1, dtype=np.int64), hit
            )
        f, rows = m.firms, m.spinoff_rows
        block[:, col["spinoffs"]] = by_scope(
            f.view("region")[rows], f.view("sez")[rows], f.view("cluster")[rows], 1.0
        )

    def frame(self) -> pd.DataFrame:
        """The tidy indicator table (empty with the right columns before any step)."""
        cols = ["year", "scope", "name", *INDICATORS.names]
        if not self.blocks:
            return pd.DataFrame(columns=cols)
        data = np.vstack(self.blocks)
        n_scopes = len(self.scopes)
        frame = pd.DataFrame(data, columns=INDICATORS.names)
        frame.insert(0, "name", [s[1] for s in self.scopes] * len(self.years))
        frame.insert(0, "scope", [s[0] for s in self.scopes] * len(self.years))
        frame.insert(0, "year", np.repeat(np.array(self.years, dtype=np.int64), n_scopes))
        return frame
