"""Firms: the state of every firm in one struct of arrays, and a thin Mesa agent per firm.

The arithmetic of a year runs over whole columns of :class:`FirmTable` (numpy), so the
cost of a step grows linearly with the number of firms and no formula is evaluated one
Python call per firm. Each live firm is also a Mesa :class:`Firm` agent (registered with
the model, visible to ``model.agents_by_type[Firm]``, DataCollector and the UI) whose
attributes read its row of the table.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from itertools import repeat
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
from mesa.agentset import _HardKeyAgentSet
from mesa.experimental.mesa_signals.signal_types import ModelSignals

if TYPE_CHECKING:
    from sim.model import SEZClusterModel

__all__ = ["PRODUCING", "PROJECT", "Firm", "FirmAgents", "FirmTable"]

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
    "via_merge": bool,  # in its SEZ only through merging (registered member, admitted entrant)
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
#: Value of a column in a row nobody has written (rows past ``n`` always hold these).
_DEFAULTS: dict[str, int] = {"sez": -1, "cluster": -1}


class FirmTable:
    """Struct of arrays holding every firm ever created in a run (dead rows compacted).

    Rows ``0 .. n-1`` are in use; ``alive`` marks the live ones. ``unique_id`` is the
    Mesa ``unique_id`` of each row's :class:`Firm` agent: it grows in order of creation
    and never changes, so it stays sorted through compaction and a firm's row is found
    by bisection (:meth:`row_of`). The agents themselves are in a list indexed by
    ``unique_id`` minus the first firm's (:meth:`attach`, :meth:`detach`; ``agents``
    gives them by row), which compaction never touches; it holds None for firms that
    left (8 bytes per firm ever created). It is a list, not a numpy object column, on
    purpose: numpy arrays are invisible to Python's cycle collector, and agents point to
    their model, so a column of agents would keep every finished model alive.
    Value-chain links are two index arrays ``link_src`` / ``link_dst`` into the rows.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self._cap = max(16, capacity)
        for name, dtype in _COLUMNS.items():
            setattr(self, name, np.zeros(self._cap, dtype=dtype))
        for name, value in _DEFAULTS.items():
            getattr(self, name)[:] = value
        self.unique_id = np.zeros(self._cap, dtype=np.int64)
        self._agent_list: list[Firm | None] = []
        self._first_id = 0  # unique_id of _agent_list[0]
        #: Called before ``agents`` is read (the model's FirmAgents.materialise).
        self.before_agents: Callable[[], None] | None = None
        self.link_src = np.empty(0, dtype=np.int64)
        self.link_dst = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return self.n

    @property
    def agents(self) -> np.ndarray:
        """(n,) object array: the Mesa agent of each row, None for a firm that left."""
        if self.before_agents is not None:
            self.before_agents()
        slots = self._slots(np.arange(self.n))
        return np.fromiter(map(self._agent_list.__getitem__, slots), dtype=object, count=self.n)

    def _slots(self, rows: np.ndarray) -> list[int]:
        return (self.unique_id[rows] - self._first_id).tolist()

    def attach(self, rows: np.ndarray, agents: list[Firm]) -> None:
        """Record the agents of ``rows`` (same order; rows appended last, ids increasing)."""
        if not len(rows):
            if agents:
                raise ValueError(f"0 rows but {len(agents)} agents")
            return
        if not self._agent_list:
            # The table's first row, not the first row attached: a row above it that
            # left before any agent was made would otherwise get a negative slot, which
            # Python's list indexing wraps round to another firm's agent.
            self._first_id = int(self.unique_id[0])
        if len(rows) != len(agents):
            raise ValueError(f"{len(rows)} rows but {len(agents)} agents")
        lst = self._agent_list
        first = int(self.unique_id[rows[0]]) - self._first_id
        last = int(self.unique_id[rows[-1]]) - self._first_id
        if first == len(lst) and last == first + len(rows) - 1:
            lst.extend(agents)  # the usual case: consecutive ids just after the last
        else:
            slots = self._slots(rows)
            lst.extend([None] * (max(slots) + 1 - len(lst)))
            deque(map(lst.__setitem__, slots, agents), maxlen=0)

    def detach(self, rows: np.ndarray) -> list[Firm]:
        """Forget and return the agents of ``rows`` (those that have one)."""
        slots, lst = self._slots(rows), self._agent_list
        agents = list(map(lst.__getitem__, slots))
        deque(map(lst.__setitem__, slots, repeat(None)), maxlen=0)
        return [a for a in agents if a is not None]

    def drop(self, rows: np.ndarray, own: dict, registry: dict) -> None:
        """Forget the agents of ``rows`` and delete them from two registries (dicts).

        What :meth:`detach` then ``registry.pop(agent)`` for each does, in one loop. Rows
        whose agent was never made (past the end of the list) are skipped.
        """
        if len(rows) and self._agent_list:
            slots = self.unique_id[rows] - self._first_id
            slots = slots[(slots >= 0) & (slots < len(self._agent_list))]
            _drop_agents(self._agent_list, slots, own, registry)

    def view(self, name: str) -> np.ndarray:
        """The used part of one column (a view, not a copy)."""
        return getattr(self, name)[: self.n]

    def row_of(self, unique_id: int) -> int:
        """Current row of the firm with this Mesa ``unique_id`` (-1 if not in the table)."""
        ids = self.unique_id[: self.n]
        row = int(np.searchsorted(ids, unique_id))
        return row if row < self.n and ids[row] == unique_id else -1

    def append(
        self,
        count: int,
        unique_id: np.ndarray | None = None,
        **columns: np.ndarray | float | int | bool,
    ) -> np.ndarray:
        """Add ``count`` rows with the given column values; return their row indices.

        ``unique_id`` must continue the increasing sequence (default: last id + 1, ...).
        """
        need = self.n + count
        if need > self._cap:
            new_cap = max(need, 2 * self._cap)
            for name in (*_COLUMNS, "unique_id"):
                old = getattr(self, name)
                grown = np.full(new_cap, _DEFAULTS.get(name, 0), dtype=old.dtype)
                grown[: self.n] = old[: self.n]
                setattr(self, name, grown)
            self._cap = new_cap
        rows = slice(self.n, need)
        # Rows past n hold the defaults (set at growth and compaction): write the given.
        unknown = columns.keys() - _COLUMNS.keys()
        if unknown:
            raise KeyError(f"unknown firm columns: {sorted(unknown)}")
        for name, value in columns.items():
            getattr(self, name)[rows] = value
        self.alive[rows] = True
        if unique_id is None:
            start = int(self.unique_id[self.n - 1]) + 1 if self.n else 0
            unique_id = np.arange(start, start + count)
        self.unique_id[rows] = unique_id
        self.n = need
        return np.arange(rows.start, rows.stop)

    def add_links(self, src: np.ndarray, dst: np.ndarray) -> None:
        """Add undirected value-chain links between rows."""
        self.link_src = np.concatenate([self.link_src, np.asarray(src, dtype=np.int64)])
        self.link_dst = np.concatenate([self.link_dst, np.asarray(dst, dtype=np.int64)])

    def compact_when_sparse(self) -> None:
        """Compact the table when dead rows make up more than a quarter of it.

        Dead rows keep the flows of their last year until the year's stages rewrite every
        row's flows: production and trade, taxes, innovation and investment give a dead
        row exactly zero, and nothing reads a flow before it is rewritten.
        """
        dead = self.n - np.count_nonzero(self.alive[: self.n])
        if dead > 0.25 * self.n and self.n > 256:
            self.compact()

    def compact(self) -> None:
        """Drop dead rows (and links touching them); keep the order of the others.

        Agents keep their ``unique_id``, so nothing per agent is renumbered: the cost is a
        few numpy gathers, whatever the number of agents.
        """
        keep = np.flatnonzero(self.alive[: self.n])
        new_index = np.full(self.n, -1, dtype=np.int64)
        new_index[keep] = np.arange(keep.size)
        for name in (*_COLUMNS, "unique_id"):
            col = getattr(self, name)
            col[: keep.size] = col[keep]
            col[keep.size : self.n] = _DEFAULTS.get(name, 0)
        ok = (new_index[self.link_src] >= 0) & (new_index[self.link_dst] >= 0)
        self.link_src = new_index[self.link_src[ok]]
        self.link_dst = new_index[self.link_dst[ok]]
        self.n = keep.size


