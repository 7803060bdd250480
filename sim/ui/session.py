"""One user's exploration: a model built from a scenario, a policy and parameter choices.

Plain Python (no Solara), so the pages stay thin and this part is tested without a
browser. Everything shown is read from the model, its territory and its indicator table.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.model import SEZClusterModel
from sim.parameters import ModelParameters
from sim.scenario import (
    Scenario,
    ScenarioError,
    apply_overrides,
    load_scenario,
    read_yaml,
    validate_scenario,
)
from sim.ui.geo import FixedScales
from sim.ui.runloop import RunControl

__all__ = [
    "ROOT",
    "ExploreSession",
    "ParameterControl",
    "TerritoryFrames",
    "accepted_ranges",
    "parameter_controls",
    "shipped_scenarios",
]

#: The repository root (scenarios/ lives there).
ROOT = Path(__file__).resolve().parent.parent.parent


def shipped_scenarios() -> list[Path]:
    """The scenario files shipped in ``scenarios/``, sorted by name."""
    return sorted((ROOT / "scenarios").glob("*.yaml"))


@dataclass(frozen=True)
class ParameterControl:
    """A slider for one model parameter, with the schema's unit, range and default."""

    name: str
    default: float
    low: float
    high: float
    step: float
    integer: bool
    unit: str
    description: str

    @property
    def label(self) -> str:
        """Name and unit, as shown next to the slider."""
        return f"{self.name} [{self.unit}]"


def parameter_controls() -> list[ParameterControl]:
    """One control per numeric parameter with a default and a bounded range.

    Parameters that are unset by default (e.g. ``trade_freeness``, only for the
    two-region validation case) are left to the scenario file.
    """
    out = []
    for name, field in ModelParameters.model_fields.items():
        if field.default is None:
            continue
        low = high = None
        strict_low = strict_high = False
        for meta in field.metadata:
            if getattr(meta, "ge", None) is not None or getattr(meta, "gt", None) is not None:
                strict_low = getattr(meta, "gt", None) is not None
                low = meta.gt if strict_low else meta.ge
            if getattr(meta, "le", None) is not None or getattr(meta, "lt", None) is not None:
                strict_high = getattr(meta, "lt", None) is not None
                high = meta.lt if strict_high else meta.le
        if low is None or high is None:
            continue
        integer = field.annotation is int
        extra = field.json_schema_extra or {}
        # Fine enough to reach the default and a tenth of it on either side.
        span = (high - low) / 200
        step = (
            1.0
            if integer
            else _nice_step(min(span, abs(field.default) / 10 or span), field.default)
        )
        # The slider moves on a grid of steps; a strict bound (gt / lt) is not a value.
        bottom = float(np.ceil(round(low / step, 9)) * step)
        top = float(np.floor(round(high / step, 9)) * step)
        if strict_low and bottom <= low:
            bottom += step
        if strict_high and top >= high:
            top -= step
        low, high, step = round(bottom, 10), round(top, 10), round(step, 10)
        out.append(
            ParameterControl(
                name=name,
                default=field.default,
                low=low,
                high=high,
                step=step,
                integer=integer,
                unit=str(extra.get("unit", "")),
                description=field.description or "",
            )
        )
    return out


def _nice_step(raw: float, default: float) -> float:
    """A power of ten at most ``raw`` on whose grid the default lies."""
    step = 10 ** np.floor(np.log10(raw))
    while abs(default / step - round(default / step)) > 1e-6:
        step /= 10
    return float(step)


def accepted_ranges(
    scenario: str | Path, overrides: dict[str, Any], controls: list[ParameterControl]
) -> dict[str, tuple[float, float]]:
    """Each slider's range narrowed to what the scenario accepts, the others held fixed.

    The scenario's own validation decides (e.g. ``sigma`` must leave room for every
    sector's labour share): each end of the schema's range that the scenario rejects
    is moved inwards, by bisection on the slider's grid, to the last accepted value.

    Args:
        scenario: scenario file.
        overrides: the other parameters' values (as the model will run with them).
        controls: the sliders.

    Returns:
        ``{name: (low, high)}``; the schema's range where the scenario accepts it whole,
        and no narrowing when the current value itself is rejected.
    """
    file = str(scenario)
    try:
        data = read_yaml(scenario)
    except ScenarioError:
        return {c.name: (c.low, c.high) for c in controls}

    out = {}
    for c in controls:
        current = float(overrides.get(c.name, c.default))

        def accepted(value: float, c: ParameterControl = c) -> bool:
            v = round(value) if c.integer else value
            try:
                validate_scenario(apply_overrides(data, {**overrides, c.name: v}, file), file)
            except ScenarioError:
                return False
            return True

        low, high = c.low, c.high
        if accepted(current):
            if not accepted(low):
                low = _bisect(current, low, accepted, c.step)
            if not accepted(high):
                high = _bisect(current, high, accepted, c.step)
        out[c.name] = (low, high)
    return out


