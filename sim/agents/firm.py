"""Firms: the state of every firm in one struct of arrays, and a thin Mesa agent per firm.

The arithmetic of a year runs over whole columns of :class:`FirmTable` (numpy), so the
cost of a step grows linearly with the number of firms and no formula is evaluated one
Python call per firm. Each live firm is also a Mesa :class:`Firm` agent (registered with
the model, visible to ``model.agents_by_type[Firm]``, DataCollector and the UI) whose
attributes read its row of the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["PRODUCING", "PROJECT", "Firm", "FirmTable"]

#: Status codes: a registered SEZ project under construction, or a producing firm.
PROJECT, PRODUCING = 0, 1

# Column name -> dtype. State variables first, then the flows of the current year.
_COLUMNS: dict[str, type] = {
    "alive": bool,
    "status": np.int8,
    "sector": np.int64,
    "region": np.int64,
    "sez": np.int64,  # -1: outside every SEZ
    "cluster": np.int64,  # -1: not a cluster member
    "foreign": bool,
    "exporter": bool,
    "log_q": float,  # own efficiency, log points
    "knowledge": float,  # knowledge stock, log points of productivity
    "capital": float,  # fixed capital, million currency units
    "planned_capital": float,  # capital an SEZ project builds before it produces
    "years_to_production": np.int64,
    "entry_year": np.int64,
    # flows of the year
    "productivity": float,
    "turnover": float,
    "exports": float,
    "employment": float,
    "wage_bill": float,
    "profit": float,
    "taxes": float,
    "privilege_cost": float,
    "investment": float,
    "innovated": bool,
}


class FirmTable:
    """Struct of arrays holding every firm ever created in a run (dead rows compacted).

    Rows ``0 .. n-1`` are in use; ``alive`` marks the live ones. Value-chain links are
    two index arrays ``link_src`` / ``link_dst`` into the rows.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self._cap = max(16, capacity)
        for name, dtype in _COLUMNS.items():
            setattr(self, name, np.zeros(self._cap, dtype=dtype))
        self.sez[:] = -1
        self.cluster[:] = -1
        self.agents: list[Firm | None] = []
        self.link_src = np.empty(0, dtype=np.int64)
        self.link_dst = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return self.n

    def view(self, name: str) -> np.ndarray:
        """The used part of one column (a view, not a copy)."""
        return getattr(self, name)[: self.n]

    def append(self, count: int, **columns: np.ndarray | float | int | bool) -> np.ndarray:
        """Add ``count`` rows with the given column values; return their row indices."""
        need = self.n + count
        if need > self._cap:
            new_cap = max(need, 2 * self._cap)
            for name in _COLUMNS:
                old = getattr(self, name)
                grown = np.zeros(new_cap, dtype=old.dtype)
                grown[: self.n] = old[: self.n]
                setattr(self, name, grown)
            self._cap = new_cap
        rows = np.arange(self.n, need)
        for name in _COLUMNS:
            col = getattr(self, name)
            col[rows] = columns.get(name, -1 if name in ("sez", "cluster") else 0)
        self.alive[rows] = True
        self.n = need
        return rows

    def add_links(self, src: np.ndarray, dst: np.ndarray) -> None:
        """Add undirected value-chain links between rows."""
        self.link_src = np.concatenate([self.link_src, np.asarray(src, dtype=np.int64)])
        self.link_dst = np.concatenate([self.link_dst, np.asarray(dst, dtype=np.int64)])

    def compact(self) -> None:
        """Drop dead rows (and links touching them); renumber live agents' rows."""
        keep = np.flatnonzero(self.alive[: self.n])
        new_index = np.full(self.n, -1, dtype=np.int64)
        new_index[keep] = np.arange(keep.size)
        for name in _COLUMNS:
            col = getattr(self, name)
            col[: keep.size] = col[keep]
        ok = (new_index[self.link_src] >= 0) & (new_index[self.link_dst] >= 0)
        self.link_src = new_index[self.link_src[ok]]
        self.link_dst = new_index[self.link_dst[ok]]
        self.agents = [self.agents[i] for i in keep]
        for row, agent in enumerate(self.agents):
            agent.row = row
        self.n = keep.size


class Firm(mesa.Agent):
    """A firm (entities: docs/ODD.md section 2). State lives in ``model.firms``.

    Attributes read the firm's row: sector, region, SEZ, cluster membership, ownership,
    export orientation, productivity, capital, employment, turnover (output), profit and
    knowledge. Units: million currency units per year for flows, persons for jobs.
    """

    model: SEZClusterModel

    def __init__(self, model: SEZClusterModel, row: int) -> None:
        super().__init__(model)
        self.row = row

    def _get(self, name: str):
        return getattr(self.model.firms, name)[self.row]

    @property
    def sector(self) -> str:
        """Sector id."""
        return self.model.spec.sectors[int(self._get("sector"))].id

    @property
    def region(self) -> str:
        """Region id."""
        return self.model.spec.regions[int(self._get("region"))].id

    @property
    def cell(self):
        """The region's cell in the model's Mesa Network space."""
        return self.model.space[self.region]

    @property
    def sez(self) -> str | None:
        """Id of the SEZ the firm is registered in, or None."""
        z = int(self._get("sez"))
        return None if z < 0 else self.model.spec.sezs[z].id

    @property
    def cluster(self) -> str | None:
        """Id of the cluster the firm belongs to, or None."""
        c = int(self._get("cluster"))
        return None if c < 0 else self.model.spec.clusters[c].id

    @property
    def in_sez(self) -> bool:
        """Registered in an SEZ."""
        return self._get("sez") >= 0

    @property
    def is_member(self) -> bool:
        """Member of a cluster."""
        return self._get("cluster") >= 0

    @property
    def foreign(self) -> bool:
        """Foreign-owned (FDI)."""
        return bool(self._get("foreign"))

    @property
    def producing(self) -> bool:
        """Producing (False while an SEZ project is under construction)."""
        return int(self._get("status")) == PRODUCING

    @property
    def export_share(self) -> float:
        """Exports / turnover of the last year."""
        t = self._get("turnover")
        return float(self._get("exports") / t) if t > 0 else 0.0

    productivity = property(lambda self: float(self._get("productivity")), doc="z_i, index")
    capital = property(lambda self: float(self._get("capital")), doc="million currency")
    employment = property(lambda self: float(self._get("employment")), doc="persons")
    output = property(lambda self: float(self._get("turnover")), doc="turnover, million/yr")
    profit = property(lambda self: float(self._get("profit")), doc="pre-tax, million/yr")
    knowledge = property(lambda self: float(self._get("knowledge")), doc="log points")