def _batch_ok(model: mesa.Model, signal: ModelSignals) -> bool:
    """True when nothing would see per-agent registration: no signal observer, no dataset."""
    if Firm._datasets:
        return False
    if model._suppress:
        return True
    return ("agents", signal) not in model.subscribers and model._batch_context is None


class _FirmRegistry(_HardKeyAgentSet):
    """A Mesa registry holding firms whose agents are made when someone looks.

    The model's two registries that hold firms (``model.agents`` and
    ``model.agents_by_type[Firm]``) are of this kind. Every read of an agent set
    (length, iteration, membership, select, do, shuffle, pickling) goes through its
    ``_agents`` dict; here that first makes the agents of the firms that entered since
    the last look (:meth:`FirmAgents.materialise`), so what is read is what
    one-at-a-time registration would have built.
    """

    def __init__(self, agents: list, random: Any, book: FirmAgents | None) -> None:
        self._book = book
        super().__init__(agents, random=random)

    @property
    def _agents(self) -> dict:
        book = self.__dict__.get("_book")
        if book is not None and book.pending:
            book.materialise()
        return self._store

    @_agents.setter
    def _agents(self, value: dict) -> None:
        self._store = value


class FirmAgents:
    """The :class:`Firm` agents of one model, made when someone looks at them.

    Thousands of firms enter and leave every year. An entrant gets its ``unique_id`` from
    the model's counter when it enters, as ``Firm(model)`` would give it, but its agent
    object is made only when something reads the model's agent registries
    (``model.agents``, ``model.agents_by_type``, ``model.firms.agents``), when another
    agent registers, or when anything observes the model's agent signals; then the
    agents of all live firms that entered since are made at once, in id order,
    so the registries hold what one-at-a-time registration would hold. A firm that
    leaves before anyone looked never costs a Python object (docs/performance.md).
    With an observer of ``AGENT_ADDED`` / ``AGENT_REMOVED`` (or a Mesa dataset on
    ``Firm``), every firm is made by ``Firm(model)`` and removed by ``agent.remove()``,
    one signal each, as it enters and leaves.
    """

    def __init__(self, model: SEZClusterModel) -> None:
        self.model = model
        #: Firms entered whose agents are not made yet.
        self.pending = False
        self._next_id = model.agent_id_counter  # smaller ids have their agent (or left)
        old = model._all_agents
        model._all_agents = _FirmRegistry(list(old._agents), random=old.random, book=self)
        model.firms.before_agents = self.materialise

    def registry(self) -> _FirmRegistry:
        """``model.agents_by_type[Firm]``, made at the first firm (Mesa's key order)."""
        by_type = self.model._agents_by_type
        own = by_type.get(Firm)
        if own is None:
            own = by_type[Firm] = _FirmRegistry([], random=self.model.random, book=self)
        return own

    def enter(self, count: int) -> tuple[np.ndarray, list[Firm] | None]:
        """Unique ids for ``count`` entrants, and their agents if they are made now."""
        m = self.model
        self.registry()
        if not _batch_ok(m, ModelSignals.AGENT_ADDED):
            self.materialise()
            agents = [Firm(m) for _ in range(count)]
            self._next_id = m.agent_id_counter
            ids = np.fromiter(map(attrgetter("unique_id"), agents), dtype=np.int64, count=count)
            return ids, agents
        first = m.agent_id_counter
        m.agent_id_counter = first + count
        self.pending = self.pending or count > 0
        return np.arange(first, first + count, dtype=np.int64), None

    def leave(self, rows: np.ndarray) -> None:
        """Deregister the agents of firm-table ``rows`` (as ``agent.remove()`` for each)."""
        f = self.model.firms
        if not _batch_ok(self.model, ModelSignals.AGENT_REMOVED):
            self.materialise()
            for agent in f.detach(rows):
                agent.remove()
            return
        f.drop(rows, self.registry()._store, self.model._all_agents._store)

    def materialise(self) -> None:
        """Make and register the agents of the live firms that entered since the last call."""
        if not self.pending:
            return
        self.pending = False
        m, f = self.model, self.model.firms
        ids = f.unique_id[: f.n]
        start = int(np.searchsorted(ids, self._next_id))
        rows = start + np.flatnonzero(f.alive[start : f.n])
        self._next_id = m.agent_id_counter
        if rows.size:
            # What mesa.Agent.__init__ and Model.register_agent set (pos: class default).
            agents = _new_agents(Firm, m, ids[rows], m._all_agents._store, self.registry()._store)
            f.attach(rows, agents)