def _bisect(good: float, bad: float, accepted: Any, step: float) -> float:
    """The accepted grid value nearest ``bad`` between an accepted and a rejected value."""
    while abs(bad - good) > step * 1.0001:
        middle = round(round((good + bad) / 2 / step) * step, 10)
        if middle in (good, bad):
            break
        if accepted(middle):
            good = middle
        else:
            bad = middle
    return good


@dataclass
class TerritoryFrames:
    """What the territory view draws, for the last simulated year.

    Attributes:
        regions: one row per region: id, name, lon, lat, and its indicators.
        sezs: one row per SEZ: id, name, region, lon, lat, status, participants, indicators.
        clusters: one row per cluster: id, name, sector, lon, lat, members, indicators.
        links: lines to draw: kind ("value chain" or "cluster-SEZ"), from/to lon/lat, weight.
    """

    regions: pd.DataFrame
    sezs: pd.DataFrame
    clusters: pd.DataFrame
    links: pd.DataFrame


class ExploreSession:
    """A model the user steps, with its scenario, policy, seed and parameter overrides.

    Args:
        scenario: scenario file (or a validated scenario).
        policy: ``merge``, ``no_merge`` or ``heterodox``.
        seed: Mesa ``rng`` seed.
        overrides: parameter overrides ``{name: value}`` (validated by the model).

    Raises:
        sim.scenario.ScenarioError: the scenario or an override is invalid.
    """

    def __init__(
        self,
        scenario: str | Path | Scenario,
        policy: str = "merge",
        seed: int = 42,
        overrides: dict[str, Any] | None = None,
    ) -> None:
        self.policy = policy
        self.seed = seed
        self.overrides = dict(overrides or {})
        spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.model = SEZClusterModel(spec, policy=policy, rng=seed, **self.overrides)
        self.step_seconds: list[float] = []
        # The page reads the model while a background thread steps it.
        self.lock = threading.RLock()
        #: What Play / Pause / Step / run-to-year ask of this model's one run loop.
        self.control = RunControl()
        #: Scale tops of the map, kept from year to year.
        self.scales = FixedScales()
        #: Set when the page has drawn the last year (the run loop waits for it).
        self.drawn = threading.Event()

    @property
    def merged(self) -> bool:
        """Whether the policy merges clusters into SEZs (pairing lines are drawn)."""
        return bool(self.model.policy.merge_clusters_into_sezs)

    @property
    def spec(self) -> Scenario:
        """The validated scenario (with the overrides applied)."""
        return self.model.spec

    @property
    def running(self) -> bool:
        """Whether years remain to simulate."""
        return self.model.year <= self.model.end_year

    @property
    def simulated(self) -> int:
        """Years simulated so far."""
        return len(self.step_seconds)

    @property
    def year(self) -> int:
        """The last simulated year (the start year before the first step)."""
        return self.model.last_year

    def step(self) -> float:
        """Simulate one year; return the wall time it took, seconds."""
        with self.lock:
            started = time.perf_counter()
            self.model.step()
            took = time.perf_counter() - started
            self.step_seconds.append(took)
        return took

    def parameter(self, name: str) -> Any:
        """The value of a parameter the model runs with."""
        return getattr(self.model.params, name)

    def national(self) -> pd.DataFrame:
        """National indicators, one row per simulated year."""
        with self.lock:
            table = self.model.indicators()
        if table.empty:
            return table
        return table[table["scope"] == "national"].reset_index(drop=True)

    def latest(self, scope: str) -> pd.DataFrame:
        """Indicators of the last simulated year at one scope, indexed by name."""
        with self.lock:
            table = self.model.indicators()
        if table.empty:
            return pd.DataFrame()
        rows = table[(table["scope"] == scope) & (table["year"] == table["year"].max())]
        return rows.set_index("name").drop(columns=["scope"])

    def territory(self) -> TerritoryFrames:
        """Regions, SEZs, clusters and links with positions and last-year indicators."""
        with self.lock:
            return self._territory()

    def _territory(self) -> TerritoryFrames:
        spec, model = self.spec, self.model
        pos = {r.id: (r.lon, r.lat) for r in spec.regions}
        regions = pd.DataFrame(
            [{"id": r.id, "name": r.name, "lon": r.lon, "lat": r.lat} for r in spec.regions]
        )
        regions = _join(regions, self.latest("region"))

        # Several SEZs can share a region: spread them on a small ring around its centre.
        by_region: dict[str, list[int]] = {}
        for z, zone in enumerate(spec.sezs):
            by_region.setdefault(zone.region, []).append(z)
        sez_rows = []
        open_now = model.government.sez_open
        for z, zone in enumerate(spec.sezs):
            mates = by_region[zone.region]
            lon, lat = _ring(pos[zone.region], mates.index(z), len(mates), 0.9)
            if open_now[z]:
                status = "active"
            elif self.year < zone.opens:
                status = "not yet open"
            else:
                status = "closed"
            sez_rows.append(
                {
                    "id": zone.id,
                    "name": zone.name,
                    "region": zone.region,
                    "lon": lon,
                    "lat": lat,
                    "status": status,
                    "period": f"{zone.opens}-{zone.closes}",
                }
            )
        sezs = _join(pd.DataFrame(sez_rows), self.latest("sez"))
        if not sezs.empty:
            sezs["participants"] = sezs.get("sez_registered", 0.0)

        cluster_rows = []
        regions_now = model.cluster_region_now
        for c, cl in enumerate(spec.clusters):
            region = spec.regions[int(regions_now[c])].id
            lon, lat = _ring(pos[region], c % 6, 6, 1.6)
            cluster_rows.append(
                {
                    "id": cl.id,
                    "name": cl.name,
                    "sector": cl.sector,
                    "region": region,
                    "lon": lon,
                    "lat": lat,
                }
            )
        clusters = _join(pd.DataFrame(cluster_rows), self.latest("cluster"))

        links = [*self._value_chain_links(), *_pairing_links(spec, sezs, clusters)]
        return TerritoryFrames(regions, sezs, clusters, pd.DataFrame(links, columns=_LINK_COLS))

    def _value_chain_links(self) -> list[dict[str, Any]]:
        """Value-chain links between live firms, counted by pair of regions."""
        firms, spec = self.model.firms, self.spec
        src, dst = firms.link_src, firms.link_dst
        if src.size == 0:
            return []
        alive = firms.view("alive")
        ok = alive[src] & alive[dst]
        region = firms.view("region")
        a, b = region[src[ok]], region[dst[ok]]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        pairs, counts = np.unique(np.stack([lo, hi]), axis=1, return_counts=True)
        out = []
        for (i, j), n in zip(pairs.T, counts, strict=True):
            if i == j:
                continue  # links inside a region show as the region's size
            ri, rj = spec.regions[int(i)], spec.regions[int(j)]
            out.append(
                {
                    "kind": "value chain",
                    "source": ri.name,
                    "target": rj.name,
                    "lon": ri.lon,
                    "lat": ri.lat,
                    "lon2": rj.lon,
                    "lat2": rj.lat,
                    "weight": float(n),
                }
            )
        return out


