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

from sim.agents.firm import PRODUCING
from sim.kernels import SCOPE_COUNTS, SCOPE_INPUTS, SCOPE_SUMS, scope_totals

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["INDICATORS", "Indicator", "IndicatorRecorder", "herfindahl", "theil"]


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
        Indicator("innovations", "count/yr", "innovation", "firms that innovated this year"),
        Indicator(
            "productivity",
            "index",
            "innovation",
            "employment-weighted mean productivity z of producing firms",
        ),
        Indicator("links", "count", "innovation", "value-chain links between live firms"),
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
        totals = scope_totals(
            {name: f.view(name) for name in SCOPE_INPUTS},
            left,
            m.government.sez_open,
            1.0 / p.sigma + t.labour_share,
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
        lq = np.nan_to_num(lq)
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