def _new_agents(cls: type, model: object, ids: np.ndarray, registry: dict, own: dict) -> list:
    """One agent of ``cls`` per id, added to both registries (dicts) in id order.

    What ``mesa.Agent.__init__`` and ``Model.register_agent`` leave behind (``model``,
    ``unique_id``; ``pos`` is the class default), without a call per agent.
    """
    new = object.__new__
    agents = []
    for uid in ids.tolist():
        agent = new(cls)
        agent.model = model
        agent.unique_id = uid
        agents.append(agent)
    added = dict.fromkeys(agents)
    registry.update(added)
    own.update(added)
    return agents


def _drop_agents(agents: list, slots: np.ndarray, own: dict, registry: dict) -> None:
    """Set ``agents[s]`` to None for each slot and delete those agents from both dicts."""
    index = slots.tolist()
    gone = [a for a in map(agents.__getitem__, index) if a is not None]
    deque(map(agents.__setitem__, index, repeat(None)), maxlen=0)
    deque(map(own.pop, gone, repeat(None)), maxlen=0)
    deque(map(registry.pop, gone, repeat(None)), maxlen=0)


class Firm(mesa.Agent):
    """A firm (entities: docs/ODD.md section 2). State lives in ``model.firms``.

    Attributes read the firm's row: sector, region, SEZ, cluster membership, ownership,
    export orientation, productivity, capital, employment, turnover (output), profit and
    knowledge. Units: million currency units per year for flows, persons for jobs.

    Decisions (ODD+D, docs/ODD.md 7.3 and 7.3c), taken for all firms at once, column by
    column, in the stages of :mod:`sim.processes`: where to enter (D3), relocate (D4),
    register in a cluster zone (R1), start or stop exporting (X1-X2) and join or leave a
    cluster (J1-J2), each by expected after-tax profit net of a cost.

    Firms enter and leave by the thousand every year; :class:`FirmAgents` makes their
    agents when someone looks, with the ids and registry order that ``Firm(model)`` and
    ``agent.remove()`` would give (docs/performance.md).
    """

    model: SEZClusterModel
    #: Firms are not placed in a cell-level space; ``cell`` gives their region's cell.
    pos = None

    @property
    def row(self) -> int:
        """The firm's current row in ``model.firms`` (-1 after it left and was compacted)."""
        return self.model.firms.row_of(self.unique_id)

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