_LINK_COLS = ["kind", "source", "target", "lon", "lat", "lon2", "lat2", "weight"]


def _pairing_links(
    spec: Scenario, sezs: pd.DataFrame, clusters: pd.DataFrame
) -> list[dict[str, Any]]:
    """Each cluster to the SEZs the scenario pairs it with (the merge's cluster zones)."""
    if sezs.empty or clusters.empty:
        return []
    at = sezs.set_index("id")
    out = []
    for cl, row in zip(spec.clusters, clusters.itertuples(), strict=True):
        for z in cl.sezs:
            out.append(
                {
                    "kind": "cluster-SEZ",
                    "source": cl.name,
                    "target": str(at.loc[z, "name"]),
                    "lon": row.lon,
                    "lat": row.lat,
                    "lon2": float(at.loc[z, "lon"]),
                    "lat2": float(at.loc[z, "lat"]),
                    "weight": 1.0,
                }
            )
    return out


def _ring(centre: tuple[float, float], k: int, n: int, radius: float) -> tuple[float, float]:
    """Position ``k`` of ``n`` on a ring of ``radius`` degrees (the centre when n == 1)."""
    if n <= 1 and radius < 1.0:
        return centre
    angle = 2 * np.pi * k / max(n, 1) + np.pi / 4
    return centre[0] + radius * np.cos(angle), centre[1] + 0.6 * radius * np.sin(angle)


def _join(frame: pd.DataFrame, latest: pd.DataFrame) -> pd.DataFrame:
    """Attach last-year indicators (indexed by id) to a frame with an ``id`` column."""
    if frame.empty:
        return frame
    if latest.empty:
        for col in ("firms", "sez_registered", "employment", "turnover", "taxes"):
            frame[col] = 0.0
        return frame
    cols = latest.drop(columns=["year"]).dropna(axis=1, how="all")
    return frame.join(cols, on="id").fillna({c: 0.0 for c in cols.columns})
